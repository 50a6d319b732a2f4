// Version 3 of order to delivery: the credit check shares the confirm-and-despatch checkpoint when it approves. What
// changed is the checkpoints around the check; the waits, timers and the rest are version 1's code and specs
// (order-to-delivery.int.spec.ts), the redeploy from v2 is restart.int.spec.ts'.
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
import { CHECK_CONFIRM_AND_DESPATCH, CONFIRM_AND_DESPATCH } from './workflow.ts';

const h = versionSpecHarness(3);
const { run, namedSteps, commandsOf, faults } = h;

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
    await h.publisher.publish([salesOrderEvent(h.topics, orderId, h.customers.blocked)]);
    await waitFor(
      'the credit hold',
      async () => (await h.orchestrator.state(id))?.step === 'await-credit-approval',
      20_000,
    );
    await waitFor('the credit hold command', () => commandsOf(orderId).length === 1, 5000);
    expect(commandsOf(orderId)).toEqual([`${COMMAND_TOPICS.erpOrderStatus}:CREDIT_HOLD`]);
    await signalWorkflow(
      h.orchestrator.definitions,
      id,
      'approve-credit',
      { by: 'credit-desk' },
      { signalId: unique('signal') },
    );
    expect(await resultWhenEnded<OrderOutcome>(h.orchestrator, id, 20_000)).toMatchObject({
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
    { step: 'await-credit-approval', kunnr: () => h.customers.blocked, compensated: ['erp-credit-hold'] },
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
    h.silentAsn.add(orderId);
    await h.publisher.publish([salesOrderEvent(h.topics, orderId, h.customers.good)]);
    await waitFor('the ASN wait', async () => (await h.orchestrator.state(id))?.step === 'await-asn', 20_000);
    await h.publisher.publish([salesOrderEvent(h.topics, orderId, h.customers.good, { cancelled: true })]);
    expect(await resultWhenEnded<OrderOutcome>(h.orchestrator, id, 20_000)).toMatchObject({
      outcome: 'CANCELLED',
      version: 3,
      compensated: ['logistics-despatch', 'erp-confirm'],
    });
  });
});
