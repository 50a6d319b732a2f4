// Version 5 of order to delivery: version 4 with the despatch request's receipt. The ASN clock starts once the
// logistics sink applied the request; a refusal compensates at once; an ASN first counts as applied. The rest is
// version 4's (version-4.int.spec.ts) and version 1's (order-to-delivery.int.spec.ts).
import { DBOS } from '@dbos-inc/dbos-sdk';
import { describe, expect, it } from 'vitest';
import { unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { resultWhenEnded } from '../../../tests/workflow-result.ts';
import { orchestratorSource } from '../../commands.ts';
import { type OrderOutcome, workflowIdOf } from './index.ts';
import { salesOrderEvent } from './test-support.ts';
import { versionSpecHarness } from './version-spec-harness.ts';

const h = versionSpecHarness(5);
const { run, despatchReceipt, silentAsn } = h;
const stateOf = async (orderId: string) => (await h.orchestrator.state(workflowIdOf(orderId)))?.step;

describe('order to delivery, version 5', () => {
  it('the provider answering with its ASN before any receipt: completed, as version 4', async () => {
    const orderId = unique('sap:v5-asn-first');
    const outcome = await run(orderId);
    expect(outcome).toMatchObject({ outcome: 'COMPLETED', version: 5, compensated: [] });
    expect((await DBOS.getWorkflowStatus(workflowIdOf(orderId)))?.workflowName).toBe('order-to-delivery@5');
  });

  it("a despatch request not yet applied (its sink retrying an outage) outlasts the ASN timeout without cancelling the order, another deployment's receipt of the same command id ignored; once applied, the ASN clock starts", async () => {
    const orderId = unique('sap:v5-held');
    silentAsn.add(orderId);
    await h.publisher.publish([salesOrderEvent(h.topics, orderId, h.customers.good)]);
    await waitFor(
      'the wait for the receipt',
      async () => (await stateOf(orderId)) === 'await-despatch-receipt',
    );
    // Another deployment sharing the topics refused its own command of the same id: not this order's receipt.
    await despatchReceipt(orderId, 'REFUSED', 'not ours', orchestratorSource('another-deployment'));
    // Longer than the ASN timeout (2.5 s): version 4 would have compensated by now.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(await stateOf(orderId)).toBe('await-despatch-receipt');
    await despatchReceipt(orderId, 'APPLIED');
    await waitFor('the wait for the ASN', async () => (await stateOf(orderId)) === 'await-asn');
    // No ASN comes: now the ASN timeout runs, from the request applied.
    const outcome = await resultWhenEnded<OrderOutcome>(h.orchestrator, workflowIdOf(orderId), 20_000);
    expect(outcome).toMatchObject({
      outcome: 'COMPENSATED',
      version: 5,
      failedStep: 'await-asn',
      compensated: ['logistics-despatch', 'erp-confirm'],
    });
  });

  it("a despatch request the provider refused compensates at once, with the sink's reason", async () => {
    const orderId = unique('sap:v5-refused');
    silentAsn.add(orderId);
    await h.publisher.publish([salesOrderEvent(h.topics, orderId, h.customers.good)]);
    await waitFor(
      'the wait for the receipt',
      async () => (await stateOf(orderId)) === 'await-despatch-receipt',
    );
    await despatchReceipt(
      orderId,
      'REFUSED',
      'POST /api/despatch-requests answered HTTP 422: unknown ship-to country',
    );
    const outcome = await resultWhenEnded<OrderOutcome>(h.orchestrator, workflowIdOf(orderId), 20_000);
    expect(outcome).toMatchObject({
      outcome: 'COMPENSATED',
      version: 5,
      failedStep: 'logistics-despatch',
      compensated: ['logistics-despatch', 'erp-confirm'],
    });
    expect(outcome.reason).toContain(
      'the logistics provider refused the despatch request (logistics-despatch)',
    );
    expect(outcome.reason).toContain('unknown ship-to country');
  });
});
