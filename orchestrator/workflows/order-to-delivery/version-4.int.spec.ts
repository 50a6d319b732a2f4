// Version 4 of order to delivery: version 3 with the ERP's and the CRM's SHIPPED status after the ASN in one
// checkpoint. What changed is that checkpoint; the credit check's grouping is version 3's (version-3.int.spec.ts), the
// waits, timers and the rest version 1's (order-to-delivery.int.spec.ts), the redeploy from v3 restart.int.spec.ts'.
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
import { CHECK_CONFIRM_AND_DESPATCH, CONFIRM_AND_DESPATCH, SHIPPED_AND_CRM } from './workflow.ts';

const stack = testStack();
const database = unique('eai_orch_o2d_v4').replaceAll('-', '_');
const bus = testBus();
let sap: Awaited<ReturnType<typeof startSap>>;
let orchestrator: Orchestrator;
let responders: InstantResponders;
let publisher: Publisher & { close(): Promise<void> };
let topics: OrderToDeliveryTopics;
let customers: { good: string; blocked: string };
/** Steps failing for good, per workflow id. */
const faults = new Map<string, string>();

beforeAll(async () => {
  sap = await startSap();
  customers = await seedCustomers(sap.sim.url);
  topics = await provisionTestTopics(bus, unique('t-o2d-v4'));
  orchestrator = await startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'o2d-v4-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: unique('o2d-v4-router'),
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
      // What a deployment ships: every version; new orders start on the latest.
      definitions: orderToDeliveryDefinitions(topics),
      stepRetry: { maxAttempts: 2, intervalSeconds: 0.05, backoffRate: 1 },
      beforeStep: (workflowId, step) => {
        if (faults.get(workflowId) === step) throw new NonRetriableError(`${step} refused`);
      },
    },
  );
  responders = await startInstantResponders(bus, {
    groupId: unique('o2d-v4-responders'),
    topics,
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

describe('order to delivery, version 4', () => {
  it("an approved order: two checkpoints, the ERP's and the CRM's SHIPPED status in the second", async () => {
    const orderId = unique('sap:v4-happy');
    const outcome = await run(orderId);
    expect(outcome).toMatchObject({ outcome: 'COMPLETED', version: 4, compensated: [] });
    expect((await DBOS.getWorkflowStatus(workflowIdOf(orderId)))?.workflowName).toBe('order-to-delivery@4');
    expect(await namedSteps(orderId)).toEqual([CHECK_CONFIRM_AND_DESPATCH, SHIPPED_AND_CRM]);
    await waitFor('the commands', () => commandsOf(orderId).length === 4);
    expect(commandsOf(orderId).slice(0, 2).sort()).toEqual(
      [`${COMMAND_TOPICS.erpOrderStatus}:CONFIRMED`, `${COMMAND_TOPICS.logisticsDespatch}:CONFIRMED`].sort(),
    );
    expect(commandsOf(orderId).slice(2)).toEqual([
      `${COMMAND_TOPICS.erpOrderStatus}:SHIPPED`,
      `${COMMAND_TOPICS.crmOrderStatus}:SHIPPED`,
    ]);
  });

  it('a blocked order: the confirmation and despatch follow the approval, then the shipped statuses as one', async () => {
    const orderId = unique('sap:v4-hold');
    const id = workflowIdOf(orderId);
    await publisher.publish([salesOrderEvent(topics, orderId, customers.blocked)]);
    await waitFor(
      'the credit hold',
      async () => (await orchestrator.state(id))?.step === 'await-credit-approval',
      20_000,
    );
    await signalWorkflow(id, 'approve-credit', { by: 'credit-desk' }, unique('signal'));
    expect(await orchestrator.result<OrderOutcome>(id, 20_000)).toMatchObject({
      outcome: 'COMPLETED',
      version: 4,
    });
    expect(await namedSteps(orderId)).toEqual([
      CHECK_CONFIRM_AND_DESPATCH,
      'erp-credit-hold',
      CONFIRM_AND_DESPATCH,
      SHIPPED_AND_CRM,
    ]);
  });

  // As version 3's: the ERP's SHIPPED status has no compensation, the CRM's is compensated once sent.
  const failures: Array<{ step: string; compensated: string[]; sent: string[] }> = [
    { step: 'erp-shipped', compensated: ['logistics-despatch', 'erp-confirm'], sent: [] },
    {
      step: 'crm-status',
      compensated: ['logistics-despatch', 'erp-confirm'],
      sent: [`${COMMAND_TOPICS.erpOrderStatus}:SHIPPED`],
    },
  ];
  for (const { step, compensated, sent } of failures) {
    it(`${step} failing for good in the shared checkpoint compensates exactly the completed steps`, async () => {
      const orderId = unique(`sap:v4-fail-${step}`);
      faults.set(workflowIdOf(orderId), step);
      const outcome = await run(orderId);
      expect(outcome).toMatchObject({ outcome: 'COMPENSATED', version: 4, failedStep: step, compensated });
      const steps = await namedSteps(orderId);
      expect(steps.slice(0, 2)).toEqual([CHECK_CONFIRM_AND_DESPATCH, SHIPPED_AND_CRM]);
      expect(steps.filter((s) => s.startsWith('compensate:'))).toEqual(
        compensated.map((s) => `compensate:${s}`),
      );
      await waitFor(
        'the compensations',
        () => commandsOf(orderId).length === 2 + sent.length + compensated.length,
      );
      expect(commandsOf(orderId).slice(2, 2 + sent.length)).toEqual(sent);
      expect(commandsOf(orderId)).not.toContain(`${COMMAND_TOPICS.crmOrderStatus}:SHIPPED`);
    });
  }
});
