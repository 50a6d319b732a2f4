import { describe, expect, it } from 'vitest';
import type { LetterTag } from '../bus/index.ts';
import { syncStatusText } from '../cli/commands/sync.ts';
import { DeadlineError } from '../lib/retry.ts';
import {
  judgeSyncHealth,
  KAFKA_QUERY_TIMEOUT_MS,
  MASTER_DATA_FIELDS,
  type MasterDataReading,
  type SyncHealth,
  type SyncHealthReadings,
} from './sync-health.ts';

/**
 * Sync health with inputs it cannot read: what it does not know is null with the reason in `unknown`, never 0, [] or
 * "never reconciled", and no status is ok on it. The faults trial: with Kafka down it said `deadLetters: []` while
 * dlq.sink held 5; with PostgreSQL down each system said `inbound.records: 0` and `drift: null`. The rules, on what
 * was read (a value, or why not); on a broker and a database that do not answer, in sync-health-unknown.int.spec.ts.
 */

const answered = <T>(value: T): PromiseFulfilledResult<T> => ({ status: 'fulfilled', value });
const refused = (reason: Error): PromiseRejectedResult => ({ status: 'rejected', reason });
/** What withDeadline rejects with when the query had no answer in time. */
const noAnswer = (what: string) =>
  refused(new DeadlineError(`${what}: no answer within ${KAFKA_QUERY_TIMEOUT_MS} ms`));

/** Kafka answering: no backlog, dlq.sink holding 5, each another connector's letter (no system's of these). */
const kafkaUp = {
  backlog: answered(new Map<number, number>()),
  depths: answered([
    { topic: 'dlq.mapping', depth: 0 },
    { topic: 'dlq.orchestrator', depth: 0 },
    { topic: 'dlq.sink', depth: 5 },
  ]),
  letters: answered(
    Array.from(
      { length: 5 },
      (_, i): LetterTag => ({
        topic: 'dlq.sink',
        owner: 'eai-sink-elsewhere',
        key: `k${i}`,
        originalTopic: null,
        redriven: false,
        system: null,
        schema: null,
      }),
    ),
  ),
};
/** Kafka not answering any of the queries within their deadline. */
const kafkaDown = {
  backlog: noAnswer('the backlog query'),
  depths: noAnswer('the dead-letter depths'),
  letters: noAnswer('the dead letters'),
};

/** The master data answering: hubspot holds 7 records, reconciled with nothing apart, no request to re-read open. */
const masterDataUp = answered<MasterDataReading>({
  rows: [{ system: 'hubspot', records: '7', last_at: null }],
  runs: [
    { system: 'hubspot', finishedAt: '2026-12-02T07:00:00.000Z', records: 7, counts: {}, repaired: null },
  ],
  stats: { review: 0, golden: 7 },
  requests: new Map(),
  held: new Map([['hubspot', 2]]),
});
/** PostgreSQL stopped: the pool's connection refused, as pg says it. */
const masterDataDown = refused(
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
);

function readings(
  kafka: Pick<SyncHealthReadings, 'backlog' | 'depths' | 'letters'>,
  masterData: SyncHealthReadings['masterData'],
): SyncHealthReadings {
  return {
    connectors: [],
    ...kafka,
    masterData,
    matcher: {
      // Salesforce sent a change since the start: the system is known without the master data.
      received: new Map([['salesforce', { events: 1, lastAt: '2026-12-02T08:00:00.000Z' }]]),
      handledRecordTimes: new Map(),
      startedAt: Date.now(),
    },
    writebacks: {},
    group: 'eai-connect',
    matcherGroup: 'eai-mdm',
    customerTopic: 'canonical.customer',
  };
}

describe('sync health with every input read', () => {
  it('is ok with nothing unknown, dead letters counted', async () => {
    const health = judgeSyncHealth(readings(kafkaUp, masterDataUp));
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
    const relay = { hubspot: 2 };
    const health = judgeSyncHealth({ ...readings(kafkaUp, masterDataUp), writebacks: relay });
    expect(health.systems.find((s) => s.system === 'hubspot')?.outbound.writtenBack).toBe(2);
    expect(health.systems.find((s) => s.system === 'salesforce')?.outbound.writtenBack).toBe(0);
    expect(health.status).toBe('ok');
  });

  it('shows per system the creates held for the steward, not judged (the steward queue is); unknown while the master data is', async () => {
    const health = judgeSyncHealth(readings(kafkaUp, masterDataUp));
    expect(health.systems.find((s) => s.system === 'hubspot')?.outbound.heldCreates).toBe(2);
    expect(health.systems.find((s) => s.system === 'salesforce')?.outbound.heldCreates).toBe(0);
    expect(health.status).toBe('ok');
    const away = judgeSyncHealth(
      readings(kafkaUp, { status: 'rejected', reason: new Error('connect ECONNREFUSED 127.0.0.1:15432') }),
    );
    expect(away.systems.find((s) => s.system === 'salesforce')?.outbound.heldCreates).toBeNull();
    expect(away.unknown.flatMap((u) => u.fields)).toContain('systems[].outbound.heldCreates');
  });
});

describe('sync health while Kafka does not answer', () => {
  it('has no dead letters to show, not none: null, the reason in unknown, failing', async () => {
    const health = judgeSyncHealth(readings(kafkaDown, masterDataUp));
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
    const health = judgeSyncHealth(
      readings({ ...kafkaUp, depths: kafkaDown.depths, letters: kafkaDown.letters }, masterDataUp),
    );
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
    {
      const health = judgeSyncHealth(readings(kafkaUp, masterDataDown));
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
    }
  });
});

describe('eai sync status on what the hub could not read', () => {
  it('prints unknown and why, instead of none or a crash on null', async () => {
    const pgDown: SyncHealth = judgeSyncHealth(readings(kafkaUp, masterDataDown));
    const text = syncStatusText(pgDown);
    expect(text).toMatch(/steward queue unknown \(the master data database did not answer \(.*ECONNREFUSED/);
    expect(text).toMatch(/^salesforce +failing .* unknown +unknown$/m);
    expect(text).toMatch(/^records and drift: unknown \(the master data database did not answer/m);

    const kafkaDownText = syncStatusText(judgeSyncHealth(readings(kafkaDown, masterDataUp)));
    expect(kafkaDownText).toMatch(
      /matcher backlog unknown \(Kafka did not answer the backlog query .*dead letters: unknown \(Kafka did not answer the dead-letter depths query/,
    );
    // Read: the numbers, and nothing said unknown.
    const ok = syncStatusText(judgeSyncHealth(readings(kafkaUp, masterDataUp)));
    expect(ok).toMatch(/dead letters: dlq\.mapping 0, .*dlq\.sink 5$/m);
    expect(ok).not.toMatch(/unknown/);
  });
});
