import { setTimeout as sleep } from 'node:timers/promises';
import {
  errorMessage,
  isRetriable,
  logSafeMessage,
  NonRetriableError,
  RetriableError,
} from '../../lib/errors.ts';
import { withRetry } from '../../lib/retry.ts';
import type { CommitOutcome, ConnectorContext, Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import {
  type Cursor,
  cursorSchema,
  type PollSourceConfig,
  pollSourceConfig,
  type UpdatedSinceCursor,
} from './poll-config.ts';
import { SeenVersions } from './poll-seen.ts';

export {
  type Cursor,
  cursorSchema,
  type PollSourceConfig,
  type PollSourceConfigInput,
  pollSourceConfig,
} from './poll-config.ts';

/** One item of a page, as the system connector read it. */
export interface PolledItem {
  /** The item's id in the system (the tie-breaker of `updated-since`). */
  id: string;
  /** When it last changed: a Date, or ISO 8601 with a zone (`2025-01-01T10:00:00Z`). */
  updatedAt: string | Date;
  bytes: Buffer;
  format?: string;
  name?: string;
}

export interface Page {
  items: PolledItem[];
  /** The next page's cursor; absent: derived (`updated-since`: after the last item; `offset`: after the page). */
  next?: Cursor;
}

export interface PollSourceOptions {
  config: PollSourceConfig;
  /**
   * Reads one page at `cursor`. `updated-since`: items with `(updatedAt, id)` after `(updatedSince, afterId)`, or
   * at or after `updatedSince` when there is no `afterId`, ascending by `(updatedAt, id)`. Throw a RetriableError
   * (with `retryAfterMs` for a 429) for a transient failure, a NonRetriableError when asking again cannot help.
   */
  fetchPage(cursor: Cursor, signal: AbortSignal, pageSize: number): Promise<Page>;
}

export interface PollSource extends SourceTask {
  /** The read cursor (ahead of the committed one while documents are in flight), for status. */
  cursor(): Cursor;
}

/*
 * Why `updated-since` misses no change made while a poll is under way:
 * - Pages follow each other by keyset, (updatedAt, id) after the last item read, never by offset: a record changed
 *   during the pass moves to a later updatedAt, so it is read again further on (this pass or the next) as a newer
 *   version, and no other record shifts between pages (with offsets, every record after it would shift back one
 *   place and one would be skipped). Equal timestamps across a page boundary are kept apart by the id.
 * - Each pass starts at the cursor minus `overlapMs`, inclusive: a change stamped before the cursor but committed
 *   after the pass read past it (the stamp is taken when the writing transaction starts; Odoo's write_date is
 *   `now()` of the transaction, with second precision) is read by the next pass, if it committed within the overlap.
 * - What the overlap reads again is dropped when it is a version already emitted (same id, updatedAt and bytes),
 *   and emitted when it is newer. The versions emitted inside the overlap window are part of the committed position
 *   (`seen`, the newest SEEN_IN_POSITION of them), written in the same Kafka transaction as the records, so after a
 *   restart the overlap drops them too: nothing emitted twice, nothing missed.
 */

/**
 * What keeps a polling task from resuming at `offset`, or undefined: its plugins' `checkOffset` (PATCH …/offsets), as
 * the drop folders' `fileDropOffsetProblem`.
 */
export function pollOffsetProblem(offset: unknown): string | undefined {
  if (cursorSchema.safeParse(offset).success) return undefined;
  return 'is not a polling cursor (one is {updatedSince, afterId?}, {pageToken} or {offset}, as GET …/offsets shows)';
}

/** Versions of the overlap window kept in a position at most (about 60 bytes each in the offsets topic). */
export const SEEN_IN_POSITION = 2000;
export function createPollSource(options: PollSourceOptions, context: ConnectorContext): PollSource {
  const config = pollSourceConfig.parse(options.config);
  const log = context.logger.child({ transport: 'poll', entity: config.entity });
  const stopping = new AbortController();
  const signal = AbortSignal.any([context.signal, stopping.signal]);
  const seen = new SeenVersions(Math.max(10_000, config.pageSize * 20));
  const initial = (): Cursor => {
    if (config.cursor === 'page-token') return { pageToken: null };
    if (config.cursor === 'offset') return { offset: 0 };
    return { updatedSince: new Date(config.initialUpdatedSince).toISOString() };
  };
  let committed = initial();
  let read = committed;
  /** The next page of the pass under way, or null between passes; `generation` drops pages of a pass given up. */
  let pass: { page: Cursor; generation: number } | null = null;
  let generation = 0;
  let nextPassAt = 0;
  let retryAt = 0;
  /** Why polling waits until retryAt (the system kept failing): what each poll says meanwhile. */
  let paused: RetriableError | undefined;

  const where = (cursor: Cursor) => `${context.name}: polling ${config.entity} at ${JSON.stringify(cursor)}`;

  function firstPage(): Cursor {
    if (!('updatedSince' in read)) return read;
    return { updatedSince: new Date(Date.parse(read.updatedSince) - config.overlapMs).toISOString() };
  }

  function isoOf(item: PolledItem, page: Cursor): string {
    const ms = item.updatedAt instanceof Date ? item.updatedAt.getTime() : Date.parse(item.updatedAt);
    if (Number.isNaN(ms))
      throw new NonRetriableError(
        `${where(page)}: item ${item.id} has an unreadable updatedAt "${item.updatedAt}"`,
      );
    return new Date(ms).toISOString();
  }

  /**
   * The position to commit for `cursor`: an `updated-since` cursor carries the versions emitted inside the overlap
   * window of the next pass, so a restart does not emit them again.
   */
  function positionOf(cursor: Cursor): Json {
    if (!('updatedSince' in cursor)) return cursor as Json;
    const { seen: _seen, ...bare } = cursor;
    const window = seen.since(Date.parse(cursor.updatedSince) - config.overlapMs, SEEN_IN_POSITION);
    return (window.length > 0 ? { ...bare, seen: window } : bare) as Json;
  }

  /** Turns a page into documents (versions not emitted yet), moves the read cursor, and picks the next page. */
  function accept(page: Cursor, result: Page): SourceDocument[] {
    const documents: SourceDocument[] = [];
    // A batch is one page, committed whole: its documents carry the cursor where each stands, and the versions the
    // overlap knew at the start of the page; the last one all the page's (see the end of this function).
    const seenAtStart = 'updatedSince' in read ? (positionOf(read) as { seen?: string[] }).seen : undefined;
    let previousMs = Number.NEGATIVE_INFINITY;
    result.items.forEach((item, index) => {
      const updatedAt = isoOf(item, page);
      const ms = Date.parse(updatedAt);
      if ('updatedSince' in read) {
        if (ms < previousMs)
          throw new NonRetriableError(
            `${where(page)}: items are not in ascending updatedAt order (at ${item.id})`,
          );
        previousMs = ms;
        const since = Date.parse(read.updatedSince);
        if (ms > since) read = { updatedSince: updatedAt, afterId: item.id };
        else if (ms === since) read = { updatedSince: read.updatedSince, afterId: item.id };
      } else if ('offset' in page) {
        read = { offset: page.offset + index + 1 };
      }
      const key = SeenVersions.key(item.id, updatedAt, item.bytes);
      if (seen.has(key)) return;
      seen.add(key, ms);
      documents.push({
        bytes: item.bytes,
        ...(item.format === undefined ? {} : { format: item.format }),
        ...(item.name === undefined ? {} : { name: item.name }),
        position: {
          partition: config.entity,
          offset: ('pageToken' in page
            ? page
            : 'updatedSince' in read && seenAtStart
              ? { ...read, seen: seenAtStart }
              : read) as Json,
        },
        deliveryId: `${config.entity}:${key}`,
        receivedAt: new Date(),
      });
    });
    const lastDocument = documents.at(-1);
    if (lastDocument?.position && 'updatedSince' in read)
      lastDocument.position = { partition: config.entity, offset: positionOf(read) };
    const last = result.items.at(-1);
    const full = result.items.length >= config.pageSize;
    let next: Cursor | undefined = result.next;
    if (!next && full && last && 'updatedSince' in page)
      next = { updatedSince: isoOf(last, page), afterId: last.id } satisfies UpdatedSinceCursor;
    if (!next && full && 'offset' in page) next = { offset: page.offset + result.items.length };
    if ('pageToken' in page && next) read = next;
    if (next) pass = { page: next, generation };
    else endPass();
    return documents;
  }

  function endPass(): void {
    pass = null;
    if ('updatedSince' in read) seen.forgetBefore(Date.parse(read.updatedSince) - config.overlapMs);
  }

  async function wait(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal }).catch(() => {});
  }

  async function fetchPage(page: Cursor): Promise<Page | null> {
    try {
      return await withRetry(() => options.fetchPage(page, signal, config.pageSize), {
        ...config.retry,
        signal,
        // Each retry at warn while the system starts failing; once polling is paused for it (the poll failed, which the
        // source logs once a minute), the retries of every later poll are at debug: they were 4 warnings a poll, 8 a
        // minute per entity for as long as the system was down.
        onRetry: (error, attempt) => {
          const line = { attempt, reason: logSafeMessage(error), page };
          if (paused) log.debug(line, 'page fetch failed, retrying');
          else log.warn(line, 'page fetch failed, retrying');
        },
      });
    } catch (error) {
      if (signal.aborted) return null;
      if (!isRetriable(error)) throw error;
      const asked = (error as { retryAfterMs?: number }).retryAfterMs ?? 0;
      retryAt = Date.now() + Math.max(asked, config.retry.maxDelayMs);
      log.debug({ reason: logSafeMessage(error), until: new Date(retryAt).toISOString() }, 'polling paused');
      // Said by every poll until a page is read again, so that the connector's status (lastError), its log and sync
      // health say the system is failing; before, the source answered [] and looked healthy while the system was down.
      paused = new RetriableError(
        `polling ${config.entity} failed, tried again shortly: ${errorMessage(error)}`,
        {
          cause: error,
        },
      );
      throw paused;
    }
  }

  return {
    async start(positions) {
      const saved = positions.get(config.entity);
      if (saved !== undefined) {
        const parsed = cursorSchema.safeParse(saved);
        if (!parsed.success)
          throw new NonRetriableError(
            `${context.name}: committed position of ${config.entity} is not a cursor: ${JSON.stringify(saved)}`,
          );
        committed = parsed.data;
        if ('updatedSince' in committed && committed.seen) {
          // The versions the last committed batch had emitted inside the overlap: the first pass drops them.
          for (const key of committed.seen) {
            const ms = SeenVersions.stampOf(key);
            if (!Number.isNaN(ms)) seen.add(key, ms);
          }
          const { seen: _restored, ...bare } = committed;
          committed = bare;
        }
      }
      read = committed;
      pass = null;
      nextPassAt = 0;
    },

    async poll() {
      while (!signal.aborted) {
        const now = Date.now();
        if (retryAt > now) {
          await wait(retryAt - now);
          retryAt = 0;
          if (paused && !signal.aborted) throw paused;
          return [];
        }
        if (!pass) {
          if (nextPassAt > now) {
            await wait(nextPassAt - now);
            // Waited out: the next poll starts the pass. (A timer may end a millisecond before Date.now() says the
            // time has come; the next poll then waited again and answered a second [], ending a caller's pass.)
            nextPassAt = 0;
            return [];
          }
          pass = { page: firstPage(), generation };
          nextPassAt = now + config.intervalMs;
        }
        const current = pass;
        const result = await fetchPage(current.page);
        paused = undefined;
        if (!result || current.generation !== generation) return [];
        const documents = accept(current.page, result);
        if (documents.length > 0) return documents;
      }
      return [];
    },

    async commit(documents, outcome: CommitOutcome) {
      const mine = documents.filter((document) => document.position?.partition === config.entity);
      if (outcome.ok) {
        const last = mine.at(-1)?.position;
        if (last) {
          const cursor = cursorSchema.parse(last.offset);
          if ('updatedSince' in cursor) {
            const { seen: _seen, ...bare } = cursor;
            committed = bare;
          } else committed = cursor;
        }
        return;
      }
      // Not on Kafka: read them again from the last committed cursor, as new. The task stopping (a rebalance, a
      // pause, the hub's shutdown) leaves its batch so every time: that is no trouble to warn of.
      (signal.aborted ? log.info : log.warn).call(
        log,
        { reason: outcome.error.message, documents: mine.length },
        'batch not committed: reading it again',
      );
      for (const document of mine)
        if (document.deliveryId) seen.delete(document.deliveryId.slice(config.entity.length + 1));
      read = committed;
      pass = null;
      generation += 1;
      nextPassAt = 0;
    },

    async stop() {
      stopping.abort();
    },

    cursor: () => read,
  };
}
