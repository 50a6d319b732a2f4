import { describe, expect, it } from 'vitest';
import type { ConnectorStatus } from '../connectors/index.ts';
import { newCounters } from '../connectors/runtime/connector-metrics.ts';
import { connectorWaiting } from '../connectors/runtime/runtime.ts';
import { DeadlineError } from '../lib/retry.ts';
import { judgeSyncHealth, KAFKA_QUERY_TIMEOUT_MS, type SyncHealthReadings } from './sync-health.ts';

/**
 * Sync health while the broker is down, on what it read: each Kafka query without an answer in time (as withDeadline
 * rejects), the connectors' statuses saying they wait for Kafka. That it answers within its deadline on a broker that
 * does not answer, and a sink's lag queried once however often it is asked: sync-health-kafka-down.int.spec.ts.
 */

const noAnswer = (what: string): PromiseRejectedResult => ({
  status: 'rejected',
  reason: new DeadlineError(`${what}: no answer within ${KAFKA_QUERY_TIMEOUT_MS} ms`),
});

function readings(statuses: ConnectorStatus[]): SyncHealthReadings {
  return {
    connectors: statuses.map((status) => ({
      name: status.name,
      status,
      customerSink: status.kind === 'sink',
      customerSource: false,
    })),
    masterData: {
      status: 'fulfilled',
      value: { rows: [], runs: [], stats: { review: 0, golden: 3 }, requests: new Map(), held: new Map() },
    },
    backlog: noAnswer('the backlog query'),
    depths: noAnswer('the dead-letter depths'),
    letters: noAnswer('the dead letters'),
    matcher: { received: new Map(), handledRecordTimes: new Map(), startedAt: Date.now() },
    writebacks: {},
    group: 'eai-connect',
    matcherGroup: 'eai-mdm',
    customerTopic: 'canonical.customer',
  };
}

describe('sync health while the broker is down', () => {
  it('is failing, saying Kafka did not answer, with what the master data said', () => {
    const health = judgeSyncHealth(readings([]));
    expect(health.status).toBe('failing');
    expect(health.reasons.join(' | ')).toMatch(
      /^Kafka did not answer the backlog query \(.*no answer within/,
    );
    expect(health.matcher.goldenRecords).toBe(3);
  });
});

describe("sync health while the connectors wait for Kafka (their status's `waiting`)", () => {
  it("says per system that its sinks wait for Kafka, in the connectors' words and since when: failing", () => {
    const brokers = '127.0.0.1:19092';
    const outage = { since: '2026-12-02T08:00:00.000Z', error: 'connect ECONNREFUSED 127.0.0.1:19092' };
    const status = (name: string, type: string, kind: 'source' | 'sink'): ConnectorStatus => ({
      name,
      type,
      kind,
      state: 'RUNNING',
      workerId: 'w1',
      trace: null,
      updatedAt: null,
      metrics: newCounters(),
      waiting: connectorWaiting(kind, brokers, outage),
    });
    const statuses = [
      status('hs-out', 'hubspot-upsert-sink', 'sink'),
      status('sf-out', 'salesforce-upsert-sink', 'sink'),
      // A source waits too, and is no customer sink: it adds no system of its own.
      status('hs-in', 'hubspot-contact-webhook-source', 'source'),
    ];
    const answered = judgeSyncHealth(readings(statuses));
    const sinkWords = connectorWaiting('sink', brokers, outage)!.reason;
    expect(sinkWords).toMatch(/^Kafka at 127\.0\.0\.1:19092 is unreachable \(connect ECONNREFUSED/);
    // Before: both systems ok, with nothing to say, while the hub said Kafka did not answer in its own words.
    expect(answered?.systems.map((s) => [s.system, s.status, s.reasons])).toEqual([
      [
        'hubspot',
        'failing',
        [`hubspot: connector hs-out waits for Kafka since ${outage.since}: ${sinkWords}`],
      ],
      [
        'salesforce',
        'failing',
        [`salesforce: connector sf-out waits for Kafka since ${outage.since}: ${sinkWords}`],
      ],
    ]);
    expect(answered?.systems[0]?.outbound.sinks[0]?.waiting).toEqual({
      on: 'kafka',
      since: outage.since,
      reason: sinkWords,
    });
    expect(answered?.status).toBe('failing');
    // The hub's own reason says since when, as the connectors do.
    expect(answered?.reasons[0]).toMatch(
      /^Kafka did not answer the backlog query \(.*no answer within .*\); the connectors wait for it since 2026-12-02T08:00:00\.000Z$/,
    );
    expect(answered?.reasons.slice(1)).toEqual(answered?.systems.flatMap((s) => s.reasons));
  });
});
