import { describe, expect, it } from 'vitest';
import { batchIdempotencyKey, type Queued, takeBatch } from './http-batch.ts';

const q = (group: string, key: string, value: string): Queued<string> => ({ group, key, value });

describe('takeBatch', () => {
  it('takes the first group in queue order, at most size, one item per key; the rest stay in order', () => {
    const queue = [
      q('upsert', 'a', 'a1'),
      q('update', 'x', 'x1'),
      q('upsert', 'b', 'b1'),
      q('upsert', 'a', 'a2'),
      q('upsert', 'c', 'c1'),
      q('upsert', 'd', 'd1'),
    ];
    expect(takeBatch(queue, 3).map((e) => e.value)).toEqual(['a1', 'b1', 'c1']);
    expect(queue.map((e) => e.value)).toEqual(['x1', 'a2', 'd1']);
    expect(takeBatch(queue, 3).map((e) => e.value)).toEqual(['x1']);
    expect(takeBatch(queue, 3).map((e) => e.value)).toEqual(['a2', 'd1']);
    expect(queue).toEqual([]);
    expect(takeBatch(queue, 3)).toEqual([]);
  });
});

describe('batchIdempotencyKey', () => {
  it('is the same for the same records in the same order, another for any other batch', () => {
    const key = batchIdempotencyKey(['c:1', 'c:2']);
    expect(key).toMatch(/^c:batch:2:[0-9a-f]{32}$/);
    expect(batchIdempotencyKey(['c:1', 'c:2'])).toBe(key);
    expect(batchIdempotencyKey(['c:2', 'c:1'])).not.toBe(key);
    expect(batchIdempotencyKey(['c:1'])).not.toBe(key);
  });

  it("names the connector of its records, as a record's own key does (a group's connector too)", () => {
    expect(batchIdempotencyKey(['hs-sink:ce-1', 'hs-sink:ce-2'])).toMatch(/^hs-sink:batch:2:[0-9a-f]{32}$/);
    expect(batchIdempotencyKey(['eu/hs-sink:ce-1', 'eu/hs-sink:a/0/7'])).toMatch(/^eu\/hs-sink:batch:2:/);
    // Records of two connectors, or keys that name none: no connector to name.
    expect(batchIdempotencyKey(['a:1', 'b:2'])).toMatch(/^batch:2:[0-9a-f]{32}$/);
    expect(batchIdempotencyKey(['1', '2'])).toMatch(/^batch:2:/);
  });
});
