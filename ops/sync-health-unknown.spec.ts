import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Transport } from '../bus/index.ts';
import { syncStatusText } from '../cli/commands/sync.ts';
import type { ConnectorRuntime } from '../connectors/index.ts';
import { type CustomerMatcher, defaultMdmConfig, MasterDataStore } from '../masterdata/index.ts';
import {
  KAFKA_QUERY_TIMEOUT_MS,
  MASTER_DATA_FIELDS,
  type SyncHealth,
  type SyncHealthDeps,
  syncHealth,
} from './sync-health.ts';

/**
 * Sync health with inputs it cannot read: what it does not know is null with the reason in `unknown`, never 0, [] or
 * "never reconciled", and no status is ok on it. The faults trial: with Kafka down it said `deadLetters: []` while
 * dlq.sink held 5; with PostgreSQL down each system said `inbound.records: 0` and `drift: null`.
 */

/** A Kafka admin that answers: no backlog, `dlq.sink` holding 5; or, `depthsDown`, answering the backlog alone. */
function kafka(options: { down?: boolean; depthsDown?: boolean } = {}): Transport {
  return {
    admin: () => ({
      connect: () => (options.down ? new Promise<void>(() => undefined) : Promise.resolve()),
      disconnect: async () => undefined,
      topicOffsets: async (topic: string) => [
        { partition: 0, low: '0', high: topic === 'dlq.sink' ? '5' : '0', offset: '0' },
      ],
      groupOffsets: async () => [],
      listTopics: () =>
        options.depthsDown ? new Promise<string[]>(() => undefined) : Promise.resolve(['dlq.sink']),
    }),
    // dlq.sink's five letters: another connector's, no system's of these.
    readRanges: async (o: { eachRecord: (r: unknown) => Promise<unknown> }) => {
      for (let offset = 0; offset < 5; offset++)
        await o.eachRecord({
          topic: 'dlq.sink',
          partition: 0,
          offset: String(offset),
          key: null,
          value: null,
          headers: { '__connect.errors.connector.name': Buffer.from('eai-sink-elsewhere') },
        });
    },
  } as unknown as Transport;
}

/** A master data store on a port nothing listens on: a real pg pool, refused as when PostgreSQL is stopped. */
async function storeWithoutDatabase(): Promise<MasterDataStore> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return new MasterDataStore({
    databaseUrl: `postgres://eai@127.0.0.1:${port}/eai`,
    schema: 'mdm_unknown',
    config: defaultMdmConfig(),
    onPoolError: () => undefined,
  });
}

/** A store that answers: hubspot holds 7 records, reconciled with nothing apart, no request to re-read open. */
const answeringStore = {
  schema: 'mdm',
  pool: {
    query: async (sql: string) => ({
      rows: sql.includes('resync_request') ? [] : [{ system: 'hubspot', records: '7', last_at: null }],
    }),
  },
  stats: async () => ({ review: 0, golden: 7 }),
  lastReconciles: async () => [
    { system: 'hubspot', finishedAt: '2026-12-02T07:00:00.000Z', records: 7, counts: {}, repaired: null },
  ],
} as unknown as MasterDataStore;

function deps(transport: Transport, store: MasterDataStore): SyncHealthDeps {
  return {
    runtime: {
      names: () => [],
      status: async () => undefined,
      sourceOutput: () => undefined,
      sinkInput: () => undefined,
    } as unknown as ConnectorRuntime,
    transport,
    store,
    matcher: {
      // Salesforce sent a change since the start: the system is known without the master data.
      received: new Map([['salesforce', { events: 1, lastAt: '2026-12-02T08:00:00.000Z' }]]),
      handledRecordTimes: new Map(),
      startedAt: Date.now(),
    } as unknown as CustomerMatcher,
    matcherGroup: 'eai-mdm',
    customerTopic: 'canonical.customer',
  };
}

async function healthWithin(d: SyncHealthDeps): Promise<SyncHealth> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  let answered: SyncHealth | undefined;
  void syncHealth(d).then((health) => {
    answered = health;
  });
  await vi.advanceTimersByTimeAsync(KAFKA_QUERY_TIMEOUT_MS + 100);
  vi.useRealTimers();
  if (!answered) throw new Error('sync health did not answer within its deadline');
  return answered;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('sync health with every input read', () => {
  it('is ok with nothing unknown, dead letters counted', async () => {
    const health = await syncHealth(deps(kafka(), answeringStore));
    expect(health.status).toBe('ok');
    expect(health.unknown).toEqual([]);
    expect(health.deadLetters).toContainEqual({ topic: 'dlq.sink', depth: 5 });
    expect(health.systems.find((s) => s.system === 'hubspot')?.inbound.records).toBe(7);
    // dlq.sink's five letters are another connector's: none is HubSpot's.
    expect(health.systems.find((s) => s.system === 'hubspot')?.deadLetters).toEqual({
      inbound: 0,
      outbound: 0,
      redriven: 0,
    });
  });

  it("shows per system the relay's write-backs of edits that lost survivorship, not judged", async () => {
    const relay = { counts: { golden: 0, commands: {}, refused: 0, writebacks: { hubspot: 2 } } };
    const health = await syncHealth({ ...deps(kafka(), answeringStore), sync: relay });
    expect(health.systems.find((s) => s.system === 'hubspot')?.outbound.writtenBack).toBe(2);
    expect(health.systems.find((s) => s.system === 'salesforce')?.outbound.writtenBack).toBe(0);
    expect(health.status).toBe('ok');
  });
});

describe('sync health while Kafka does not answer', () => {
  it('has no dead letters to show, not none: null, the reason in unknown, failing', async () => {
    const health = await healthWithin(deps(kafka({ down: true }), answeringStore));
    expect(health.status).toBe('failing');
    expect(health.deadLetters).toBeNull();
    expect(health.matcher).toMatchObject({ backlogRecords: null, backlogSeconds: null, goldenRecords: 7 });
    expect(health.unknown).toEqual([
      {
        fields: ['matcher.backlogRecords', 'matcher.backlogSeconds'],
        reason: expect.stringMatching(/^Kafka did not answer the backlog query \(.*no answer within 5000 ms/),
      },
      {
        // Each system's own letters too: read from the same topics, unknown for the same reason.
        fields: ['deadLetters', 'systems[].deadLetters'],
        reason: expect.stringMatching(
          /^Kafka did not answer the dead-letter depths query \(.*no answer within/,
        ),
      },
    ]);
    // One reason about Kafka in the status, not one per query.
    expect(health.reasons.filter((r) => r.startsWith('Kafka'))).toHaveLength(1);
    // What the master data said is known still.
    expect(health.systems.find((s) => s.system === 'hubspot')).toMatchObject({
      status: 'ok',
      inbound: { records: 7 },
    });
  });

  it('is not ok when only the dead-letter depths go unanswered', async () => {
    const health = await healthWithin(deps(kafka({ depthsDown: true }), answeringStore));
    expect(health.matcher.backlogRecords).toBe(0);
    expect(health.deadLetters).toBeNull();
    expect(health.status).toBe('failing');
    expect(health.reasons).toEqual([
      expect.stringMatching(/^Kafka did not answer the dead-letter depths query \(/),
    ]);
    expect(health.unknown.map((u) => u.fields)).toEqual([['deadLetters', 'systems[].deadLetters']]);
    expect(health.systems.find((s) => s.system === 'hubspot')?.deadLetters).toBeNull();
  });
});

describe('sync health while PostgreSQL does not answer', () => {
  it("says each system's records and drift are unknown, not 0 and never reconciled, and fails each system", async () => {
    const store = await storeWithoutDatabase();
    try {
      const health = await syncHealth(deps(kafka(), store));
      expect(health.status).toBe('failing');
      expect(health.unknown).toEqual([
        {
          fields: MASTER_DATA_FIELDS,
          reason: expect.stringMatching(/^the master data database did not answer \(.*ECONNREFUSED/),
        },
      ]);
      expect(health.stewardQueue).toBeNull();
      expect(health.matcher.goldenRecords).toBeNull();
      // Kafka answered: its dead letters are known.
      expect(health.deadLetters).toContainEqual({ topic: 'dlq.sink', depth: 5 });
      expect(health.systems).toEqual([
        expect.objectContaining({
          system: 'salesforce',
          status: 'failing',
          reasons: [
            'salesforce: its changes are neither matched nor synced while the master data database does not answer; its records and drift are unknown',
          ],
          inbound: {
            lastReceivedAt: '2026-12-02T08:00:00.000Z',
            eventsSinceStart: 1,
            records: null,
            sources: [],
          },
          drift: null,
          resyncRequested: null,
        }),
      ]);
    } finally {
      await store.pool.end();
    }
  });
});

describe('eai sync status on what the hub could not read', () => {
  it('prints unknown and why, instead of none or a crash on null', async () => {
    const store = await storeWithoutDatabase();
    let pgDown: SyncHealth;
    try {
      pgDown = await syncHealth(deps(kafka(), store));
    } finally {
      await store.pool.end();
    }
    const text = syncStatusText(pgDown);
    expect(text).toMatch(/steward queue unknown \(the master data database did not answer \(.*ECONNREFUSED/);
    expect(text).toMatch(/^salesforce +failing .* unknown +unknown$/m);
    expect(text).toMatch(/^records and drift: unknown \(the master data database did not answer/m);

    const kafkaDown = syncStatusText(await healthWithin(deps(kafka({ down: true }), answeringStore)));
    expect(kafkaDown).toMatch(
      /matcher backlog unknown \(Kafka did not answer the backlog query .*dead letters: unknown \(Kafka did not answer the dead-letter depths query/,
    );
    // Read: the numbers, and nothing said unknown.
    const ok = syncStatusText(await syncHealth(deps(kafka(), answeringStore)));
    expect(ok).toMatch(/dead letters: dlq\.mapping 0, .*dlq\.sink 5$/m);
    expect(ok).not.toMatch(/unknown/);
  });
});
