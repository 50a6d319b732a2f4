import { describe, expect, it } from 'vitest';
import { groupCommit } from './group-commit.ts';

/** A run that records its batches and can be held open until released. */
function recorder(fail?: (job: string) => boolean) {
  const batches: string[][] = [];
  let release: () => void = () => {};
  let hold: Promise<void> = Promise.resolve();
  return {
    batches,
    holdNext() {
      hold = new Promise((resolve) => {
        release = resolve;
      });
    },
    release: () => release(),
    run: async (jobs: string[]) => {
      batches.push(jobs);
      await hold;
      const bad = jobs.find((j) => fail?.(j));
      if (bad) throw new Error(`job ${bad} failed`);
      return jobs.map((j) => `done ${j}`);
    },
  };
}

describe('groupCommit', () => {
  it('runs a job alone at once, and those submitted meanwhile together in the next batch', async () => {
    const r = recorder();
    const sizes: number[] = [];
    const queue = groupCommit({ run: r.run, onBatch: (n) => sizes.push(n) });
    r.holdNext();
    const first = queue.submit('a');
    const rest = ['b', 'c', 'd'].map((j) => queue.submit(j));
    expect(queue.pending).toBe(3);
    r.release();
    expect(await first).toBe('done a');
    expect(await Promise.all(rest)).toEqual(['done b', 'done c', 'done d']);
    expect(r.batches).toEqual([['a'], ['b', 'c', 'd']]);
    expect(sizes).toEqual([1, 3]);
    expect(queue.pending).toBe(0);
  });

  it('keeps batches to maxBatch', async () => {
    const r = recorder();
    const queue = groupCommit({ run: r.run, maxBatch: 2 });
    r.holdNext();
    const all = ['a', 'b', 'c', 'd', 'e'].map((j) => queue.submit(j));
    r.release();
    await Promise.all(all);
    expect(r.batches).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('never puts two jobs of one key in a batch, and keeps their order', async () => {
    const r = recorder();
    const queue = groupCommit({ run: r.run, key: (j) => j.slice(0, 1) });
    r.holdNext();
    const all = ['x0', 'a1', 'b1', 'a2', 'c1', 'a3', 'b2'].map((j) => queue.submit(j));
    r.release();
    await Promise.all(all);
    expect(r.batches).toEqual([['x0'], ['a1', 'b1', 'c1'], ['a2', 'b2'], ['a3']]);
  });

  it('does a failed batch again one job at a time: only the failing job fails', async () => {
    const r = recorder((j) => j === 'bad');
    const queue = groupCommit({ run: r.run });
    r.holdNext();
    const first = queue.submit('a');
    const rest = ['b', 'bad', 'c'].map((j) => queue.submit(j).catch((e: Error) => e.message));
    r.release();
    await first;
    expect(await Promise.all(rest)).toEqual(['done b', 'job bad failed', 'done c']);
    expect(r.batches).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
  });

  it('goes on after a failure of a job alone', async () => {
    const r = recorder((j) => j === 'bad');
    const queue = groupCommit({ run: r.run });
    await expect(queue.submit('bad')).rejects.toThrow('job bad failed');
    expect(await queue.submit('ok')).toBe('done ok');
  });
});
