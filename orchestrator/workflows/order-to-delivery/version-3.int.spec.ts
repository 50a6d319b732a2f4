// Version 3 of order to delivery: the credit check shares the confirm-and-despatch checkpoint when it approves. What
// changed is the checkpoints around the check; the waits, timers and the rest are version 1's code and specs
// (order-to-delivery.int.spec.ts), the redeploy from v2 is restart.int.spec.ts'.
import { DBOS } from '@dbos-inc/dbos-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../../bus/index.ts';
import { NonRetriableError } from '../../../lib/errors.ts';
import { startSap } from '../../../simulators/sap/test-support.ts';
import { dropDatabase } from '../../../store/database.ts';
import { testBus, testStack, unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { COMMAND_TOPICS } from '../../commands.ts';
import { type Orchestrator, startOrchestrator } from '../../engine.ts';
import { signalWorkflow } from '../../router.ts';
import {
  type OrderOutcome,
  type OrderToDeliveryTopics,
  orderToDeliveryDefinitions,
  workflowIdOf,
} from './index.ts';
import { type InstantResponders, startInstantResponders } from './instant-responders.ts';
import { provisionTestTopics, salesOrderEvent, seedCustomers } from './test-support.ts';
import { CHECK_CONFIRM_AND_DESPATCH, CONFIRM_AND_DESPATCH } from './workflow.ts';

const stack = testStack();
const database = unique('eai_orch_o2d_v3').replaceAll('-', '_');
const bus = testBus();
let sap: Awaited<ReturnType<typeof startSap>>;
let orchestrator: Orchestrator;
let responders: InstantResponders;
let publisher: Publisher & { close(): Promise<void> };
let topics: OrderToDeliveryTopics;
let customers: { good: string; blocked: string };
/** Steps failing for good, per workflow id. */
const faults = new Map<string, string>();
const silent = new Set<string>();

beforeAll(async () => {
  sap = await startSap();
  customers = await seedCustomers(sap.sim.url);
  topics = await provisionTestTopics(bus, unique('t-o2d-v3'));
  orchestrator = await startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'o2d-v3-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: unique('o2d-v3-router'),
      sapUrl: sap.sim.url,
      timers: {
        creditApprovalTimeoutMs: 4000,
        asnEscalationMs: 1000,
        asnTimeoutMs: 2500,
        deliveryEscalationMs: 1000,
        deliveryTimeoutMs: 2500,
      },
    },
    {
      // What a deployment shipped up to version 3: new orders start on version 3 (version 4: version-4.int.spec.ts).
      definitions: orderToDeliveryDefinitions(topics).slice(0, 3),
      stepRetry: { maxAttempts: 2, intervalSeconds: 0.05, backoffRate: 1 },
      beforeStep: (workflowId, step) => {
        if (faults.get(workflowId) === step) throw new NonRetriableError(`${step} refused`);
      },
    },
  );
  responders = await startInstantResponders(bus, {
    groupId: unique('o2d-v3-responders'),
    topics,
    silent: (orderId, answer) => answer === 'asn' && silent.has(orderId),
  });
  publisher = await bus.publisher();
});

afterAll(async () => {
  await publisher?.close();
  await responders?.stop();
  await orchestrator?.stop();
  await sap?.close();
  await dropDatabase(stack.databaseUrl, database);
});

async function run(
  orderId: string,
  kunnr = customers.good,
  extra: Parameters<typeof salesOrderEvent>[3] = {},
) {
  await publisher.publish([salesOrderEvent(topics, orderId, kunnr, extra)]);
  return orchestrator.result<OrderOutcome>(workflowIdOf(orderId), 30_000);
}

/** The instance's checkpoints, DBOS's own (sends, receives, events) left out. */
async function namedSteps(orderId: string): Promise<string[]> {
  return ((await DBOS.listWorkflowSteps(workflowIdOf(orderId))) ?? [])
    .map((s) => s.name)
    .filter((name) => !name.startsWith('DBOS.'));
}

const commandsOf = (orderId: string) =>
  responders.seen.filter((c) => c.orderId === orderId).map((c) => `${c.topic}:${c.status}`);

describe('order to delivery, version 3', () => {
  it('an approved order: the credit check, the confirmation and the despatch request are one checkpoint', async () => {
    const orderId = unique('sap:v3-happy');
    const outcome = await run(orderId);
    expect(outcome).toMatchObject({ outcome: 'COMPLETED', version: 3, compensated: [] });
    expect((await DBOS.getWorkflowStatus(workflowIdOf(orderId)))?.workflowName).toBe('order-to-delivery@3');
    expect(await namedSteps(orderId)).toEqual([CHECK_CONFIRM_AND_DESPATCH, 'erp-shipped', 'crm-status']);
    await waitFor('the commands', () => commandsOf(orderId).length === 4);
    expect(commandsOf(orderId).slice(0, 2).sort()).toEqual(
      [`${COMMAND_TOPICS.erpOrderStatus}:CONFIRMED`, `${COMMAND_TOPICS.logisticsDespatch}:CONFIRMED`].sort(),
    );
    expect(commandsOf(orderId).slice(2)).toEqual([
      `${COMMAND_TOPICS.erpOrderStatus}:SHIPPED`,
      `${COMMAND_TOPICS.crmOrderStatus}:SHIPPED`,
    ]);
  });

  it('a blocked order: the group ends after the check; the confirmation and despatch follow the approval', async () => {
    const orderId = unique('sap:v3-hold');
    const id = workflowIdOf(orderId);
    await publisher.publish([salesOrderEvent(topics, orderId, customers.blocked)]);
    await waitFor(
      'the credit hold',
      async () => (await orchestrator.state(id))?.step === 'await-credit-approval',
      20_000,
    );
    await waitFor('the credit hold command', () => commandsOf(orderId).length === 1, 5000);
    expect(commandsOf(orderId)).toEqual([`${COMMAND_TOPICS.erpOrderStatus}:CREDIT_HOLD`]);
    await signalWorkflow(id, 'approve-credit', { by: 'credit-desk' }, unique('signal'));
    expect(await orchestrator.result<OrderOutcome>(id, 20_000)).toMatchObject({
      outcome: 'COMPLETED',
      version: 3,
    });
    expect(await namedSteps(orderId)).toEqual([
      CHECK_CONFIRM_AND_DESPATCH,
      'erp-credit-hold',
      CONFIRM_AND_DESPATCH,
      'erp-shipped',
      'crm-status',
    ]);
  });

  const failures: Array<{ step: string; kunnr?: () => string; compensated: string[] }> = [
    { step: 'credit-check', kunnr: () => '0000799999', compensated: [] },
    { step: 'await-credit-approval', kunnr: () => customers.blocked, compensated: [] },
    { step: 'erp-confirm', compensated: [] },
    { step: 'logistics-despatch', compensated: ['erp-confirm'] },
    { step: 'crm-status', compensated: ['logistics-despatch', 'erp-confirm'] },
  ];
  for (const { step, kunnr, compensated } of failures) {
    it(`${step} failing for good compensates exactly the completed steps, in reverse`, async () => {
      const orderId = unique(`sap:v3-fail-${step}`);
      faults.set(workflowIdOf(orderId), step);
      const outcome = await run(orderId, kunnr?.());
      expect(outcome).toMatchObject({ outcome: 'COMPENSATED', version: 3, failedStep: step, compensated });
      const compensations = compensated.map((s) => `compensate:${s}`);
      expect((await namedSteps(orderId)).filter((s) => s.startsWith('compensate:'))).toEqual(compensations);
    });
  }

  it('an ERP cancellation while waiting for the ASN compensates the grouped steps', async () => {
    const orderId = unique('sap:v3-cancel');
    const id = workflowIdOf(orderId);
    silent.add(orderId);
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
    await waitFor('the ASN wait', async () => (await orchestrator.state(id))?.step === 'await-asn', 20_000);
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good, { cancelled: true })]);
    expect(await orchestrator.result<OrderOutcome>(id, 20_000)).toMatchObject({
      outcome: 'CANCELLED',
      version: 3,
      compensated: ['logistics-despatch', 'erp-confirm'],
    });
  });
});
