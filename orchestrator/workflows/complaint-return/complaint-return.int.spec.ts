import { DBOS } from '@dbos-inc/dbos-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../../bus/index.ts';
import { NonRetriableError, RetriableError } from '../../../lib/errors.ts';
import { metricsRegistry } from '../../../lib/metrics.ts';
import { type SapHarness, startSap } from '../../../simulators/sap/test-support.ts';
import { dropDatabase } from '../../../store/database.ts';
import { readRawMessages } from '../../../tests/raw-consumer.ts';
import { testBus, testStack, unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { resultWhenEnded } from '../../../tests/workflow-result.ts';
import { ALERT_TOPIC } from '../../commands.ts';
import { type Orchestrator, startOrchestrator } from '../../engine.ts';
import { showInstance } from '../../operators.ts';
import { cancelWorkflow, retryWorkflow } from '../../router.ts';
import { orderToDeliveryV1, workflowIdOf as orderWorkflowIdOf } from '../order-to-delivery/index.ts';
import {
  type ComplaintOutcome,
  type ComplaintReturnTopics,
  complaintReturnV1,
  complaintReturnV2,
  complaintWorkflowIdOf,
  creditMemoNumber,
  rmaOf,
} from './index.ts';
import { type InstantResponders, startInstantResponders } from './instant-responders.ts';
import {
  caseCreatedEvent,
  caseIdFor,
  deliverOrder,
  orderCreatedEvent,
  provisionTestTopics,
  seedSapCustomer,
} from './test-support.ts';

const stack = testStack();
const database = unique('eai_orch_cr').replaceAll('-', '_');
const bus = testBus();
let sap: SapHarness;
let orchestrator: Orchestrator;
let responders: InstantResponders;
let publisher: Publisher & { close(): Promise<void> };
let topics: ComplaintReturnTopics;

const faults = new Map<string, Map<string, Error>>();
const silent = new Set<string>();

const BLOCKED_KUNNR = '0000700002';

const rmaFor = (caseNumber: string) => rmaOf({ caseId: caseIdFor(caseNumber) });
const idFor = (caseNumber: string) => complaintWorkflowIdOf(rmaFor(caseNumber));

function fail(caseNumber: string, step: string, error: Error) {
  const id = idFor(caseNumber);
  if (!faults.has(id)) faults.set(id, new Map());
  faults.get(id)!.set(step, error);
}

/** A delivered order the orchestrator knows (its order-to-delivery instance holds it, COMPLETED). */
async function knownOrder(): Promise<string> {
  const orderNumber = unique('47');
  await deliverOrder(
    orchestrator,
    publisher,
    topics.shipment,
    orderCreatedEvent(topics.salesOrder, orderNumber),
  );
  return orderNumber;
}

/** An order of a customer blocked at SAP, its order-to-delivery instance waiting on credit hold. */
async function orderOnCreditHold(): Promise<string> {
  const orderNumber = unique('47');
  await publisher.publish([orderCreatedEvent(topics.salesOrder, orderNumber, BLOCKED_KUNNR)]);
  await waitFor(
    'the order on credit hold',
    async () =>
      (await orchestrator.state(orderWorkflowIdOf(`sap:${orderNumber}`)))?.step === 'await-credit-approval',
  );
  return orderNumber;
}

async function complaint(
  orderNumber: string | null,
  arrange?: (caseNumber: string) => void,
  options?: Parameters<typeof caseCreatedEvent>[3],
) {
  const caseNumber = unique('cn');
  arrange?.(caseNumber);
  await publisher.publish([caseCreatedEvent(topics.case, caseNumber, orderNumber, options)]);
  return {
    caseNumber,
    outcome: await resultWhenEnded<ComplaintOutcome>(orchestrator, idFor(caseNumber), 30_000),
  };
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ labels: Record<string, unknown>; value: number }>;
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

const commandsOf = (caseNumber: string) =>
  responders.seen
    .filter((c) => c.id.startsWith(`${idFor(caseNumber)}:`))
    .map((c) => `${c.kind}:${c.status}:${c.id.slice(idFor(caseNumber).length + 1)}`);

beforeAll(async () => {
  // The simulator, the topics with their responders, and the publisher at once; the orchestrator needs them.
  await Promise.all([
    (async () => {
      // order-to-delivery's credit check: a complaint is about an order that shipped, so the orders run to delivery.
      sap = await startSap();
      await seedSapCustomer(sap.sim.url);
      await seedSapCustomer(sap.sim.url, BLOCKED_KUNNR, { blocked: true });
    })(),
    (async () => {
      topics = await provisionTestTopics(bus, unique('t-cr'));
      responders = await startInstantResponders(bus, {
        groupId: unique('cr-responders'),
        topics,
        silent: (rma) => silent.has(rma),
      });
    })(),
    (async () => {
      publisher = await bus.publisher();
    })(),
  ]);
  orchestrator = await startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'cr-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: unique('cr-router'),
      sapUrl: sap.sim.url,
      timers: { returnReceiptEscalationMs: 1000, returnReceiptTimeoutMs: 2500 },
    },
    {
      // order-to-delivery routes from the same sales-order topic: it must ignore the return and credit orders.
      definitions: [
        orderToDeliveryV1({ salesOrder: topics.salesOrder, shipment: topics.shipment }),
        // Both versions shipped, as a deployment does: new instances start on version 2 (the receipt escalation).
        complaintReturnV1(topics),
        complaintReturnV2(topics),
      ],
      stepRetry: { maxAttempts: 3, intervalSeconds: 0.05, backoffRate: 1 },
      beforeStep: (workflowId, step) => {
        const error = faults.get(workflowId)?.get(step.replace(/#\d+$/, ''));
        if (error) throw error;
      },
    },
  );
});

afterAll(async () => {
  await publisher?.close();
  await responders?.stop();
  await orchestrator?.stop();
  await sap?.close();
  await dropDatabase(stack.databaseUrl, database);
});

describe('complaint / return, instant responders on the bus', () => {
  it('runs end to end: RE under the RMA, the receipt, CR for what came back, the case closed', async () => {
    const orderNumber = await knownOrder();
    const traceId = 'c'.repeat(32);
    const { caseNumber, outcome } = await complaint(orderNumber, undefined, {
      correlationId: 'corr-complaint',
      traceparent: `00-${traceId}-${'d'.repeat(16)}-01`,
    });
    const rma = rmaFor(caseNumber);
    expect(outcome).toMatchObject({
      outcome: 'COMPLETED',
      version: 2,
      rma,
      compensated: [],
      creditMemoNumber: creditMemoNumber(rma),
      receiptShipmentId: `epcis:rma:0614141000005:${rma}`,
    });
    await waitFor('the case update', () => commandsOf(caseNumber).length === 3, 5000);
    expect(commandsOf(caseNumber)).toEqual([
      'RE:OPEN:return-authorisation',
      'CR:OPEN:credit-memo',
      'CASE:CLOSED:case-close',
    ]);
    const mine = responders.seen.filter((c) => c.id.startsWith(`${idFor(caseNumber)}:`));
    for (const command of mine) {
      expect(command.correlationId).toBe('corr-complaint');
      expect(command.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    }
    const [re, cr, closed] = mine.map((c) => c.value as Record<string, Record<string, unknown>>);
    expect(re!.salesOrder).toMatchObject({
      orderType: 'RE',
      orderNumber: rma,
      orderId: `eai:${rma}`,
      purchaseOrderNumber: 'PO-2026-0042',
      references: [{ type: 'SALES_ORDER', id: orderNumber, date: null }],
      status: 'OPEN',
    });
    // The 2.5 l of oil is not returned: whole quantities only.
    expect(
      (re!.salesOrder!.lines as Array<{ quantity: { value: string } }>).map((l) => l.quantity.value),
    ).toEqual(['12']);
    expect(cr!.salesOrder).toMatchObject({
      orderType: 'CR',
      orderNumber: creditMemoNumber(rma),
      orderReason: '101',
      references: [{ type: 'SALES_ORDER', id: orderNumber, date: null }],
      customer: { sourceIds: [{ system: 'sap', id: '0000104711', idType: 'KUNNR' }] },
      totalAmount: { amount: '17998.8', currency: 'EUR' },
      status: 'OPEN',
    });
    expect(closed).toMatchObject({
      changeType: 'STATUS_CHANGED',
      changedFields: ['status', 'resolution'],
      origin: { system: 'eai' },
      case: { caseNumber, status: 'CLOSED', statusCode: null },
    });
    expect((closed!.case as { resolution: string }).resolution).toContain(rma);

    // order-to-delivery ignored the return and credit memo orders on its topic: no instance, nothing kept.
    for (const orderId of [`eai:${rma}`, `eai:${creditMemoNumber(rma)}`]) {
      expect(await DBOS.getWorkflowStatus(orderWorkflowIdOf(orderId))).toBeNull();
    }
    const { rows } = await orchestrator.pool.query(
      `select workflow_id from eai_orchestrator.kept_events where workflow_id like 'order-to-delivery:eai:%'`,
    );
    expect(rows).toEqual([]);

    const detail = await showInstance(idFor(caseNumber));
    expect(detail).toMatchObject({ type: 'complaint-return', version: 2, status: 'COMPLETED' });
    // The receipt came at once: no escalation.
    expect(detail!.timeline.map((t) => t.name)).not.toContain('escalate:await-return-receipt');
  });

  const failures: Array<{
    step: string;
    arrange: (caseNumber: string) => void;
    unknownOrder?: boolean;
    compensated: string[];
  }> = [
    { step: 'lookup-order', arrange: () => undefined, unknownOrder: true, compensated: [] },
    {
      step: 'return-authorisation',
      arrange: (c) => fail(c, 'return-authorisation', new NonRetriableError('provider refused')),
      compensated: [],
    },
    {
      step: 'await-return-receipt',
      arrange: (c) => void silent.add(rmaFor(c)),
      compensated: ['return-authorisation'],
    },
    {
      step: 'credit-memo',
      arrange: (c) => fail(c, 'credit-memo', new NonRetriableError('SAP refused')),
      compensated: ['return-authorisation'],
    },
    {
      step: 'case-close',
      arrange: (c) => fail(c, 'case-close', new NonRetriableError('CRM refused')),
      compensated: ['credit-memo', 'return-authorisation'],
    },
  ];

  for (const { step, arrange, unknownOrder, compensated } of failures) {
    it(`${step} failing for good compensates exactly the completed steps, in reverse`, async () => {
      const orderNumber = unknownOrder ? unique('nope') : await knownOrder();
      const { caseNumber, outcome } = await complaint(orderNumber, arrange);
      expect(outcome).toMatchObject({ outcome: 'COMPENSATED', failedStep: step, compensated });
      const id = idFor(caseNumber);
      const expected = compensated.map((s) => `${id}:compensate:${s}`);
      await waitFor('the compensation commands', () =>
        expected.every((c) => responders.seen.some((seen) => seen.id === c)),
      );
      const seen = responders.seen.filter((c) => c.id.startsWith(`${id}:compensate:`));
      expect(seen.map((c) => c.id)).toEqual(expected);
      expect(seen.map((c) => c.status)).toEqual(compensated.map(() => 'CANCELLED'));
      // The case says why (the service agent acts on it), unless the case update itself is what failed.
      if (step === 'case-close') expect(commandsOf(caseNumber)).not.toContain('CASE:WORKING:case-notice');
      else
        await waitFor('the case notice', () => commandsOf(caseNumber).includes('CASE:WORKING:case-notice'));
      if (step === 'await-return-receipt') {
        // The escalation alert first (the wait goes on), then the timeout.
        const steps = ((await DBOS.listWorkflowSteps(id)) ?? []).map((s) => s.name);
        expect(steps.filter((n) => /^(escalate|timeout):/.test(n))).toEqual([
          'escalate:await-return-receipt',
          'timeout:await-return-receipt',
        ]);
        const [alert] = await readRawMessages(ALERT_TOPIC, 1, { wanted: (m) => m.key === id });
        expect(JSON.parse(alert!.value.toString('utf8'))).toMatchObject({
          kind: 'escalation',
          workflowId: id,
          type: 'complaint-return',
          step: 'await-return-receipt',
        });
        expect(alert!.headers.ce_id).toBe(`${id}:alert:escalate:await-return-receipt`);
        expect(
          await metricValue('eai_workflow_timeouts_total', {
            type: 'complaint-return',
            wait: 'await-return-receipt',
            kind: 'escalation',
          }),
        ).toBeGreaterThanOrEqual(1);
      }
    });
  }

  it('a complaint about an order the hub does not know tells the case so, through the case update path', async () => {
    const orderNumber = unique('nope');
    const { caseNumber, outcome } = await complaint(orderNumber);
    expect(outcome).toMatchObject({ outcome: 'COMPENSATED', failedStep: 'lookup-order', compensated: [] });
    await waitFor('the case notice', () => commandsOf(caseNumber).length === 1);
    expect(commandsOf(caseNumber)).toEqual(['CASE:WORKING:case-notice']);
    const notice = responders.seen.find((c) => c.id === `${idFor(caseNumber)}:case-notice`);
    expect(notice?.value).toMatchObject({
      changeType: 'STATUS_CHANGED',
      changedFields: ['status', 'resolution'],
      origin: { system: 'eai' },
      case: { caseId: caseIdFor(caseNumber), status: 'WORKING', statusCode: null, closedAt: null },
    });
    expect((notice?.value as { case?: { resolution: string } } | undefined)?.case?.resolution).toBe(
      `Order ${orderNumber} was not found in the integration hub: no return was authorised. ` +
        'Check the order number on the case, or handle the return by hand.',
    );
  });

  it('a case naming the order as SAP shows it, zero-padded (VBELN 0012000004), finds the order the hub holds without the zeros', async () => {
    // Seen in the ops trial: a case with Order_Number__c 0012000004 (SAP's own answer, `POST /sim/orders`) ended
    // "not found in the integration hub", the order's instance being order-to-delivery:sap:12000004.
    const orderNumber = await knownOrder();
    const { caseNumber, outcome } = await complaint(`00${orderNumber}`);
    expect(outcome).toMatchObject({ outcome: 'COMPLETED', compensated: [] });
    await waitFor('the case closed', () => commandsOf(caseNumber).includes('CASE:CLOSED:case-close'));
    expect(commandsOf(caseNumber)).toEqual([
      'RE:OPEN:return-authorisation',
      'CR:OPEN:credit-memo',
      'CASE:CLOSED:case-close',
    ]);
  });

  it('a second case about an order returned already returns and credits nothing again, and says so on the case; after a compensated return one may', async () => {
    // Seen in the orchestrator trial: a second Salesforce case naming a delivered order authorised a second return of
    // every line and a second credit memo request for the whole order.
    const orderNumber = await knownOrder();
    const first = await complaint(orderNumber);
    expect(first.outcome).toMatchObject({ outcome: 'COMPLETED' });
    const second = await complaint(`00${orderNumber}`);
    expect(second.outcome).toMatchObject({
      outcome: 'COMPENSATED',
      failedStep: 'lookup-order',
      compensated: [],
    });
    expect(second.outcome.reason).toContain(`returned already by ${idFor(first.caseNumber)} (COMPLETED)`);
    await waitFor('the case notice', () => commandsOf(second.caseNumber).length === 1);
    expect(commandsOf(second.caseNumber)).toEqual(['CASE:WORKING:case-notice']);
    const notice = responders.seen.find((c) => c.id === `${idFor(second.caseNumber)}:case-notice`);
    expect((notice?.value as { case?: { resolution: string } } | undefined)?.case?.resolution).toBe(
      `Order 00${orderNumber} has a return already (${idFor(first.caseNumber)} (COMPLETED)): no second return was ` +
        'authorised and nothing was credited again. Check the earlier case, or handle the complaint by hand.',
    );
    // A return that was undone (its receipt never came: compensated) does not stand in the way of the next.
    const other = await knownOrder();
    const timedOut = await complaint(other, (caseNumber) => silent.add(rmaFor(caseNumber)));
    expect(timedOut.outcome).toMatchObject({ outcome: 'COMPENSATED', failedStep: 'await-return-receipt' });
    expect((await complaint(other)).outcome).toMatchObject({ outcome: 'COMPLETED' });
  });

  it('a complaint about an order not shipped (on credit hold) ends as for an unknown order: nothing returned or credited, the case told why', async () => {
    const orderNumber = await orderOnCreditHold();
    const { caseNumber, outcome } = await complaint(orderNumber);
    expect(outcome).toMatchObject({ outcome: 'COMPENSATED', failedStep: 'lookup-order', compensated: [] });
    expect(outcome.reason).toContain(
      'not shipped or delivered (order-to-delivery WAITING at await-credit-approval)',
    );
    await waitFor('the case notice', () => commandsOf(caseNumber).length === 1);
    expect(commandsOf(caseNumber)).toEqual(['CASE:WORKING:case-notice']);
    const notice = responders.seen.find((c) => c.id === `${idFor(caseNumber)}:case-notice`);
    expect((notice?.value as { case?: { resolution: string } } | undefined)?.case?.resolution).toBe(
      `Order ${orderNumber} has not been shipped or delivered (order-to-delivery WAITING at await-credit-approval): ` +
        'no return was authorised and nothing was credited. Check the order in the ERP, or handle the complaint by hand.',
    );
    // The order goes on waiting for its credit approval.
    expect(await orchestrator.state(orderWorkflowIdOf(`sap:${orderNumber}`))).toMatchObject({
      status: 'WAITING',
      step: 'await-credit-approval',
    });
  });

  it("an operator's cancel at the receipt wait compensates the return authorisation", async () => {
    const orderNumber = await knownOrder();
    const caseNumber = unique('cn');
    const id = idFor(caseNumber);
    silent.add(rmaFor(caseNumber));
    await publisher.publish([caseCreatedEvent(topics.case, caseNumber, orderNumber)]);
    await waitFor(
      'the receipt wait',
      async () => (await orchestrator.state(id))?.status === 'WAITING',
      20_000,
    );
    await cancelWorkflow(id, 'customer keeps the goods', unique('cancel'));
    const outcome = await resultWhenEnded<ComplaintOutcome>(orchestrator, id, 20_000);
    expect(outcome).toMatchObject({ outcome: 'CANCELLED', compensated: ['return-authorisation'] });
  });

  it('the case closed in the CRM while the return is awaited cancels the return authorisation', async () => {
    const orderNumber = await knownOrder();
    const caseNumber = unique('cn');
    const id = idFor(caseNumber);
    silent.add(rmaFor(caseNumber));
    await publisher.publish([caseCreatedEvent(topics.case, caseNumber, orderNumber)]);
    await waitFor(
      'the receipt wait',
      async () => (await orchestrator.state(id))?.status === 'WAITING',
      20_000,
    );
    const closed = caseCreatedEvent(topics.case, caseNumber, orderNumber);
    const value = closed.value as { changeType: string; case: Record<string, unknown> };
    value.changeType = 'STATUS_CHANGED';
    value.case.status = 'CLOSED';
    await publisher.publish([closed]);
    const outcome = await resultWhenEnded<ComplaintOutcome>(orchestrator, id, 20_000);
    expect(outcome).toMatchObject({ outcome: 'CANCELLED', compensated: ['return-authorisation'] });
    await waitFor('the cancelled return order', () =>
      responders.seen.some(
        (c) => c.id === `${id}:compensate:return-authorisation` && c.status === 'CANCELLED',
      ),
    );
  });

  it('a failing compensation parks the instance; an operator retry finishes it', async () => {
    const orderNumber = await knownOrder();
    const caseNumber = unique('cn');
    const id = idFor(caseNumber);
    fail(caseNumber, 'case-close', new NonRetriableError('CRM refused'));
    fail(caseNumber, 'compensate:return-authorisation', new RetriableError('logistics down'));
    await publisher.publish([caseCreatedEvent(topics.case, caseNumber, orderNumber)]);
    await waitFor(
      'the parked instance',
      async () => (await orchestrator.state(id))?.status === 'PARKED',
      20_000,
    );
    expect(await orchestrator.state(id)).toMatchObject({ step: 'compensate:return-authorisation' });
    // The gauge counts it while it is parked (this spec's database has no other parked instance) …
    expect(await metricValue('eai_workflows_parked', { type: 'complaint-return' })).toBe(1);
    faults.get(id)!.delete('compensate:return-authorisation');
    await retryWorkflow(id);
    const outcome = await resultWhenEnded<ComplaintOutcome>(orchestrator, id, 20_000);
    expect(outcome).toMatchObject({
      outcome: 'COMPENSATED',
      failedStep: 'case-close',
      compensated: ['credit-memo', 'return-authorisation'],
    });
    // … and no longer once the retry finished it.
    expect(await metricValue('eai_workflows_parked', { type: 'complaint-return' })).toBe(0);
  });

  it('lists its definition with name, version and a Mermaid graph', () => {
    const versions = orchestrator.definitions.list().filter((d) => d.type === 'complaint-return');
    expect(versions.map((d) => d.name)).toEqual(['complaint-return@1', 'complaint-return@2']);
    const [v1, definition] = versions;
    expect(v1!.graph).not.toContain('escalation');
    expect(definition!.graph).toMatch(/^flowchart TD/);
    expect(definition!.graph).toContain(
      'receipt -->|escalation timer| alert[/escalation alert/] --> receipt',
    );
    expect(definition!.steps).toEqual([
      'lookup-order',
      'return-authorisation',
      'await-return-receipt',
      'credit-memo',
      'case-close',
    ]);
  });
});
