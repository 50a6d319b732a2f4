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
          .map(([name, value]) => [name, Buffer.isBuffer(value) ? `buffer:${value.toString()}` : value]),
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
