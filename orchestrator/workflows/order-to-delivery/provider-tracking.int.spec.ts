import { mkdirSync } from 'node:fs';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Publisher, RECEIPT_TOPIC } from '../../../bus/index.ts';
import { builtinPlugins, ConnectorRuntime } from '../../../connectors/index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../../../connectors/transports/test-support.ts';
import type { DespatchRequest } from '../../../simulators/logistics/state.ts';
import { type LogisticsHarness, startLogistics } from '../../../simulators/logistics/test-support.ts';
import { type SalesforceHarness, startSalesforce } from '../../../simulators/salesforce/test-support.ts';
import { type SapHarness, startSap } from '../../../simulators/sap/test-support.ts';
import { dropDatabase } from '../../../store/database.ts';
import { readRawMessages } from '../../../tests/raw-consumer.ts';
import { testBus, testStack, unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { resultWhenEnded } from '../../../tests/workflow-result.ts';
import { type Orchestrator, startOrchestrator } from '../../engine.ts';
import {
  type OrderOutcome,
  type OrderToDeliveryTopics,
  orderToDeliveryDefinitions,
  workflowIdOf,
} from './index.ts';
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
 * Order to delivery (the latest version, as the hub ships it) on the logistics provider's notices in the order they
 * come from the logistics simulator: its EPCIS shipping event, which carries no tracking number, reaches the hub
 * before its X12 856, which does. The first moves the instance on and the CRM's Order is Shipped without tracking;
 * version 6 takes the 856 at the delivery wait and sends its tracking number to the CRM once. Everything real: the
 * sinks to the SAP, logistics and Salesforce simulators, the 856 through logistics-asn-file-source, the EPCIS events
 * through epcis-capture-source, the despatch receipt on eai.receipts.
 */
const CAPTURE_TOKEN = 'provider-tracking-capture-token';
const stack = testStack();
const bus = testBus('/eai/tests/orchestrator-provider-tracking');
const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });
const database = unique('eai_orch_ptrk').replaceAll('-', '_');
const epcis = unique('ptrk-epcis');
const asnSource = unique('ptrk-asn');
let sap: SapHarness;
let logistics: LogisticsHarness;
let salesforce: SalesforceHarness;
let runtime: ConnectorRuntime;
let server: LoopbackWebhookServer;
let orchestrator: Orchestrator;
let publisher: Publisher & { close(): Promise<void> };
let topics: OrderToDeliveryTopics;
let kunnr: string;
let sinks: Awaited<ReturnType<typeof putSimulatorSinks>>;
const logLevel = process.env.EAI_LOG_LEVEL;

beforeAll(async () => {
  process.env.EAI_LOG_LEVEL ??= 'warn';
  // Despatched 50 ms after the request; delivered only when the test says so.
  [sap, logistics, salesforce] = await Promise.all([
    startSap(),
    startLogistics({ despatchDelayMs: 50, deliveryDelayMs: 3_600_000 }),
    startSalesforce(),
  ]);
  kunnr = (await seedCustomers(sap.sim.url)).good;
  await salesforceAccountOf(salesforce, kunnr);
  await bus.provisionTopics();
  const prefix = unique('t-ptrk');
  const commands = runCommandTopics(prefix);
  topics = {
    salesOrder: `${prefix}.sales-order`,
    shipment: 'canonical.shipment',
    receipts: RECEIPT_TOPIC,
    commands,
  };
  await bus.provisionTopics(
    [topics.salesOrder, ...Object.values(commands)].map((topic) => ({ topic, partitions: 3 })),
  );
  runtime = new ConnectorRuntime({
    bus,
    plugins: builtinPlugins,
    logger,
    group: unique('connect-ptrk'),
    sinkRetry: { retries: 6, initialDelayMs: 50, maxDelayMs: 1000 },
  });
  await runtime.start();
  sinks = await putSimulatorSinks(runtime, commands, {
    name: unique('ptrk'),
    sapInboundDir: sap.inboundDir,
    logisticsUrl: logistics.sim.url,
    partner: 'EAIPTRK',
    asnFormat: 'x12-856',
    salesforceUrl: salesforce.sim.url,
  });
  await runtime.put(
    {
      name: epcis,
      type: 'epcis-capture-source',
      config: { signature: { scheme: 'bearer', token: CAPTURE_TOKEN } },
    },
    'test',
  );
  server = await serveOnLoopback((request) => runtime.webhook(epcis, request), `/webhooks/${epcis}`);
  const subscribed = await logistics.call('POST', '/sim/capture-subscriptions', {
    url: `${server.url}/capture`,
    token: CAPTURE_TOKEN,
  });
  expect(subscribed.status).toBe(201);
  orchestrator = await startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'ptrk-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: unique('ptrk-router'),
      routerFromBeginning: false,
      sapUrl: sap.sim.url,
    },
    { definitions: orderToDeliveryDefinitions(topics) },
  );
  publisher = await bus.publisher();
}, 90_000);

afterAll(async () => {
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

describe("order to delivery: the CRM gets the 856's tracking number after the EPCIS shipping event", () => {
  it('the EPCIS shipping event (no tracking) moves the instance on; the later 856 updates the CRM once', async () => {
    const [order] = await sapOrders(sap.sim.url, 1);
    const orderId = `sap:${order!.orderNumber}`;
    const id = workflowIdOf(orderId);
    await publisher.publish(sapOrderEvents(topics, [order!], kunnr));

    // The provider despatches: its EPCIS shipping event reaches the hub at once, its 856 waits in the outbound
    // folder (no file source yet), so the instance moves on with the notice that has no tracking number.
    await waitFor(
      'the instance waiting for delivery',
      async () => (await orchestrator.state(id))?.step === 'await-delivery',
      60_000,
    );
    await waitFor(
      'the Salesforce order shipped',
      async () => (await salesforceOrder(salesforce, orderId))?.Status === 'Shipped',
      30_000,
    );
    expect((await salesforceOrder(salesforce, orderId))?.Tracking_Number__c ?? null).toBeNull();

    // Now the 856 (PRF01 = the PO, REF CN = the tracking number) comes in through the file source.
    const { body } = await logistics.call<{ requests: DespatchRequest[] }>('GET', '/api/despatch-requests');
    const request = body.requests.find((r) => r.orderNumber === order!.orderNumber)!;
    const tracking = request.shipment!.trackingNumber;
    mkdirSync(logistics.outboundDir, { recursive: true });
    await runtime.put(
      {
        name: asnSource,
        type: 'logistics-asn-file-source',
        config: { dir: logistics.outboundDir, format: 'x12-856', stableMs: 50 },
      },
      'test',
    );
    await waitFor(
      'the tracking number in Salesforce',
      async () => (await salesforceOrder(salesforce, orderId))?.Tracking_Number__c === tracking,
      30_000,
    );
    const [update] = await readRawMessages(topics.commands!.crmOrderStatus, 1, {
      wanted: (m) => m.value.includes(Buffer.from(tracking)),
      timeoutMs: 30_000,
    });
    expect(update!.headers.ce_id).toBe(`${id}:crm-tracking`);
    expect(await orchestrator.state(id)).toMatchObject({ status: 'WAITING', step: 'await-delivery' });

    // Delivered (the EPCIS receiving event): completed; the Order created by the status and updated once with the
    // tracking number, nothing more.
    const delivered = await logistics.call('POST', `/sim/despatch-requests/${request.requestId}/deliver`);
    expect(delivered.status).toBe(200);
    const outcome = await resultWhenEnded<OrderOutcome>(orchestrator, id, 60_000);
    expect(outcome).toMatchObject({ outcome: 'COMPLETED', version: 7, compensated: [] });
    const crmOrder = await salesforceOrder(salesforce, orderId);
    expect(crmOrder).toMatchObject({ Status: 'Shipped', Tracking_Number__c: tracking });
    expect(
      (await simEffects(salesforce.sim, 'Order'))
        .filter((e) => e.entityId === crmOrder!.Id)
        .map((e) => e.operation),
    ).toEqual(['create', 'update']);
    const steps = ((await DBOS.listWorkflowSteps(id)) ?? [])
      .map((s) => s.name)
      .filter((name) => !name.startsWith('DBOS.'));
    expect(steps.filter((name) => name.startsWith('crm-'))).toEqual(['crm-tracking']);
  }, 180_000);
});
