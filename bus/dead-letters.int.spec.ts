import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DeadLetterFixture,
  deadLetterFixture,
  RAW_VALUE,
  waitFor,
} from '../tests/dead-letter-fixture.ts';
import { testBus, unique } from '../tests/stack.ts';
import {
  DeadLetterNotFoundError,
  DeadLetterTopicNotFoundError,
  listDeadLetters,
  type RedriveProgress,
  redriveDeadLetters,
  showDeadLetter,
} from './dead-letters.ts';
import { deadLetterRecord } from './dlq.ts';

describe('dead letters: list, show, redrive', () => {
  const bus = testBus('/eai/tests/dead-letters');
  let f: DeadLetterFixture;

  beforeAll(async () => {
    f = await deadLetterFixture('dl-lib');
  });
  afterAll(async () => {
    await f?.close();
  });

  it('lists every letter with where it came from and why, never its value', async () => {
    const page = await listDeadLetters(bus.transport, { topic: f.dlqTopic });
    expect(page.next).toBeNull();
    expect(page.entries.map((e) => [e.offset, e.stage, e.exceptionClass, e.originalOffset])).toEqual([
      ['0', 'TASK_PUT', 'NonRetriableError', '1'],
      ['1', 'VALUE_CONVERTER', 'WireFormatError', '2'],
      ['2', 'TASK_PUT', 'NonRetriableError', '4'],
      ['3', 'MAPPING', expect.any(String), '-1'],
    ]);
    const [first, rawLetter, , mapping] = page.entries;
    expect(first).toMatchObject({
      partition: 0,
      originalTopic: f.topic,
      originalPartition: 0,
      owner: f.groupId,
      message: 'credit block: customer of sap:1 unknown',
      attempts: 1,
      ceId: f.ceIds.get('sap:1'),
      key: 'sap:1',
    });
    expect(first!.size).toBeGreaterThan(100);
    expect(rawLetter).toMatchObject({ key: 'k-raw', ceId: null, size: RAW_VALUE.length });
    expect(mapping).toMatchObject({ originalTopic: 'document:x12-856', owner: 'dl-lib-connector' });
    expect(JSON.stringify(page)).not.toContain('legacy flat file');
  });

  it('filters by owner, stage, exception class, message text, original topic and time; pages with next', async () => {
    const offsets = async (filter: object, extra: object = {}) =>
      (await listDeadLetters(bus.transport, { topic: f.dlqTopic, filter, ...extra })).entries.map(
        (e) => e.offset,
      );
    expect(await offsets({ owner: f.groupId })).toEqual(['0', '1', '2']);
    expect(await offsets({ stage: 'MAPPING' })).toEqual(['3']);
    expect(await offsets({ exceptionClass: 'WireFormatError', originalTopic: f.topic })).toEqual(['1']);
    expect(await offsets({ text: 'CREDIT BLOCK' })).toEqual(['0', '2']);
    expect(await offsets({ since: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(await offsets({ until: new Date(Date.now() + 60_000), owner: f.groupId })).toEqual([
      '0',
      '1',
      '2',
    ]);

    const page = await listDeadLetters(bus.transport, { topic: f.dlqTopic, limit: 2 });
    expect(page.entries.map((e) => e.offset)).toEqual(['0', '1']);
    expect(page.next).toEqual({ partition: 0, offset: '2' });
    const rest = await listDeadLetters(bus.transport, { topic: f.dlqTopic, from: page.next!.offset });
    expect(rest.entries.map((e) => e.offset)).toEqual(['2', '3']);
    await expect(listDeadLetters(bus.transport, { topic: unique('no-such') })).rejects.toBeInstanceOf(
      DeadLetterTopicNotFoundError,
    );
  });

  it("filters by a mapping letter's sender (eai.document.sender), as eai dlq ls --sender does", async () => {
    const topic = unique('dl-sender');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const producer = bus.transport.producer();
    await producer.connect();
    try {
      const letter = (sender?: string) =>
        deadLetterRecord(
          topic,
          {
            topic: 'document:x12-850',
            partition: -1,
            offset: '-1',
            timestamp: String(Date.now()),
            key: Buffer.from('000004711/0002'),
            value: Buffer.from('ISA*…'),
            headers: sender ? { 'eai.document.sender': Buffer.from(sender) } : {},
          },
          { stage: 'MAPPING', owner: 'h2-edi-in', error: new Error('refused'), attempts: 1 },
        );
      await producer.send([letter('ACMESUPPLY'), letter(), letter('OTHER')]);
    } finally {
      await producer.disconnect();
    }
    const page = await listDeadLetters(bus.transport, { topic, filter: { sender: 'ACMESUPPLY' } });
    expect(page.entries.map((e) => [e.offset, e.sender])).toEqual([['0', 'ACMESUPPLY']]);
    const all = await listDeadLetters(bus.transport, { topic });
    expect(all.entries.map((e) => e.sender)).toEqual(['ACMESUPPLY', null, 'OTHER']);
  });

  it('reads a range once and stops at a failing record, rejecting with its error', async () => {
    const seen: string[] = [];
    await expect(
      bus.transport.readRanges({
        topic: f.dlqTopic,
        ranges: [{ partition: 0, fromOffset: '1', toOffset: '4' }],
        eachRecord: async (record) => {
          seen.push(record.offset);
          if (record.offset === '2') throw new Error('cannot take this one');
          return undefined;
        },
      }),
    ).rejects.toThrow('cannot take this one');
    expect(seen).toEqual(['1', '2']);
  });

  it('shows an Avro letter as canonical JSON and a raw one as text, with every header', async () => {
    const avro = await showDeadLetter(bus.transport, bus.serde, {
      topic: f.dlqTopic,
      partition: 0,
      offset: '0',
    });
    expect(avro.value).toMatchObject({ encoding: 'avro', schema: 'eai.canonical.SalesOrderEvent' });
    expect((avro.value as { json: { salesOrder: { orderId: string } } }).json.salesOrder.orderId).toBe(
      'sap:1',
    );
    expect(avro.headers).toContainEqual({ name: 'ce_id', text: f.ceIds.get('sap:1') });
    expect(avro.headers).toContainEqual({ name: '__connect.errors.stage', text: 'TASK_PUT' });

    const raw = await showDeadLetter(bus.transport, bus.serde, {
      topic: f.dlqTopic,
      partition: 0,
      offset: '1',
    });
    expect(raw.value).toEqual({ encoding: 'text', text: RAW_VALUE });
    expect(raw.headers).toContainEqual({ name: 'origin', text: 'legacy-app' });

    await expect(
      showDeadLetter(bus.transport, bus.serde, { topic: f.dlqTopic, partition: 0, offset: '99' }),
    ).rejects.toBeInstanceOf(DeadLetterNotFoundError);
  });

  it('redrives a range after the fix: the runner handles each letter with its original ce_id; mapping letters are skipped', async () => {
    const dry = await redriveDeadLetters(bus.transport, {
      topic: f.dlqTopic,
      selection: { fromOffset: '0', toOffset: '3' },
      dryRun: true,
    });
    expect(dry).toMatchObject({ dryRun: true, selected: 4, redriven: 3 });
    expect(f.handled.map((h) => h.orderId)).toEqual(['sap:0', 'sap:2']);

    f.fix();
    const progress: RedriveProgress[] = [];
    const result = await redriveDeadLetters(bus.transport, {
      topic: f.dlqTopic,
      selection: { partition: 0, fromOffset: '0', toOffset: '3' },
      progressEvery: 2,
      onProgress: (p) => progress.push(p),
    });
    expect(result).toMatchObject({ dryRun: false, selected: 4, redriven: 3, repeated: [] });
    expect(result.skipped).toEqual([
      {
        partition: 0,
        offset: '3',
        reason: expect.stringMatching(/x12-856 document .*no topic to go back to/),
      },
    ]);
    expect(progress.at(-1)).toMatchObject({ scanned: 4, selected: 4, redriven: 3, skipped: 1 });
    expect(progress.length).toBeGreaterThanOrEqual(2);

    await waitFor('the redriven orders handled', () => f.handled.length === 4);
    await waitFor('the raw record dead-lettered again', () => f.deadLettered() === 4);
    const redriven = f.handled.slice(2);
    expect(redriven.map((h) => h.orderId)).toEqual(['sap:1', 'sap:3']);
    for (const h of redriven) expect(h.ceId).toBe(f.ceIds.get(h.orderId));
    expect(redriven.map((h) => h.redrivenFrom)).toEqual([`${f.dlqTopic}/0/0`, `${f.dlqTopic}/0/2`]);

    // The raw record failed again: back in the DLQ with fresh error headers and where it was redriven from.
    const again = await showDeadLetter(bus.transport, bus.serde, {
      topic: f.dlqTopic,
      partition: 0,
      offset: '4',
    });
    expect(again).toMatchObject({ key: 'k-raw', stage: 'VALUE_CONVERTER', originalOffset: '6' });
    expect(again.headers).toContainEqual({ name: 'eai.redriven-from', text: `${f.dlqTopic}/0/1` });
    expect(again.headers.filter((h) => h.name === '__connect.errors.stage')).toHaveLength(1);

    const twice = await redriveDeadLetters(bus.transport, {
      topic: f.dlqTopic,
      selection: { filter: { owner: f.groupId, text: 'credit block' } },
      dryRun: true,
    });
    expect(twice.selected).toBe(2);
    expect(twice.repeated.map((r) => r.offset)).toEqual(['0', '2']);
    expect(Date.parse(twice.repeated[0]!.previously)).toBeGreaterThan(Date.now() - 120_000);
  });

  it('skips a letter that was never published (partition -1, a golden record the schema refused), saying what it is', async () => {
    const dlqTopic = unique('dl-never-published');
    await bus.provisionTopics([{ topic: dlqTopic, partitions: 1 }]);
    const producer = bus.transport.producer();
    await producer.connect();
    await producer.send([
      deadLetterRecord(
        dlqTopic,
        {
          topic: f.topic,
          partition: -1,
          offset: '-1',
          timestamp: String(Date.now()),
          key: Buffer.from('golden-1'),
          value: Buffer.from('{"customer":{"customerId":"golden-1"}}'),
          headers: {},
        },
        { stage: 'VALUE_CONVERTER', owner: 'mdm-golden-sync', error: new Error('bad email'), attempts: 1 },
      ),
    ]);
    await producer.disconnect();
    const result = await redriveDeadLetters(bus.transport, {
      topic: dlqTopic,
      selection: { fromOffset: '0', toOffset: '0' },
    });
    expect(result).toMatchObject({ selected: 1, redriven: 0 });
    expect(result.skipped).toEqual([
      {
        partition: 0,
        offset: '0',
        reason: `never published to ${f.topic} (partition -1): its value is what the hub could not encode, not a record to send back; fix the cause and the next change of it is published`,
      },
    ]);
  });
});
