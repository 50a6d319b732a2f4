import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDeadLetter } from '../../bus/index.ts';
import { exampleJson } from '../../schemas/examples.ts';
import type { DespatchRequest } from '../../simulators/logistics/state.ts';
import { type LogisticsHarness, startLogistics } from '../../simulators/logistics/test-support.ts';
import { readRawMessages } from '../../tests/raw-consumer.ts';
import { unique } from '../../tests/stack.ts';
import { type ConnectorRuntime, connectorKey, sinkGroupId } from '../index.ts';
import { startRuntime, uniqueOrder, waitFor } from './test-support.ts';

type Order = Record<string, unknown> & { salesOrder: Record<string, unknown> };

/** A SalesOrderEvent of the schema's example, with its own order number and status. */
function orderEvent(orderNumber: string, status: string, shipToName = 'Müller Werk 2'): Order {
  const base = exampleJson('SalesOrderEvent') as Order;
  const shipTo = base.salesOrder.shipTo as Record<string, unknown>;
  const lines = base.salesOrder.lines as Array<Record<string, unknown>>;
  return {
    ...base,
    changeType: 'UPDATED',
    salesOrder: {
      ...base.salesOrder,
      orderId: `sap:${orderNumber}`,
      orderNumber,
      purchaseOrderNumber: `PO${orderNumber}`.slice(0, 22),
      status,
      shipTo: { ...shipTo, name: shipToName },
      // The provider ships whole units: the example's 2.5 l line is left out.
      lines: [lines[0]],
    },
  };
}

interface Effect {
  entityId: string;
  operation: string;
  idempotencyKey?: string;
  detail?: { orderNumber: string };
}

/**
 * Canonical orders on a unique topic → the connector → despatch requests in the logistics simulator: each applied
 * once though the first attempt gets an injected 500, the one the provider refuses (400) in dlq.sink with the
 * provider's problem details, the unconfirmed one not sent.
 */
describe('logistics-despatch-sink on the real broker', () => {
  let runtime: ConnectorRuntime;
  let bus: Awaited<ReturnType<typeof startRuntime>>['bus'];
  let sim: LogisticsHarness;

  beforeAll(async () => {
    ({ runtime, bus } = await startRuntime('/eai/tests/logistics-despatch'));
    sim = await startLogistics({ despatchDelayMs: 600_000 });
  });
  afterAll(async () => {
    await runtime?.stop();
    await sim?.close();
  });

  it('sends confirmed orders once each through a 500 and a lost answer, dead-letters a 400 with its body, skips the rest', async () => {
    const topic = unique('despatch-orders');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const [first, refused, unconfirmed, last] = ['A', 'B', 'C', 'D'].map((x) => uniqueOrder(`SO${x}`));
    const fault = await sim.call('POST', '/sim/faults', {
      faults: [
        { kind: 'error', status: 500, times: 1, method: 'POST', path: '/api/despatch-requests' },
        // Applied, then the answer is lost: the retry carries the same Idempotency-Key and gets the stored answer.
        { kind: 'drop', afterApply: true, times: 1, method: 'POST', path: '/api/despatch-requests' },
      ],
    });
    expect(fault.status).toBe(201);
    const pending = () => sim.call<{ faults: unknown[] }>('GET', '/sim/faults').then((r) => r.body.faults);
    expect(await pending()).toHaveLength(2);

    const publisher = await bus.publisher();
    const sent = await publisher.publish(
      [
        orderEvent(first!, 'CONFIRMED'),
        orderEvent(refused!, 'CONFIRMED', `Müller ${'Werk '.repeat(14)}`), // over the provider's 60 characters
        orderEvent(unconfirmed!, 'CREDIT_HOLD'),
        orderEvent(last!, 'CONFIRMED'),
      ].map((value) => ({ schema: 'SalesOrderEvent', topic, value })),
    );
    await publisher.close();

    const name = unique('despatch');
    await runtime.put(
      {
        name,
        type: 'logistics-despatch-sink',
        topics: [topic],
        config: {
          baseUrl: sim.sim.url,
          partner: 'ACMECORP',
          asnFormat: 'edifact-desadv',
          retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 50 },
        },
      },
      'test',
    );
    await waitFor('the connector caught up', async () => {
      const status = await runtime.status(name);
      return status!.metrics.recordsIn === 4 && status!.metrics.lagRecords === 0;
    });

    const effects = (await sim.call<{ effects: Effect[] }>('GET', '/sim/effects?entityType=DespatchRequest'))
      .body.effects;
    expect(effects.map((e) => e.detail?.orderNumber)).toEqual([first, last]);
    const ids = new Map(sent.map((s, i) => [i, s.id]));
    const key = connectorKey(name, runtime.group);
    expect(effects.map((e) => e.idempotencyKey)).toEqual([`${key}:${ids.get(0)}`, `${key}:${ids.get(3)}`]);
    // The 500 and the lost answer were both served (a spent fault leaves the list), and no order was applied twice.
    expect(await pending()).toEqual([]);

    const requests = (await sim.call<{ requests: DespatchRequest[] }>('GET', '/api/despatch-requests')).body
      .requests;
    expect(requests.map((r) => [r.orderNumber, r.format, r.partner, r.lines.map((l) => l.sku)])).toEqual([
      [first, 'edifact-desadv', 'ACMECORP', ['MAT-100234']],
      [last, 'edifact-desadv', 'ACMECORP', ['MAT-100234']],
    ]);

    const [dead] = await readRawMessages('dlq.sink', 1, { wanted: (m) => m.key === `sap:${refused}` });
    const letter = describeDeadLetter(
      Object.fromEntries(Object.entries(dead!.headers).map(([k, v]) => [k, Buffer.from(v)])),
    );
    expect(letter).toMatchObject({ topic, stage: 'TASK_PUT', owner: sinkGroupId(name, runtime.group) });
    expect(letter.message).toContain('refused with HTTP 400');
    expect(letter.message).toContain('"name":"shipTo.name"');
    expect((await runtime.status(name))!.metrics).toMatchObject({
      recordsOut: 2,
      recordsSkipped: 1,
      recordsFailed: 1,
    });
  });
});
