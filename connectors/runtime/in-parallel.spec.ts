import { describe, expect, it } from 'vitest';
import { forEachInParallel } from './in-parallel.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('forEachInParallel', () => {
  it('runs at most `limit` at a time, every item once, taking them in order', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await forEachInParallel([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      started.push(n);
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
    });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('finishes the other items when one fails, then throws the first error', async () => {
    const done: number[] = [];
    await expect(
      forEachInParallel([1, 2, 3, 4], 2, async (n) => {
        await tick();
        if (n === 2) throw new Error('item 2 failed');
        done.push(n);
      }),
    ).rejects.toThrow('item 2 failed');
    expect(done.sort()).toEqual([1, 3, 4]);
  });

  it('resolves at once with nothing to do', async () => {
    await expect(forEachInParallel([], 8, async () => undefined)).resolves.toBeUndefined();
  });
});
