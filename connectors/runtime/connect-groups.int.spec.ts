import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { exampleJson } from '../../schemas/examples.ts';
import { readRawMessages } from '../../tests/raw-consumer.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { definePlugin, type SinkRecord } from '../sdk/index.ts';
import { connectorKey, sinkGroupId } from './connector-ids.ts';

const silent = pino({ level: 'silent' });
const fixture = readFileSync('formats/sap-idoc-orders05/fixtures/several-idocs.xml', 'utf8');
const firstIdoc = fixture.slice(fixture.indexOf('<IDOC'), fixture.indexOf('</IDOC>') + '</IDOC>'.length);

/** One IDoc order file whose DOCNUM (its record's CloudEvents id) no other file uses. */
function idocFile(docnum: string): string {
  const idoc = firstIdoc.replace(/<DOCNUM>\d+<\/DOCNUM>/, `<DOCNUM>${docnum}</DOCNUM>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ORDERS05>\n${idoc.replaceAll('PO-4711', `PO-${docnum}`)}\n</ORDERS05>\n`;
}

const docnum = (i: number) => `${Date.now()}${i}`.slice(-16).padStart(16, '0');

/** A sink whose target is `applied`. */
function recordingSink(applied: SinkRecord[]) {
  return definePlugin({
    type: 'recording-sink',
    kind: 'sink',
    description: 'test sink',
    config: z.object({}),
    createSink: () => ({
      async put(record) {
        applied.push(record);
      },
      async stop() {},
    }),
  });
}

/**
 * Two connect groups on one Kafka, each with a connector of the same name (a new user's trial: `eai up --group tx7-ga`
 * and `--group tx7-gb` with one deployment file each): neither fences, moves or consumes for the other.
 */
describe('connectors of the same name in two connect groups', () => {
  const bus = testBus('/eai/tests/connect-groups');
  const runtimes: ConnectorRuntime[] = [];
  afterAll(async () => {
    for (const runtime of runtimes) await runtime.stop().catch(() => undefined);
  });

  async function runtimeOf(label: string, applied: SinkRecord[] = []) {
    const runtime = new ConnectorRuntime({
      bus,
      plugins: [...builtinPlugins, recordingSink(applied)],
      logger: silent,
      group: unique(label),
    });
    runtimes.push(runtime);
    await runtime.start();
    return runtime;
  }

  it('a file source of each reads and commits its own files: the second group starting does not fence the first', async () => {
    const topic = unique('tx7-orders');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const [a, b] = [await runtimeOf('tx7-ga'), await runtimeOf('tx7-gb')];
    const name = unique('tx7-dup');
    const dirs = {
      a: mkdtempSync(join(tmpdir(), 'eai-tx7-a-')),
      b: mkdtempSync(join(tmpdir(), 'eai-tx7-b-')),
    };
    const source = (dir: string) => ({
      name,
      type: 'file-source',
      format: 'sap-idoc-orders05',
      outputTopics: { 'eai.canonical.SalesOrderEvent': topic },
      config: { dir, stableMs: 50 },
    });
    const done = (dir: string) => (existsSync(join(dir, 'done')) ? readdirSync(join(dir, 'done')) : []);
    const docnums = [docnum(1), docnum(2), docnum(3)];

    await a.put(source(dirs.a), 'test');
    writeFileSync(join(dirs.a, 'first.xml'), idocFile(docnums[0]!));
    await waitFor('A reads its first file', () => done(dirs.a).length === 1, 15_000);
    // B's source connects its producers now: with one transactional id for both, A's was fenced ("old epoch").
    await b.put(source(dirs.b), 'test');
    await waitFor('B running', async () => (await b.status(name))?.state === 'RUNNING', 15_000);
    writeFileSync(join(dirs.a, 'second.xml'), idocFile(docnums[1]!));
    writeFileSync(join(dirs.b, 'other.xml'), idocFile(docnums[2]!));
    await waitFor(
      'A and B read their files',
      () => done(dirs.a).length === 2 && done(dirs.b).length === 1,
      15_000,
    );

    const records = await readRawMessages(topic, 3);
    expect(records.map((r) => r.headers.ce_id).sort()).toEqual([...docnums].sort());
    for (const runtime of [a, b]) expect((await runtime.status(name))?.state).toBe('RUNNING');
    expect((await a.offsets(name))?.[0]?.offset).toMatchObject({ file: 'second.xml' });
    expect((await b.offsets(name))?.[0]?.offset).toMatchObject({ file: 'other.xml' });
  });

  it('a sink of each applies every record once on a consumer group of its own; a reset in one leaves the other', async () => {
    const topic = unique('tx7-customers');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const publisher = await bus.publisher();
    const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
    await publisher.publish(
      ['C-1', 'C-2', 'C-3'].map((customerId) => ({
        schema: 'CustomerEvent',
        topic,
        value: { ...base, customer: { ...base.customer, customerId } },
      })),
    );
    await publisher.close();
    const applied = { a: [] as SinkRecord[], b: [] as SinkRecord[] };
    const [a, b] = [await runtimeOf('tx7-ga', applied.a), await runtimeOf('tx7-gb', applied.b)];
    const name = unique('tx7-sink');
    for (const runtime of [a, b])
      await runtime.put({ name, type: 'recording-sink', topics: [topic], config: {} }, 'test');
    await waitFor(
      'each sink applied the three',
      () => applied.a.length === 3 && applied.b.length === 3,
      15_000,
    );
    // Each group's idempotency keys are its own: the other's writes are no duplicates at the target.
    expect(applied.a.every((r) => r.idempotencyKey.startsWith(`${connectorKey(name, a.group)}:`))).toBe(true);
    expect(applied.b.every((r) => r.idempotencyKey.startsWith(`${connectorKey(name, b.group)}:`))).toBe(true);

    // The lag each status reports, and the offsets, are its own group's.
    for (const runtime of [a, b]) {
      await waitFor('lag 0', async () => (await runtime.status(name))?.metrics.lagRecords === 0, 15_000);
      expect(await runtime.offsets(name)).toEqual([
        { partition: { topic, partition: 0 }, offset: { offset: 3 } },
      ]);
    }
    const admin = bus.transport.admin();
    await admin.connect();
    try {
      const committed = async (group: string) =>
        (await admin.groupOffsets(sinkGroupId(name, group), topic)).map((o) => o.offset);
      expect([await committed(a.group), await committed(b.group)]).toEqual([['3'], ['3']]);
      await a.setTargetState(name, 'STOPPED');
      await a.alterOffsets(name, [{ partition: { topic, partition: 0 }, offset: { offset: 1 } }]);
      expect([await committed(a.group), await committed(b.group)]).toEqual([['1'], ['3']]);
      await a.setTargetState(name, 'RUNNING');
      await waitFor('A applied the two again', () => applied.a.length === 5, 15_000);
      expect(applied.b).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }
  });
});
