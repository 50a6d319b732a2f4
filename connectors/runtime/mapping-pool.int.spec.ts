import { afterAll, describe, expect, it } from 'vitest';
import { makeOrderLine, seededRandom } from '../../formats/shopify-order/fixtures/large.ts';
import { isRetriable } from '../../lib/errors.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { MappingPool } from './mapping-pool.ts';
import type { DocumentInput, PreparedDocument } from './mapping-step.ts';
import { createSourceStep, type SourceStepConfig } from './source-step.ts';

/** Headers that differ on every encoding (time, trace, the error's stack and time), left out of the comparison. */
const VOLATILE = new Set([
  'ce_time',
  'traceparent',
  '__eai.errors.time',
  '__connect.errors.exception.stacktrace',
]);

function comparable(prepared: PreparedDocument) {
  return {
    published: prepared.published,
    deadLettered: prepared.deadLettered,
    records: prepared.records.map((record) => ({
      topic: record.topic,
      key: record.key === null ? null : String(record.key),
      value: record.value?.toString('base64'),
      isBuffer: Buffer.isBuffer(record.value),
      headers: Object.fromEntries(
        Object.entries(record.headers ?? {})
          .filter(([name]) => !VOLATILE.has(name))
          // As Kafka gets them: a thread's records are framed (mapping-messages.ts), their header values read back as
          // bytes, a text header's its UTF-8.
          .map(([name, value]) => [name, Buffer.from(value).toString()]),
      ),
    })),
  };
}

describe('mapping threads', () => {
  const stack = testStack();
  const pool = new MappingPool({ threads: 2, brokers: stack.brokers, registryUrl: stack.registryUrl });
  afterAll(() => pool.close());

  it('map a batch in order to the records, dead letters included, that the runtime’s own thread makes', async () => {
    const config: SourceStepConfig = {
      name: unique('pool-shopify'),
      mapping: 'shopify/order.to-canonical.yaml',
      baseDir: process.cwd(),
      topics: { 'eai.canonical.SalesOrderEvent': unique('pool-sales-order') },
    };
    const random = seededRandom(22);
    const receivedAt = new Date('2026-12-02T10:00:00Z');
    const inputs: DocumentInput[] = Array.from({ length: 41 }, (_, i) => ({
      format: 'shopify-order',
      bytes: Buffer.from(makeOrderLine(random, i + 1)),
      name: `orders.jsonl#${i + 1}`,
      receivedAt,
    }));
    // A line that is not JSON and an order without its currency: dead letters, in their places.
    inputs.splice(7, 0, {
      format: 'shopify-order',
      bytes: Buffer.from('{"id": 1,'),
      name: 'bad#1',
      receivedAt,
    });
    inputs.splice(30, 0, {
      format: 'shopify-order',
      bytes: Buffer.from('{"id": 2, "created_at": "2024-01-01T00:00:00Z"}'),
      name: 'bad#2',
      receivedAt,
    });
    const step = createSourceStep(config, testBus('/eai/tests/mapping-pool'));
    const expected: PreparedDocument[] = [];
    for (const input of inputs) expected.push(await step.prepare(input));
    expect(expected.filter((p) => p.deadLettered.length > 0)).toHaveLength(2);

    const actual = await pool.prepareAll(config, inputs);
    expect(actual.map(comparable)).toEqual(expected.map(comparable));
    expect(actual[7]!.deadLettered[0]!.error).toBe('FormatError');
    expect(actual[30]!.deadLettered[0]!.error).toBe('FormatError');
  });

  it('keep each batch’s records when batches come back to back and at once (inputs in buffers given back)', async () => {
    const config: SourceStepConfig = {
      name: unique('pool-batches'),
      mapping: 'shopify/order.to-canonical.yaml',
      baseDir: process.cwd(),
      topics: { 'eai.canonical.SalesOrderEvent': unique('pool-batches-order') },
    };
    const random = seededRandom(23);
    const receivedAt = new Date('2026-12-02T10:00:00Z');
    const batch = (label: string, n: number): DocumentInput[] => [
      ...Array.from({ length: n }, (_, i) => ({
        format: 'shopify-order',
        bytes: Buffer.from(makeOrderLine(random, i + 1)),
        name: `${label}#${i + 1}`,
        receivedAt,
      })),
      // A dead letter carries its document's bytes: they must stay its own once the buffer is used again.
      { format: 'shopify-order', bytes: Buffer.from(`{"id": "${label}",`), name: `${label}#bad`, receivedAt },
    ];
    const step = createSourceStep(config, testBus('/eai/tests/mapping-pool'));
    const batches = [batch('a', 30), batch('b', 20), batch('c', 25), batch('d', 5)];
    const expected: PreparedDocument[][] = [];
    for (const inputs of batches) {
      const prepared: PreparedDocument[] = [];
      for (const input of inputs) prepared.push(await step.prepare(input));
      expected.push(prepared);
    }
    const one = new MappingPool({ threads: 1, brokers: stack.brokers, registryUrl: stack.registryUrl });
    try {
      const inTurn: PreparedDocument[][] = [];
      for (const inputs of batches) inTurn.push(await one.prepareAll(config, inputs));
      // As the source host hands them over: the next batch before the last one came back.
      const atOnce = await Promise.all(batches.map((inputs) => one.prepareAll(config, inputs)));
      for (const actual of [inTurn, atOnce])
        expect(actual.map((prepared) => prepared.map(comparable))).toEqual(
          expected.map((prepared) => prepared.map(comparable)),
        );
      expect(inTurn.map((prepared) => prepared.at(-1)!.records[0]!.value!.toString())).toEqual([
        '{"id": "a",',
        '{"id": "b",',
        '{"id": "c",',
        '{"id": "d",',
      ]);
    } finally {
      await one.close();
    }
  });

  it('refuse work once closed, as a failure worth retrying', async () => {
    const closed = new MappingPool({ threads: 1, brokers: stack.brokers, registryUrl: stack.registryUrl });
    await closed.close();
    const error = await closed
      .prepareAll({ name: 'x', baseDir: process.cwd() }, [
        { format: 'shopify-order', bytes: Buffer.from('{}') },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isRetriable(error)).toBe(true);
  });
});
