/**
 * A system's dead letters on the real broker: the tally reads the letters of the test's own dead-letter topics (the
 * hub's are shared by every test on the stack), the redrive marks from eai.dlq-redriven, and sync health counts each
 * system's own (the rules: sync-health-dead-letters.spec.ts) without judging them. Each letter is read once: a later
 * call reads only what was written since, and forgets what the topic no longer holds (deleted as retention deletes).
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeadLetterTally,
  DLQ_REDRIVEN_TOPIC,
  deadLetterDepths,
  type OutgoingRecord,
  type Transport,
} from '../bus/index.ts';
import type { ReadRangesOptions } from '../bus/transport/types.ts';
import { syncStatusText } from '../cli/commands/sync.ts';
import type { ConnectorRuntime } from '../connectors/index.ts';
import { type CustomerMatcher, defaultMdmConfig, type MasterDataStore } from '../masterdata/index.ts';
import { dropStore, scratchStore } from '../masterdata/test-support.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { type SyncHealthDeps, syncHealth } from './sync-health.ts';

const bus = testBus('/eai/tests/sync-dead-letters');
const customerTopic = unique('h2-letters-customer');
let store: MasterDataStore;
let producer: ReturnType<typeof bus.transport.producer>;

beforeAll(async () => {
  await bus.provisionTopics([{ topic: customerTopic, partitions: 1 }]);
  producer = bus.transport.producer();
  await producer.connect();
  store = await scratchStore(testStack().databaseUrl, defaultMdmConfig(), 'mdm_sync');
});
afterAll(async () => {
  await producer?.disconnect();
  if (store) await dropStore(store);
});

interface Letter {
  owner: string;
  key: string;
  from: string;
}

/** A letter as the runner writes it: its value, and the tags saying whose it is. */
const letter = (topic: string, l: Letter): OutgoingRecord => ({
  topic,
  key: l.key,
  value: Buffer.from('x'),
  partition: 0,
  headers: {
    '__connect.errors.connector.name': l.owner,
    '__connect.errors.topic': l.from,
    '__connect.errors.partition': '0',
    '__connect.errors.offset': '0',
  },
});

/** The test's own dead-letter topics, one partition each. */
async function ownTopics(): Promise<{ sink: string; orchestrator: string }> {
  const topics = { sink: unique('h2-dlq-sink'), orchestrator: unique('h2-dlq-orchestrator') };
  await bus.provisionTopics(Object.values(topics).map((topic) => ({ topic, partitions: 1 })));
  return topics;
}

/** A tally of the test's own topics in place of the hub's. */
function ownTally(transport: Transport, topics: string[]): DeadLetterTally {
  return new (class extends DeadLetterTally {
    override letters() {
      return super.letters(topics);
    }
  })(transport);
}

/** The real transport, noting each range it is asked to read. */
function noting(transport: Transport) {
  const reads: Array<{ topic: string; from: string; to: string }> = [];
  const noted = new Proxy(transport, {
    get(target, property) {
      if (property === 'readRanges')
        return (options: ReadRangesOptions) => {
          for (const r of options.ranges)
            reads.push({ topic: options.topic, from: r.fromOffset, to: r.toOffset });
          return target.readRanges(options);
        };
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { transport: noted, reads };
}

function deps(tally: DeadLetterTally): SyncHealthDeps {
  const connectors: Record<string, { type: string; schema: string }> = {
    'hs-out': { type: 'hubspot-upsert-sink', schema: 'CustomerEvent' },
    'odoo-out': { type: 'odoo-partner-sink', schema: 'CustomerEvent' },
    // An order sink: SAP's ORDRSP, no customer sync.
    ordrsp: { type: 'sap-ordrsp-file-sink', schema: 'SalesOrderEvent' },
  };
  return {
    // The connectors' status answers, as values: running sinks that failed nothing.
    runtime: {
      group: 'eai-connect',
      names: () => Object.keys(connectors),
      status: async (name: string) => ({
        kind: 'sink',
        type: connectors[name]!.type,
        state: 'RUNNING',
        metrics: {
          lastSuccessAt: null,
          recordsOut: 0,
          recordsFailed: 0,
          lagRecords: 0,
          lagSeconds: 0,
          lastError: null,
          retrying: null,
        },
      }),
      sourceOutput: () => undefined,
      sinkInput: (name: string) => ({ schema: connectors[name]!.schema, topics: ['x'] }),
    } as unknown as ConnectorRuntime,
    transport: bus.transport,
    store,
    // A matcher that has received nothing yet.
    matcher: {
      received: new Map(),
      handledRecordTimes: new Map(),
      startedAt: Date.now(),
    } as unknown as CustomerMatcher,
    matcherGroup: 'eai-masterdata',
    customerTopic,
    deadLetterTally: tally,
  };
}

describe("a system's dead letters on the broker", () => {
  it('are only its own, redriven ones apart, counted and not judged, in the CLI table', async () => {
    const topics = await ownTopics();
    // Two of HubSpot's pushes (its sink's consumer group signs them), one of an order sink, one of another connect
    // group's sink of the same name (not this hub's hs-out).
    await producer.send([
      letter(topics.sink, { owner: 'eai-sink-hs-out', key: 'gc-1', from: 'mdm.customer-sync.hubspot' }),
      letter(topics.sink, { owner: 'eai-sink-ordrsp', key: '4711', from: 'order.status' }),
      letter(topics.sink, { owner: 'eai-sink-hs-out', key: 'gc-2', from: 'mdm.customer-sync.hubspot' }),
      letter(topics.sink, { owner: 'eai-sink-team-b/hs-out', key: 'gc-3', from: 'x' }),
    ]);
    // The matcher refused a Salesforce change; a workflow's letter beside it; in a transaction, whose commit marker
    // follows them in the topic.
    const transactional = bus.transport.transactionalProducer(unique('h2-letters-tx'));
    await transactional.connect();
    try {
      await transactional.sendTransaction([
        letter(topics.orchestrator, {
          owner: 'eai-masterdata',
          key: 'salesforce:001A',
          from: 'canonical.customer',
        }),
        letter(topics.orchestrator, { owner: 'eai-workflows', key: 'sap:4711', from: 'canonical.order' }),
      ]);
    } finally {
      await transactional.disconnect();
    }
    // Redriven since (the mark eai dlq redrive writes): it stays in the topic, but waits for nobody.
    await producer.send([
      {
        topic: DLQ_REDRIVEN_TOPIC,
        key: `${topics.sink}/0/2`,
        value: Buffer.from('{"at":"2026-12-07T00:00:00Z"}'),
      },
    ]);

    const h = await syncHealth(deps(ownTally(bus.transport, [topics.sink, topics.orchestrator])));
    const of = (system: string) => h.systems.find((s) => s.system === system)?.deadLetters;
    expect(of('hubspot')).toEqual({ inbound: 0, outbound: 1, redriven: 1 });
    expect(of('odoo')).toEqual({ inbound: 0, outbound: 0, redriven: 0 });
    // Known by its letter alone: a system the matcher refused a change of.
    expect(of('salesforce')).toEqual({ inbound: 1, outbound: 0, redriven: 0 });
    expect(h.systems.map((s) => s.system)).toEqual(['hubspot', 'odoo', 'salesforce']);
    // The topics' depths stay every owner's together (the commit marker counts there).
    expect(await deadLetterDepths(bus.transport, [topics.sink, topics.orchestrator])).toEqual([
      { topic: topics.sink, depth: 4, exists: true },
      { topic: topics.orchestrator, depth: 3, exists: true },
    ]);
    // Counted, not judged.
    expect(h.status).toBe('ok');
    expect(h.unknown).toEqual([]);
    // The CLI's table: a column of each system's own.
    const text = syncStatusText(h);
    expect(text).toMatch(/ failed {2}held {4}dead /);
    expect(text).toMatch(/^hubspot\s+ok\s.*\s0\s+-\s+1\s+0\s/m);
    expect(text).toMatch(/^odoo\s+ok\s.*\s0\s+-\s+0\s+0\s/m);
  });

  it('are read once: a later call reads only the letters written since, and forgets what the topic no longer holds', async () => {
    const topics = await ownTopics();
    const { transport, reads } = noting(bus.transport);
    const tally = ownTally(transport, [topics.sink]);
    const sinkReads = () => reads.filter((r) => r.topic === topics.sink);
    await producer.send(
      [0, 1, 2].map((i) =>
        letter(topics.sink, { owner: 'eai-sink-hs-out', key: `gc-${i}`, from: 'mdm.customer-sync.hubspot' }),
      ),
    );
    const first = await syncHealth(deps(tally));
    expect(first.systems.find((s) => s.system === 'hubspot')?.deadLetters?.outbound).toBe(3);
    expect(sinkReads()).toEqual([{ topic: topics.sink, from: '0', to: '3' }]);

    await producer.send([
      letter(topics.sink, { owner: 'eai-sink-odoo-out', key: 'gc-9', from: 'mdm.customer-sync.odoo' }),
    ]);
    // Deleted as retention deletes: the log starts at offset 2 now.
    const kafka = new Kafka({ brokers: testStack().brokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // kafkajs finds the partition's leader in the metadata it loaded.
      await admin.fetchTopicMetadata({ topics: [topics.sink] });
      await admin.deleteTopicRecords({ topic: topics.sink, partitions: [{ partition: 0, offset: '2' }] });
    } finally {
      await admin.disconnect();
    }
    const second = await syncHealth(deps(tally));
    expect(second.systems.find((s) => s.system === 'hubspot')?.deadLetters?.outbound).toBe(1);
    expect(second.systems.find((s) => s.system === 'odoo')?.deadLetters?.outbound).toBe(1);
    expect(sinkReads()).toEqual([
      { topic: topics.sink, from: '0', to: '3' },
      { topic: topics.sink, from: '3', to: '4' },
    ]);
    // Nothing new: nothing read.
    await syncHealth(deps(tally));
    expect(sinkReads()).toHaveLength(2);
  });
});
