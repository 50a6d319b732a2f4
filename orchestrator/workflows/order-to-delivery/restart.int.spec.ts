import { DBOS } from '@dbos-inc/dbos-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../../bus/index.ts';
import { startSap } from '../../../simulators/sap/test-support.ts';
import { dropDatabase } from '../../../store/database.ts';
import { testBus, testStack, unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { resultWhenEnded } from '../../../tests/workflow-result.ts';
import { COMMAND_TOPICS } from '../../commands.ts';
import type { OrchestratorConfigInput } from '../../config.ts';
import type { AnyWorkflowDefinition } from '../../definitions.ts';
import { type Orchestrator, startOrchestrator } from '../../engine.ts';
import {
  type OrderOutcome,
  type OrderToDeliveryTopics,
  orderToDeliveryV1,
  orderToDeliveryV2,
  orderToDeliveryV3,
  orderToDeliveryV4,
  workflowIdOf,
} from './index.ts';
import { type InstantResponders, shipmentEvent, startInstantResponders } from './instant-responders.ts';
import { provisionTestTopics, salesOrderEvent, seedCustomers } from './test-support.ts';
import { CHECK_CONFIRM_AND_DESPATCH, CONFIRM_AND_DESPATCH, SHIPPED_AND_CRM } from './workflow.ts';

const stack = testStack();
const database = unique('eai_orch_restart').replaceAll('-', '_');
const bus = testBus();
let sap: Awaited<ReturnType<typeof startSap>>;
let responders: InstantResponders;
let publisher: Publisher & { close(): Promise<void> };
let topics: OrderToDeliveryTopics;
let customers: { good: string; blocked: string };
let orchestrator: Orchestrator | undefined;
const silent = new Set<string>();
const CREDIT_TIMEOUT_MS = 5000;

function config(): OrchestratorConfigInput {
  return {
    databaseUrl: stack.databaseUrl,
    database,
    executorId: 'restart-spec',
    brokers: stack.brokers,
    registryUrl: stack.registryUrl,
    routerGroup: `${database}-router`,
    sapUrl: sap.sim.url,
    timers: {
      creditApprovalTimeoutMs: CREDIT_TIMEOUT_MS,
      asnEscalationMs: 60_000,
      asnTimeoutMs: 120_000,
      deliveryEscalationMs: 60_000,
      deliveryTimeoutMs: 120_000,
    },
  };
}

const start = (definitions: AnyWorkflowDefinition[]) =>
  startOrchestrator(config(), {
    definitions,
    stepRetry: { maxAttempts: 2, intervalSeconds: 0.05, backoffRate: 1 },
  });

beforeAll(async () => {
  sap = await startSap();
  customers = await seedCustomers(sap.sim.url);
  topics = await provisionTestTopics(bus, unique('t-restart'));
  responders = await startInstantResponders(bus, {
    groupId: unique('restart-responders'),
    topics,
    silent: (orderId, answer) => answer === 'asn' && silent.has(orderId),
  });
  publisher = await bus.publisher();
});

afterAll(async () => {
  await orchestrator?.stop();
  await publisher?.close();
  await responders?.stop();
  await sap?.close();
  await dropDatabase(stack.databaseUrl, database);
});

describe('order to delivery across restarts and redeploys', () => {
  it('a timer fires after a restart; in-flight instances finish on their version after a redeploy with v2', async () => {
    // Deployment 1 ships version 1 only.
    orchestrator = await start([orderToDeliveryV1(topics)]);
    const waiting = unique('sap:v1-inflight');
    const held = unique('sap:held');
    silent.add(waiting);
    const startedAt = Date.now();
    await publisher.publish([
      salesOrderEvent(topics, waiting, customers.good),
      salesOrderEvent(topics, held, customers.blocked),
    ]);
    await waitFor('both instances waiting', async () => {
      const [a, b] = await Promise.all([
        orchestrator!.state(workflowIdOf(waiting)),
        orchestrator!.state(workflowIdOf(held)),
      ]);
      return a?.step === 'await-asn' && b?.step === 'await-credit-approval';
    });
    await orchestrator.stop();
    orchestrator = undefined;

    // Deployment 2 ships versions 1 and 2, same pinned application version and executor id.
    await new Promise((resolve) => setTimeout(resolve, 500));
    orchestrator = await start([orderToDeliveryV1(topics), orderToDeliveryV2(topics)]);

    // The credit-approval timer set before the restart fires after it, at its original deadline.
    const timedOut = await resultWhenEnded<OrderOutcome>(orchestrator, workflowIdOf(held), 30_000);
    expect(timedOut).toMatchObject({
      outcome: 'COMPENSATED',
      failedStep: 'await-credit-approval',
      version: 1,
    });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(CREDIT_TIMEOUT_MS);

    // A new order starts on version 2; the in-flight one goes on with version 1 when its ASN arrives.
    const fresh = unique('sap:v2-new');
    await publisher.publish([salesOrderEvent(topics, fresh, customers.good)]);
    await publisher.publish([shipmentEvent(topics.shipment, waiting, 'SHIPPED')]);
    const [old, next] = await Promise.all([
      resultWhenEnded<OrderOutcome>(orchestrator, workflowIdOf(waiting), 30_000),
      resultWhenEnded<OrderOutcome>(orchestrator, workflowIdOf(fresh), 30_000),
    ]);
    expect(old).toMatchObject({ outcome: 'COMPLETED', version: 1 });
    expect(next).toMatchObject({ outcome: 'COMPLETED', version: 2 });
    expect((await DBOS.getWorkflowStatus(workflowIdOf(waiting)))?.workflowName).toBe('order-to-delivery@1');
    expect((await DBOS.getWorkflowStatus(workflowIdOf(fresh)))?.workflowName).toBe('order-to-delivery@2');
    const erpStatuses = (orderId: string) =>
      responders.seen
        .filter((c) => c.orderId === orderId && c.topic === COMMAND_TOPICS.erpOrderStatus)
        .map((c) => c.status);
    await waitFor('the ERP commands', () => erpStatuses(fresh).length === 2);
    expect(erpStatuses(fresh)).toEqual(['CONFIRMED', 'SHIPPED']);
    expect(erpStatuses(waiting)).not.toContain('SHIPPED');
  });

  it('a version-2 instance in flight finishes on version 2 after a redeploy with v3; new orders start on v3', async () => {
    await orchestrator?.stop();
    orchestrator = await start([orderToDeliveryV1(topics), orderToDeliveryV2(topics)]);
    const waiting = unique('sap:v2-inflight');
    silent.add(waiting);
    await publisher.publish([salesOrderEvent(topics, waiting, customers.good)]);
    await waitFor(
      'the v2 instance waiting for its ASN',
      async () => (await orchestrator!.state(workflowIdOf(waiting)))?.step === 'await-asn',
    );
    await orchestrator.stop();
    orchestrator = undefined;

    // Deployment 3 ships versions 1, 2 and 3.
    await new Promise((resolve) => setTimeout(resolve, 500));
    orchestrator = await start([
      orderToDeliveryV1(topics),
      orderToDeliveryV2(topics),
      orderToDeliveryV3(topics),
    ]);
    const fresh = unique('sap:v3-new');
    await publisher.publish([salesOrderEvent(topics, fresh, customers.good)]);
    await publisher.publish([shipmentEvent(topics.shipment, waiting, 'SHIPPED')]);
    const [old, next] = await Promise.all([
      resultWhenEnded<OrderOutcome>(orchestrator, workflowIdOf(waiting), 30_000),
      resultWhenEnded<OrderOutcome>(orchestrator, workflowIdOf(fresh), 30_000),
    ]);
    expect(old).toMatchObject({ outcome: 'COMPLETED', version: 2 });
    expect(next).toMatchObject({ outcome: 'COMPLETED', version: 3 });
    expect((await DBOS.getWorkflowStatus(workflowIdOf(waiting)))?.workflowName).toBe('order-to-delivery@2');
    expect((await DBOS.getWorkflowStatus(workflowIdOf(fresh)))?.workflowName).toBe('order-to-delivery@3');
    // Each replayed its own sequence of checkpoints: v2 the credit check apart, v3 with the confirmation.
    const named = async (orderId: string) =>
      ((await DBOS.listWorkflowSteps(workflowIdOf(orderId))) ?? [])
        .map((s) => s.name)
        .filter((name) => !name.startsWith('DBOS.'));
    expect(await named(waiting)).toEqual(['credit-check', CONFIRM_AND_DESPATCH, 'erp-shipped', 'crm-status']);
    expect(await named(fresh)).toEqual([CHECK_CONFIRM_AND_DESPATCH, 'erp-shipped', 'crm-status']);
    const erpStatuses = (orderId: string) =>
      responders.seen
        .filter((c) => c.orderId === orderId && c.topic === COMMAND_TOPICS.erpOrderStatus)
        .map((c) => c.status);
    await waitFor(
      'the ERP commands',
      () => erpStatuses(waiting).length === 2 && erpStatuses(fresh).length === 2,
    );
    expect(erpStatuses(waiting)).toEqual(['CONFIRMED', 'SHIPPED']);
    expect(erpStatuses(fresh)).toEqual(['CONFIRMED', 'SHIPPED']);
  });

  it('a version-3 instance in flight finishes on version 3 after a redeploy with v4; new orders start on v4', async () => {
    await orchestrator?.stop();
    const upTo3 = [orderToDeliveryV1(topics), orderToDeliveryV2(topics), orderToDeliveryV3(topics)];
    orchestrator = await start(upTo3);
    const waiting = unique('sap:v3-inflight');
    silent.add(waiting);
    await publisher.publish([salesOrderEvent(topics, waiting, customers.good)]);
    await waitFor(
      'the v3 instance waiting for its ASN',
      async () => (await orchestrator!.state(workflowIdOf(waiting)))?.step === 'await-asn',
    );
    await orchestrator.stop();
    orchestrator = undefined;

    // Deployment 4 ships versions 1 to 4.
    await new Promise((resolve) => setTimeout(resolve, 500));
    orchestrator = await start([...upTo3, orderToDeliveryV4(topics)]);
    const fresh = unique('sap:v4-new');
    await publisher.publish([salesOrderEvent(topics, fresh, customers.good)]);
    await publisher.publish([shipmentEvent(topics.shipment, waiting, 'SHIPPED')]);
    const [old, next] = await Promise.all([
      resultWhenEnded<OrderOutcome>(orchestrator, workflowIdOf(waiting), 30_000),
      resultWhenEnded<OrderOutcome>(orchestrator, workflowIdOf(fresh), 30_000),
    ]);
    expect(old).toMatchObject({ outcome: 'COMPLETED', version: 3 });
    expect(next).toMatchObject({ outcome: 'COMPLETED', version: 4 });
    expect((await DBOS.getWorkflowStatus(workflowIdOf(waiting)))?.workflowName).toBe('order-to-delivery@3');
    expect((await DBOS.getWorkflowStatus(workflowIdOf(fresh)))?.workflowName).toBe('order-to-delivery@4');
    // Each replayed its own sequence of checkpoints: v3 the shipped statuses apart, v4 as one.
    const named = async (orderId: string) =>
      ((await DBOS.listWorkflowSteps(workflowIdOf(orderId))) ?? [])
        .map((s) => s.name)
        .filter((name) => !name.startsWith('DBOS.'));
    expect(await named(waiting)).toEqual([CHECK_CONFIRM_AND_DESPATCH, 'erp-shipped', 'crm-status']);
    expect(await named(fresh)).toEqual([CHECK_CONFIRM_AND_DESPATCH, SHIPPED_AND_CRM]);
  });
});
