import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../../bus/index.ts';
import { builtinPlugins, ConnectorRuntime } from '../../../connectors/index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../../../connectors/transports/test-support.ts';
import { metricsRegistry } from '../../../lib/metrics.ts';
import type { DespatchRequest } from '../../../simulators/logistics/state.ts';
import { type LogisticsHarness, startLogistics } from '../../../simulators/logistics/test-support.ts';
import { type SalesforceHarness, startSalesforce } from '../../../simulators/salesforce/test-support.ts';
import type { SapOrder } from '../../../simulators/sap/state.ts';
import { type SapHarness, startSap } from '../../../simulators/sap/test-support.ts';
import { databaseUrlFor, dropDatabase } from '../../../store/database.ts';
import { readRawMessages } from '../../../tests/raw-consumer.ts';
import { testBus, testStack, unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { resultWhenEnded } from '../../../tests/workflow-result.ts';
import { type Orchestrator, startOrchestrator } from '../../engine.ts';
import { type OrderOutcome, type OrderToDeliveryTopics, orderToDeliveryV1, workflowIdOf } from './index.ts';
import { shipmentEvent } from './instant-responders.ts';
import {
  putSimulatorSinks,
  runCommandTopics,
  salesforceAccountOf,
  salesforceOrder,
  sapOrderEvents,
  sapOrders,
  simEffects,
} from './simulator-world.ts';
import { seedCustomers } from './test-support.ts';

/**
 * Order to delivery with the logistics provider's own notices, no responders: the despatch request goes through
 * logistics-despatch-sink to the logistics simulator, whose X12 856 ASN (outbound folder → logistics-asn-file-source)
 * and EPCIS receiving event (capture → epcis-capture-source) come back on canonical.shipment naming the order only by
 * the PO and order number the request carried; the router finds the instance by those (references.ts). The CRM's
 * order status and tracking go through salesforce-order-status-sink to the Salesforce simulator's Order, linked to
 * the customer's Account.
 */
const CAPTURE_TOKEN = 'provider-asn-capture-token';
const stack = testStack();
const bus = testBus('/eai/tests/orchestrator-provider-asn');
const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });
const database = unique('eai_orch_pasn').replaceAll('-', '_');
let sap: SapHarness;
let logistics: LogisticsHarness;
let salesforce: SalesforceHarness;
/** The Salesforce Account of the SAP customer the orders are for. */
let accountId: string;
let runtime: ConnectorRuntime;
let server: LoopbackWebhookServer;
let orchestrator: Orchestrator;
let publisher: Publisher & { close(): Promise<void> };
let pool: pg.Pool;
let topics: OrderToDeliveryTopics;
let kunnr: string;
let sinks: Awaited<ReturnType<typeof putSimulatorSinks>>;
const epcis = unique('pasn-epcis');
const asnSource = unique('pasn-asn');

async function despatchRequestOf(order: SapOrder): Promise<DespatchRequest> {
  const { body } = await logistics.call<{ requests: DespatchRequest[] }>('GET', '/api/despatch-requests');
  const request = body.requests.find((r) => r.orderNumber === order.orderNumber);
  if (!request) throw new Error(`no despatch request for order ${order.orderNumber}`);
  return request;
}

async function routed(outcome: string): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find(
    (m) => m.name === 'eai_workflow_events_routed_total',
  );
  const values = (metric?.values ?? []) as Array<{ labels: Record<string, unknown>; value: number }>;
  return values
    .filter((v) => v.labels.topic === 'canonical.shipment' && v.labels.outcome === outcome)
    .reduce((sum, v) => sum + v.value, 0);
}

const stepOf = async (workflowId: string) => (await orchestrator.state(workflowId))?.step;

/** The provider's EPCIS events from now on reach the hub's capture endpoint (the sim posts to subscribers). */
async function subscribeCapture(): Promise<void> {
  const subscribed = await logistics.call('POST', '/sim/capture-subscriptions', {
    url: `${server.url}/capture`,
    token: CAPTURE_TOKEN,
  });
  expect(subscribed.status).toBe(201);
}

const logLevel = process.env.EAI_LOG_LEVEL;

beforeAll(async () => {
  process.env.EAI_LOG_LEVEL ??= 'warn';
  // Despatched 50 ms after the request; delivered only when a test says so (POST /sim/despatch-requests/{id}/deliver).
  [sap, logistics, salesforce] = await Promise.all([
    startSap(),
    startLogistics({ despatchDelayMs: 50, deliveryDelayMs: 3_600_000 }),
    startSalesforce(),
  ]);
  kunnr = (await seedCustomers(sap.sim.url)).good;
  accountId = await salesforceAccountOf(salesforce, kunnr);
  await bus.provisionTopics();
  const prefix = unique('t-pasn');
  const commands = runCommandTopics(prefix);
  // The provider's notices come from the connectors, on the canonical topic they publish to.
  topics = { salesOrder: `${prefix}.sales-order`, shipment: 'canonical.shipment', commands };
  await bus.provisionTopics(
    [topics.salesOrder, ...Object.values(commands)].map((topic) => ({ topic, partitions: 3 })),
  );
  runtime = new ConnectorRuntime({
    bus,
    plugins: builtinPlugins,
    logger,
    group: unique('connect-pasn'),
    sinkRetry: { retries: 6, initialDelayMs: 50, maxDelayMs: 1000 },
  });
  await runtime.start();
  sinks = await putSimulatorSinks(runtime, commands, {
    name: unique('pasn'),
    sapInboundDir: sap.inboundDir,
    logisticsUrl: logistics.sim.url,
    partner: 'EAIPASN',
    asnFormat: 'x12-856',
    salesforceUrl: salesforce.sim.url,
  });
  mkdirSync(logistics.outboundDir, { recursive: true });
  await runtime.put(
    {
      name: asnSource,
      type: 'logistics-asn-file-source',
      config: { dir: logistics.outboundDir, format: 'x12-856', stableMs: 50 },
    },
    'test',
  );
  await runtime.put(
    {
      name: epcis,
      type: 'epcis-capture-source',
      config: { signature: { scheme: 'bearer', token: CAPTURE_TOKEN } },
    },
    'test',
  );
  server = await serveOnLoopback((request) => runtime.webhook(epcis, request), `/webhooks/${epcis}`);
  orchestrator = await startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'pasn-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: unique('pasn-router'),
      // canonical.shipment holds every earlier run's shipments: this run's start at its end.
      routerFromBeginning: false,
      sapUrl: sap.sim.url,
    },
    { definitions: [orderToDeliveryV1(topics)] },
  );
  publisher = await bus.publisher();
  pool = new pg.Pool({ connectionString: databaseUrlFor(stack.databaseUrl, database), max: 1 });
}, 90_000);

afterAll(async () => {
  await pool?.end();
  await publisher?.close();
  await orchestrator?.stop();
  await sinks?.remove().catch(() => undefined);
  for (const name of [asnSource, epcis]) await runtime?.remove(name).catch(() => undefined);
  await server?.close();
  await runtime?.stop();
  await Promise.all([sap?.close(), logistics?.close(), salesforce?.sim.close()]);
  await dropDatabase(stack.databaseUrl, database);
  if (logLevel === undefined) delete process.env.EAI_LOG_LEVEL;
});

describe("order to delivery on the logistics provider's own ASN and EPCIS events", () => {
  it('a notice naming two orders reaches both instances; one naming no despatched order is counted, not kept', async () => {
    // The provider loses both orders' ASNs (and no EPCIS subscriber yet): the instances wait for theirs.
    await logistics.call('POST', '/sim/asn-faults', { kind: 'lose', count: 2 });
    const orders = await sapOrders(sap.sim.url, 2);
    const ids = orders.map((o) => workflowIdOf(`sap:${o.orderNumber}`));
    await publisher.publish(sapOrderEvents(topics, orders, kunnr));
    await waitFor(
      'both instances waiting for their ASN',
      async () => (await Promise.all(ids.map(stepOf))).every((step) => step === 'await-asn'),
      60_000,
    );

    // One notice for both (X12 856 has an order level per PO): the first by its PO only (as EPCIS and a multi-order
    // DESADV name it), the second by PO and order number; and one for an order no instance despatched.
    const uncorrelatedBefore = await routed('uncorrelated');
    const both = shipmentEvent('canonical.shipment', 'unused', 'SHIPPED');
    const shipment = (both.value as { shipment: Record<string, unknown> }).shipment;
    shipment.shipmentId = unique('test:SH-two');
    shipment.orderReferences = [
      { orderId: null, purchaseOrderNumber: orders[0]!.purchaseOrderNumber, sellerOrderNumber: null },
      {
        orderId: null,
        purchaseOrderNumber: orders[1]!.purchaseOrderNumber,
        sellerOrderNumber: orders[1]!.orderNumber,
      },
    ];
    const stranger = shipmentEvent('canonical.shipment', 'unused', 'SHIPPED');
    (stranger.value as { shipment: Record<string, unknown> }).shipment.orderReferences = [
      { orderId: null, purchaseOrderNumber: unique('PO-nobody'), sellerOrderNumber: unique('nobody') },
    ];
    await publisher.publish([both, stranger]);
    await waitFor(
      'both instances past their ASN',
      async () => (await Promise.all(ids.map(stepOf))).every((step) => step === 'await-delivery'),
      60_000,
    );
    await waitFor(
      'the stranger counted',
      async () => (await routed('uncorrelated')) > uncorrelatedBefore,
      30_000,
    );
    const kept = await pool.query('select workflow_id from eai_orchestrator.kept_events');
    expect(kept.rows).toEqual([]);

    // Their delivery, one notice naming both by PO only (as the provider's EPCIS receiving event names an order).
    const delivered = shipmentEvent('canonical.shipment', 'unused', 'DELIVERED');
    (delivered.value as { shipment: Record<string, unknown> }).shipment.orderReferences = orders.map((o) => ({
      orderId: null,
      purchaseOrderNumber: o.purchaseOrderNumber,
      sellerOrderNumber: null,
    }));
    await publisher.publish([delivered]);
    const outcomes = await Promise.all(
      ids.map((id) => resultWhenEnded<OrderOutcome>(orchestrator, id, 60_000)),
    );
    expect(outcomes.map((o) => [o.outcome, o.shipmentId])).toEqual([
      ['COMPLETED', shipment.shipmentId],
      ['COMPLETED', shipment.shipmentId],
    ]);
  }, 180_000);

  it('completes on the X12 856 from the file source and the EPCIS receiving event, found by PO and order number', async () => {
    const [order] = await sapOrders(sap.sim.url, 1);
    const id = workflowIdOf(`sap:${order!.orderNumber}`);
    await publisher.publish(sapOrderEvents(topics, [order!], kunnr));

    // The provider despatches and writes its 856 (PRF01 = the PO, REF VN = the order number, no hub order id); the
    // file source publishes it; the router finds the instance by those; the CRM gets SHIPPED with its tracking.
    await waitFor('the instance past its ASN', async () => (await stepOf(id)) === 'await-delivery', 60_000);
    const request = await despatchRequestOf(order!);
    expect(request.purchaseOrderNumber).toBe(order!.purchaseOrderNumber);
    const tracking = request.shipment!.trackingNumber;
    const [crm] = await readRawMessages(topics.commands!.crmOrderStatus, 1, {
      wanted: (m) => m.value.includes(Buffer.from(tracking)),
      timeoutMs: 30_000,
    });
    expect(crm!.headers.ce_id).toBe(`${id}:crm-status`);
    // The CRM holds the order, Shipped with its tracking number, on the customer's Account.
    const orderId = `sap:${order!.orderNumber}`;
    await waitFor(
      'the Salesforce order shipped',
      async () => (await salesforceOrder(salesforce, orderId))?.Status === 'Shipped',
      30_000,
    );
    expect(await salesforceOrder(salesforce, orderId)).toMatchObject({
      AccountId: accountId,
      Status: 'Shipped',
      Order_Number__c: order!.orderNumber,
      PoNumber: order!.purchaseOrderNumber,
      Tracking_Number__c: tracking,
    });

    // Only now the provider's EPCIS events reach the hub: the delivery is its receiving event (bizTransaction po).
    await subscribeCapture();
    const delivered = await logistics.call('POST', `/sim/despatch-requests/${request.requestId}/deliver`);
    expect(delivered.status).toBe(200);
    const outcome = await resultWhenEnded<OrderOutcome>(orchestrator, id, 60_000);
    expect(outcome).toMatchObject({ outcome: 'COMPLETED', compensated: [] });
    // The ASN the instance took is the 856's (keyed edi:<sender>:<BSN02>), not an EPCIS event.
    expect(outcome.shipmentId).toMatch(new RegExp(`^edi:[^:]+:${request.shipment!.shipmentId}$`));

    // The provider saw one despatch request, wrote one ASN and delivered once.
    const despatches = (await simEffects(logistics.sim, 'DespatchRequest')).filter(
      (e) => e.detail?.orderNumber === order!.orderNumber,
    );
    expect(despatches.map((e) => e.operation)).toEqual(['create']);
    const shipmentId = request.shipment!.shipmentId;
    expect(
      (await simEffects(logistics.sim, 'ASN'))
        .filter((e) => e.entityId === shipmentId)
        .map((e) => e.operation),
    ).toEqual(['write']);
    expect(
      (await simEffects(logistics.sim, 'DELIVERY'))
        .filter((e) => e.entityId === shipmentId)
        .map((e) => e.operation),
    ).toEqual(['deliver']);
    // Salesforce: the Order created once, by the CRM status command.
    const crmOrder = await salesforceOrder(salesforce, orderId);
    expect(
      (await simEffects(salesforce.sim, 'Order'))
        .filter((e) => e.entityId === crmOrder!.Id)
        .map((e) => e.operation),
    ).toEqual(['create']);
    const { rows } = await pool.query(
      'select ref from eai_orchestrator.workflow_references where workflow_id = $1 order by ref',
      [id],
    );
    expect(rows.map((r) => r.ref)).toEqual([
      `order:${order!.orderNumber}`,
      `po:${order!.purchaseOrderNumber}`,
    ]);
  }, 180_000);
});
