import { errorMessage, isRetriable } from '../../lib/errors.ts';
import type { CommitOutcome, ConnectorContext, Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import { HttpLimitWaitError } from './http-errors.ts';
import type { SnapshotConfig } from './snapshot-config.ts';
import { webhookOffsetProblem } from './webhook.ts';

export { type SnapshotConfig, snapshotConfig } from './snapshot-config.ts';

/** The source partition that holds the snapshot's position (its page cursor, then `done`). */
export const SNAPSHOT_PARTITION = 'snapshot';

/** One record read by the snapshot, in the system's own format. */
export interface SnapshotDocument {
  bytes: Buffer;
  format: string;
  name: string;
  /** The record version's id (CloudEvents id of its event), e.g. `Account/001…@2024-06-01T10:00:00.000+0000`. */
  id?: string;
}

export interface SnapshotPage {
  /** One document per record, in the order read. */
  documents: SnapshotDocument[];
  /** Where the next page starts (JSON, stored as the position); null: this page was the last. */
  next: Json | null;
}

/** A system's paged read of every record (SOQL with nextRecordsUrl, HubSpot's list with `after`). */
export interface SnapshotPager {
  /**
   * Reads the page at `cursor` (null: the first). Throws a RetriableError for a transient failure (after its own
   * bounded retries), anything else when asking again cannot help (a query the org refuses, a revoked token).
   */
  page(cursor: Json | null, signal: AbortSignal): Promise<SnapshotPage>;
  /**
   * The parts the pager reads (HubSpot: `contacts`, `companies`), kept in the snapshot's position. A pager that now
   * reads more than a finished snapshot did (a part its configuration added since) says with `continueAfter` where
   * the parts not read yet begin.
   */
  scope?: string[];
  /**
   * Given the parts a finished snapshot read (`undefined`: one stored before positions kept them), the cursor where
   * the parts it did not read begin, or null when it read every part this pager reads.
   */
  continueAfter?(readBefore: string[] | undefined): Json | null;
}

interface Progress {
  cursor: Json | null;
  records: number;
  pages: number;
  startedAt: string;
  finishedAt?: string;
  done?: boolean;
  /** The parts its pager read (SnapshotPager.scope). */
  scope?: string[];
}

export type SnapshotState = 'off' | 'running' | 'waiting' | 'done' | 'failed';

/** After a page read failed for good (its retries spent), the next try waits this long, doubling up to the max. */
const FIRST_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 120_000;
/** Progress is logged at most this often (and at start, resume and end). */
const LOG_EVERY_MS = 5_000;

function progressOf(offset: Json | undefined): Progress | undefined {
  if (!offset || typeof offset !== 'object' || Array.isArray(offset)) return undefined;
  const o = offset as Record<string, Json>;
  if (typeof o.startedAt !== 'string') return undefined;
  return {
    cursor: o.cursor ?? null,
    records: typeof o.records === 'number' ? o.records : 0,
    pages: typeof o.pages === 'number' ? o.pages : 0,
    startedAt: o.startedAt,
    ...(typeof o.finishedAt === 'string' ? { finishedAt: o.finishedAt } : {}),
    ...(o.done === true ? { done: true } : {}),
    ...(Array.isArray(o.scope) && o.scope.every((part) => typeof part === 'string')
      ? { scope: o.scope as string[] }
      : {}),
  };
}

/**
 * What keeps a source with an initial snapshot from resuming at `offset` of its `snapshot` partition, or undefined
 * (its plugins' `checkOffset`; other partitions are the change stream's to check).
 */
export function snapshotOffsetProblem(offset: unknown): string | undefined {
  if (progressOf(offset as Json) !== undefined) return undefined;
  return 'is not a snapshot position ({cursor, records, pages, startedAt, finishedAt?, done?, scope?}, as GET …/offsets shows; a reset of the partition snapshots again)';
}

/**
 * The positions of a webhook source with an initial snapshot (`withInitialSnapshot`): the snapshot's partition, and
 * the webhook's delivery ids (`webhookOffsetProblem`).
 */
export function changeStreamOffsetProblem(partition: string, offset: unknown): string | undefined {
  return partition === SNAPSHOT_PARTITION
    ? snapshotOffsetProblem(offset)
    : webhookOffsetProblem(partition, offset);
}

function offsetOf(progress: Progress): Json {
  return { ...progress } as unknown as Json;
}

/**
 * Wraps a change-stream source (a webhook) with an initial snapshot, as Debezium's `snapshot.mode: initial`: on the
 * connector's first start (no position in the `snapshot` partition) the pager reads every record page by page; each
 * page is one batch of documents whose position is the cursor after it, written by the runtime in the same Kafka
 * transaction as the page's records, so a restart resumes after the last committed page and a `read_committed`
 * consumer sees no record twice. The last page's position says `done`; from then on the snapshot is never read again
 * (a reset of the connector's offsets removes the position: the next start snapshots again). With `always` every start
 * reads everything again, except that a start after an interrupted one resumes it.
 *
 * Changes that arrive meanwhile are not lost and not overtaken by older snapshot data. A page's documents go to the
 * runtime in the poll that read the page, before any change the source received after the read began; changes
 * received before hold no newer value than the page. Both are keyed alike (the record's id), so on their partition
 * every change the page missed comes after it, and the snapshot record carries the record's own modification time
 * as `occurredAt`. Pages alternate with the change stream (one page at a time, each committed before the next is
 * read), so a long snapshot does not hold the webhooks back. A page refused for a quota spent until a known time (an
 * HttpLimitWaitError: HubSpot's daily API limit) is read again at that time: one warn line, status `waiting` with the
 * error saying until when; other transient failures back off 5 s doubling to 2 min.
 */
export function withInitialSnapshot(
  inner: SourceTask,
  pager: SnapshotPager,
  config: Pick<SnapshotConfig, 'mode'>,
  context: Pick<ConnectorContext, 'logger' | 'signal' | 'name'>,
): SourceTask {
  const log = context.logger.child({ snapshot: config.mode });
  let state: SnapshotState = 'off';
  let stopped = false;
  /** Where the snapshot stands on Kafka: the last committed page's position. */
  let committed: Progress = { cursor: null, records: 0, pages: 0, startedAt: new Date().toISOString() };
  /** The page batch handed to the runtime and not committed yet: at most one. */
  let outstanding: SourceDocument[] | null = null;
  /** After a page batch, the change stream's turn: one poll of the inner source before the next page. */
  let innerTurn = false;
  let retryAt = 0;
  let failures = 0;
  let lastError: string | null = null;
  let loggedAt = 0;
  const wakers = new Set<() => void>();
  let retryTimer: NodeJS.Timeout | undefined;
  /** A poll of the inner source under way, kept across polls so nothing it returns is lost. */
  let pending: Promise<void> | undefined;
  let innerResult: SourceDocument[] | undefined;
  let innerError: unknown;

  const wake = () => {
    for (const waker of [...wakers]) waker();
  };

  const readable = () =>
    state === 'running' &&
    !stopped &&
    !context.signal.aborted &&
    outstanding === null &&
    Date.now() >= retryAt;

  function waitForPage(): Promise<void> {
    if (state !== 'running' && state !== 'waiting') return new Promise<void>(() => {});
    return new Promise((resolve) => {
      const done = () => {
        wakers.delete(done);
        resolve();
      };
      wakers.add(done);
    });
  }

  function summary(): { [key: string]: Json } {
    return {
      mode: config.mode,
      state,
      records: committed.records,
      pages: committed.pages,
      startedAt: state === 'off' ? null : committed.startedAt,
      finishedAt: committed.finishedAt ?? null,
      lastError,
    };
  }

  async function readPage(): Promise<SourceDocument[]> {
    let cursor = committed.cursor;
    let page: SnapshotPage;
    const readAt = new Date();
    try {
      // A page with no record and a next one (an object with no records, say) is stepped over, not stored.
      for (;;) {
        page = await pager.page(cursor, context.signal);
        if (page.documents.length > 0 || page.next === null) break;
        cursor = page.next;
      }
    } catch (error) {
      if (stopped || context.signal.aborted) return [];
      lastError = errorMessage(error);
      if (!isRetriable(error)) {
        state = 'failed';
        log.error(
          { error: lastError, records: committed.records, pages: committed.pages },
          'initial snapshot failed: it is not tried again until the connector restarts; changes go on',
        );
        return [];
      }
      // A quota spent until a known time (HubSpot's daily API limit): the page is read again then, not before.
      const limit = error instanceof HttpLimitWaitError ? error : undefined;
      if (!limit) failures += 1;
      const delay = limit
        ? (limit.retryAfterMs ?? 0)
        : Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (failures - 1));
      retryAt = Date.now() + delay;
      state = 'waiting';
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => {
        if (state === 'waiting') state = 'running';
        wake();
      }, delay);
      retryTimer.unref?.();
      if (limit)
        log.warn(
          { error: lastError, until: limit.until.toISOString() },
          `${limit.reason}: the initial snapshot waits until ${limit.until.toISOString()}, then reads the page again`,
        );
      else
        log.warn(
          { error: lastError, retryInMs: delay },
          'initial snapshot page not read; trying again later',
        );
      return [];
    }
    failures = 0;
    const last = page.next === null;
    const progress: Progress = {
      cursor: page.next,
      records: committed.records + page.documents.length,
      pages: committed.pages + 1,
      startedAt: committed.startedAt,
      ...(pager.scope ? { scope: pager.scope } : {}),
      ...(last ? { done: true, finishedAt: new Date().toISOString() } : {}),
    };
    const position = { partition: SNAPSHOT_PARTITION, offset: offsetOf(progress) };
    const documents: SourceDocument[] =
      page.documents.length > 0
        ? page.documents.map((d) => ({
            bytes: d.bytes,
            format: d.format,
            name: d.name,
            ...(d.id === undefined ? {} : { id: d.id }),
            receivedAt: readAt,
            position,
          }))
        : // The last page was empty: its position alone says the snapshot is done.
          [{ bytes: Buffer.alloc(0), name: 'snapshot end', position, positionOnly: true }];
    outstanding = documents;
    innerTurn = true;
    return documents;
  }

  function committedPage(outcome: CommitOutcome): void {
    const documents = outstanding!;
    outstanding = null;
    if (!outcome.ok) {
      // Not on Kafka: the next page read starts again at the last committed cursor.
      log.warn(
        { error: errorMessage(outcome.error) },
        'initial snapshot page not committed; it is read again',
      );
      wake();
      return;
    }
    const progress = progressOf(documents[0]!.position!.offset)!;
    committed = progress;
    lastError = null;
    const now = Date.now();
    if (progress.done) {
      state = 'done';
      log.info(
        { records: progress.records, pages: progress.pages, startedAt: progress.startedAt },
        'initial snapshot done',
      );
    } else if (now - loggedAt >= LOG_EVERY_MS) {
      loggedAt = now;
      log.info({ records: progress.records, pages: progress.pages }, 'initial snapshot progress');
    }
    wake();
  }

  return {
    async start(positions) {
      const stored = progressOf(positions.get(SNAPSHOT_PARTITION));
      // Done before, with parts the pager now reads that it did not (a list the configuration added since).
      const more = stored?.done && config.mode === 'initial' ? pager.continueAfter?.(stored.scope) : null;
      if (config.mode === 'never') state = 'off';
      else if (stored && more) {
        state = 'running';
        const { done: _done, finishedAt: _finished, ...read } = stored;
        committed = { ...read, cursor: more };
        loggedAt = Date.now();
        log.info(
          { records: stored.records, readBefore: stored.scope ?? null, reads: pager.scope ?? null },
          'initial snapshot was done before; it reads what the connector reads since',
        );
      } else if (stored?.done && config.mode === 'initial') {
        state = 'done';
        committed = stored;
        log.info(
          { records: stored.records, finishedAt: stored.finishedAt },
          'initial snapshot was done before; not read again',
        );
      } else {
        state = 'running';
        // `always` after a finished one: a new snapshot (its pages replace the old position as they commit).
        if (stored && !stored.done) committed = stored;
        loggedAt = Date.now();
        log.info(
          { records: committed.records, pages: committed.pages },
          stored && !stored.done ? 'initial snapshot resumes' : 'initial snapshot starts',
        );
      }
      await inner.start(positions);
    },

    async poll() {
      if (readable() && !innerTurn) return readPage();
      pending ??= inner.poll().then(
        (documents) => {
          innerResult = documents;
        },
        (error: unknown) => {
          innerError = error ?? new Error('poll failed');
        },
      );
      // The change stream's turn after a page: wait for what it has. Else a page that becomes readable (the one
      // before committed, a retry due) ends the wait; the inner poll stays under way for the next call.
      if (innerTurn || !(state === 'running' || state === 'waiting')) await pending;
      else await Promise.race([pending, waitForPage()]);
      if (innerError !== undefined) {
        const error = innerError;
        innerError = undefined;
        pending = undefined;
        innerTurn = false;
        throw error;
      }
      if (!innerResult) return [];
      const documents = innerResult;
      innerResult = undefined;
      pending = undefined;
      innerTurn = false;
      return documents;
    },

    async commit(documents, outcome) {
      if (documents === outstanding) return committedPage(outcome);
      return inner.commit(documents, outcome);
    },

    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      wake();
      await inner.stop();
    },

    status() {
      return { ...(inner.status?.() ?? {}), snapshot: summary() };
    },

    ...(inner.pollsAhead === undefined ? {} : { pollsAhead: inner.pollsAhead }),
  };
}
