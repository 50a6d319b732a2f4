/**
 * Sync health while what it reads does not answer, on real clients: a Kafka transport to a port no broker listens on
 * (kafkajs keeps retrying its connection for about two minutes) and a master data store whose PostgreSQL refuses the
 * connection. It answers within its deadline, failing, with what it could not read null and the reason in
 * `unknown`; what did answer is known still. The rules on the readings: sync-health-unknown.spec.ts.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus } from '../bus/index.ts';
import type { ConnectorRuntime } from '../connectors/index.ts';
import { createLogger } from '../lib/logger.ts';
import { type CustomerMatcher, defaultMdmConfig, MasterDataStore } from '../masterdata/index.ts';
import { dropStore, scratchStore } from '../masterdata/test-support.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { tcpGate } from '../tests/tcp-gate.ts';
import {
  KAFKA_QUERY_TIMEOUT_MS,
  MASTER_DATA_FIELDS,
  type SyncHealthDeps,
  syncHealth,
} from './sync-health.ts';

const bus = testBus('/eai/tests/sync-unknown');
const customerTopic = unique('h2-unknown-customer');
let store: MasterDataStore;

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  await bus.provisionTopics([{ topic: customerTopic, partitions: 1 }]);
  store = await scratchStore(testStack().databaseUrl, defaultMdmConfig(), 'mdm_sync');
});
afterAll(async () => {
  if (store) await dropStore(store);
});

function deps(transport: SyncHealthDeps['transport'], masterData: MasterDataStore): SyncHealthDeps {
  return {
    // No connectors: the runtime's answers, as values.
    runtime: {
      names: () => [],
      status: async () => undefined,
      sourceOutput: () => undefined,
      sinkInput: () => undefined,
    } as unknown as ConnectorRuntime,
    transport,
    store: masterData,
    matcher: {
      // Salesforce sent a change since the start: the system is known without the master data.
      received: new Map([['salesforce', { events: 1, lastAt: '2026-12-02T08:00:00.000Z' }]]),
      handledRecordTimes: new Map(),
      startedAt: Date.now(),
    } as unknown as CustomerMatcher,
    matcherGroup: unique('h2-unknown-matcher'),
    customerTopic,
  };
}

describe('sync health on real clients', () => {
  it('is ok with every input read, nothing unknown', async () => {
    const health = await syncHealth(deps(bus.transport, store));
    expect(health.unknown).toEqual([]);
    expect(health.status).toBe('ok');
    expect(health.deadLetters?.map((d) => d.topic).sort()).toEqual([
      'dlq.mapping',
      'dlq.orchestrator',
      'dlq.sink',
    ]);
    expect(health.matcher).toMatchObject({ backlogRecords: 0, goldenRecords: 0 });
    expect(health.stewardQueue).toBe(0);
  });

  it('answers within its deadline while the broker is down, instead of waiting out the client: failing, the Kafka fields unknown', async () => {
    // A broker behind a network partition: connections taken, never answered.
    const [host, port] = testStack().brokers.split(',')[0]!.split(':');
    const gate = await tcpGate({ host: host!, port: Number(port) });
    gate.hang();
    const down = createBus({
      brokers: gate.address,
      registryUrl: testStack().registryUrl,
      source: '/eai/tests/sync-unknown',
      clientId: unique('down'),
      logger: createLogger('sync-unknown-spec', 'silent'),
    });
    const started = Date.now();
    const health = await syncHealth(deps(down.transport, store)).finally(() => gate.close());
    expect(Date.now() - started).toBeLessThan(KAFKA_QUERY_TIMEOUT_MS + 3_000);
    expect(health.status).toBe('failing');
    expect(health.deadLetters).toBeNull();
    expect(health.unknown).toEqual([
      {
        fields: ['matcher.backlogRecords', 'matcher.backlogSeconds'],
        reason: expect.stringMatching(/^Kafka did not answer the backlog query \(.*no answer within 5000 ms/),
      },
      {
        fields: ['deadLetters', 'systems[].deadLetters'],
        reason: expect.stringMatching(
          /^Kafka did not answer the dead-letter depths query \(.*no answer within/,
        ),
      },
    ]);
    expect(health.reasons.join(' | ')).toMatch(
      /^Kafka did not answer the backlog query \(.*no answer within/,
    );
    // What the master data said is known still.
    expect(health.matcher.goldenRecords).toBe(0);
    expect(health.stewardQueue).toBe(0);
  });

  it("says each system's records and drift are unknown while PostgreSQL refuses the connection; Kafka's answers known", async () => {
    const refusing = new MasterDataStore({
      databaseUrl: `postgres://eai@127.0.0.1:${await closedPort()}/eai`,
      schema: 'mdm_unknown',
      config: defaultMdmConfig(),
      onPoolError: () => undefined,
    });
    try {
      const health = await syncHealth(deps(bus.transport, refusing));
      expect(health.status).toBe('failing');
      expect(health.unknown).toEqual([
        {
          fields: MASTER_DATA_FIELDS,
          reason: expect.stringMatching(/^the master data database did not answer \(.*ECONNREFUSED/),
        },
      ]);
      expect(health.stewardQueue).toBeNull();
      expect(health.matcher.goldenRecords).toBeNull();
      expect(health.deadLetters).not.toBeNull();
      expect(health.matcher.backlogRecords).toBe(0);
      expect(health.systems).toEqual([
        expect.objectContaining({
          system: 'salesforce',
          status: 'failing',
          drift: null,
          resyncRequested: null,
        }),
      ]);
      expect(health.systems[0]?.inbound.records).toBeNull();
    } finally {
      await refusing.pool.end();
    }
  });
});
