import { describe, expect, it } from 'vitest';
import { instanceLine, timeline } from './workflows.ts';

type Detail = Parameters<typeof timeline>[0];

const instance = (over: Partial<Detail>): Detail => ({
  id: 'order-to-delivery:sap:12000002',
  type: 'order-to-delivery',
  version: 5,
  status: 'COMPLETED',
  step: null,
  startedAt: '2026-12-05T10:01:12.588Z',
  updatedAt: '2026-12-05T10:01:27.959Z',
  endedAt: '2026-12-05T10:01:27.959Z',
  correlationId: '0000000000412002',
  executorId: 'orch-1',
  detail: null,
  output: null,
  error: null,
  timeline: [],
  ...over,
});

const op = (n: number, name: string, output: unknown, ms = 5) => ({
  n,
  name,
  at: '2026-12-05T10:01:12.718Z',
  ms,
  output,
  error: null,
});

describe('eai workflows show, as text', () => {
  it('says what each receive took from the inbox (kind, shipment, tracking or none, receipt) and the deadlines', () => {
    const text = timeline(
      instance({
        output: { outcome: 'COMPLETED', compensated: [], shipmentId: 'epcis:desadv:0614141000005:SH1' },
        timeline: [
          op(1, 'DBOS.recv', {
            kind: 'despatch.receipt',
            eventId: 'r1',
            data: { outcome: 'APPLIED', reason: null, connector: 'logistics-despatch' },
          }),
          op(2, 'DBOS.sleep', Date.parse('2026-12-05T11:01:12.719Z'), 0),
          op(3, 'DBOS.recv', {
            kind: 'shipment.asn',
            eventId: 'e1',
            data: { shipmentId: 'epcis:desadv:0614141000005:SH1', status: 'SHIPPED', trackingNumbers: [] },
          }),
          op(6, 'DBOS.recv', {
            kind: 'shipment.asn',
            eventId: 'e2',
            data: {
              shipmentId: 'edi:SIMLOGISTICS:SH1',
              status: 'SHIPPED',
              trackingNumbers: ['700573602041'],
            },
          }),
          op(9, 'DBOS.recv', null, 2500),
        ],
      }),
    );
    expect(text).toContain('DBOS.recv');
    expect(text).toContain('← despatch.receipt APPLIED');
    expect(text).toContain('deadline 2026-12-05T11:01:12.719Z');
    expect(text).toContain('← shipment.asn epcis:desadv:0614141000005:SH1 SHIPPED, no tracking number');
    expect(text).toContain('← shipment.asn edi:SIMLOGISTICS:SH1 SHIPPED, tracking 700573602041');
    expect(text).toContain('2500 ms  ← nothing before the deadline');
    expect(text).toContain('  shipment: epcis:desadv:0614141000005:SH1');
  });

  it("a compensated instance names what was compensated; a step's output stays out of the text", () => {
    const text = timeline(
      instance({
        status: 'CANCELLED',
        detail: 'interrupted by operator.cancel: customer called (admin)',
        output: { outcome: 'CANCELLED', compensated: ['erp-credit-hold'] },
        timeline: [op(1, 'erp-credit-hold', 'order-to-delivery:sap:12000005:erp-credit-hold', 23)],
      }),
    );
    expect(text.split('\n')).toEqual([
      'order-to-delivery:sap:12000002  order-to-delivery@5  CANCELLED',
      '  started 2026-12-05T10:01:12.588Z  correlation 0000000000412002  executor orch-1',
      '  interrupted by operator.cancel: customer called (admin)',
      '  compensated: erp-credit-hold',
      '    1  2026-12-05T10:01:12.718Z erp-credit-hold                      23 ms',
    ]);
  });
});

describe('eai workflows show, a parked instance', () => {
  it("names an operator's action and the hub's automatic retry (it read '← message (auto)')", () => {
    const text = timeline(
      instance({
        status: 'RUNNING',
        timeline: [
          op(1, 'DBOS.recv', { action: 'retry', by: 'auto' }),
          op(2, 'DBOS.recv', { action: 'retry', by: 'oncall' }),
          op(3, 'DBOS.recv', { action: 'cancel', by: 'oncall', reason: 'customer called' }),
        ],
      }),
    );
    expect(text).toContain('← retry (automatic retry)');
    expect(text).toContain('← retry (oncall)');
    expect(text).toContain('← cancel (oncall): customer called');
    expect(text).not.toContain('← message');
  });
});

describe('eai workflows show, a credit check', () => {
  it('says why an order is on credit hold (result, SAP reason, exposure and limit), alone or first of its group', () => {
    const text = timeline(
      instance({
        status: 'WAITING',
        step: 'await-credit-approval',
        timeline: [
          op(0, 'credit-check+erp-confirm+logistics-despatch', {
            results: [
              {
                result: 'blocked',
                reason: 'OLDEST_OPEN_ITEM_OVERDUE',
                creditLimit: 5000616.71,
                exposure: 104074.81,
              },
            ],
          }),
          op(1, 'erp-credit-hold', 'order-to-delivery:sap:12000008:erp-credit-hold'),
          op(4, 'credit-check-2', { result: 'approved', creditLimit: 900, exposure: 100 }),
          op(5, 'credit-check', { result: 'blocked', reason: 'CREDIT_BLOCKED' }),
        ],
      }),
    );
    expect(text).toContain(
      'credit-check+erp-confirm+logistics-despatch 5 ms  credit blocked: OLDEST_OPEN_ITEM_OVERDUE (exposure 104074.81, limit 5000616.71)',
    );
    expect(text).toContain(
      'credit-check-2                       5 ms  credit approved (exposure 100, limit 900)',
    );
    expect(text).toContain('credit-check                         5 ms  credit blocked: CREDIT_BLOCKED');
    expect(text).not.toContain('erp-credit-hold                      5 ms  credit');
  });
});

describe('eai workflows ls, as text', () => {
  it('shows when an instance started, not when DBOS last updated it; a finished one also when it ended', () => {
    const parked = instanceLine(
      instance({ status: 'PARKED', step: 'credit-check', updatedAt: '2026-12-05T11:30:00.000Z' }),
    );
    expect(parked).toContain('started 2026-12-05T10:01:12.588Z');
    expect(parked).not.toContain('2026-12-05T11:30:00.000Z');
    expect(instanceLine(instance({}))).toMatch(
      /started 2026-12-05T10:01:12\.588Z {2}ended 2026-12-05T10:01:27\.959Z$/,
    );
  });

  it("a finished instance's end is its endedAt, not DBOS's updatedAt (which its bookkeeping moves)", () => {
    const line = instanceLine(
      instance({
        status: 'CANCELLED',
        updatedAt: '2026-12-06T08:00:00.000Z',
        endedAt: '2026-12-05T10:05:00.000Z',
      }),
    );
    expect(line).toMatch(/ended 2026-12-05T10:05:00\.000Z$/);
    expect(line).not.toContain('2026-12-06T08:00:00.000Z');
    // An answer without endedAt (a hub before it) shows no end rather than a wrong one.
    expect(instanceLine(instance({ endedAt: undefined }))).not.toContain('ended');
  });

  it("show names a credit rejection's reason and who sent it", () => {
    const text = timeline(
      instance({
        timeline: [
          op(4, 'DBOS.recv', {
            kind: 'signal.reject-credit',
            eventId: 's1',
            data: { reason: 'customer over limit' },
            by: 'oncall',
          }),
        ],
      }),
    );
    expect(text).toContain('← signal.reject-credit: customer over limit (oncall)');
  });

  it("show says when a parked instance's next automatic retry is due, or that they ran out", () => {
    const parked = { status: 'PARKED', step: 'credit-check', detail: 'credit check: SAP answered 503' };
    const scheduled = timeline(
      instance({
        ...parked,
        autoRetry: { attempts: 2, state: 'scheduled', nextAt: '2026-12-05T10:09:00.000Z', gaveUpAt: null },
      }),
    );
    expect(scheduled.split('\n')[3]).toBe('  2 automatic retries ran; the next at 2026-12-05T10:09:00.000Z');
    const exhausted = timeline(
      instance({
        ...parked,
        autoRetry: { attempts: 52, state: 'exhausted', nextAt: null, gaveUpAt: '2026-12-06T10:01:00.000Z' },
      }),
    );
    expect(exhausted).toContain(
      '  52 automatic retries ran and ran out at 2026-12-06T10:01:00.000Z: retry it by hand (eai workflows retry) or cancel it',
    );
    expect(timeline(instance({ autoRetry: null }))).not.toContain('automatic');
  });

  it("a viewer's copy (no outputs served) says they were left out, not that a receive got nothing", () => {
    const text = timeline(
      instance({
        outputsShown: false,
        timeline: [op(1, 'DBOS.recv', null, 2500), op(2, 'credit-check', null)],
      }),
    );
    expect(text).toContain(
      "  outputs left out: they hold the document's data, which an operator's token reads",
    );
    expect(text).not.toContain('nothing before the deadline');
  });
});
