/**
 * A sink's `retrying` from the first failed attempt of a record, not once the put's own retries end: the HubSpot upsert
 * sink (the HTTP sink's retries inside a put: four attempts, each with its deadline) on the real broker, against the
 * HubSpot simulator behind a TCP gate (tests/tcp-gate.ts). While the gate hangs (a TCP peer that accepts and answers
 * nothing) the status, the metric and sync health say `retrying` within the request timeout + 1 s of the first
 * attempt, where before they said nothing for the whole put (4 × the timeout and the backoff: about 45 s with the
 * defaults, 8 s here); healed, the record is applied once (`/sim/effects`) and `retrying` is cleared. A 429 that heals
 * within one put shows `retrying` too, every attempt counted, where before it never showed.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../bus/index.ts';
import { type ConnectorRuntime, connectorKey } from '../connectors/index.ts';
import { startRuntime } from '../connectors/runtime/test-support.ts';
import { metricsRegistry } from '../lib/metrics.ts';
import { type CustomerMatcher, defaultMdmConfig, MasterDataStore } from '../masterdata/index.ts';
import { exampleJson } from '../schemas/examples.ts';
import { type HubSpotHarness, startHubSpot } from '../simulators/hubspot/test-support.ts';
import { testStack, unique } from '../tests/stack.ts';
import { type TcpGate, tcpGate } from '../tests/tcp-gate.ts';
import { waitFor } from '../tests/wait-for.ts';
import { syncHealth } from './sync-health.ts';

/** The deadline of one attempt: a hanging target fails an attempt after this long. */
const TIMEOUT_MS = 2_000;
const UPSERT = '/crm/v3/objects/contacts/batch/upsert';
const schema = `mdm_retrying_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const sink = unique('hubspot-retrying');
const topic = unique('retrying-customers');
let bus: Bus;
let runtime: ConnectorRuntime;
let hs: HubSpotHarness;
let gate: TcpGate;
let store: MasterDataStore;

beforeAll(async () => {
  // Sink retries as a hub runs them: until the record is applied.
  ({ bus, runtime } = await startRuntime('/eai/tests/sink-retrying', {
    initialDelayMs: 100,
    maxDelayMs: 1_000,
  }));
  await bus.provisionTopics([{ topic, partitions: 1 }]);
  hs = await startHubSpot();
  gate = await tcpGate({ host: '127.0.0.1', port: Number(new URL(hs.sim.url).port) });
  store = new MasterDataStore({ databaseUrl: testStack().databaseUrl, schema, config: defaultMdmConfig() });
  await store.migrate();
  await runtime.put(
    {
      name: sink,
      type: 'hubspot-upsert-sink',
      topics: [topic],
      mapping: 'hubspot/batch-upsert.from-canonical.yaml',
      config: {
        baseUrl: `http://${gate.address}`,
        accessToken: hs.app.accessTokens[0]!,
        timeoutMs: TIMEOUT_MS,
        // The put's own retries, as shipped (3); the breaker left out of it (it would hold the catch-up back).
        retry: { retries: 3, initialDelayMs: 200, maxDelayMs: 500 },
        breaker: { consecutiveFailures: 1000, halfOpenAfterMs: 1000 },
      },
    },
    'test',
  );
});

afterAll(async () => {
  await runtime?.stop();
  await gate?.close();
  await hs?.sim.close();
  await store?.close();
  const admin = new pg.Client({ connectionString: testStack().databaseUrl });
  await admin.connect();
  await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
});

const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
/** One golden customer for the sink; resolves with its CloudEvents id. */
async function push(familyName: string): Promise<string> {
  const customerId = `G-${unique('retrying')}`;
  const publisher = await bus.publisher();
  try {
    const [sent] = await publisher.publish([
      {
        schema: 'CustomerEvent',
        topic,
        value: {
          ...base,
          changeType: 'CREATED',
          changedFields: [],
          origin: { system: 'mdm', documentId: null, changeOrigin: null, changedBy: null },
          customer: {
            ...base.customer,
            customerId,
            sourceIds: [],
            partyType: 'PERSON',
            organizationName: null,
            person: { title: null, givenName: 'Ada', middleName: null, familyName },
            emails: [{ address: `${customerId.toLowerCase()}@example.com`, use: 'work', primary: true }],
          },
        },
      },
    ]);
    return sent!.id;
  } finally {
    await publisher.close();
  }
}

const metrics = async () => (await runtime.status(sink))!.metrics;
/** Writes the simulator applied for a record: its idempotency key is `<connector>:<ce_id>` (the group's connector). */
const applied = async (ceId: string) =>
  (
    await hs.json<{ count: number }>(
      'GET',
      `/sim/effects?idempotencyKey=${encodeURIComponent(`${connectorKey(sink, runtime.group)}:${ceId}`)}`,
    )
  ).body.count;
const retryingGauge = async () => {
  const text = await metricsRegistry.getSingleMetricAsString(
    'eai_connector_retrying_since_timestamp_seconds',
  );
  const line = text.split('\n').find((l) => l.includes(`connector="${sink}"`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};
const hubspotHealth = async () => {
  const health = await syncHealth({
    runtime,
    transport: bus.transport,
    store,
    // No matcher runs here: sync health reads only its counters.
    matcher: {
      received: new Map(),
      handledRecordTimes: new Map(),
      startedAt: Date.now(),
    } as unknown as CustomerMatcher,
    matcherGroup: unique('retrying-matcher'),
    customerTopic: topic,
  });
  return health.systems.find((s) => s.system === 'hubspot');
};

describe("a sink's retrying from the first failed attempt of a record", () => {
  it('against a target that hangs: retrying within the request timeout + 1 s, in status, metric and sync health; cleared once applied, once', async () => {
    await push('Before');
    await waitFor('the first record applied', async () => (await metrics()).recordsOut === 1);
    expect((await metrics()).retrying).toBeNull();

    gate.hang();
    const pushedAt = Date.now();
    const ceId = await push('Hanging');
    let seenAt = 0;
    await waitFor(
      'the status saying retrying',
      async () => {
        const { retrying } = await metrics();
        seenAt = Date.now();
        return retrying !== null;
      },
      // Before: only once the put's four attempts and its backoff had ended (8 s here, about 45 s by default).
      TIMEOUT_MS * 3,
    );
    const { retrying } = await metrics();
    // Since the first attempt started (it began failing then), and shown at most the timeout + 1 s after it.
    const since = Date.parse(retrying!.since);
    expect(since).toBeGreaterThanOrEqual(pushedAt - 100);
    expect(seenAt - since).toBeLessThanOrEqual(TIMEOUT_MS + 1_000);
    // Not when the attempt's deadline ran out: nothing was applied from its start.
    expect(seenAt - since).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(retrying!.attempts).toBe(2);
    expect(retrying!.error).toMatch(new RegExp(`POST ${UPSERT} got no answer within ${TIMEOUT_MS} ms`));
    expect(await retryingGauge()).toBe(since / 1000);
    const hubspot = await hubspotHealth();
    expect(hubspot?.status).toBe('degraded');
    expect(hubspot?.reasons).toEqual([
      expect.stringMatching(
        new RegExp(
          `^hubspot: a push keeps failing and is retried \\(connector ${sink}, \\d attempts in \\d+ s: POST ${UPSERT} got no answer within ${TIMEOUT_MS} ms\\)`,
        ),
      ),
    ]);

    // Each attempt counts, the put's own retries included, the same `since` throughout.
    await waitFor(
      'the next attempt failed',
      async () => ((await metrics()).retrying?.attempts ?? 0) >= 3,
      TIMEOUT_MS * 3,
    );
    expect(Date.parse((await metrics()).retrying!.since)).toBe(since);

    await gate.open();
    await waitFor('the record applied', async () => (await metrics()).recordsOut === 2, 30_000);
    const after = await metrics();
    expect(after.retrying).toBeNull();
    expect(after.recordsFailed).toBe(0);
    expect(await retryingGauge()).toBe(0);
    expect(await applied(ceId)).toBe(1);
    expect((await hubspotHealth())?.status).toBe('ok');
  }, 60_000);

  it('against a target answering 429 that heals within one put: retrying shown from the first 429, each attempt counted, then cleared', async () => {
    const fault = await hs.json('POST', '/sim/faults', {
      faults: [{ kind: 'rate_limit', path: UPSERT, retryAfterSeconds: 1, times: 3 }],
    });
    expect(fault.status).toBe(201);
    const out = (await metrics()).recordsOut;
    const pushedAt = Date.now();
    const ceId = await push('Limited');
    const seen: number[] = [];
    let since = 0;
    let seenAt = 0;
    await waitFor('the record applied', async () => {
      const m = await metrics();
      if (m.retrying) {
        if (seen.length === 0) {
          seenAt = Date.now();
          since = Date.parse(m.retrying.since);
        }
        if (seen.at(-1) !== m.retrying.attempts) seen.push(m.retrying.attempts);
        expect(m.retrying.error).toMatch(/answered HTTP 429/);
      }
      return m.recordsOut === out + 1;
    });
    // Before: never (the put's fourth attempt went through, and only a put that failed made the sink retrying).
    expect(seen).toEqual([2, 3, 4]);
    expect(since).toBeGreaterThanOrEqual(pushedAt - 100);
    // Retry-After is 1 s: shown before the second attempt went.
    expect(seenAt - since).toBeLessThanOrEqual(1_000);
    expect((await metrics()).retrying).toBeNull();
    expect(await retryingGauge()).toBe(0);
    expect(await applied(ceId)).toBe(1);
  }, 60_000);
});
