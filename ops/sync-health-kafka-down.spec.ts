import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Transport } from '../bus/index.ts';
import type { ConnectorRuntime, ConnectorStatus } from '../connectors/index.ts';
import { newCounters } from '../connectors/runtime/connector-metrics.ts';
import { connectorWaiting } from '../connectors/runtime/runtime.ts';
import type { SinkHost } from '../connectors/runtime/sink-host.ts';
import { SinkHost as Host } from '../connectors/runtime/sink-host.ts';
import type { CustomerMatcher, MasterDataStore } from '../masterdata/index.ts';
import { KAFKA_QUERY_TIMEOUT_MS, type SyncHealthDeps, syncHealth } from './sync-health.ts';

/** A transport whose broker is down: kafkajs's admin keeps retrying its connection for about two minutes. */
function brokerDown(): Transport & { admins: number } {
  const transport = {
    admins: 0,
    admin: () => {
      transport.admins += 1;
      return {
        connect: () => new Promise<void>(() => undefined),
        disconnect: async () => undefined,
      };
    },
  };
  return transport as unknown as Transport & { admins: number };
}

function deps(transport: Transport, statuses: ConnectorStatus[] = []): SyncHealthDeps {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  return {
    runtime: {
      names: () => [...byName.keys()],
      status: async (name: string) => byName.get(name),
      sourceOutput: () => undefined,
      sinkInput: (name: string) =>
        byName.get(name)?.kind === 'sink'
          ? { topics: ['canonical.customer'], schema: 'CustomerEvent' }
          : undefined,
    } as unknown as ConnectorRuntime,
    transport,
    store: {
      schema: 'mdm',
      pool: { query: async () => ({ rows: [] }) },
      stats: async () => ({ review: 0, golden: 3 }),
      lastReconciles: async () => [],
    } as unknown as MasterDataStore,
    matcher: {
      received: new Map(),
      handledRecordTimes: new Map(),
      startedAt: Date.now(),
    } as unknown as CustomerMatcher,
    matcherGroup: 'eai-mdm',
    customerTopic: 'canonical.customer',
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('sync health while the broker is down', () => {
  it('answers within its deadline, failing and saying Kafka did not answer, instead of waiting out the client', async () => {
    vi.useFakeTimers();
    let answered: Awaited<ReturnType<typeof syncHealth>> | undefined;
    void syncHealth(deps(brokerDown())).then((health) => {
      answered = health;
    });
    await vi.advanceTimersByTimeAsync(KAFKA_QUERY_TIMEOUT_MS * 2 + 100);
    expect(answered?.status).toBe('failing');
    expect(answered?.reasons.join(' | ')).toMatch(
      /^Kafka did not answer the backlog query \(.*no answer within/,
    );
    expect(answered?.matcher.goldenRecords).toBe(3);
  });
});

describe("sync health while the connectors wait for Kafka (their status's `waiting`)", () => {
  it("says per system that its sinks wait for Kafka, in the connectors' words and since when: failing", async () => {
    vi.useFakeTimers();
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
    let answered: Awaited<ReturnType<typeof syncHealth>> | undefined;
    void syncHealth(deps(brokerDown(), statuses)).then((health) => {
      answered = health;
    });
    await vi.advanceTimersByTimeAsync(KAFKA_QUERY_TIMEOUT_MS * 2 + 100);
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

describe("a sink's lag while the broker is down", () => {
  it('is one query at a time, however often the status is asked', async () => {
    const transport = brokerDown();
    const host = new Host({
      name: 'crm-sink',
      bus: { transport },
      topics: ['canonical.customer'],
      counters: {},
    } as unknown as ConstructorParameters<typeof SinkHost>[0]);
    void host.lag();
    void host.lag();
    void host.lag();
    await Promise.resolve();
    expect(transport.admins).toBe(1);
  });
});
