// Version 4 of order to delivery: version 3 with the ERP's and the CRM's SHIPPED status after the ASN in one
// checkpoint. What changed is that checkpoint; the credit check's grouping is version 3's (version-3.int.spec.ts), the
// waits, timers and the rest version 1's (order-to-delivery.int.spec.ts), the redeploy from v3 restart.int.spec.ts'.
import { DBOS } from '@dbos-inc/dbos-sdk';
import { describe, expect, it } from 'vitest';
import { unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { resultWhenEnded } from '../../../tests/workflow-result.ts';
import { COMMAND_TOPICS } from '../../commands.ts';
import { signalWorkflow } from '../../signals.ts';
import { type OrderOutcome, workflowIdOf } from './index.ts';
import { salesOrderEvent } from './test-support.ts';
import { versionSpecHarness } from './version-spec-harness.ts';
import { CHECK_CONFIRM_AND_DESPATCH, CONFIRM_AND_DESPATCH, SHIPPED_AND_CRM } from './workflow.ts';

const h = versionSpecHarness(4);
const { run, namedSteps, commandsOf, faults } = h;

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
    await h.publisher.publish([salesOrderEvent(h.topics, orderId, h.customers.blocked)]);
    await waitFor(
      'the credit hold',
      async () => (await h.orchestrator.state(id))?.step === 'await-credit-approval',
      20_000,
    );
    await signalWorkflow(
      h.orchestrator.definitions,
      id,
      'approve-credit',
      { by: 'credit-desk' },
      { signalId: unique('signal') },
    );
    expect(await resultWhenEnded<OrderOutcome>(h.orchestrator, id, 20_000)).toMatchObject({
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
