import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Transport } from '../bus/index.ts';
import type { ConnectorRuntime } from '../connectors/index.ts';
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

function deps(transport: Transport): SyncHealthDeps {
  return {
    runtime: { names: () => [], status: async () => undefined } as unknown as ConnectorRuntime,
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
