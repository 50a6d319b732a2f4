import { DBOS } from '@dbos-inc/dbos-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../../bus/index.ts';
import { NonRetriableError, RetriableError } from '../../../lib/errors.ts';
import { metricsRegistry } from '../../../lib/metrics.ts';
import { startSap } from '../../../simulators/sap/test-support.ts';
import { dropDatabase } from '../../../store/database.ts';
import { testBus, testStack, unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { resultWhenEnded } from '../../../tests/workflow-result.ts';
import { COMMAND_TOPICS } from '../../commands.ts';
import { type Orchestrator, startOrchestrator } from '../../engine.ts';
import { listInstances, parkedInstances, showInstance } from '../../operators.ts';
import { cancelWorkflow, handOver, retryWorkflow, startInstance } from '../../router.ts';
import { signalWorkflow } from '../../signals.ts';
import { type OrderOutcome, type OrderToDeliveryTopics, orderToDeliveryV1, workflowIdOf } from './index.ts';
import { type InstantResponders, shipmentEvent, startInstantResponders } from './instant-responders.ts';
import { provisionTestTopics, salesOrderEvent, seedCustomers } from './test-support.ts';
import { CONFIRM_AND_DESPATCH } from './workflow.ts';

const stack = testStack();
const database = unique('eai_orch_o2d').replaceAll('-', '_');
const bus = testBus();
let sap: Awaited<ReturnType<typeof startSap>>;
let orchestrator: Orchestrator;
let responders: InstantResponders;
let publisher: Publisher & { close(): Promise<void> };
let topics: OrderToDeliveryTopics;
let customers: { good: string; blocked: string };

/** Step failures injected per workflow id: step name → error to throw (while the entry is there). */
const faults = new Map<string, Map<string, Error>>();
/** Attempts of each step per workflow id, as `beforeStep` saw them. */
const attempts = new Map<string, string[]>();
const silent = new Map<string, 'asn' | 'delivery'>();

/** Faults thrown once, then removed (`<workflow id>:<step>`). */
const once = new Set<string>();

function fail(orderId: string, step: string, error: Error, options: { once?: boolean } = {}) {
  const id = workflowIdOf(orderId);
  if (!faults.has(id)) faults.set(id, new Map());
  faults.get(id)!.set(step, error);
  if (options.once) once.add(`${id}:${step}`);
}

async function run(
  orderId: string,
  kunnr = customers.good,
  extra: Parameters<typeof salesOrderEvent>[3] = {},
) {
  await publisher.publish([salesOrderEvent(topics, orderId, kunnr, extra)]);
  return resultWhenEnded<OrderOutcome>(orchestrator, workflowIdOf(orderId), 30_000);
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ labels: Record<string, unknown>; value: number }>;
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

const commandsOf = (orderId: string) =>
  responders.seen.filter((c) => c.orderId === orderId).map((c) => `${c.topic}:${c.status}:${c.id}`);

beforeAll(async () => {
  sap = await startSap();
  customers = await seedCustomers(sap.sim.url);
  topics = await provisionTestTopics(bus, unique('t-o2d'));
  orchestrator = await startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'o2d-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: unique('o2d-router'),
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
      definitions: [orderToDeliveryV1(topics)],
      stepRetry: { maxAttempts: 3, intervalSeconds: 0.05, backoffRate: 1 },
      beforeStep: (workflowId, step) => {
        attempts.set(workflowId, [...(attempts.get(workflowId) ?? []), step]);
        const name = step.replace(/#\d+$/, '');
        const error = faults.get(workflowId)?.get(name);
        if (error && once.delete(`${workflowId}:${name}`)) faults.get(workflowId)!.delete(name);
        if (error) throw error;
      },
    },
  );
  responders = await startInstantResponders(bus, {
    groupId: unique('o2d-responders'),
    topics,
    silent: (orderId, answer) => silent.get(orderId) === answer,
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

describe('order to delivery, instant responders on the bus', () => {
  it('runs end to end: commands carry ce_id = workflow id + step, one correlation id and the trace', async () => {
    const orderId = unique('sap:happy');
    const traceId = 'a'.repeat(32);
    const outcome = await run(orderId, customers.good, {
      correlationId: 'corr-happy',
      traceparent: `00-${traceId}-${'b'.repeat(16)}-01`,
    });
    expect(outcome).toMatchObject({ outcome: 'COMPLETED', version: 1, compensated: [] });
    const id = workflowIdOf(orderId);
    // The ERP confirmation and the despatch request go out back to back, on two topics: the responders may see
    // them in either order. The CRM status follows the ASN, which answers the despatch request.
    const commands = commandsOf(orderId);
    expect(commands.slice(0, 2).sort()).toEqual(
      [
        `${COMMAND_TOPICS.erpOrderStatus}:CONFIRMED:${id}:erp-confirm`,
        `${COMMAND_TOPICS.logisticsDespatch}:CONFIRMED:${id}:logistics-despatch`,
      ].sort(),
    );
    expect(commands.slice(2)).toEqual([`${COMMAND_TOPICS.crmOrderStatus}:SHIPPED:${id}:crm-status`]);
    for (const command of responders.seen.filter((c) => c.orderId === orderId)) {
      expect(command.correlationId).toBe('corr-happy');
      expect(command.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    }
    expect(await orchestrator.state(id)).toMatchObject({ status: 'COMPLETED' });

    // The operators' view: the instance with its correlation id, and its timeline of steps and receives.
    const detail = await showInstance(id);
    expect(detail).toMatchObject({
      id,
      type: 'order-to-delivery',
      version: 1,
      status: 'COMPLETED',
      correlationId: 'corr-happy',
    });
    const names = detail!.timeline.map((t) => t.name);
    for (const step of ['credit-check', CONFIRM_AND_DESPATCH, 'crm-status', 'DBOS.recv']) {
      expect(names).toContain(step);
    }
    // The ERP confirmation and the despatch request share one checkpoint.
    expect(names.filter((n) => n === CONFIRM_AND_DESPATCH)).toHaveLength(1);
    expect(names).not.toContain('erp-confirm');
    expect(names.indexOf(CONFIRM_AND_DESPATCH)).toBeLessThan(names.indexOf('crm-status'));
    const listed = await listInstances({ type: 'order-to-delivery', status: 'COMPLETED' });
    expect(listed.map((i) => i.id)).toContain(id);
  });

  it('a credit hold waits for the approve-credit signal, which moves it on', async () => {
    const orderId = unique('sap:hold');
    const id = workflowIdOf(orderId);
    await publisher.publish([salesOrderEvent(topics, orderId, customers.blocked)]);
    await waitFor(
      'the credit hold',
      async () => (await orchestrator.state(id))?.step === 'await-credit-approval',
      20_000,
    );
    await waitFor('the credit hold command', () => commandsOf(orderId).length === 1, 5000);
    expect(commandsOf(orderId)).toEqual([
      `${COMMAND_TOPICS.erpOrderStatus}:CREDIT_HOLD:${id}:erp-credit-hold`,
    ]);
    await signalWorkflow(
      orchestrator.definitions,
      id,
      'approve-credit',
      { by: 'credit-desk' },
      { signalId: unique('signal') },
    );
    const outcome = await resultWhenEnded<OrderOutcome>(orchestrator, id, 20_000);
    expect(outcome.outcome).toBe('COMPLETED');
    await waitFor('the CRM command', () => commandsOf(orderId).length === 4, 5000);
    expect(commandsOf(orderId).at(-1)).toBe(`${COMMAND_TOPICS.crmOrderStatus}:SHIPPED:${id}:crm-status`);
  });

  it('an approved credit hold is not compensated again: a later failure cancels the order at the ERP once', async () => {
    const orderId = unique('sap:hold-fail');
    const id = workflowIdOf(orderId);
    fail(orderId, 'logistics-despatch', new NonRetriableError('no carrier'));
    await publisher.publish([salesOrderEvent(topics, orderId, customers.blocked)]);
    await waitFor(
      'the credit hold',
      async () => (await orchestrator.state(id))?.step === 'await-credit-approval',
      20_000,
    );
    await signalWorkflow(
      orchestrator.definitions,
      id,
      'approve-credit',
      { by: 'credit-desk' },
      { signalId: unique('signal') },
    );
    expect(await resultWhenEnded<OrderOutcome>(orchestrator, id, 20_000)).toMatchObject({
      outcome: 'COMPENSATED',
      failedStep: 'logistics-despatch',
      compensated: ['erp-confirm'],
    });
  });

  const failures: Array<{
    step: string;
    arrange: (orderId: string) => string | undefined;
    compensated: string[];
  }> = [
    { step: 'credit-check', arrange: () => '0000799999', compensated: [] },
    {
      step: 'await-credit-approval',
      arrange: () => customers.blocked,
      compensated: ['erp-credit-hold'],
    },
    {
      step: 'erp-confirm',
      arrange: (o) => void fail(o, 'erp-confirm', new NonRetriableError('ERP refused')),
      compensated: [],
    },
    {
      step: 'logistics-despatch',
      arrange: (o) => void fail(o, 'logistics-despatch', new NonRetriableError('no carrier')),
      compensated: ['erp-confirm'],
    },
    {
      step: 'await-asn',
      arrange: (o) => void silent.set(o, 'asn'),
      compensated: ['logistics-despatch', 'erp-confirm'],
    },
    {
      step: 'crm-status',
      arrange: (o) => void fail(o, 'crm-status', new NonRetriableError('CRM refused')),
      compensated: ['logistics-despatch', 'erp-confirm'],
    },
  ];

  for (const { step, arrange, compensated } of failures) {
    it(`${step} failing for good compensates exactly the completed steps, in reverse`, async () => {
      const orderId = unique(`sap:fail-${step}`);
      const id = workflowIdOf(orderId);
      const kunnr = arrange(orderId) ?? customers.good;
      const outcome = await run(orderId, kunnr);
      expect(outcome).toMatchObject({ outcome: 'COMPENSATED', failedStep: step, compensated });
      // The compensation commands reached the bus in that order, each with its own ce_id.
      const compensations = compensated.map((s) => `${id}:compensate:${s}`);
      await waitFor('the compensation commands', () =>
        compensations.every((c) => responders.seen.some((seen) => seen.id === c)),
      );
      const seenOrder = responders.seen
        .filter((c) => c.orderId === orderId && c.id.includes(':compensate:'))
        .map((c) => c.id);
      expect(seenOrder).toEqual(compensations);
      const statuses = responders.seen
        .filter((c) => c.orderId === orderId && c.id.includes(':compensate:'))
        .map((c) => c.status);
      expect(statuses).toEqual(compensated.map(() => 'CANCELLED'));
    });
  }

  it('no delivery confirmed in time completes the shipped order unconfirmed: nothing is cancelled', async () => {
    const orderId = unique('sap:no-delivery');
    const id = workflowIdOf(orderId);
    silent.set(orderId, 'delivery');
    const outcome = await run(orderId);
    expect(outcome).toMatchObject({ outcome: 'COMPLETED', compensated: [] });
    expect(outcome.reason).toMatch(
      /^shipped \(.+\) but no delivery confirmed within 2500 ms of the ASN: nothing was cancelled/,
    );
    expect(outcome).not.toHaveProperty('failedStep');
    // The order shipped: the ERP, the provider and the CRM are not told it was cancelled.
    expect(responders.seen.filter((c) => c.orderId === orderId && c.id.includes(':compensate:'))).toEqual([]);
    expect((await orchestrator.state(id))?.status).toBe('COMPLETED');
  });

  it('a despatch request failing once is retried alone: the ERP confirmation in the same checkpoint goes out once', async () => {
    const orderId = unique('sap:despatch-retry');
    const id = workflowIdOf(orderId);
    fail(orderId, 'logistics-despatch', new RetriableError('logistics topic unavailable'), { once: true });
    const outcome = await run(orderId);
    expect(outcome).toMatchObject({ outcome: 'COMPLETED', compensated: [] });
    const tried = attempts.get(id)!;
    expect(tried.filter((s) => s === 'erp-confirm')).toEqual(['erp-confirm']);
    expect(tried.filter((s) => s === 'logistics-despatch').length).toBeGreaterThanOrEqual(2);
    expect(commandsOf(orderId).slice(0, 2).sort()).toEqual(
      [
        `${COMMAND_TOPICS.erpOrderStatus}:CONFIRMED:${id}:erp-confirm`,
        `${COMMAND_TOPICS.logisticsDespatch}:CONFIRMED:${id}:logistics-despatch`,
      ].sort(),
    );
  });

  it('a failing compensation is retried, then parks the instance; an operator retry finishes it', async () => {
    const orderId = unique('sap:park');
    const id = workflowIdOf(orderId);
    fail(orderId, 'crm-status', new NonRetriableError('CRM refused'));
    fail(orderId, 'compensate:erp-confirm', new RetriableError('ERP down'));
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
    await waitFor(
      'the parked instance',
      async () => (await orchestrator.state(id))?.status === 'PARKED',
      20_000,
    );
    expect(await orchestrator.state(id)).toMatchObject({ status: 'PARKED', step: 'compensate:erp-confirm' });
    expect((await DBOS.getWorkflowStatus(id))?.status).toBe('PENDING');
    // Three attempts of the compensation, then parked: the other one ran once.
    const steps = (await DBOS.listWorkflowSteps(id)) ?? [];
    expect(steps.filter((s) => s.name.startsWith('compensate:')).map((s) => s.name)).toEqual([
      'compensate:logistics-despatch',
      'compensate:erp-confirm',
    ]);
    expect(
      await metricValue('eai_workflow_parked_total', { type: 'order-to-delivery' }),
    ).toBeGreaterThanOrEqual(1);
    // Behind a newer instance in flight, the operators' list and readiness's (one query) still find it.
    const newer = unique('sap:park-newer');
    await publisher.publish([salesOrderEvent(topics, newer, customers.blocked)]);
    await waitFor(
      'a newer instance on credit hold',
      async () => (await orchestrator.state(workflowIdOf(newer)))?.status === 'WAITING',
      20_000,
    );
    expect((await listInstances({ status: 'PARKED', limit: 1 })).map((i) => i.id)).toEqual([id]);
    expect(await parkedInstances((sql, params) => orchestrator.pool.query(sql, params))).toEqual([id]);
    faults.get(id)!.delete('compensate:erp-confirm');
    await retryWorkflow(id);
    const outcome = await resultWhenEnded<OrderOutcome>(orchestrator, id, 20_000);
    expect(outcome).toMatchObject({
      outcome: 'COMPENSATED',
      failedStep: 'crm-status',
      compensated: ['logistics-despatch', 'erp-confirm'],
    });
  });

  it('a system unavailable through the retries parks the instance at that step; an operator retry runs it again', async () => {
    const orderId = unique('sap:unavailable');
    const id = workflowIdOf(orderId);
    fail(orderId, 'logistics-despatch', new RetriableError('logistics unreachable'));
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
    await waitFor(
      'the parked instance',
      async () => (await orchestrator.state(id))?.status === 'PARKED',
      20_000,
    );
    // Not COMPENSATED for good (the order would be lost, with no retry to offer): parked, saying where and why.
    expect(await orchestrator.state(id)).toMatchObject({
      status: 'PARKED',
      step: 'logistics-despatch',
      detail: 'logistics unreachable',
    });
    expect((await listInstances({ status: 'PARKED' })).map((i) => i.id)).toContain(id);
    faults.get(id)!.delete('logistics-despatch');
    await retryWorkflow(id);
    expect(await resultWhenEnded<OrderOutcome>(orchestrator, id, 20_000)).toMatchObject({
      outcome: 'COMPLETED',
    });
    // The retry ran the despatch request alone: the ERP confirmation of the same checkpoint went out once.
    const confirmations = () =>
      commandsOf(orderId).filter((c) => c.startsWith(`${COMMAND_TOPICS.erpOrderStatus}:CONFIRMED:`));
    await waitFor('the confirmation', () => confirmations().length === 1, 5000);
    expect(confirmations()).toEqual([`${COMMAND_TOPICS.erpOrderStatus}:CONFIRMED:${id}:erp-confirm`]);
  });

  it("an operator's cancel of an instance parked at an unavailable system compensates what it did", async () => {
    const orderId = unique('sap:unavailable-cancel');
    const id = workflowIdOf(orderId);
    fail(orderId, 'logistics-despatch', new RetriableError('logistics unreachable'));
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
    await waitFor(
      'the parked instance',
      async () => (await orchestrator.state(id))?.status === 'PARKED',
      20_000,
    );
    await cancelWorkflow(id, 'customer called', unique('cancel'));
    expect(await resultWhenEnded<OrderOutcome>(orchestrator, id, 20_000)).toMatchObject({
      outcome: 'CANCELLED',
      compensated: ['erp-confirm'],
    });
  });

  it('an amendment of a running order is not applied, and said so (not_applied, a warning); of no instance, ignored', async () => {
    const orderId = unique('sap:amended');
    const id = workflowIdOf(orderId);
    // Parked at the despatch request: in flight until an operator acts, whatever the machine's load.
    fail(orderId, 'logistics-despatch', new RetriableError('logistics unreachable'));
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
    await waitFor(
      'the parked instance',
      async () => (await orchestrator.state(id))?.status === 'PARKED',
      20_000,
    );
    const amendment = (ofOrder: string) => {
      const event = salesOrderEvent(topics, ofOrder, customers.good);
      (event.value as { changeType: string }).changeType = 'UPDATED';
      return event;
    };
    const routed = (outcome: string) =>
      metricValue('eai_workflow_events_routed_total', { topic: topics.salesOrder, outcome });
    const [notApplied, ignored] = [await routed('not_applied'), await routed('ignored')];
    await publisher.publish([amendment(orderId)]);
    await waitFor(
      'the amendment counted',
      async () => (await routed('not_applied')) === notApplied + 1,
      20_000,
    );
    await publisher.publish([amendment(unique('sap:amended-unknown'))]);
    await waitFor('the other counted', async () => (await routed('ignored')) === ignored + 1, 20_000);
    expect(await routed('not_applied')).toBe(notApplied + 1);
    // The instance goes on as it was: the amendment neither cancels nor changes it.
    expect((await orchestrator.state(id))?.status).toBe('PARKED');
    await cancelWorkflow(id, 'spec done', unique('cancel'));
    expect(await resultWhenEnded<OrderOutcome>(orchestrator, id, 20_000)).toMatchObject({
      outcome: 'CANCELLED',
    });
  });

  it('an ERP cancellation while waiting compensates what was done', async () => {
    const orderId = unique('sap:cancel');
    const id = workflowIdOf(orderId);
    silent.set(orderId, 'asn');
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
    await waitFor('the ASN wait', async () => (await orchestrator.state(id))?.step === 'await-asn', 20_000);
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good, { cancelled: true })]);
    const outcome = await resultWhenEnded<OrderOutcome>(orchestrator, id, 20_000);
    expect(outcome).toMatchObject({
      outcome: 'CANCELLED',
      compensated: ['logistics-despatch', 'erp-confirm'],
    });
  });

  it("an operator's cancel of a waiting instance compensates it too", async () => {
    const orderId = unique('sap:op-cancel');
    const id = workflowIdOf(orderId);
    silent.set(orderId, 'delivery');
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
    await waitFor(
      'the delivery wait',
      async () => (await orchestrator.state(id))?.step === 'await-delivery',
      20_000,
    );
    await cancelWorkflow(id, 'customer called', unique('cancel'));
    const outcome = await resultWhenEnded<OrderOutcome>(orchestrator, id, 20_000);
    expect(outcome).toMatchObject({
      outcome: 'CANCELLED',
      compensated: ['crm-status', 'logistics-despatch', 'erp-confirm'],
    });
  });

  it('an event for an instance that does not exist yet is kept, and handed over when the instance starts', async () => {
    const orderId = unique('sap:early');
    silent.set(orderId, 'asn');
    await publisher.publish([shipmentEvent(topics.shipment, orderId, 'SHIPPED')]);
    await waitFor('the kept event', async () => {
      const { rows } = await orchestrator.pool.query(
        'select 1 from eai_orchestrator.kept_events where workflow_id = $1',
        [workflowIdOf(orderId)],
      );
      return rows.length === 1;
    });
    const outcome = await run(orderId);
    expect(outcome.outcome).toBe('COMPLETED');
    const { rows } = await orchestrator.pool.query(
      'select 1 from eai_orchestrator.kept_events where workflow_id = $1',
      [workflowIdOf(orderId)],
    );
    expect(rows).toEqual([]);
  });

  it('a start routed again leaves the instance alone: counted ignored, its commands sent once', async () => {
    const orderId = unique('sap:twice');
    const id = workflowIdOf(orderId);
    const routed = (outcome: string) =>
      metricValue('eai_workflow_events_routed_total', { topic: topics.salesOrder, outcome });
    const [started, ignored] = [await routed('started'), await routed('ignored')];
    expect((await run(orderId)).outcome).toBe('COMPLETED');
    expect(await routed('started')).toBe(started + 1);
    // The same order created again (a replay of the topic, or a redelivery after a crash) reaches a finished instance.
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
    await waitFor('the second start counted ignored', async () => (await routed('ignored')) === ignored + 1);
    expect(await routed('started')).toBe(started + 1);
    // Called directly: false, and the instance (finished) is left as it was.
    const definition = orchestrator.definitions.latest('order-to-delivery')!;
    expect(await startInstance(definition, id, { orderId })).toBe(false);
    expect((await DBOS.getWorkflowStatus(id))?.status).toBe('SUCCESS');
    expect(commandsOf(orderId).filter((c) => c.includes(':CONFIRMED:'))).toHaveLength(2);
    expect(commandsOf(orderId)).toHaveLength(new Set(commandsOf(orderId)).size);
  });

  it("a wait's escalation and timeout run from its start, also when a message it does not take comes in", async () => {
    const orderId = unique('sap:deadline');
    const id = workflowIdOf(orderId);
    silent.set(orderId, 'asn');
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
    await waitFor('the ASN wait', async () => (await orchestrator.state(id))?.step === 'await-asn', 20_000);
    // A message the ASN wait does not take, well into the wait (a receive timed from its arrival would end 400 ms
    // late or more): kept in the inbox, and the wait goes on to the same deadline. (As the router hands it over: a
    // signal the definition does not take is refused by signalWorkflow.)
    await new Promise((resolve) => setTimeout(resolve, 400));
    const note = unique('note');
    await handOver(id, { kind: 'signal.note', eventId: note, data: { text: 'call the carrier' } }, note);
    const outcome = await resultWhenEnded<OrderOutcome>(orchestrator, id, 20_000);
    expect(outcome).toMatchObject({ outcome: 'COMPENSATED', failedStep: 'await-asn' });
    // DBOS records each timed receive's deadline when it begins (a `DBOS.sleep` whose output is the deadline). The
    // first receive begins the wait: its deadline is the escalation's (start + 1 s); every later one is the
    // escalation's or the timeout's (start + 2.5 s), never counted again from when it began. (DBOS turns a deadline
    // into a timeout before its own reads, so a later receive's recorded deadline may be a few ms past.)
    const steps = (await DBOS.listWorkflowSteps(id)) ?? [];
    const sleeps = steps.filter((s) => s.name === 'DBOS.sleep');
    expect(steps.filter((s) => s.name === 'DBOS.recv').length).toBeGreaterThanOrEqual(3);
    const start = sleeps[0]!.startedAtEpochMs!;
    expect(sleeps[0]!.output).toBe(start + 1000);
    for (const sleep of sleeps) {
      const deadline = sleep.output as number;
      const off = Math.min(Math.abs(deadline - (start + 1000)), Math.abs(deadline - (start + 2500)));
      expect(off, `receive deadline ${deadline - start} ms after the wait's start`).toBeLessThan(150);
    }
    expect(sleeps.some((s) => Math.abs((s.output as number) - (start + 2500)) < 150)).toBe(true);
  });

  it('counted escalations and timeouts of the waits', async () => {
    expect(
      await metricValue('eai_workflow_timeouts_total', { wait: 'await-asn', kind: 'escalation' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await metricValue('eai_workflow_timeouts_total', { wait: 'await-delivery', kind: 'timeout' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('retention deletes finished instances and leaves waiting ones', async () => {
    const orderId = unique('sap:waiting');
    const id = workflowIdOf(orderId);
    await publisher.publish([salesOrderEvent(topics, orderId, customers.blocked)]);
    await waitFor(
      'the credit hold',
      async () => (await orchestrator.state(id))?.status === 'WAITING',
      20_000,
    );
    const finished = await DBOS.listWorkflows({ status: 'SUCCESS' });
    expect(finished.length).toBeGreaterThan(0);
    expect(await orchestrator.prune(0)).toBeGreaterThanOrEqual(finished.length);
    // An earlier test's instance may finish (its timer runs out) right after the prune: judge only the ones
    // that had finished before it.
    const prunedIds = new Set(finished.map((w) => w.workflowID));
    const left = await DBOS.listWorkflows({ status: 'SUCCESS' });
    expect(left.filter((w) => prunedIds.has(w.workflowID))).toEqual([]);
    expect((await DBOS.getWorkflowStatus(id))?.status).toBe('PENDING');
  });

  it("DBOS runs on the orchestrator's pool, its statements prepared (planned once per connection)", async () => {
    await run(unique('sap:prepared'));
    const client = await orchestrator.systemPool.connect();
    try {
      const { rows } = await client.query<{ statement: string }>(
        'select statement from pg_prepared_statements',
      );
      expect(rows.some((r) => r.statement.includes('workflow_status'))).toBe(true);
    } finally {
      client.release();
    }
  });

  it('lists its definitions with name, version and a Mermaid graph', () => {
    const [definition] = orchestrator.definitions.list();
    expect(definition).toMatchObject({ type: 'order-to-delivery', version: 1, name: 'order-to-delivery@1' });
    expect(definition!.graph).toMatch(/^flowchart TD/);
    expect(definition!.steps).toContain('await-asn');
  });
});
