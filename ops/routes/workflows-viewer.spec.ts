import type { WorkflowStatus } from '@dbos-inc/dbos-sdk';
import { describe, expect, it } from 'vitest';
import { HttpRefusedError } from '../../connectors/transports/http-errors.ts';
import type { InstanceDetail } from '../../orchestrator/index.ts';
import { stateOf } from '../../orchestrator/operators.ts';
import { amendmentChanges, tooLateNote } from '../../orchestrator/workflows/order-to-delivery/amendments.ts';
import type { OrderRecord } from '../../orchestrator/workflows/order-to-delivery/steps.ts';
import { creditCheckRefusal } from '../../orchestrator/workflows/order-to-delivery/steps.ts';
import { instanceFor } from './workflows.ts';

// An instance whose credit check SAP refused with its words about the customer, and whose despatch the logistics
// provider refused with a plain-text answer echoing the ship-to: what GET /workflows/{id} serves.
const refusal = creditCheckRefusal('100170', 400, 'Customer Jane Roe (jane.roe@example.com) is blocked');
const despatch = new HttpRefusedError(
  { connector: 'logistics-despatch', method: 'POST', path: '/api/despatch-requests' },
  422,
  'unknown ship-to country for Jane Roe, Hauptstr. 1',
).message;
const instance: InstanceDetail = {
  id: 'order-to-delivery:sap:0000004711',
  type: 'order-to-delivery',
  version: 5,
  status: 'COMPENSATED',
  step: 'credit-check',
  startedAt: '2026-12-07T10:00:00.000Z',
  updatedAt: '2026-12-07T10:00:05.000Z',
  endedAt: '2026-12-07T10:00:05.000Z',
  correlationId: 'sap:0000004711',
  executorId: 'hub-1',
  detail: refusal,
  output: { outcome: 'COMPENSATED', reason: refusal, compensated: ['erp-confirm'] },
  error: despatch,
  autoRetry: null,
  timeline: [
    { n: 1, name: 'credit-check', at: null, ms: 12, output: null, error: refusal },
    {
      n: 2,
      name: 'logistics-despatch',
      at: null,
      ms: 30,
      output: { status: 'REFUSED', reason: despatch },
      error: null,
    },
  ],
};

describe('a workflow instance as a viewer and as an operator read it', () => {
  it('gives a viewer the steps, statuses and reasons without the document values they quote', () => {
    const shown = instanceFor('viewer', instance);
    expect(JSON.stringify(shown)).not.toMatch(/Jane|jane|Hauptstr/);
    expect(shown.detail).toBe('credit check: SAP refused customer 100170 (HTTP 400): "…"');
    expect(shown.error).toBe('logistics-despatch: POST /api/despatch-requests refused with HTTP 422: "…"');
    expect(shown.timeline.map((s) => [s.name, s.at, s.ms, s.error])).toEqual([
      ['credit-check', null, 12, shown.detail],
      ['logistics-despatch', null, 30, null],
    ]);
  });

  it("gives a viewer no outputs: a step's result and an event's payload hold the document's data, unmarked", () => {
    // What a step returned or received is data no one marked: the order an event brought, SAP's credit figures.
    const order = {
      ...instance,
      output: {
        outcome: 'COMPLETED',
        shipmentId: 'SHP-1',
        shipTo: { name: 'Jane Roe', street: 'Hauptstr. 1' },
      },
      timeline: [
        {
          n: 1,
          name: 'DBOS.recv',
          at: null,
          ms: 3,
          output: { kind: 'order.amended', data: { order: { soldTo: { email: 'jane.roe@example.com' } } } },
          error: null,
        },
        {
          n: 2,
          name: 'credit-check',
          at: null,
          ms: 12,
          output: { result: 'ok', exposure: 1200 },
          error: null,
        },
      ],
    };
    const viewer = instanceFor('viewer', order);
    expect(JSON.stringify(viewer)).not.toMatch(/Jane|jane|Hauptstr|1200/);
    expect(viewer.outputsShown).toBe(false);
    expect(viewer.output).toBeNull();
    expect(viewer.timeline.map((s) => [s.name, s.ms, s.output])).toEqual([
      ['DBOS.recv', 3, null],
      ['credit-check', 12, null],
    ]);
    const operator = instanceFor('operator', order);
    expect(operator.outputsShown).toBe(true);
    expect(operator.output).toEqual(order.output);
    expect(operator.timeline.map((s) => s.output)).toEqual(order.timeline.map((s) => s.output));
  });

  it("gives a viewer an amendment that came too late without the order's quantities and totals, an operator with them", () => {
    const order = (quantity: string, total: string): OrderRecord => ({
      orderId: 'sap:0000004711',
      lines: [{ lineNumber: '10', quantity: { value: quantity, unitCode: 'C62' } }],
      totalAmount: { amount: total, currency: 'EUR' },
    });
    const changes = amendmentChanges(order('12', '17998.81'), order('20', '29998.81'));
    // One note as order-to-delivery v7 writes it, one as it wrote it before it marked the values (2026-12-05 to -07).
    const old = ['line 10 quantity 13 → 21 C62', 'total 18998.81 EUR → 30998.81 EUR'];
    const amendments = [
      { eventId: 'e1', applied: false, at: 'await-asn', changes, note: tooLateNote('e1', changes) },
      { eventId: 'e2', applied: false, at: 'await-delivery', changes: old, note: tooLateNote('e2', old) },
    ];
    const output = { outcome: 'COMPLETED', version: 7, compensated: [], shipmentId: 'SHP-1', amendments };
    const state = stateOf({ status: 'SUCCESS', output } as unknown as WorkflowStatus, null);
    const completed: InstanceDetail = {
      ...instance,
      version: 7,
      status: 'COMPLETED',
      step: null,
      detail: state?.detail ?? null,
      output,
      error: null,
      timeline: [
        { n: 9, name: 'amendment-too-late', at: null, ms: 2, output: amendments[0]!.note, error: null },
      ],
    };
    const viewer = instanceFor('viewer', completed);
    expect(JSON.stringify(viewer)).not.toMatch(/998|quantity 1|→ 2/);
    expect(viewer.detail).toBe(
      'amendment e1 came too late: the despatch request had gone out with the order as it was, not applied ' +
        '(line 10 quantity "…" → "…" C62; total "…" EUR → "…" EUR); change it at logistics and in the ERP by hand; ' +
        'amendment e2 came too late: the despatch request had gone out with the order as it was, not applied ' +
        '("…"); change it at logistics and in the ERP by hand',
    );
    const operator = instanceFor('operator', completed);
    expect(JSON.stringify(operator)).not.toMatch(/[\u2068\u2069]/);
    expect(operator.detail).toContain('(line 10 quantity 12 → 20 C62; total 17998.81 EUR → 29998.81 EUR)');
    expect(operator.detail).toContain('(line 10 quantity 13 → 21 C62; total 18998.81 EUR → 30998.81 EUR)');
    expect((operator.output as typeof output).amendments[0]!.changes).toEqual([
      'line 10 quantity 12 → 20 C62',
      'total 17998.81 EUR → 29998.81 EUR',
    ]);
    expect(operator.timeline[0]!.output).toContain('(line 10 quantity 12 → 20 C62;');
  });

  it('gives an operator the whole reasons and outputs as plain text', () => {
    const shown = instanceFor('operator', instance);
    expect(JSON.stringify(shown)).not.toMatch(/[\u2068\u2069]/);
    expect(shown.detail).toContain('Customer Jane Roe (jane.roe@example.com) is blocked');
    expect((shown.output as { reason: string }).reason).toBe(shown.detail);
    expect((shown.timeline[1]!.output as { reason: string }).reason).toContain('for Jane Roe, Hauptstr. 1');
  });
});
