import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../bus/index.ts';
import { metricsRegistry } from '../lib/metrics.ts';
import { startSap } from '../simulators/sap/test-support.ts';
import { dropDatabase } from '../store/database.ts';
import { readRawMessages, topicEnds } from '../tests/raw-consumer.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { resultWhenEnded } from '../tests/workflow-result.ts';
import { ALERT_TOPIC } from './commands.ts';
import { type Orchestrator, startOrchestrator } from './engine.ts';
import { showInstance } from './operators.ts';
import { retryInstance } from './retry.ts';
import {
  type OrderOutcome,
  type OrderToDeliveryTopics,
  orderToDeliveryV1,
  workflowIdOf,
} from './workflows/order-to-delivery/index.ts';
import {
  type InstantResponders,
  startInstantResponders,
} from './workflows/order-to-delivery/instant-responders.ts';
import {
  provisionTestTopics,
  salesOrderEvent,
  seedCustomers,
} from './workflows/order-to-delivery/test-support.ts';

/**
 * Parked instances retry themselves: SAP (the simulator) answering 503 at the credit check parks an order; the hub
 * retries it on its schedule (milliseconds here, minutes by default) through the operators' retry, until SAP answers
 * or the bounds are reached, without an operator. Real PostgreSQL (DBOS), Kafka and the SAP simulator.
 */
const stack = testStack();
const database = unique('eai_orch_parked_retry').replaceAll('-', '_');
const bus = testBus();
let sap: Awaited<ReturnType<typeof startSap>>;
let orchestrator: Orchestrator;
let responders: InstantResponders;
let publisher: Publisher & { close(): Promise<void> };
let topics: OrderToDeliveryTopics;
let customers: { good: string; blocked: string };

const MAX_ATTEMPTS = 3;

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ labels: Record<string, unknown>; value: number }>;
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

const sapDown = () =>
  sap.call('POST', '/sim/faults', [{ kind: 'error', status: 503, path: '/sap/credit-check' }]);
const sapBack = () => sap.call('DELETE', '/sim/faults');
/** The credit checks the instance ran (the first, then one per retry): its checkpointed steps of that name. */
const creditChecks = async (id: string) =>
  ((await DBOS.listWorkflowSteps(id)) ?? []).filter((s) => /^credit-check(#\d+)?$/.test(s.name)).length;

beforeAll(async () => {
  sap = await startSap();
  customers = await seedCustomers(sap.sim.url);
  topics = await provisionTestTopics(bus, unique('t-parked-retry'));
  orchestrator = await startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'parked-retry-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: unique('parked-retry-router'),
      sapUrl: sap.sim.url,
      parkedRetry: {
        firstAfterMs: 300,
        backoffRate: 2,
        maxDelayMs: 600,
        giveUpAfterMs: 60_000,
        maxAttempts: MAX_ATTEMPTS,
        scanMs: 100,
      },
    },
    {
      definitions: [orderToDeliveryV1(topics)],
      stepRetry: { maxAttempts: 2, intervalSeconds: 0.05, backoffRate: 1 },
    },
  );
  responders = await startInstantResponders(bus, { groupId: unique('parked-retry-responders'), topics });
  publisher = await bus.publisher();
});

afterAll(async () => {
  await sapBack().catch(() => undefined);
  await publisher?.close();
  await responders?.stop();
  await orchestrator?.stop();
  await sap?.close();
  await dropDatabase(stack.databaseUrl, database);
});

describe('parked instances retry themselves', () => {
  it('SAP down at the credit check parks the order; once SAP is back the order completes without an operator', async () => {
    const orderId = unique('sap:auto-retry');
    const id = workflowIdOf(orderId);
    // The process's counters may hold earlier files' counts (the int project shares one process): compare deltas.
    const retriedBefore = await metricValue('eai_workflow_auto_retries_total', {
      type: 'order-to-delivery',
      outcome: 'retried',
    });
    const parkedBefore = await metricValue('eai_workflow_parked_total', { type: 'order-to-delivery' });
    await sapDown();
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
    await waitFor(
      'the parked instance',
      async () => (await orchestrator.state(id))?.status === 'PARKED',
      20_000,
    );
    expect(await orchestrator.state(id)).toMatchObject({ status: 'PARKED', step: 'credit-check' });
    // Retried while SAP is still down: parked again, and the next retry is scheduled.
    await waitFor(
      'an automatic retry that parked again',
      async () => {
        const retry = (await showInstance(id))?.autoRetry;
        return retry?.state === 'scheduled' && retry.attempts >= 1;
      },
      20_000,
    );
    const parked = (await showInstance(id))!;
    expect(parked.status).toBe('PARKED');
    expect(Date.parse(parked.autoRetry!.nextAt!)).toBeGreaterThan(
      Date.parse(parked.autoRetry!.lastActionAt!),
    );
    expect(parked.autoRetry!.lastAction).toBe('auto');
    expect(await creditChecks(id)).toBeGreaterThanOrEqual(2);

    await sapBack();
    const outcome = await resultWhenEnded<OrderOutcome>(orchestrator, id, 30_000);
    expect(outcome).toMatchObject({ outcome: 'COMPLETED', compensated: [] });
    expect(
      (await metricValue('eai_workflow_auto_retries_total', {
        type: 'order-to-delivery',
        outcome: 'retried',
      })) - retriedBefore,
    ).toBeGreaterThanOrEqual(2);
    // One park counted and alerted: parking again after an automatic retry raises no second one.
    expect(
      (await metricValue('eai_workflow_parked_total', { type: 'order-to-delivery' })) - parkedBefore,
    ).toBe(1);
    expect((await showInstance(id))!.autoRetry).toMatchObject({ state: 'none', lastAction: 'auto' });
  });

  it('a system that stays down: the retries stop at the bound, an alert says so, and the instance waits for a person', async () => {
    const orderId = unique('sap:auto-retry-spent');
    const id = workflowIdOf(orderId);
    const from = await topicEnds(ALERT_TOPIC);
    const gaveUpBefore = await metricValue('eai_workflow_auto_retries_total', {
      type: 'order-to-delivery',
      outcome: 'gave_up',
    });
    await sapDown();
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
    const [alert] = await readRawMessages(ALERT_TOPIC, 1, {
      from,
      timeoutMs: 30_000,
      wanted: (m) => m.key === id && JSON.parse(m.value.toString()).kind === 'auto_retry_exhausted',
    });
    expect(JSON.parse(alert!.value.toString())).toMatchObject({
      kind: 'auto_retry_exhausted',
      workflowId: id,
      type: 'order-to-delivery',
      step: 'credit-check',
    });
    expect(JSON.parse(alert!.value.toString()).message).toContain(`${MAX_ATTEMPTS} automatic retries`);
    const spent = (await showInstance(id))!;
    expect(spent.status).toBe('PARKED');
    expect(spent.autoRetry).toMatchObject({ attempts: MAX_ATTEMPTS, state: 'exhausted', nextAt: null });
    expect(spent.autoRetry!.gaveUpAt).not.toBeNull();
    expect(await creditChecks(id)).toBe(1 + MAX_ATTEMPTS);
    expect(
      (await metricValue('eai_workflow_auto_retries_total', {
        type: 'order-to-delivery',
        outcome: 'gave_up',
      })) - gaveUpBefore,
    ).toBe(1);
    // Many scans later nothing more was tried.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await creditChecks(id)).toBe(1 + MAX_ATTEMPTS);
    expect((await showInstance(id))!.autoRetry).toMatchObject({ attempts: MAX_ATTEMPTS, state: 'exhausted' });

    // The person's retry, once SAP is back, finishes it.
    await sapBack();
    expect(await retryInstance(id)).toBe('retry');
    expect(await resultWhenEnded<OrderOutcome>(orchestrator, id, 30_000)).toMatchObject({
      outcome: 'COMPLETED',
    });
  });

  it('one runner at a time: while another hub instance holds the runner lock, this one retries nothing', async () => {
    const orderId = unique('sap:auto-retry-other');
    const id = workflowIdOf(orderId);
    const other = new pg.Client({
      connectionString: (orchestrator.pool.options as { connectionString?: string }).connectionString,
    });
    await other.connect();
    try {
      await other.query('select pg_advisory_lock(hashtext($1))', ['eai-orchestrator-parked-retry']);
      await sapDown();
      await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
      await waitFor(
        'the parked instance',
        async () => (await orchestrator.state(id))?.status === 'PARKED',
        20_000,
      );
      // Due after 300 ms; scans every 100 ms: none of this instance's scans ran.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await creditChecks(id)).toBe(1);
      expect((await showInstance(id))!.autoRetry).toMatchObject({ attempts: 0, state: 'scheduled' });
      await sapBack();
    } finally {
      await other.end();
    }
    // The lock let go (that instance gone): this one's runner takes over and the order completes.
    expect(await resultWhenEnded<OrderOutcome>(orchestrator, id, 30_000)).toMatchObject({
      outcome: 'COMPLETED',
    });
    expect(await creditChecks(id)).toBe(2);
  });
});
