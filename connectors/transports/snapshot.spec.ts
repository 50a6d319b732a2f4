import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { NonRetriableError, RetriableError } from '../../lib/errors.ts';
import type { Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import {
  SNAPSHOT_PARTITION,
  type SnapshotPage,
  type SnapshotPager,
  withInitialSnapshot,
} from './snapshot.ts';

/** A change stream holding what a test queues: `poll` returns it at once, or [] after a short wait. */
function changeStream() {
  const queue: SourceDocument[] = [];
  const committed: Array<{ documents: SourceDocument[]; ok: boolean }> = [];
  let stopped = false;
  const task: SourceTask = {
    start: async () => {},
    async poll() {
      if (queue.length === 0 && !stopped) await new Promise((resolve) => setTimeout(resolve, 20));
      return queue.splice(0);
    },
    commit: async (documents, outcome) => void committed.push({ documents, ok: outcome.ok }),
    stop: async () => {
      stopped = true;
    },
    pollsAhead: true,
  };
  const change = (name: string): SourceDocument => ({ bytes: Buffer.from(name), name, position: null });
  return { task, queue, committed, change };
}

/** Pages of record names: `pages[i]` is read at cursor `{page: i}`; `failures` are thrown first, in order. */
function pagerOf(pages: string[][], failures: Error[] = []) {
  const reads: Array<Json | null> = [];
  const pager: SnapshotPager = {
    async page(cursor): Promise<SnapshotPage> {
      reads.push(cursor);
      const failure = failures.shift();
      if (failure) throw failure;
      const index = (cursor as { page?: number } | null)?.page ?? 0;
      return {
        documents: pages[index]!.map((name) => ({ bytes: Buffer.from(name), format: 'f', name })),
        next: index + 1 < pages.length ? { page: index + 1 } : null,
      };
    },
  };
  return { pager, reads };
}

const logger = pino({ level: 'silent' });
const context = () => ({ logger, signal: new AbortController().signal, name: 'test' });
const ok = { ok: true as const, published: 1, deadLettered: 0 };
const names = (documents: SourceDocument[]) => documents.map((d) => d.name);

describe('initial snapshot around a change stream', () => {
  it('reads page after page, each with the cursor after it, alternating with the changes; the last says done', async () => {
    const stream = changeStream();
    const { pager } = pagerOf([['a1', 'a2'], ['b1'], ['c1']]);
    const source = withInitialSnapshot(stream.task, pager, { mode: 'initial' }, context());
    await source.start(new Map());
    expect(source.pollsAhead).toBe(true);

    const first = await source.poll();
    expect(names(first)).toEqual(['a1', 'a2']);
    expect(first[0]!.position).toEqual({
      partition: SNAPSHOT_PARTITION,
      offset: expect.objectContaining({ cursor: { page: 1 }, records: 2, pages: 1 }),
    });
    // The change stream's turn, while the page is on its way; no second page before the first is committed.
    stream.queue.push(stream.change('edit-1'));
    expect(names(await source.poll())).toEqual(['edit-1']);
    expect(await source.poll()).toEqual([]);
    await source.commit(first, ok);
    expect(names(await source.poll())).toEqual(['b1']);
    expect(source.status!().snapshot).toMatchObject({ state: 'running', records: 2, pages: 1 });
  });

  it('reads the same page again when its batch was not committed, and stores done with the last', async () => {
    const stream = changeStream();
    const { pager, reads } = pagerOf([['a1'], ['b1']]);
    const source = withInitialSnapshot(stream.task, pager, { mode: 'initial' }, context());
    await source.start(new Map());
    const first = await source.poll();
    await source.commit(first, { ok: false, error: new RetriableError('broker away') });
    await source.poll(); // the change stream's turn
    const again = await source.poll();
    expect(names(again)).toEqual(['a1']);
    await source.commit(again, ok);
    await source.poll();
    const last = await source.poll();
    expect(names(last)).toEqual(['b1']);
    expect(last[0]!.position!.offset).toMatchObject({ done: true, records: 2, pages: 2, cursor: null });
    await source.commit(last, ok);
    expect(reads).toEqual([null, null, { page: 1 }]);
    expect(source.status!().snapshot).toMatchObject({ state: 'done', records: 2, pages: 2 });
    // Done: only the change stream from now on; its batches are committed to it, as they are.
    stream.queue.push(stream.change('edit-2'));
    const changes = await source.poll();
    await source.commit(changes, ok);
    expect(stream.committed).toEqual([{ documents: changes, ok: true }]);
    expect(reads).toHaveLength(3);
  });

  it('resumes at the stored cursor; once done, reads again only with mode always', async () => {
    const { pager, reads } = pagerOf([['a1'], ['b1'], ['c1']]);
    const resumed = withInitialSnapshot(changeStream().task, pager, { mode: 'initial' }, context());
    const running = { cursor: { page: 2 }, records: 7, pages: 2, startedAt: '2025-01-01T00:00:00.000Z' };
    await resumed.start(new Map([[SNAPSHOT_PARTITION, running]]));
    const page = await resumed.poll();
    expect(names(page)).toEqual(['c1']);
    expect(page[0]!.position!.offset).toMatchObject({
      records: 8,
      pages: 3,
      done: true,
      startedAt: running.startedAt,
    });

    const done = { ...running, cursor: null, done: true, finishedAt: '2025-01-01T00:01:00.000Z' };
    const again = withInitialSnapshot(changeStream().task, pager, { mode: 'initial' }, context());
    await again.start(new Map([[SNAPSHOT_PARTITION, done]]));
    expect(await again.poll()).toEqual([]);
    expect(again.status!().snapshot).toMatchObject({ state: 'done', records: 7 });
    const always = withInitialSnapshot(changeStream().task, pager, { mode: 'always' }, context());
    await always.start(new Map([[SNAPSHOT_PARTITION, done]]));
    const fresh = await always.poll();
    expect(names(fresh)).toEqual(['a1']);
    expect(fresh[0]!.position!.offset).toMatchObject({ records: 1, pages: 1, cursor: { page: 1 } });
    const never = withInitialSnapshot(changeStream().task, pager, { mode: 'never' }, context());
    await never.start(new Map());
    expect(await never.poll()).toEqual([]);
    expect(reads).toEqual([{ page: 2 }, null]);
  });

  it('steps over empty pages, and marks an empty end by a position alone', async () => {
    const { pager } = pagerOf([[], ['b1'], []]);
    const source = withInitialSnapshot(changeStream().task, pager, { mode: 'initial' }, context());
    await source.start(new Map());
    const page = await source.poll();
    expect(names(page)).toEqual(['b1']);
    expect(page[0]!.position!.offset).toMatchObject({ cursor: { page: 2 }, records: 1 });
    await source.commit(page, ok);
    await source.poll();
    const end = await source.poll();
    expect(end).toEqual([
      expect.objectContaining({
        positionOnly: true,
        position: expect.objectContaining({ partition: 'snapshot' }),
      }),
    ]);
    expect(end[0]!.position!.offset).toMatchObject({ done: true, records: 1, pages: 2 });
  });

  it('gives up on a page the system refuses, the changes going on; waits after a transient failure', async () => {
    const stream = changeStream();
    const refused = pagerOf([['a1']], [new NonRetriableError('INVALID_FIELD')]);
    const source = withInitialSnapshot(stream.task, refused.pager, { mode: 'initial' }, context());
    await source.start(new Map());
    expect(await source.poll()).toEqual([]);
    expect(source.status!().snapshot).toMatchObject({ state: 'failed', lastError: 'INVALID_FIELD' });
    stream.queue.push(stream.change('edit-3'));
    expect(names(await source.poll())).toEqual(['edit-3']);
    expect(refused.reads).toHaveLength(1);

    const flaky = pagerOf([['a1']], [new RetriableError('503')]);
    const waiting = withInitialSnapshot(changeStream().task, flaky.pager, { mode: 'initial' }, context());
    await waiting.start(new Map());
    expect(await waiting.poll()).toEqual([]);
    expect(waiting.status!().snapshot).toMatchObject({ state: 'waiting', lastError: '503' });
    expect(await waiting.poll()).toEqual([]); // the retry is seconds away: the change stream only
    expect(flaky.reads).toHaveLength(1);
    await waiting.stop();
  });
});
