import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../bus/index.ts';
import { withoutDocumentValues, withoutValueMarks } from '../../lib/errors.ts';
import {
  type AnyWorkflowDefinition,
  defineWorkflow,
  type Orchestrator,
  startOrchestrator,
} from '../../orchestrator/index.ts';
import {
  type OrderOutcome,
  type OrderToDeliveryTopics,
  orderToDeliveryDefinitions,
  workflowIdOf,
} from '../../orchestrator/workflows/order-to-delivery/index.ts';
import {
  provisionTestTopics,
  salesOrderEvent,
  seedCustomers,
} from '../../orchestrator/workflows/order-to-delivery/test-support.ts';
import { startSap } from '../../simulators/sap/test-support.ts';
import { databaseUrlFor, dropDatabase } from '../../store/database.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { resultWhenEnded } from '../../tests/workflow-result.ts';
import { createAdminApi, hashToken, newToken } from '../api/index.ts';
import { startOpsServer } from '../server.ts';
import { postgresBackend } from './postgres.ts';
import { registerWorkflowRoutes } from './workflows.ts';

/**
 * The operators' retry of a FAILED instance and the reason of a credit rejection, through the admin API: a FAILED
 * instance that ran out of recovery attempts is resumed under its own id; one that ended in an error is refused with
 * what to do instead; `reject-credit` keeps its reason and who sent it. A drill workflow of this spec fails on demand.
 */
const token = newToken();
const stack = testStack();
const database = unique('eai_orch_retry').replaceAll('-', '_');
const bus = testBus();
let sap: Awaited<ReturnType<typeof startSap>>;
let orchestrator: Orchestrator | undefined;
let publisher: Publisher & { close(): Promise<void> };
let topics: OrderToDeliveryTopics;
let customers: { good: string; blocked: string };
let server: Awaited<ReturnType<typeof startOpsServer>>;
let pool: pg.Pool;

/** Waits for a `go` message, then fails with an error of its own (a bug) or ends. */
const drill = defineWorkflow<{ fail: boolean }, { outcome: string }>({
  type: 'retry-drill',
  version: 1,
  description: 'A workflow that fails on demand (tests).',
  steps: ['go'],
  graph: 'flowchart TD\n  go --> done',
  topics: [],
  route: () => [],
  workflow: async ({ fail }) => {
    if (fail) throw new TypeError("drill: cannot read properties of undefined (reading 'orderId')");
    await DBOS.recv('go', 60);
    return { outcome: 'COMPLETED' };
  },
});

const start = (definitions: AnyWorkflowDefinition[]) =>
  startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'retry-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: `${database}-router`,
      sapUrl: sap.sim.url,
    },
    { definitions, stepRetry: { maxAttempts: 2, intervalSeconds: 0.05 } },
  );

beforeAll(async () => {
  sap = await startSap();
  customers = await seedCustomers(sap.sim.url);
  topics = await provisionTestTopics(bus, unique('t-retry'));
  orchestrator = await start([...orderToDeliveryDefinitions(topics), drill]);
  publisher = await bus.publisher();
  const api = createAdminApi({
    logger: pino({ level: 'silent' }),
    tokens: [{ name: 'oncall', role: 'operator', sha256: hashToken(token) }],
  });
  registerWorkflowRoutes(api, {
    definitions: orchestrator.definitions,
    database: postgresBackend(stack.databaseUrl, 'the workflows'),
  });
  server = await startOpsServer({ checks: {}, api });
  pool = new pg.Pool({ connectionString: databaseUrlFor(stack.databaseUrl, database), max: 1 });
});

afterAll(async () => {
  await pool?.end();
  await server?.close();
  await publisher?.close();
  await orchestrator?.stop();
  await sap?.close();
  await dropDatabase(stack.databaseUrl, database);
});

async function post(url: string, body?: unknown) {
  const response = await fetch(`${server.url}${url}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function get(id: string) {
  const response = await fetch(`${server.url}/workflows/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await response.json()) as { status: string; detail: string | null };
}

const retry = (id: string) => post(`/workflows/${encodeURIComponent(id)}/retry`);

describe('retrying a FAILED instance, and the reason of a credit rejection', () => {
  it('a FAILED instance that ran out of recovery attempts is resumed under its id; one that ended in an error is refused, saying what to do', async () => {
    const broken = unique('retry-drill:broken');
    await orchestrator!.start('retry-drill', broken, { fail: true });
    await waitFor('the broken drill FAILED', async () => (await get(broken)).status === 'FAILED');
    const refused = await retry(broken);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain(`workflow ${broken} FAILED with an error (`);
    expect(refused.body.error).toContain("reading 'orderId'");
    expect(refused.body.error).toContain(`Instead: see what it did (eai workflows show ${broken})`);
    expect((await DBOS.getWorkflowStatus(broken))?.status).toBe('ERROR');

    // An instance whose process died while it ran more often than DBOS recovers one (a crash loop): DBOS marks it
    // MAX_RECOVERY_ATTEMPTS_EXCEEDED at its next recovery and leaves it. Here the mark is set while it is stopped.
    const looping = unique('retry-drill:looping');
    await orchestrator!.start('retry-drill', looping, { fail: false });
    await waitFor('the drill waiting', async () => (await get(looping)).status === 'RUNNING');
    await orchestrator!.stop();
    orchestrator = undefined;
    await pool.query(
      `update dbos.workflow_status set status = 'MAX_RECOVERY_ATTEMPTS_EXCEEDED', recovery_attempts = 101
       where workflow_uuid = $1`,
      [looping],
    );
    orchestrator = await start([...orderToDeliveryDefinitions(topics), drill]);
    expect((await get(looping)).status).toBe('FAILED');
    const resumed = await retry(looping);
    expect(resumed).toEqual({ status: 202, body: { id: looping, action: 'resume' } });
    await waitFor('the drill resumed', async () => (await get(looping)).status === 'RUNNING');
    // Under its own id: what is sent to it reaches it.
    await DBOS.send(looping, 'go', 'go');
    await waitFor('the drill completed', async () => (await get(looping)).status === 'COMPLETED');
    // Neither parked nor failed: nothing to retry.
    const done = await retry(looping);
    expect(done.status).toBe(409);
    expect(done.body.error).toBe(`workflow ${looping} is COMPLETED, not PARKED or FAILED`);
  }, 90_000);

  it('reject-credit keeps its reason and who sent it, as a cancel does', async () => {
    const orderId = unique('sap:retry-rejected');
    const id = workflowIdOf(orderId);
    await publisher.publish([salesOrderEvent(topics, orderId, customers.blocked)]);
    await waitFor(
      'the credit hold',
      async () => (await orchestrator!.state(id))?.step === 'await-credit-approval',
    );
    const signalled = await post(`/workflows/${encodeURIComponent(id)}/signals/reject-credit`, {
      reason: 'customer over limit since March',
    });
    expect(signalled.status).toBe(202);
    const outcome = await resultWhenEnded<OrderOutcome>(orchestrator!, id, 30_000);
    expect(outcome).toMatchObject({ outcome: 'COMPENSATED', failedStep: 'await-credit-approval' });
    // The operator's words marked as a value: an operator reads them, a viewer and the logs "…".
    expect(withoutValueMarks(outcome.reason!)).toBe(
      'step await-credit-approval failed: credit rejected by an operator: customer over limit since March (oncall)',
    );
    expect(withoutDocumentValues(outcome.reason!)).toBe(
      'step await-credit-approval failed: credit rejected by an operator: "…" (oncall)',
    );
    expect((await get(id)).detail).toBe(withoutValueMarks(outcome.reason!));
  });
});
