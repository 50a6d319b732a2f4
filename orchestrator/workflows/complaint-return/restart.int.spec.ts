import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../../bus/index.ts';
import { type SapHarness, startSap } from '../../../simulators/sap/test-support.ts';
import { dropDatabase } from '../../../store/database.ts';
import { testBus, testStack, unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { resultWhenEnded } from '../../../tests/workflow-result.ts';
import { type Orchestrator, startOrchestrator } from '../../engine.ts';
import { orderToDeliveryV1 } from '../order-to-delivery/index.ts';
import {
  type ComplaintOutcome,
  type ComplaintReturnTopics,
  complaintReturnV1,
  complaintWorkflowIdOf,
  rmaOf,
} from './index.ts';
import { type InstantResponders, returnReceiptEvent, startInstantResponders } from './instant-responders.ts';
import {
  caseCreatedEvent,
  caseIdFor,
  deliverOrder,
  orderCreatedEvent,
  provisionTestTopics,
  seedSapCustomer,
} from './test-support.ts';

const stack = testStack();
const database = unique('eai_orch_cr_restart').replaceAll('-', '_');
const bus = testBus();
// Long enough that both complaints reach their receipt step before the first one's timer fires, on a loaded machine
// too (at 6 s a CI run under load saw the first time out before the second was waiting, and the wait below never held).
const RECEIPT_TIMEOUT_MS = 15_000;
let topics: ComplaintReturnTopics;
let sap: SapHarness;
let responders: InstantResponders;
let publisher: Publisher & { close(): Promise<void> };
let orchestrator: Orchestrator | undefined;

const start = () =>
  startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'cr-restart-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: `${database}-router`,
      sapUrl: sap.sim.url,
      timers: { returnReceiptTimeoutMs: RECEIPT_TIMEOUT_MS },
    },
    {
      definitions: [
        orderToDeliveryV1({ salesOrder: topics.salesOrder, shipment: topics.shipment }),
        complaintReturnV1(topics),
      ],
      stepRetry: { maxAttempts: 2, intervalSeconds: 0.05, backoffRate: 1 },
    },
  );

beforeAll(async () => {
  // order-to-delivery's credit check: the order the complaints are about runs to its delivery.
  sap = await startSap();
  await seedSapCustomer(sap.sim.url);
  topics = await provisionTestTopics(bus, unique('t-cr-restart'));
  // Every receipt is sent by the test itself.
  responders = await startInstantResponders(bus, {
    groupId: unique('cr-restart'),
    topics,
    silent: () => true,
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

describe('complaint / return across a restart', () => {
  it('the receipt timer set before a restart fires after it; a receipt sent while it was down moves the other on', async () => {
    orchestrator = await start();
    // One delivered order per complaint: two complaints about one order race, the second one's order lookup can find
    // the first one's return and end "returned already" (a flake seen on 2 of 3 runs under load).
    const [lateOrder, receivedOrder] = [unique('47'), unique('47')];
    for (const orderNumber of [lateOrder, receivedOrder])
      await deliverOrder(
        orchestrator,
        publisher,
        topics.shipment,
        orderCreatedEvent(topics.salesOrder, orderNumber),
      );

    const [late, received] = [unique('cn-late'), unique('cn-received')];
    const idOf = (caseNumber: string) => complaintWorkflowIdOf(rmaOf({ caseId: caseIdFor(caseNumber) }));
    const startedAt = Date.now();
    await publisher.publish([
      caseCreatedEvent(topics.case, late, lateOrder),
      caseCreatedEvent(topics.case, received, receivedOrder),
    ]);
    await waitFor('both awaiting their receipt', async () => {
      const states = await Promise.all([late, received].map((c) => orchestrator!.state(idOf(c))));
      return states.every((s) => s?.status === 'WAITING' && s.step === 'await-return-receipt');
    });
    await orchestrator.stop();
    orchestrator = undefined;

    // While no orchestrator runs, the receipt of one return arrives (Kafka keeps it for the router's group).
    await publisher.publish([
      returnReceiptEvent(topics.shipment, rmaOf({ caseId: caseIdFor(received) }), {
        lines: [{ gtin: '4006381333931', quantity: '12' }],
      }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    orchestrator = await start();

    const done = await resultWhenEnded<ComplaintOutcome>(orchestrator, idOf(received), 30_000);
    expect(done).toMatchObject({ outcome: 'COMPLETED', version: 1 });
    const timedOut = await resultWhenEnded<ComplaintOutcome>(orchestrator, idOf(late), 30_000);
    expect(timedOut).toMatchObject({
      outcome: 'COMPENSATED',
      failedStep: 'await-return-receipt',
      compensated: ['return-authorisation'],
    });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(RECEIPT_TIMEOUT_MS);
  });
});
