import { describe, expect, it } from 'vitest';
import { DeadLetterTally, type Transport } from '../bus/index.ts';
import type { IncomingRecord, ReadRangesOptions } from '../bus/transport/types.ts';
import { syncStatusText } from '../cli/commands/sync.ts';
import type { ConnectorRuntime } from '../connectors/index.ts';
import type { CustomerMatcher, MasterDataStore } from '../masterdata/index.ts';
import { type SyncHealthDeps, syncHealth } from './sync-health.ts';

/**
 * A system's dead letters are its own, told apart by the tags every letter carries, not the depth of the shared
 * dead-letter topics: the faults trial saw one system's failed pushes as every system's. HubSpot's sink failing
 * must leave Odoo's count at 0.
 */

interface Letter {
  owner: string;
  key: string;
  from: string;
}

/** Kafka in memory: topics of records (offset = index + low), a readRanges that counts what it is asked to read. */
function memoryKafka() {
  const topics = new Map<string, { low: number; records: Array<IncomingRecord | null> }>();
  const reads: Array<{ topic: string; from: string; to: string }> = [];
  const append = (topic: string, key: string, headers: Record<string, string>, value: Buffer | null) => {
    const t = topics.get(topic) ?? { low: 0, records: [] };
    topics.set(topic, t);
    const offset = t.low + t.records.length;
    t.records.push({
      topic,
      partition: 0,
      offset: String(offset),
      timestamp: String(Date.now()),
      key: Buffer.from(key),
      value,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
    } as IncomingRecord);
    return offset;
  };
  const letter = (topic: string, l: Letter) =>
    append(
      topic,
      l.key,
      {
        '__connect.errors.connector.name': l.owner,
        '__connect.errors.topic': l.from,
        '__connect.errors.partition': '0',
        '__connect.errors.offset': '0',
      },
      Buffer.from('x'),
    );
  const transport = {
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      listTopics: async () => [...topics.keys()],
      topicOffsets: async (topic: string) => {
        const t = topics.get(topic) ?? { low: 0, records: [] };
        return [{ partition: 0, low: String(t.low), high: String(t.low + t.records.length), offset: '0' }];
      },
      groupOffsets: async () => [],
    }),
    readRanges: async (options: ReadRangesOptions) => {
      const t = topics.get(options.topic)!;
      for (const range of options.ranges) {
        reads.push({ topic: options.topic, from: range.fromOffset, to: range.toOffset });
        for (let o = Number(range.fromOffset); o < Number(range.toOffset); o++) {
          const record = t.records[o - t.low];
          // null: a transaction marker, never handed out.
          if (record && (await options.eachRecord(record)) === false) return;
        }
      }
    },
  } as unknown as Transport;
  /** Retention deleted the records before `low`. */
  const trim = (topic: string, low: number) => {
    const t = topics.get(topic)!;
    t.records.splice(0, low - t.low);
    t.low = low;
  };
  const marker = (topic: string) => {
    const t = topics.get(topic) ?? { low: 0, records: [] };
    topics.set(topic, t);
    t.records.push(null);
  };
  return { transport, reads, letter, append, trim, marker };
}

const sinkStatus = (type: string) => ({
  kind: 'sink',
  type,
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
});

function deps(transport: Transport, tally?: DeadLetterTally): SyncHealthDeps {
  const connectors: Record<string, { type: string; schema: string }> = {
    'hs-out': { type: 'hubspot-upsert-sink', schema: 'CustomerEvent' },
    'odoo-out': { type: 'odoo-partner-sink', schema: 'CustomerEvent' },
    // An order sink: SAP's ORDRSP, no customer sync.
    ordrsp: { type: 'sap-ordrsp-file-sink', schema: 'SalesOrderEvent' },
  };
  return {
    runtime: {
      group: 'eai-connect',
      names: () => Object.keys(connectors),
      status: async (name: string) => sinkStatus(connectors[name]!.type),
      sourceOutput: () => undefined,
      sinkInput: (name: string) => ({ schema: connectors[name]!.schema, topics: ['x'] }),
    } as unknown as ConnectorRuntime,
    transport,
    store: {
      schema: 'mdm',
      pool: { query: async () => ({ rows: [] }) },
      stats: async () => ({ review: 0, golden: 0 }),
      lastReconciles: async () => [],
    } as unknown as MasterDataStore,
    matcher: {
      received: new Map(),
      handledRecordTimes: new Map(),
      startedAt: Date.now(),
    } as unknown as CustomerMatcher,
    matcherGroup: 'eai-masterdata',
    customerTopic: 'canonical.customer',
    deadLetterTally: tally,
  };
}

describe("a system's dead letters", () => {
  it('are only its own: its customer sinks’ letters by owner, its changes the matcher refused by key', async () => {
    const kafka = memoryKafka();
    // Two of HubSpot's pushes (its sink's consumer group signs them), one of an order sink, one of another connect
    // group's sink of the same name (not this hub's hs-out).
    kafka.letter('dlq.sink', { owner: 'eai-sink-hs-out', key: 'gc-1', from: 'mdm.customer-sync.hubspot' });
    kafka.letter('dlq.sink', { owner: 'eai-sink-ordrsp', key: '4711', from: 'order.status' });
    const redriven = kafka.letter('dlq.sink', {
      owner: 'eai-sink-hs-out',
      key: 'gc-2',
      from: 'mdm.customer-sync.hubspot',
    });
    kafka.letter('dlq.sink', { owner: 'eai-sink-team-b/hs-out', key: 'gc-3', from: 'x' });
    // The matcher refused a Salesforce change; a workflow's letter beside it.
    kafka.marker('dlq.orchestrator');
    kafka.letter('dlq.orchestrator', {
      owner: 'eai-masterdata',
      key: 'salesforce:001A',
      from: 'canonical.customer',
    });
    kafka.letter('dlq.orchestrator', { owner: 'eai-workflows', key: 'sap:4711', from: 'canonical.order' });
    // Redriven since: it stays in dlq.sink, but waits for nobody.
    kafka.append(
      'eai.dlq-redriven',
      `dlq.sink/0/${redriven}`,
      {},
      Buffer.from('{"at":"2026-12-07T00:00:00Z"}'),
    );

    const h = await syncHealth(deps(kafka.transport));
    const of = (system: string) => h.systems.find((s) => s.system === system)?.deadLetters;
    expect(of('hubspot')).toEqual({ inbound: 0, outbound: 1, redriven: 1 });
    expect(of('odoo')).toEqual({ inbound: 0, outbound: 0, redriven: 0 });
    // Known by its letter alone: a system the matcher refused a change of.
    expect(of('salesforce')).toEqual({ inbound: 1, outbound: 0, redriven: 0 });
    expect(h.systems.map((s) => s.system)).toEqual(['hubspot', 'odoo', 'salesforce']);
    // The topics' depths stay the hub's, every owner's together (the marker counts there).
    expect(h.deadLetters).toContainEqual({ topic: 'dlq.sink', depth: 4 });
    expect(h.deadLetters).toContainEqual({ topic: 'dlq.orchestrator', depth: 3 });
    // Counted, not judged.
    expect(h.status).toBe('ok');
    expect(h.unknown).toEqual([]);
    // The CLI's table: a column of each system's own.
    const text = syncStatusText(h);
    expect(text).toMatch(/ failed {4}dead /);
    expect(text).toMatch(/^hubspot\s+ok\s.*\s0\s+1\s+0\s/m);
    expect(text).toMatch(/^odoo\s+ok\s.*\s0\s+0\s+0\s/m);
  });

  it('are read once: a later call reads only the letters written since, and forgets what retention deleted', async () => {
    const kafka = memoryKafka();
    const tally = new DeadLetterTally(kafka.transport);
    for (let i = 0; i < 3; i++)
      kafka.letter('dlq.sink', {
        owner: 'eai-sink-hs-out',
        key: `gc-${i}`,
        from: 'mdm.customer-sync.hubspot',
      });
    const first = await syncHealth(deps(kafka.transport, tally));
    expect(first.systems.find((s) => s.system === 'hubspot')?.deadLetters?.outbound).toBe(3);
    expect(kafka.reads.filter((r) => r.topic === 'dlq.sink')).toEqual([
      { topic: 'dlq.sink', from: '0', to: '3' },
    ]);

    kafka.letter('dlq.sink', { owner: 'eai-sink-odoo-out', key: 'gc-9', from: 'mdm.customer-sync.odoo' });
    kafka.trim('dlq.sink', 2);
    const second = await syncHealth(deps(kafka.transport, tally));
    expect(second.systems.find((s) => s.system === 'hubspot')?.deadLetters?.outbound).toBe(1);
    expect(second.systems.find((s) => s.system === 'odoo')?.deadLetters?.outbound).toBe(1);
    expect(kafka.reads.filter((r) => r.topic === 'dlq.sink').at(-1)).toEqual({
      topic: 'dlq.sink',
      from: '3',
      to: '4',
    });
    // Nothing new: nothing read.
    const reads = kafka.reads.length;
    await syncHealth(deps(kafka.transport, tally));
    expect(kafka.reads.length).toBe(reads);
  });
});
