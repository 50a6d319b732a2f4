// Version 6 of order to delivery: version 5 whose delivery wait also takes later ASNs, and sends the CRM the tracking
// numbers it has not had, once. The path against the simulators (the EPCIS shipping event before the X12 856) is
// provider-tracking.int.spec.ts; here the wait's deadlines and which notices make an update.
import { DBOS } from '@dbos-inc/dbos-sdk';
import { describe, expect, it } from 'vitest';
import { readRawMessages, topicEnds } from '../../../tests/raw-consumer.ts';
import { unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { resultWhenEnded } from '../../../tests/workflow-result.ts';
import { COMMAND_TOPICS } from '../../commands.ts';
import { type OrderOutcome, workflowIdOf } from './index.ts';
import { shipmentEvent } from './instant-responders.ts';
import { salesOrderEvent } from './test-support.ts';
import { versionSpecHarness } from './version-spec-harness.ts';

const h = versionSpecHarness(6);
const { silentAsn, silentDelivery } = h;

/** An ASN of the order with its own shipment id and these tracking numbers, keyed by the order (so in order). */
function asn(orderId: string, n: number, trackingNumbers: string[]) {
  const event = shipmentEvent(h.topics.shipment, orderId, 'SHIPPED');
  const shipment = (event.value as { shipment: Record<string, unknown> }).shipment;
  shipment.shipmentId = `test:SH-${orderId}-${n}`;
  shipment.trackingNumbers = trackingNumbers;
  return { ...event, key: orderId };
}

describe('order to delivery, version 6', () => {
  it('a later ASN with new tracking numbers updates the CRM once, one with none new does not; the delivery deadline stays the wait’s', async () => {
    const orderId = unique('sap:v6-tracking');
    const id = workflowIdOf(orderId);
    silentAsn.add(orderId);
    silentDelivery.add(orderId);
    const from = await topicEnds(COMMAND_TOPICS.crmOrderStatus);
    await h.publisher.publish([salesOrderEvent(h.topics, orderId, h.customers.good)]);
    await waitFor(
      'the wait for the receipt',
      async () => (await h.orchestrator.state(id))?.step === 'await-despatch-receipt',
    );
    // The first notice has no tracking number (an EPCIS shipping event); the next has two, the last one known.
    await h.publisher.publish([
      asn(orderId, 1, []),
      asn(orderId, 2, ['1ZV6A', '1ZV6B']),
      asn(orderId, 3, ['1ZV6B']),
    ]);
    // No delivery comes: the wait times out 2.5 s after it began, as before the update; the order shipped, so it
    // completes unconfirmed and nothing is cancelled.
    const outcome = await resultWhenEnded<OrderOutcome>(h.orchestrator, id, 30_000);
    expect(outcome).toMatchObject({ outcome: 'COMPLETED', version: 6, compensated: [] });
    expect(outcome.reason).toMatch(/no delivery confirmed within 2500 ms/);
    expect((await DBOS.getWorkflowStatus(id))?.workflowName).toBe('order-to-delivery@6');

    const steps = (await DBOS.listWorkflowSteps(id)) ?? [];
    const named = steps.map((s) => s.name).filter((name) => !name.startsWith('DBOS.'));
    expect(named.filter((name) => name.startsWith('crm-'))).toEqual(['crm-tracking']);
    // The escalation's deadline (the wait's timeout) is the wait's start + 2.5 s: the deadline read back before the
    // update (the wait's start + the 1 s escalation) + 1.5 s, not restarted by the ASN taken on the way.
    const output = (name: string) => steps.find((s) => s.name === name)?.output as number;
    expect(output('escalate:await-delivery') - output('wait-deadline')).toBe(1500);

    // The CRM heard SHIPPED (no tracking) and SHIPPED with both numbers once; no CANCELLED.
    const commands = await readRawMessages(COMMAND_TOPICS.crmOrderStatus, 2, {
      from,
      wanted: (m) => m.headers.ce_id?.startsWith(`${id}:`) ?? false,
      timeoutMs: 30_000,
    });
    expect(commands.map((m) => m.headers.ce_id)).toEqual([`${id}:crm-status`, `${id}:crm-tracking`]);
    expect(commands[1]!.value.includes(Buffer.from('1ZV6A,1ZV6B'))).toBe(true);
  });
});
