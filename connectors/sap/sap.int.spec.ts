import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJson } from '../../schemas/examples.ts';
import { type SapHarness, startSap } from '../../simulators/sap/test-support.ts';
import { readDecoded } from '../../tests/decode-raw.ts';
import { topicEnds } from '../../tests/raw-consumer.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';

const silent = pino({ level: process.env.TEST_LOG ?? 'silent' });

interface SimOrder {
  docnum: string;
  orderNumber: string;
  purchaseOrderNumber: string;
  kunnr: string;
  currency: string;
}

async function json<T>(response: Promise<Response>): Promise<T> {
  const answer = await response;
  if (!answer.ok) throw new Error(`${answer.url}: HTTP ${answer.status}: ${await answer.text()}`);
  return (await answer.json()) as T;
}

const post = (url: string, body: unknown = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('SAP connectors against the SAP simulator, on the real broker', () => {
  const bus = testBus('/eai/tests/sap-connectors');
  let runtime: ConnectorRuntime;
  let sap: SapHarness;

  beforeAll(async () => {
    await bus.provisionTopics();
    sap = await startSap();
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger: silent,
      group: unique('connect-sap'),
      sinkRetry: { retries: 1, initialDelayMs: 10, maxDelayMs: 20 },
    });
    await runtime.start();
  });
  const created: string[] = [];
  afterAll(async () => {
    // The connector configs topic is shared: leave no connector behind for other runs to start.
    for (const name of created) await runtime?.remove(name).catch(() => undefined);
    await runtime?.stop();
    await sap?.close();
  });

  it('reads the outbound file port: orders created in SAP arrive as canonical SalesOrderEvents', async () => {
    // The shared topic holds other runs' orders, with the same IDoc numbers (every SAP simulator numbers from the
    // start; eai demo's too): read from its end.
    const from = await topicEnds('canonical.sales-order');
    const dropped = await json<{ files: Array<{ file: string; docnums: string[] }> }>(
      post(`${sap.sim.url}/sim/orders`, { count: 4, idocsPerFile: 2, variant: 'plain' }),
    );
    expect(dropped.files).toHaveLength(2);
    const { orders } = await json<{ orders: SimOrder[] }>(fetch(`${sap.sim.url}/sim/orders`));
    const byDocnum = new Map(orders.map((o) => [o.docnum, o]));

    const name = unique('sap-orders');
    // No format or mapping: the plugin's defaults.
    created.push(name);
    await runtime.put(
      { name, type: 'sap-idoc-file-source', config: { dir: sap.dropDir, stableMs: 50 } },
      'test',
    );
    await waitFor('both files in done/', () => {
      const done = join(sap.dropDir, 'done');
      return existsSync(done) && readdirSync(done).length === 2;
    });

    const records = await readDecoded<Record<string, unknown>>('canonical.sales-order', 4, {
      wanted: (m) => byDocnum.has(m.headers.ce_id!),
      from,
    });
    expect(new Set(records.map((r) => r.headers.ce_id))).toEqual(new Set(byDocnum.keys()));
    for (const record of records) {
      const order = byDocnum.get(record.headers.ce_id!)!;
      const number = order.orderNumber.replace(/^0+/, '');
      expect(record.key).toBe(`sap:${number}`);
      expect(record.headers.ce_type).toBe('sap-idoc-orders05.eai.canonical.SalesOrderEvent');
      const value = record.decoded as {
        origin: { system: string; documentId: string };
        salesOrder: {
          orderNumber: string;
          purchaseOrderNumber: string;
          currency: string;
          customer: { sourceIds: Array<{ id: string }> };
        };
      };
      expect(value.origin).toMatchObject({ system: 'sap', documentId: order.docnum });
      expect(value.salesOrder).toMatchObject({
        orderNumber: number,
        purchaseOrderNumber: order.purchaseOrderNumber,
        currency: order.currency,
      });
      expect(value.salesOrder.customer.sourceIds.map((s) => s.id)).toContain(order.kunnr);
    }
    const metrics = (await runtime.status(name))!.metrics;
    expect(metrics).toMatchObject({
      recordsIn: 2,
      recordsOut: 4,
      recordsFailed: 0,
    }); // two files of two IDocs;
  });

  it('writes ORDRSP files SAP posts once each, even when a record is delivered twice', async () => {
    await post(`${sap.sim.url}/sim/orders`, { count: 3, idocsPerFile: 3, variant: 'plain' });
    const { orders } = await json<{ orders: SimOrder[] }>(fetch(`${sap.sim.url}/sim/orders`));
    const answered = orders.slice(-3);
    const topic = unique('sap-ordrsp');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const base = exampleJson('SalesOrderEvent') as { salesOrder: Record<string, unknown> };
    const statuses = ['CONFIRMED', 'REJECTED', 'CONFIRMED'];
    const events = answered.map((order, i) => ({
      schema: 'SalesOrderEvent',
      topic,
      value: {
        ...base,
        changeType: 'UPDATED',
        salesOrder: {
          ...base.salesOrder,
          orderId: `sap:${order.orderNumber}`,
          orderNumber: order.orderNumber,
          purchaseOrderNumber: order.purchaseOrderNumber,
          status: statuses[i],
        },
      },
      attributes: { id: `${topic}-${i}` },
    }));
    // The last record goes out twice with the same id: a redelivery, as after a lost commit.
    const received = {
      ...events[0]!,
      value: { ...events[0]!.value, salesOrder: { ...events[0]!.value.salesOrder, status: 'RECEIVED' } },
      attributes: { id: `${topic}-skip` },
    };
    const publisher = await bus.publisher();
    await publisher.publish([...events, events[2]!, received]);
    await publisher.close();

    const name = unique('sap-ordrsp');
    created.push(name);
    await runtime.put(
      { name, type: 'sap-ordrsp-file-sink', topics: [topic], config: { dir: sap.inboundDir } },
      'test',
    );
    await waitFor('five records handled', async () => {
      const m = (await runtime.status(name))!.metrics;
      return m.recordsOut + m.recordsSkipped === 5;
    });
    // The RECEIVED status is not answered: skipped, not counted as out.
    expect((await runtime.status(name))!.metrics).toMatchObject({ recordsOut: 4, recordsSkipped: 1 });
    const written = readdirSync(sap.inboundDir).filter((f) => f.endsWith('.xml'));
    expect(written).toHaveLength(3);
    expect(readdirSync(sap.inboundDir).filter((f) => f.startsWith('.'))).toEqual([]);

    await post(`${sap.sim.url}/sim/inbound/poll`);
    const effects = await json<{
      effects: Array<{ entityId: string; operation: string; detail: { orderNumber: string } }>;
    }>(fetch(`${sap.sim.url}/sim/effects?entityType=ORDRSP`));
    expect(effects.effects.map((e) => e.operation)).toEqual(['post', 'post', 'post']);
    expect(effects.effects.map((e) => e.detail.orderNumber).sort()).toEqual(
      answered.map((o) => o.purchaseOrderNumber).sort(),
    );
    const status = await json<{ statuses: Array<{ action: string; status: string }> }>(
      fetch(`${sap.sim.url}/sim/order-status`),
    );
    expect(status.statuses.map((s) => [s.status, s.action]).sort()).toEqual([
      ['53', '000'],
      ['53', '000'],
      ['53', '003'],
    ]);

    // The first command sent again under its id but built anew (a workflow step re-run after a crash stamps a new
    // time), after SAP posted it: the same DOCNUM, so SAP refuses it instead of posting the answer twice.
    const again = await bus.publisher();
    await again.publish([
      { ...events[0]!, value: { ...events[0]!.value, occurredAt: new Date().toISOString() } },
    ]);
    await again.close();
    await waitFor(
      'the resent record handled',
      async () => (await runtime.status(name))!.metrics.recordsOut === 5,
    );
    await post(`${sap.sim.url}/sim/inbound/poll`);
    const after = await json<{ effects: Array<{ operation: string; detail: { orderNumber: string } }> }>(
      fetch(`${sap.sim.url}/sim/effects?entityType=ORDRSP`),
    );
    expect(after.effects.map((e) => e.operation)).toEqual(['post', 'post', 'post', 'reject']);
  });
});
