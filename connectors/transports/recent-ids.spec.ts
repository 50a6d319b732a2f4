import { describe, expect, it } from 'vitest';
import { RecentIds } from './recent-ids.ts';

/** The reference: an array in recency order, the least recent first. */
class NaiveRecentIds {
  ids: string[] = [];
  readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
  }
  has(id: string): boolean {
    const at = this.ids.indexOf(id);
    if (at < 0) return false;
    this.ids.splice(at, 1);
    this.ids.push(id);
    return true;
  }
  add(id: string): void {
    const at = this.ids.indexOf(id);
    if (at >= 0) this.ids.splice(at, 1);
    this.ids.push(id);
    if (this.ids.length > this.capacity) this.ids.shift();
  }
}

describe('RecentIds', () => {
  it('keeps at most capacity ids, forgetting the least recently seen first', () => {
    const ids = new RecentIds(2);
    ids.add('a');
    ids.add('b');
    expect(ids.has('a')).toBe(true); // a is now the most recent
    ids.add('c');
    expect([ids.has('a'), ids.has('b'), ids.has('c'), ids.size]).toEqual([true, false, true, 2]);
  });

  it('answers as a plain recency list does, over many adds and lookups that refresh and evict', () => {
    // A fixed pseudo-random sequence (a linear congruential generator) over few ids, so that refreshes, re-adds
    // and evictions all happen often, and the queue behind it is compacted many times.
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const capacity of [1, 3, 17]) {
      const ids = new RecentIds(capacity);
      const naive = new NaiveRecentIds(capacity);
      for (let step = 0; step < 20_000; step++) {
        const id = `id-${random(capacity * 3)}`;
        if (random(2) === 0) {
          ids.add(id);
          naive.add(id);
        } else expect(ids.has(id), `step ${step}, capacity ${capacity}: has ${id}`).toBe(naive.has(id));
        expect(ids.size).toBe(naive.ids.length);
      }
      for (const id of naive.ids) expect(ids.has(id)).toBe(true);
    }
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecentIds(0)).toThrow(/capacity must be a positive integer, got 0/);
  });
});
