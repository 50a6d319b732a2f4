import { DBOS } from '@dbos-inc/dbos-sdk';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Publisher, type PublishInput, RECEIPT_TOPIC } from '../../../bus/index.ts';
import { timeline } from '../../../cli/commands/workflows.ts';
import { builtinPlugins, ConnectorRuntime } from '../../../connectors/index.ts';
import { withoutDocumentValues, withoutValueMarks } from '../../../lib/errors.ts';
import type { DespatchRequest } from '../../../simulators/logistics/state.ts';
import { type LogisticsHarness, startLogistics } from '../../../simulators/logistics/test-support.ts';
import type { SapOrder } from '../../../simulators/sap/state.ts';
import { type SapHarness, startSap } from '../../../simulators/sap/test-support.ts';
import { dropDatabase } from '../../../store/database.ts';
import { testBus, testStack, unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { resultWhenEnded } from '../../../tests/workflow-result.ts';
import { type Orchestrator, startOrchestrator } from '../../engine.ts';
import { showInstance } from '../../operators.ts';
import { signalWorkflow } from '../../signals.ts';
import {
  type OrderOutcome,
  type OrderToDeliveryTopics,
  orderToDeliveryDefinitions,
  workflowIdOf,
} from './index.ts';
import { shipmentEvent } from './instant-responders.ts';
import {
  putSimulatorSinks,
  runCommandTopics,
  sapOrderEvents,
  sapOrders,
  simEffects,
} from './simulator-world.ts';
import { seedCustomers } from './test-support.ts';

/**
 * Order to delivery v7 and an order's amendment (a SalesOrder UPDATED, as the SAP ORDCHG mapping writes it: the whole
 * order again, a line's quantity changed), against the SAP and logistics simulators through the real sinks: applied
 * when it comes while the order waits on credit hold (the despatch request the provider receives has the new
 * quantity, and the credit check ran again for the new amount); too late once the despatch request went out (the
 * provider keeps the old quantity, and `eai workflows show` says so).
 */
const stack = testStack();
const bus = testBus('/eai/tests/orchestrator-amendments');
const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });
const database = unique('eai_orch_amend').replaceAll('-', '_');
let sap: SapHarness;
let logistics: LogisticsHarness;
let runtime: ConnectorRuntime;
let orchestrator: Orchestrator;
let publisher: Publisher & { close(): Promise<void> };
let topics: OrderToDeliveryTopics;
let customers: { good: string; blocked: string };
let sinks: Awaited<ReturnType<typeof putSimulatorSinks>>;
const logLevel = process.env.EAI_LOG_LEVEL;

beforeAll(async () => {
  process.env.EAI_LOG_LEVEL ??= 'warn';
  // The provider despatches only when told (no ASN source here): the spec hands the instance its shipment events.
  [sap, logistics] = await Promise.all([
    startSap(),
    startLogistics({ despatchDelayMs: 3_600_000, deliveryDelayMs: 3_600_000 }),
  ]);
  customers = await seedCustomers(sap.sim.url);
  await bus.provisionTopics();
  const prefix = unique('t-amend');
  const commands = runCommandTopics(prefix);
  topics = {
    salesOrder: `${prefix}.sales-order`,
    shipment: `${prefix}.shipment`,
    receipts: RECEIPT_TOPIC,
    commands,
  };
  await bus.provisionTopics(
    [topics.salesOrder, topics.shipment, ...Object.values(commands)].map((topic) => ({
      topic,
      partitions: 3,
    })),
  );
  runtime = new ConnectorRuntime({
    bus,
    plugins: builtinPlugins,
    logger,
    group: unique('connect-amend'),
    sinkRetry: { retries: 6, initialDelayMs: 50, maxDelayMs: 1000 },
  });
  await runtime.start();
  sinks = await putSimulatorSinks(runtime, commands, {
    name: unique('amend'),
    sapInboundDir: sap.inboundDir,
    logisticsUrl: logistics.sim.url,
    partner: 'EAIAMEND',
  });
  orchestrator = await startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'amend-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: unique('amend-router'),
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
  await runtime?.stop();
  await Promise.all([sap?.close(), logistics?.close()]);
  await dropDatabase(stack.databaseUrl, database);
  if (logLevel === undefined) delete process.env.EAI_LOG_LEVEL;
});

/** An SAP order's CREATED event (its first line, 12 C62 at 1499.90), keyed by the order as the SAP source keys it. */
function created(order: SapOrder, kunnr: string): PublishInput {
  const [event] = sapOrderEvents(topics, [order], kunnr);
  return { ...event!, key: `sap:${order.orderNumber}` };
}

/** The same order changed (an ORDCHG): its line's quantity, line amount and the total now for `quantity`. */
function amended(order: SapOrder, kunnr: string, quantity: number): PublishInput {
  const event = structuredClone(created(order, kunnr));
  const value = event.value as { changeType: string; salesOrder: Record<string, unknown> };
  value.changeType = 'UPDATED';
  const line = (value.salesOrder.lines as Array<Record<string, unknown>>)[0]!;
  const amount = (quantity * 1499.9).toFixed(2);
  line.quantity = { value: String(quantity), unitCode: 'C62' };
  line.lineAmount = { amount, currency: 'EUR' };
  value.salesOrder.totalAmount = { amount, currency: 'EUR' };
  value.salesOrder.extensions = { 'sap.mestyp': 'ORDCHG' };
  return event;
}

/** The despatch requests the logistics provider received for an order number. */
async function despatchRequests(orderNumber: string): Promise<DespatchRequest[]> {
  const { body } = await logistics.call<{ requests: DespatchRequest[] }>('GET', '/api/despatch-requests');
  return body.requests.filter((r) => r.orderNumber === orderNumber);
}

/** SAP's credit checks of a customer (its simulator's effects). */
const creditChecks = async (kunnr: string) =>
  (await simEffects(sap.sim, 'CREDIT_CHECK')).filter((e) => e.entityId === kunnr);

const namedSteps = async (id: string) =>
  ((await DBOS.listWorkflowSteps(id)) ?? []).map((s) => s.name).filter((n) => !n.startsWith('DBOS.'));

/** The provider's ASN and delivery of the order, on the run's shipment topic (the instance completes). */
async function shipAndDeliver(orderId: string) {
  const key = orderId;
  await publisher.publish([
    { ...shipmentEvent(topics.shipment, orderId, 'SHIPPED'), key },
    { ...shipmentEvent(topics.shipment, orderId, 'DELIVERED'), key },
  ]);
}

describe('order to delivery v7: an amendment of a running order', () => {
  it('on credit hold: applied, the credit checked again for the new amount, the despatch request has the new quantity', async () => {
    const [order] = await sapOrders(sap.sim.url, 1);
    const orderId = `sap:${order!.orderNumber}`;
    const id = workflowIdOf(orderId);
    await publisher.publish([created(order!, customers.blocked)]);
    await waitFor(
      'the order on credit hold',
      async () => (await orchestrator.state(id))?.step === 'await-credit-approval',
      30_000,
    );
    await publisher.publish([amended(order!, customers.blocked, 20)]);
    // The amount rose (12 → 20 pumps): SAP checks the order again, and still blocks it (the customer's credit block).
    await waitFor(
      'the credit check run again',
      async () => (await namedSteps(id)).includes('credit-check-2'),
      30_000,
    );
    // SAP's credit log (this SAP simulator is the spec's own; the blocked customer is this test's alone).
    const checks = await creditChecks(customers.blocked);
    expect(checks.map((e) => [e.detail?.amount, e.detail?.result])).toEqual([
      [17998.81, 'blocked'],
      [29998, 'blocked'],
    ]);
    expect(await despatchRequests(order!.orderNumber)).toEqual([]);

    await signalWorkflow(
      orchestrator.definitions,
      id,
      'approve-credit',
      {},
      { signalId: unique('approve'), by: 'spec' },
    );
    await waitFor(
      'the despatch request at the provider',
      async () => (await despatchRequests(order!.orderNumber)).length > 0,
      30_000,
    );
    const [request] = await despatchRequests(order!.orderNumber);
    expect(request!.lines.map((l) => l.quantity)).toEqual([20]);
    expect(
      (await simEffects(logistics.sim, 'DespatchRequest')).filter(
        (e) => e.detail?.orderNumber === order!.orderNumber,
      ),
    ).toHaveLength(1);

    await shipAndDeliver(orderId);
    const outcome = await resultWhenEnded<OrderOutcome>(orchestrator, id, 30_000);
    expect(outcome).toMatchObject({ outcome: 'COMPLETED', version: 7 });
    expect(outcome.amendments).toEqual([
      expect.objectContaining({ applied: true, at: 'await-credit-approval' }),
    ]);
    // The quantities and totals marked as the order's values: an operator reads them, a viewer and the logs "…".
    expect(outcome.amendments![0]!.changes.map(withoutValueMarks)).toEqual([
      'line 10 quantity 12 → 20 C62',
      'total 17998.81 EUR → 29998 EUR',
    ]);
    expect(outcome.amendments![0]!.changes.map(withoutDocumentValues)).toEqual([
      'line 10 quantity "…" → "…" C62',
      'total "…" EUR → "…" EUR',
    ]);
  }, 120_000);

  it('after the despatch request went out: not applied, the provider keeps the old quantity, show says too late', async () => {
    const [order] = await sapOrders(sap.sim.url, 1);
    const orderId = `sap:${order!.orderNumber}`;
    const id = workflowIdOf(orderId);
    await publisher.publish([created(order!, customers.good)]);
    // The logistics sink's receipt came: the request is at the provider, the instance waits for its ASN.
    await waitFor(
      'the wait for the ASN',
      async () => (await orchestrator.state(id))?.step === 'await-asn',
      30_000,
    );
    await publisher.publish([amended(order!, customers.good, 20)]);
    await waitFor(
      'the amendment said too late',
      async () => (await namedSteps(id)).includes('amendment-too-late'),
      30_000,
    );
    const requests = await despatchRequests(order!.orderNumber);
    expect(requests.map((r) => r.lines.map((l) => l.quantity))).toEqual([[12]]);

    await shipAndDeliver(orderId);
    const outcome = await resultWhenEnded<OrderOutcome>(orchestrator, id, 30_000);
    expect(outcome).toMatchObject({ outcome: 'COMPLETED', version: 7 });
    expect(outcome.amendments).toEqual([expect.objectContaining({ applied: false, at: 'await-asn' })]);
    // Only the first credit check: an amendment too late changes nothing at SAP either.
    expect(await creditChecks(customers.good)).toHaveLength(1);
    expect(await despatchRequests(order!.orderNumber)).toHaveLength(1);

    // What `eai workflows show <id>` prints: the outcome's note, and the step with the amendment's id.
    const text = withoutValueMarks(timeline((await showInstance(id))!));
    expect(text).toMatch(
      /^ {2}amendment \S+ came too late: the despatch request had gone out with the order as it was, not applied \(line 10 quantity 12 → 20 C62; total 17998.81 EUR → 29998 EUR\)/m,
    );
    expect(text).toMatch(/← order\.amended order \d+, total 29998 EUR \(\S+\)/);
    expect(text).toMatch(/amendment-too-late .*came too late/);
  }, 120_000);
});
