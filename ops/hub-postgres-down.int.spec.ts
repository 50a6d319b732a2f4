import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_TOPICS } from '../bus/index.ts';
import { dropDatabase } from '../store/database.ts';
import { assertConformsToOpenApi } from '../tests/openapi-conformance.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { type TcpGate, tcpGate, throughGate } from '../tests/tcp-gate.ts';
import { waitFor } from '../tests/wait-for.ts';
import { createAdminApi, hashToken, newToken } from './api/index.ts';
import { type Hub, startHub } from './hub.ts';
import { postgresBackend } from './routes/postgres.ts';
import { startOpsServer } from './server.ts';
import { MASTER_DATA_FIELDS, type SyncHealth } from './sync-health.ts';

/**
 * The hub while PostgreSQL is away: its routes that read the workflows (DBOS) or the master data answer 503 within
 * seconds, saying so and what to do, instead of waiting out DBOS's retries (minutes); readiness says PostgreSQL is
 * DOWN. The hub reaches PostgreSQL through a gate (tests/tcp-gate.ts) that the test shuts: the stack the other specs
 * share keeps running.
 */
const stack = testStack();
const bus = testBus();
const token = newToken();
const database = unique('eai_orch_pgdown').replaceAll('-', '_');
const schema = unique('mdm_pgdown').replaceAll('-', '_');
const topics = { customer: unique('pgdown-customer'), activity: unique('pgdown-orders') };
let gate: TcpGate;
let hub: Hub;
let openapi: object;
/** The hub's log lines (warn and up, and the info lines that say a failure healed). */
const logged: Array<{ level: number; msg: string; engine?: string; error?: string }> = [];
const logStream = new Writable({
  write(chunk, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line));
    done();
  },
});

beforeAll(async () => {
  const url = new URL(stack.databaseUrl);
  gate = await tcpGate({ host: url.hostname, port: Number(url.port) });
  await bus.provisionTopics(Object.values(topics).map((topic) => ({ topic, partitions: 1 })));
  hub = await startHub({
    ...stack,
    databaseUrl: throughGate(stack.databaseUrl, gate),
    group: unique('connect'),
    logger: pino({ level: 'info' }, logStream),
    tokens: [{ name: 'dashboard', role: 'operator', sha256: hashToken(token) }],
    port: 0,
    // No router: a fresh group would replay every order other tests put on canonical.sales-order.
    orchestrator: { executorId: unique('pgdown'), database, router: false },
    masterdata: {
      schema,
      groupId: unique('pgdown-matcher'),
      activityGroupId: unique('pgdown-activity'),
      customerTopic: topics.customer,
      activityTopics: [topics.activity],
      healthIntervalMs: 0,
    },
  });
  openapi = (await (await fetch(`${hub.url}/openapi.json`)).json()) as object;
});

afterAll(async () => {
  await gate?.open();
  await hub?.close();
  await gate?.close();
  await dropDatabase(stack.databaseUrl, database);
  const admin = new pg.Client({ connectionString: stack.databaseUrl });
  await admin.connect();
  await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
});

/** Calls the hub, checks the answer against its OpenAPI document, and times it. */
async function call(method: string, template: string, path: string, body?: unknown) {
  const started = Date.now();
  const response = await fetch(`${hub.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = (await response.json()) as { error?: string };
  assertConformsToOpenApi(openapi, {
    method: method.toLowerCase(),
    path: template,
    status: response.status,
    body: parsed,
  });
  return { status: response.status, body: parsed, seconds: (Date.now() - started) / 1000 };
}

const reads: Array<[string, string, string, unknown?]> = [
  ['GET', '/workflows', '/workflows'],
  ['GET', '/workflows/{id}', '/workflows/order-to-delivery:sap:1'],
  ['POST', '/workflows/retry', '/workflows/retry', { dryRun: true }],
  ['GET', '/customers/review', '/customers/review'],
  ['GET', '/customers', '/customers?q=Jane%20Roe'],
];

describe('the hub while PostgreSQL is away', () => {
  it('answers the workflow and customer routes 503 within seconds, saying what to do; readiness says PostgreSQL is DOWN; all answer again once it is back', async () => {
    for (const [method, template, path, body] of reads)
      expect((await call(method, template, path, body)).status, path).toBeLessThan(500);

    const shutAt = logged.length;
    const shutTime = Date.now();
    await gate.shut();
    const answers = await Promise.all(reads.map(([m, t, p, b]) => call(m, t, p, b)));
    for (const [i, answer] of answers.entries()) {
      const [method, , path] = reads[i]!;
      const what = path.startsWith('/workflows') ? 'the workflows' : 'the master data';
      expect(answer.status, path).toBe(503);
      // 3 s for DBOS's answer, then the probe; DBOS itself retries for minutes.
      expect(answer.seconds, path).toBeLessThan(8);
      expect(answer.body.error, path).toMatch(
        new RegExp(
          `^PostgreSQL is unreachable \\(.+\\): ${what} cannot be read or changed until it answers; start it \\(npx eai stack up for the local stack\\) or fix DATABASE_URL, then try again`,
        ),
      );
      // A change that timed out may still happen once PostgreSQL is back: the answer says to look first.
      if (method === 'POST' && answer.seconds >= 3)
        expect(answer.body.error).toMatch(/may still be done once it is back/);
    }
    // Found away, the next requests probe first and answer at once, without another call waiting on DBOS.
    const again = await call('GET', '/workflows', '/workflows');
    expect([again.status, again.seconds < 1.5]).toEqual([503, true]);
    const ready = await fetch(`${hub.url}/health/ready`, { headers: { authorization: `Bearer ${token}` } });
    expect(ready.status).toBe(503);
    const readiness = (await ready.json()) as {
      checks: Record<string, { status: string }>;
      details: Record<string, unknown>;
    };
    expect(readiness.checks.postgres).toMatchObject({ status: 'DOWN' });
    expect(readiness.checks.kafka).toEqual({ status: 'UP' });
    // The connectors' states are still there (they do not live in PostgreSQL); only the parked workflows are not.
    // Before, the parked workflows' failed query replaced the whole details with its error.
    expect(readiness.details).toMatchObject({ connectors: {}, failedConnectors: [] });
    expect(readiness.details).not.toHaveProperty('parkedWorkflows');
    expect(readiness.details.parkedWorkflowsError).toMatch(
      /ECONNREFUSED|ECONNRESET|timeout|did not answer|terminat/i,
    );
    // Sync health answers as ever: 200, failing, and why; what it could not read is unknown, not none.
    const sync = await call('GET', '/sync/health', '/sync/health');
    expect(sync.status).toBe(200);
    const health = sync.body as unknown as SyncHealth;
    expect(health.reasons.join(' | ')).toMatch(/the master data database did not answer/);
    expect(health.status).toBe('failing');
    expect(health.unknown).toEqual([
      {
        fields: MASTER_DATA_FIELDS,
        reason: expect.stringMatching(/^the master data database did not answer \(/),
      },
    ]);
    expect([health.stewardQueue, health.matcher.goldenRecords]).toEqual([null, null]);
    // Kafka answered: its dead letters are known.
    expect(health.deadLetters?.map((d) => d.topic)).toEqual(Object.values(DLQ_TOPICS).sort());

    // Each loop that fails while PostgreSQL is away said so once (it was a line a second each, and DBOS's six).
    // Long enough for several passes (1 s) and heartbeats (2 s), each of which logged before.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 7000 - (Date.now() - shutTime))));
    const outage = logged.slice(shutAt);
    const said = (msg: string) => outage.filter((l) => l.msg === msg).length;
    expect(said('golden sync pass failed; retrying')).toBe(1);
    expect(said('orchestrator: live lock not taken again')).toBe(1);
    const dbos = outage.filter((l) => l.engine === 'dbos').map((l) => l.msg);
    expect(dbos.length).toBeGreaterThan(0);
    expect(dbos.length).toBe(new Set(dbos).size);
    expect(said('heartbeat or takeover scan failed; next tick tries again')).toBeLessThanOrEqual(1);
    const openedAt = logged.length;

    await gate.open();
    await waitFor(
      'the workflows read again',
      async () => (await call('GET', '/workflows', '/workflows')).status === 200,
      30_000,
    );
    expect((await call('GET', '/customers/review', '/customers/review')).status).toBe(200);
    expect((await fetch(`${hub.url}/health/ready`)).status).toBe(200);
    // And once when it healed, at info, after how long.
    await waitFor(
      'the loops saying they work again',
      async () =>
        ['golden sync passes again after', 'orchestrator: live lock taken again after'].every((start) =>
          logged.slice(openedAt).some((l) => l.level === 30 && l.msg.startsWith(start)),
        ) &&
        logged.slice(openedAt).some((l) => l.engine === 'dbos' && / no longer failing after /.test(l.msg)),
      30_000,
    );
  });
});

describe('sync health while the PostgreSQL host hangs (a partition: no refusal, no answer)', () => {
  it('answers within seconds, failing and saying the master data database did not answer, and ok again once it answers', async () => {
    const before = await call('GET', '/sync/health', '/sync/health');
    expect(before.status).toBe(200);
    gate.hang();
    try {
      const sync = await call('GET', '/sync/health', '/sync/health');
      expect(sync.status).toBe(200);
      // 5 s for the master data's queries; before, it waited for as long as the host stayed silent.
      expect(sync.seconds).toBeLessThan(9);
      expect((sync.body as { status: string }).status).toBe('failing');
      expect((sync.body as { reasons: string[] }).reasons.join(' | ')).toMatch(
        /the master data database did not answer \(the master data database: no answer within 5000 ms\)/,
      );
    } finally {
      await gate.open();
    }
    await waitFor(
      'sync health reads the master data again',
      async () =>
        !((await call('GET', '/sync/health', '/sync/health')).body as { reasons: string[] }).reasons.some(
          (r) => r.includes('master data database'),
        ),
      30_000,
    );
  }, 60_000);
});

describe('a route that waits on PostgreSQL', () => {
  it('waits for a slow answer while PostgreSQL answers its probe: slow is not away', async () => {
    const url = throughGate(stack.databaseUrl, gate);
    const api = createAdminApi({
      logger: pino({ level: 'silent' }),
      tokens: [{ name: 'dashboard', role: 'viewer', sha256: hashToken(token) }],
    });
    // A patience of 1 s, not the routes' 3 s: the query outlasts it all the same, for a second more.
    const database = { ...postgresBackend(url, 'the report'), patienceMs: 1000 };
    api.route(
      {
        method: 'get',
        path: '/report',
        summary: 'A slow query',
        tag: 'test',
        role: 'viewer',
        backend: database,
        responses: { 200: { description: 'Done.' } },
      },
      async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`select pg_sleep(${(database.patienceMs + 1000) / 1000})`);
        } finally {
          await client.end();
        }
        return { status: 200, body: { done: true } };
      },
    );
    const server = await startOpsServer({ checks: {}, api });
    try {
      const response = await fetch(`${server.url}/report`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ done: true });
    } finally {
      await server.close();
    }
  });
});
