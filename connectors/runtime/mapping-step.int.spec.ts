import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redriveDeadLetters } from '../../bus/dead-letters.ts';
import { describeDeadLetter } from '../../bus/dlq.ts';
import { deadLetterTopicSpec } from '../../bus/topics.ts';
import { findReader, readers } from '../../formats/index.ts';
import { makeDocumentWithLines } from '../../formats/x12-850/fixtures/large.ts';
import { fixtureInputs } from '../../mappings/engine/fixtures.ts';
import { findMapping, mapBytes, shippedInboundMapping } from '../../mappings/index.ts';
import { canonicalSchemas } from '../../schemas/catalog.ts';
import { logicalTypes } from '../../schemas/logical-types.ts';
import { readRawMessages } from '../../tests/raw-consumer.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { createMappingStep, RECORD_LETTERS_MAX_BYTES } from './mapping-step.ts';

/**
 * One document of every format goes through the mapping step to the real broker, and its records are read back
 * without the bus (plain kafkajs, wire header by hand, schema by id over REST, a fresh avsc Type) and compared
 * with what `eai map` makes of the same bytes.
 */

describe('mapping step on the bus', () => {
  const bus = testBus('/eai/tests/mapping-step');
  const stack = testStack();
  const topics = Object.fromEntries(canonicalSchemas.map((s) => [s.fullName, unique(`map-${s.name}`)]));
  const dlqTopic = unique('map-dlq');
  const budgetDlqTopic = unique('map-dlq-budget');
  const receivedAt = new Date('2026-11-23T08:00:00Z');
  let publisher: Awaited<ReturnType<typeof bus.publisher>>;
  let producer: ReturnType<typeof bus.transport.producer>;

  beforeAll(async () => {
    await bus.provisionTopics([
      ...[...Object.values(topics), dlqTopic].map((topic) => ({ topic, partitions: 1 })),
      // As the hub's own dead-letter topics are made: a refused document up to 8 MiB fits.
      deadLetterTopicSpec(budgetDlqTopic),
    ]);
    publisher = await bus.publisher();
    producer = bus.transport.producer();
    await producer.connect();
  });
  afterAll(async () => {
    await publisher?.close();
    await producer?.disconnect();
  });

  async function decodeIndependently(bytes: Buffer): Promise<unknown> {
    expect(bytes[0]).toBe(0);
    const response = await fetch(`${stack.registryUrl}/schemas/ids/${bytes.readUInt32BE(1)}`);
    expect(response.status).toBe(200);
    const { schema } = (await response.json()) as { schema: string };
    const type = avro.Type.forSchema(JSON.parse(schema), { logicalTypes, wrapUnions: 'auto' });
    return JSON.parse(JSON.stringify(type.fromBuffer(bytes.subarray(5))));
  }

  for (const reader of readers) {
    it(`${reader.name}: a document's records are published with its origin and decode independently`, async () => {
      // A format no mapping reads by default (csv) is read with its shipped one, named as a connector names it.
      const mapping = shippedInboundMapping(reader.name);
      let chosen: { file: string; expected: Awaited<ReturnType<typeof mapBytes>> } | undefined;
      for (const file of fixtureInputs(mapping.fixturesDir)) {
        const expected = await mapBytes(reader.name, readFileSync(file), { receivedAt, mapping });
        if (expected.some((d) => d.records.length > 0)) {
          chosen = { file, expected };
          break;
        }
      }
      expect(chosen, 'a fixture that yields records').toBeDefined();
      const step = createMappingStep({
        publisher,
        producer,
        owner: 'test-connector',
        dlqTopic,
        topics,
        mappingFor: () => mapping,
      });
      const result = await step.handle({
        format: reader.name,
        bytes: readFileSync(chosen!.file),
        name: join('fixtures', chosen!.file),
        receivedAt,
      });
      expect(result.deadLettered).toEqual([]);
      const expectedRecords = chosen!.expected.flatMap((d) =>
        d.records.map((r) => ({ ...r, document: d.document })),
      );
      expect(result.published).toHaveLength(expectedRecords.length);

      const schema = expectedRecords[0]!.schema;
      const onTopic = await readRawMessages(topics[schema]!, expectedRecords.length, {
        wanted: (m) => m.headers.ce_type?.startsWith(`${reader.name}.`) === true,
      });
      expect(onTopic).toHaveLength(expectedRecords.length);
      for (const [i, expected] of expectedRecords.entries()) {
        const message = onTopic.find((m) => m.headers.ce_id === result.published[i]!.id)!;
        expect(
          message,
          `message ${result.published[i]!.id} among ${onTopic.map((m) => m.headers.ce_id)}`,
        ).toBeDefined();
        expect(message.key).toBe(expected.key);
        expect(await decodeIndependently(message.value)).toEqual(JSON.parse(JSON.stringify(expected.value)));
        expect(message.headers).toMatchObject({
          ce_type: `${reader.name}.${expected.schema}`,
          ce_source: `/${reader.name}/${encodeURIComponent(expected.document.source || 'unknown')}`,
          ce_correlationid: expected.document.id,
        });
        expect(message.headers.ce_id).toMatch(
          new RegExp(`^${expected.document.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:\\d+)?$`),
        );
      }
    });
  }

  it('sends a document that cannot be read to the dead-letter topic with its bytes and the located error', async () => {
    const step = createMappingStep({ publisher, producer, owner: 'test-connector', dlqTopic, topics });
    const bytes = readFileSync('formats/sap-idoc-orders05/fixtures/broken/non-numeric-quantity.xml');
    const result = await step.handle({
      format: 'sap-idoc-orders05',
      bytes,
      name: 'drop/po-1.xml',
      receivedAt,
    });
    expect(result.published).toEqual([]);
    expect(result.deadLettered[0]?.error).toBe('FormatError');
    const [letter] = await readRawMessages(dlqTopic, 1);
    expect(letter!.value.equals(bytes)).toBe(true);
    const raw = Object.fromEntries(Object.entries(letter!.headers).map(([k, v]) => [k, Buffer.from(v)]));
    expect(describeDeadLetter(raw)).toMatchObject({
      stage: 'MAPPING',
      owner: 'test-connector',
      exceptionClass: 'FormatError',
      topic: 'document:sap-idoc-orders05',
    });
    expect(letter!.headers['eai.document.name']).toBe('drop/po-1.xml');
    expect(letter!.headers['eai.error.location']).toMatch(/E1EDP01/);
    expect(letter!.headers['__connect.errors.exception.message']).toMatch(/MENGE/);
  });

  it('sends the one broken transaction set of an interchange to the dead-letter topic and publishes the others', async () => {
    const dlq = unique('map-dlq-each');
    await bus.provisionTopics([{ topic: dlq, partitions: 1 }]);
    const step = createMappingStep({ publisher, producer, owner: 'test-connector', dlqTopic: dlq, topics });
    const good = readFileSync('formats/x12-850/fixtures/several-st-sets.edi', 'utf8');
    const second = good.indexOf('ST*850*0002');
    const bytes = Buffer.from(good.slice(0, second) + good.slice(second).replace('20240311', '20240230'));
    const result = await step.handle({ format: 'x12-850', bytes, name: 'drop/two-pos.edi', receivedAt });
    expect(result.published.map((p) => p.key)).toEqual(['edi:ACMESUPPLY:PO-A-1001']);
    expect(result.deadLettered).toEqual([
      expect.objectContaining({
        error: 'FormatError',
        message: expect.stringMatching(/BEG05 \u2068"20240230"\u2069/),
      }),
    ]);
    const [letter] = await readRawMessages(dlq, 1);
    // The whole file, as it came: a partner resends interchanges, not sets; the id says which set was refused.
    expect(letter!.value.equals(bytes)).toBe(true);
    expect(letter!.key).toBe('000004711/0002');
    expect(letter!.headers['eai.document.id']).toBe('000004711/0002');
    expect(letter!.headers['eai.document.name']).toBe('drop/two-pos.edi');
  });

  describe('a CSV with bad rows (one record per row)', () => {
    const mapping = findMapping('csv/customer-table.to-canonical.yaml');
    const header = 'Customer ID,Name,Email,Country,Created At,Notes';
    const row = (n: number, created = '2024-01-15', notes = '') =>
      `C${n},Firm ${n},c${n}@example.com,DE,${created},${notes}`;
    /** An impossible time: the shipped mapping's $timestamp throws on the row. */
    const bad = (n: number, notes = '') => row(n, '2024-01-15T25:99', notes);
    const customerTopic = topics['eai.canonical.CustomerEvent']!;

    async function handled(dlq: string, rows: string[]) {
      await bus.provisionTopics([deadLetterTopicSpec(dlq)]);
      const step = createMappingStep({
        publisher,
        producer,
        owner: 'csv-connector',
        dlqTopic: dlq,
        topics,
        mappingFor: () => mapping,
      });
      const bytes = Buffer.from(`${[header, ...rows].join('\n')}\n`);
      const id = findReader('csv').parse(bytes)[0]!.id;
      const result = await step.handle({ format: 'csv', bytes, name: 'drop/customers.csv', receivedAt });
      const published = await readRawMessages(customerTopic, result.published.length, {
        wanted: (m) => m.headers.ce_correlationid === id,
      });
      return { bytes, id, result, published };
    }

    it('publishes the good rows under their own ids and dead-letters the bad one alone, naming its row; redrive says why not', async () => {
      const dlq = unique('map-dlq-row');
      const { bytes, id, result, published } = await handled(dlq, [row(1), row(2), bad(3), row(4), row(5)]);
      // The ids the rows have when all five map: consumers de-duplicate the good ones when the file comes again.
      const expected = [1, 2, 4, 5].map((n) => ({ key: `csv:C${n}`, id: `${id}:${n}` }));
      expect(result.published.map(({ key, id }) => ({ key, id }))).toEqual(expected);
      expect(published.map((m) => ({ key: m.key, id: m.headers.ce_id }))).toEqual(expected);
      expect(result.deadLettered).toEqual([
        expect.objectContaining({
          error: 'MappingError',
          record: 3,
          location: 'line 4',
          field: 'occurredAt',
        }),
      ]);
      const letters = await readRawMessages(dlq, 1);
      expect(letters).toHaveLength(1);
      const [letter] = letters;
      expect(letter!.value.equals(bytes)).toBe(true);
      expect(letter!.key).toBe(`${id}:3`);
      expect(letter!.headers).toMatchObject({
        'eai.document.id': id,
        'eai.document.name': 'drop/customers.csv',
        'eai.record.index': '3',
        'eai.record.count': '5',
        'eai.error.location': 'line 4',
        'eai.error.field': 'occurredAt',
        '__connect.errors.topic': 'document:csv',
        '__connect.errors.exception.class.name': 'MappingError',
        '__connect.errors.exception.message': expect.stringMatching(
          /occurredAt: \$timestamp: \u2068"2024-01-15 25:99"\u2069 is not a valid date and time [\s\S]*\(input line 4\)$/,
        ),
      });
      // No topic takes a row back, and its letter is the whole file: redrive skips it, saying what to do instead.
      const redrive = await redriveDeadLetters(bus.transport, {
        topic: dlq,
        selection: { filter: {} },
        dryRun: true,
      });
      expect(redrive.redriven).toBe(0);
      expect(redrive.skipped).toEqual([
        {
          partition: 0,
          offset: expect.any(String),
          reason: expect.stringMatching(
            /^record 3 of a csv document whose other records were published: the letter holds the whole document .* send a corrected document of that record alone/,
          ),
        },
      ]);
    });

    it("dead-letters a big table's bad rows together when a letter each would pass the one-document limit", async () => {
      const dlq = unique('map-dlq-rows');
      const notes = 'n'.repeat(3 * 1024 * 1024);
      const { bytes, id, result, published } = await handled(dlq, [
        row(1),
        bad(2, notes),
        bad(3),
        bad(4),
        row(5),
      ]);
      expect(bytes.length * 3).toBeGreaterThan(RECORD_LETTERS_MAX_BYTES);
      expect(published.map((m) => m.headers.ce_id)).toEqual([`${id}:1`, `${id}:5`]);
      // Counted as the three records they are, in one letter that names them all.
      expect(result.deadLettered.map((l) => [l.record, l.location])).toEqual([
        [2, 'line 3'],
        [3, 'line 4'],
        [4, 'line 5'],
      ]);
      const letters = await readRawMessages(dlq, 1);
      expect(letters).toHaveLength(1);
      expect(letters[0]!.value.equals(bytes)).toBe(true);
      expect(letters[0]!.key).toBe(id);
      expect(letters[0]!.headers['eai.record.index']).toBe('2,3,4');
      // Each record's field and line are in the message: the letter's own headers would name only one.
      expect(letters[0]!.headers['eai.error.field']).toBeUndefined();
      expect(letters[0]!.headers['__connect.errors.exception.message']).toMatch(
        /: 3 of 5 records: dead-lettered together .*: record 2: occurredAt: [\s\S]*\(input line 3\); record 3: [\s\S]*\(input line 4\); record 4: [\s\S]*\(input line 5\)$/,
      );
    });
  });

  it('reads an X12 850 in the character set the connector names (encoding)', async () => {
    const text = readFileSync('formats/x12-850/fixtures/buyer-party-n1-by-per.edi', 'utf8');
    const name = /N1\*BY\*([^*~]+)/.exec(text)![1]!;
    const latin1 = Buffer.from(text.replace(name, 'Müller Käserei'), 'latin1');
    const step = createMappingStep({
      publisher,
      producer,
      owner: 'test-connector',
      dlqTopic,
      topics,
      encoding: 'iso-8859-1',
    });
    const result = await step.handle({
      format: 'x12-850',
      bytes: latin1,
      name: 'drop/latin1.edi',
      receivedAt,
    });
    expect(result.deadLettered).toEqual([]);
    const [published] = result.published;
    const [message] = await readRawMessages(published!.topic, 1, { wanted: (m) => m.key === published!.key });
    const value = (await decodeIndependently(message!.value)) as {
      salesOrder: { customer: { name: string } };
    };
    expect(value.salesOrder.customer.name).toMatch(/^Müller Käserei/);
  });

  // Issue 16 §2: one document must never stall or exhaust the process that hosts the connectors.
  it('sends a document past its deadline or memory budget to the dead-letter topic saying which, and maps the next', async () => {
    const big = makeDocumentWithLines(20_000);
    const next = readFileSync('formats/x12-850/fixtures/buyer-party-n1-by-per.edi');
    const refusals: Array<[NonNullable<Parameters<typeof createMappingStep>[0]['budget']>, RegExp]> = [
      [{ deadlineMs: 300 }, /refused: .* longer than the per-document deadline of 0\.3 s/],
      [
        { memoryBudgetBytes: 1 },
        /\(document\): refused: mapping it took more than the per-document memory budget/,
      ],
    ];
    for (const [budget, reason] of refusals) {
      const step = createMappingStep({
        publisher,
        producer,
        owner: 'test-connector',
        dlqTopic: budgetDlqTopic,
        topics,
        budget,
      });
      const started = performance.now();
      const refused = await step.handle({
        format: 'x12-850',
        bytes: big,
        name: 'drop/big-850.edi',
        receivedAt,
      });
      expect(refused.published).toEqual([]);
      expect(refused.deadLettered).toEqual([
        expect.objectContaining({ error: 'MappingError', message: expect.stringMatching(reason) }),
      ]);
      if (budget.deadlineMs) expect(performance.now() - started).toBeLessThan(5_000);
      if (budget.memoryBudgetBytes) continue;
      const after = await step.handle({
        format: 'x12-850',
        bytes: next,
        name: 'drop/next-850.edi',
        receivedAt,
      });
      expect(after.deadLettered).toEqual([]);
      expect(after.published.length).toBeGreaterThan(0);
    }
    const letters = await readRawMessages(budgetDlqTopic, 2);
    for (const [i, letter] of letters.entries()) {
      expect(letter.value.equals(big)).toBe(true);
      expect(letter.headers['eai.document.name']).toBe('drop/big-850.edi');
      expect(letter.headers['__connect.errors.exception.message']).toMatch(refusals[i]![1]);
      const raw = Object.fromEntries(Object.entries(letter.headers).map(([k, v]) => [k, Buffer.from(v)]));
      expect(describeDeadLetter(raw)).toMatchObject({ stage: 'MAPPING', exceptionClass: 'MappingError' });
    }
  }, 60_000);
});
