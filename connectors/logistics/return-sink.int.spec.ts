import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJson } from '../../schemas/examples.ts';
import { type LogisticsHarness, startLogistics } from '../../simulators/logistics/test-support.ts';
import { unique } from '../../tests/stack.ts';
import { type ConnectorRuntime, connectorKey } from '../index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../transports/test-support.ts';
import { decodeIndependently, readMarked, startRuntime, uniqueOrder, waitFor } from './test-support.ts';

const TOKEN = 'capture-token-for-returns';

type Order = Record<string, unknown> & { salesOrder: Record<string, unknown> };
type Effect = { entityId: string; operation: string; idempotencyKey?: string };
type ShipmentValue = {
  changeType: string;
  shipment: {
    shipmentId: string;
    shipmentNumber: string;
    status: string;
    sourceIds: Array<{ id: string; idType: string }>;
    orderReferences: Array<{ purchaseOrderNumber: string }>;
    milestones: Array<{ type: string; disposition: string }>;
  };
};

/** The orchestrator's return authorisation command: a return order (RE) naming the original order. */
function returnOrder(rmaNumber: string, purchaseOrderNumber: string): Order {
  const base = exampleJson('SalesOrderEvent') as Order;
  const lines = base.salesOrder.lines as Array<Record<string, unknown>>;
  return {
    ...base,
    changeType: 'CREATED',
    changedFields: [],
    origin: {
      system: 'eai',
      documentId: `complaint-return:${rmaNumber}`,
      changeOrigin: null,
      changedBy: null,
    },
    salesOrder: {
      ...base.salesOrder,
      orderId: `eai:${rmaNumber}`,
      sourceIds: [],
      orderNumber: rmaNumber,
      orderType: 'RE',
      orderReason: 'damaged in transit',
      purchaseOrderNumber,
      status: 'OPEN',
      references: [{ type: 'SALES_ORDER', id: '0000004711', date: null }],
      lines: [{ ...lines[0], quantity: { value: '2', unitCode: 'C62' }, scheduleLines: [] }],
    },
  };
}

/**
 * A return order on Kafka (sent twice with one ce_id, as a workflow step that ran again) → logistics-return-sink → one
 * return authorisation in the simulator; its receipt (EPCIS receiving / returned) → epcis-capture-source → a
 * ShipmentEvent on canonical.shipment keyed by the RMA number, naming the purchase order.
 */
describe('logistics-return-sink and the return receipt on the real broker', () => {
  let runtime: ConnectorRuntime;
  let bus: Awaited<ReturnType<typeof startRuntime>>['bus'];
  let sim: LogisticsHarness;
  let server: LoopbackWebhookServer;
  const capture = unique('epcis-returns');

  beforeAll(async () => {
    ({ runtime, bus } = await startRuntime('/eai/tests/logistics-returns'));
    await runtime.put(
      {
        name: capture,
        type: 'epcis-capture-source',
        config: { signature: { scheme: 'bearer', token: TOKEN } },
      },
      'test',
    );
    server = await serveOnLoopback((request) => runtime.webhook(capture, request), `/webhooks/${capture}`);
    sim = await startLogistics({ returnDelayMs: 600_000 });
    await sim.call('POST', '/sim/capture-subscriptions', { url: `${server.url}/capture`, token: TOKEN });
  });
  afterAll(async () => {
    await runtime?.stop();
    await server?.close();
    await sim?.close();
  });

  it('authorises the return once, then publishes its receipt as a ShipmentEvent correlated by RMA and PO', async () => {
    const topic = unique('return-orders');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const rma = `RMA${uniqueOrder('R')}`.slice(0, 35);
    const po = uniqueOrder('PO');
    // A redelivered command keeps its ce_id; a despatchable order on the same topic is not a return: skipped.
    const ceId = `complaint-return:${rma}:authorize-return`;
    const despatchable = { ...returnOrder(`SO${po}`, po) };
    despatchable.salesOrder = { ...despatchable.salesOrder, orderType: 'TA', status: 'CONFIRMED' };
    const publisher = await bus.publisher();
    await publisher.publish([
      { schema: 'SalesOrderEvent', topic, value: returnOrder(rma, po), attributes: { id: ceId } },
      { schema: 'SalesOrderEvent', topic, value: despatchable },
      { schema: 'SalesOrderEvent', topic, value: returnOrder(rma, po), attributes: { id: ceId } },
    ]);
    await publisher.close();

    const name = unique('returns');
    await runtime.put(
      {
        name,
        type: 'logistics-return-sink',
        topics: [topic],
        config: { baseUrl: sim.sim.url, retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 50 } },
      },
      'test',
    );
    await waitFor('the connector caught up', async () => {
      const status = await runtime.status(name);
      return status!.metrics.recordsIn === 3 && status!.metrics.lagRecords === 0;
    });
    const effects = (
      await sim.call<{ effects: Effect[] }>('GET', '/sim/effects?entityType=ReturnAuthorization')
    ).body.effects;
    expect(effects.map((e) => [e.entityId, e.idempotencyKey])).toEqual([
      [rma, `${connectorKey(name, runtime.group)}:${ceId}`],
    ]);
    const stored = await sim.call<{ orderNumber: string; purchaseOrderNumber: string; reason: string }>(
      'GET',
      `/api/return-authorizations/${rma}`,
    );
    expect(stored.body).toMatchObject({
      orderNumber: '0000004711',
      purchaseOrderNumber: po,
      reason: 'damaged in transit',
    });

    await sim.call('POST', `/sim/returns/${rma}/receive`);
    const [record] = await readMarked('canonical.shipment', 1, [rma]);
    expect(record!.key).toBe(`epcis:rma:0614141000005:${rma}`);
    const value = (await decodeIndependently(record!.value)) as unknown as ShipmentValue;
    expect(value.changeType).toBe('STATUS_CHANGED');
    expect(value.shipment).toMatchObject({
      shipmentNumber: rma,
      status: 'RECEIVED',
      sourceIds: [{ id: `urn:epcglobal:cbv:bt:0614141000005:${rma}`, idType: 'rma' }],
      orderReferences: [{ purchaseOrderNumber: po }],
      milestones: [{ type: 'RECEIVED', disposition: 'returned' }],
    });
  });
});
