import { DBOS } from '@dbos-inc/dbos-sdk';
import { afterAll, beforeAll } from 'vitest';
import { type Publisher, receiptRecord } from '../../../bus/index.ts';
import { NonRetriableError } from '../../../lib/errors.ts';
import { startSap } from '../../../simulators/sap/test-support.ts';
import { dropDatabase } from '../../../store/database.ts';
import { testBus, testStack, unique } from '../../../tests/stack.ts';
import { type Orchestrator, startOrchestrator } from '../../engine.ts';
import {
  type OrderOutcome,
  type OrderToDeliveryTopics,
  orderToDeliveryDefinitions,
  workflowIdOf,
} from './index.ts';
import { type InstantResponders, startInstantResponders } from './instant-responders.ts';
import { DESPATCH_STEP } from './routes.ts';
import { provisionTestTopics, salesOrderEvent, seedCustomers } from './test-support.ts';

/**
 * The setup the version specs share (version-3.int.spec.ts, version-4.int.spec.ts): an orchestrator of its own
 * database shipping order to delivery up to `latest`, the SAP simulator, instant responders on the bus (silent with
 * the ASN for the orders in `silentAsn`, with the delivery for those in `silentDelivery`), short timers, and steps made to fail for good per workflow id (`faults`).
 * Registers the file's beforeAll / afterAll; the started parts are read off the result inside tests.
 */
export function versionSpecHarness(latest: number) {
  const stack = testStack();
  const database = unique(`eai_orch_o2d_v${latest}`).replaceAll('-', '_');
  const bus = testBus();
  const faults = new Map<string, string>();
  const silentAsn = new Set<string>();
  const silentDelivery = new Set<string>();
  const h = {
    faults,
    silentAsn,
    silentDelivery,
    sap: undefined as unknown as Awaited<ReturnType<typeof startSap>>,
    orchestrator: undefined as unknown as Orchestrator,
    responders: undefined as unknown as InstantResponders,
    publisher: undefined as unknown as Publisher & { close(): Promise<void> },
    topics: undefined as unknown as OrderToDeliveryTopics,
    customers: undefined as unknown as { good: string; blocked: string },
  };
  async function run(
    orderId: string,
    kunnr = h.customers.good,
    extra: Parameters<typeof salesOrderEvent>[3] = {},
  ): Promise<OrderOutcome> {
    await h.publisher.publish([salesOrderEvent(h.topics, orderId, kunnr, extra)]);
    return h.orchestrator.result<OrderOutcome>(workflowIdOf(orderId), 30_000);
  }
  /**
   * Publishes the logistics sink's receipt of an order's despatch request (version 5 on), as the sink would; of the
   * command as this orchestrator sent it, or as another deployment sharing the topics did (`source`).
   */
  async function despatchReceipt(
    orderId: string,
    outcome: 'APPLIED' | 'REFUSED',
    reason?: string,
    source = h.orchestrator.source,
  ) {
    const workflowId = workflowIdOf(orderId);
    const record = receiptRecord(
      { id: `${workflowId}:${DESPATCH_STEP}`, subject: workflowId, source },
      'logistics-despatch',
      outcome,
      reason,
    );
    const producer = bus.transport.producer();
    await producer.connect();
    try {
      await producer.send([{ ...record, topic: h.topics.receipts! }]);
    } finally {
      await producer.disconnect();
    }
  }
  /** The instance's checkpoints, DBOS's own (sends, receives, events) left out. */
  async function namedSteps(orderId: string): Promise<string[]> {
    return ((await DBOS.listWorkflowSteps(workflowIdOf(orderId))) ?? [])
      .map((s) => s.name)
      .filter((name) => !name.startsWith('DBOS.'));
  }
  const commandsOf = (orderId: string): string[] =>
    h.responders.seen.filter((c) => c.orderId === orderId).map((c) => `${c.topic}:${c.status}`);

  beforeAll(async () => {
    h.sap = await startSap();
    h.customers = await seedCustomers(h.sap.sim.url);
    h.topics = await provisionTestTopics(bus, unique(`t-o2d-v${latest}`));
    h.orchestrator = await startOrchestrator(
      {
        databaseUrl: stack.databaseUrl,
        database,
        executorId: `o2d-v${latest}-spec`,
        brokers: stack.brokers,
        registryUrl: stack.registryUrl,
        routerGroup: unique(`o2d-v${latest}-router`),
        sapUrl: h.sap.sim.url,
        timers: {
          creditApprovalTimeoutMs: 4000,
          asnEscalationMs: 1000,
          asnTimeoutMs: 2500,
          deliveryEscalationMs: 1000,
          deliveryTimeoutMs: 2500,
        },
      },
      {
        // What a deployment shipped up to `latest`: new orders start on it.
        definitions: orderToDeliveryDefinitions(h.topics).slice(0, latest),
        stepRetry: { maxAttempts: 2, intervalSeconds: 0.05, backoffRate: 1 },
        beforeStep: (workflowId, step) => {
          if (faults.get(workflowId) === step) throw new NonRetriableError(`${step} refused`);
        },
      },
    );
    h.responders = await startInstantResponders(bus, {
      groupId: unique(`o2d-v${latest}-responders`),
      topics: h.topics,
      silent: (orderId, answer) => (answer === 'asn' ? silentAsn : silentDelivery).has(orderId),
    });
    h.publisher = await bus.publisher();
  });

  afterAll(async () => {
    await h.publisher?.close();
    await h.responders?.stop();
    await h.orchestrator?.stop();
    await h.sap?.close();
    await dropDatabase(stack.databaseUrl, database);
  });

  return Object.assign(h, { run, namedSteps, commandsOf, despatchReceipt });
}
