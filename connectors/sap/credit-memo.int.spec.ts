import { readdirSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters } from '../../bus/index.ts';
import { exampleJson } from '../../schemas/examples.ts';
import type { CreditMemoRequest } from '../../simulators/sap/state.ts';
import { type SapHarness, startSap } from '../../simulators/sap/test-support.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';

const silent = pino({ level: process.env.TEST_LOG ?? 'silent' });

async function json<T>(response: Promise<Response>): Promise<T> {
  const answer = await response;
  if (!answer.ok) throw new Error(`${answer.url}: HTTP ${answer.status}: ${await answer.text()}`);
  return (await answer.json()) as T;
}

const post = (url: string, body: unknown = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * The orchestrator's credit memo request (a SalesOrderEvent, orderType CR, crediting an order SAP sent) on Kafka →
 * sap-credit-memo-file-sink → an inbound ORDERS IDoc (type CR) → the SAP simulator creates the credit memo request
 * once, though the command is delivered twice and a second command repeats its document number.
 */
describe('sap-credit-memo-file-sink against the SAP simulator, on the real broker', () => {
  const bus = testBus('/eai/tests/sap-credit-memo');
  let runtime: ConnectorRuntime;
  let sap: SapHarness;
  const created: string[] = [];

  beforeAll(async () => {
    await bus.provisionTopics();
    sap = await startSap();
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger: silent,
      group: unique('connect-sap-cr'),
      sinkRetry: { retries: 1, initialDelayMs: 10, maxDelayMs: 20 },
    });
    await runtime.start();
  });
  afterAll(async () => {
    for (const name of created) await runtime?.remove(name).catch(() => undefined);
    await runtime?.stop();
    await sap?.close();
  });

  it('creates the credit memo request once from a command sent twice, and refuses its document number again', async () => {
    await post(`${sap.sim.url}/sim/orders`, { count: 1, variant: 'plain' });
    const { orders } = await json<{
      orders: Array<{ orderNumber: string; purchaseOrderNumber: string; kunnr: string }>;
    }>(fetch(`${sap.sim.url}/sim/orders`));
    const original = orders[0]!;
    const topic = unique('sap-credit-memo');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const base = exampleJson('SalesOrderEvent') as { salesOrder: Record<string, unknown> };
    const lines = base.salesOrder.lines as Array<Record<string, unknown>>;
    const cmr = `CMR-${unique('c').slice(-12)}`;
    const command = (status: string) => ({
      ...base,
      changeType: 'CREATED',
      changedFields: [],
      origin: { system: 'eai', documentId: `complaint-return:${cmr}`, changeOrigin: null, changedBy: null },
      salesOrder: {
        ...base.salesOrder,
        orderId: `eai:${cmr}`,
        sourceIds: [],
        orderNumber: cmr,
        orderType: 'CR',
        orderReason: '101',
        purchaseOrderNumber: original.purchaseOrderNumber,
        customer: {
          customerId: `sap:${original.kunnr}`,
          sourceIds: [{ system: 'sap', id: original.kunnr, idType: 'KUNNR' }],
          name: null,
        },
        status,
        references: [{ type: 'SALES_ORDER', id: original.orderNumber, date: null }],
        lines: [
          {
            ...lines[0],
            quantity: { value: '2', unitCode: 'C62' },
            scheduleLines: [],
            lineAmount: { amount: '2999.8', currency: 'EUR' },
          },
        ],
        totalAmount: { amount: '2999.8', currency: 'EUR' },
      },
    });
    const publisher = await bus.publisher();
    const ceId = `complaint-return:${cmr}:credit-memo`;
    await publisher.publish([
      { schema: 'SalesOrderEvent', topic, value: command('OPEN'), attributes: { id: ceId } },
      // A redelivery: same ce_id, so the same file name; it overwrites its own file.
      { schema: 'SalesOrderEvent', topic, value: command('OPEN'), attributes: { id: ceId } },
      // Another command with the same document number (a workflow step run again under a new id): SAP's duplicate
      // check on the sender's document number refuses it.
      { schema: 'SalesOrderEvent', topic, value: command('OPEN'), attributes: { id: `${ceId}:again` } },
      // Not a credit memo request: the mapping writes nothing.
      {
        schema: 'SalesOrderEvent',
        topic,
        value: { ...command('OPEN'), salesOrder: { ...command('OPEN').salesOrder, orderType: 'RE' } },
      },
    ]);
    await publisher.close();

    const name = unique('sap-cr');
    created.push(name);
    await runtime.put(
      { name, type: 'sap-credit-memo-file-sink', topics: [topic], config: { dir: sap.inboundDir } },
      'test',
    );
    await waitFor('four records handled', async () => {
      const m = (await runtime.status(name))!.metrics;
      return m.recordsOut + m.recordsSkipped === 4;
    });
    // The return order is not a credit memo request: skipped, not counted as applied.
    expect((await runtime.status(name))!.metrics).toMatchObject({
      recordsIn: 4,
      recordsOut: 3,
      recordsSkipped: 1,
      recordsFailed: 0,
    });
    const written = readdirSync(sap.inboundDir).filter((f) => f.endsWith('.xml'));
    expect(written).toHaveLength(2);
    expect(written.every((f) => f.startsWith('ORDERS_CR_'))).toBe(true);

    await post(`${sap.sim.url}/sim/inbound/poll`);
    const effects = await json<{ effects: Array<{ entityId: string; operation: string }> }>(
      fetch(`${sap.sim.url}/sim/effects?entityType=CreditMemoRequest`),
    );
    expect(effects.effects.map((e) => [e.entityId, e.operation]).sort()).toEqual([
      [cmr, 'create'],
      [cmr, 'reject'],
    ]);
    const requests = await json<{ creditMemoRequests: CreditMemoRequest[] }>(
      fetch(`${sap.sim.url}/sim/credit-memo-requests?referenceOrder=${original.orderNumber}`),
    );
    expect(requests.creditMemoRequests).toEqual([
      expect.objectContaining({
        senderDocument: cmr,
        documentType: 'CR',
        reason: '101',
        referenceOrder: original.orderNumber,
        purchaseOrderNumber: original.purchaseOrderNumber,
        soldTo: original.kunnr,
        salesDocument: expect.stringMatching(/^00600000\d\d$/),
        items: [
          expect.objectContaining({ POSEX: '000010', MENGE: '2', MATNR: 'MAT-100234', NETWR: '2999.8' }),
        ],
      }),
    ]);
  });
  it("awaits SAP's answer: an order number without its zeros is credited, a refused request is dead-lettered with SAP's reason", async () => {
    const polling = await startSap({ pollMs: 100 });
    try {
      await post(`${polling.sim.url}/sim/orders`, { count: 1, variant: 'plain' });
      const { orders } = await json<{
        orders: Array<{ orderNumber: string; purchaseOrderNumber: string; kunnr: string }>;
      }>(fetch(`${polling.sim.url}/sim/orders`));
      const original = orders[0]!;
      const topic = unique('sap-credit-memo-answer');
      await bus.provisionTopics([{ topic, partitions: 1 }]);
      const base = exampleJson('SalesOrderEvent') as { salesOrder: Record<string, unknown> };
      const lines = base.salesOrder.lines as Array<Record<string, unknown>>;
      // The canonical order number is SAP's without its leading zeros (idoc-orders05.to-canonical.yaml).
      const command = (cmr: string, referenceOrder: string) => ({
        ...base,
        changeType: 'CREATED',
        changedFields: [],
        origin: { system: 'eai', documentId: `complaint-return:${cmr}`, changeOrigin: null, changedBy: null },
        salesOrder: {
          ...base.salesOrder,
          orderId: `eai:${cmr}`,
          sourceIds: [],
          orderNumber: cmr,
          orderType: 'CR',
          orderReason: '101',
          customer: {
            customerId: `sap:${original.kunnr}`,
            sourceIds: [{ system: 'sap', id: original.kunnr, idType: 'KUNNR' }],
            name: null,
          },
          status: 'OPEN',
          references: [{ type: 'SALES_ORDER', id: referenceOrder, date: null }],
          lines: [{ ...lines[0], quantity: { value: '1', unitCode: 'C62' }, scheduleLines: [] }],
        },
      });
      const credited = `CMR-${unique('a').slice(-12)}`;
      const refused = `CMR-${unique('r').slice(-12)}`;
      const publisher = await bus.publisher();
      await publisher.publish([
        {
          schema: 'SalesOrderEvent',
          topic,
          value: command(credited, original.orderNumber.replace(/^0+/, '')),
          attributes: { id: `${credited}:credit-memo` },
        },
        // The same command again under another id: SAP already holds that document (status 51), which is done.
        {
          schema: 'SalesOrderEvent',
          topic,
          value: command(credited, original.orderNumber.replace(/^0+/, '')),
          attributes: { id: `${credited}:credit-memo:again` },
        },
        // An order SAP never had: refused.
        {
          schema: 'SalesOrderEvent',
          topic,
          value: command(refused, '99999999'),
          attributes: { id: `${refused}:credit-memo` },
        },
      ]);
      await publisher.close();

      const name = unique('sap-cr-answer');
      created.push(name);
      await runtime.put(
        {
          name,
          type: 'sap-credit-memo-file-sink',
          topics: [topic],
          config: { dir: polling.inboundDir, awaitStatusMs: 10_000 },
        },
        'test',
      );
      const metrics = async () => (await runtime.status(name))!.metrics;
      await waitFor('three records handled', async () => {
        const m = await metrics();
        return m.recordsOut + m.recordsFailed >= 3;
      });
      expect(await metrics()).toMatchObject({ recordsOut: 2, recordsFailed: 1 });
      const requests = await json<{ creditMemoRequests: CreditMemoRequest[] }>(
        fetch(`${polling.sim.url}/sim/credit-memo-requests?referenceOrder=${original.orderNumber}`),
      );
      expect(requests.creditMemoRequests.map((r) => [r.senderDocument, r.referenceOrder])).toEqual([
        [credited, original.orderNumber],
      ]);
      const { entries } = await listDeadLetters(bus.transport, {
        topic: 'dlq.sink',
        filter: { originalTopic: topic },
      });
      expect(entries).toHaveLength(1);
      expect(entries[0]!.exceptionClass).toBe('NonRetriableError');
      expect(entries[0]!.message).toContain('IDoc status 51');
      expect(entries[0]!.message).toContain('reference order 0099999999 does not exist');
    } finally {
      await polling.close();
    }
  });
});
