import { errorMessage, isRetriable } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { CommitOutcome, ConnectorContext, Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import type { SnapshotDocument } from '../transports/snapshot.ts';
import { cdcHeaderOf, REREADABLE } from './gap-reread.ts';
import { cursorParts, type SoqlCursor, type SoqlPage, sobjectDocument } from './snapshot.ts';

/** The source partition that holds the GAP_OVERFLOW reads still to do, and where the one under way stands. */
export const OVERFLOW_PARTITION = 'gap-overflow';

/** Salesforce's empty record id: an overflow event's only entry in `recordIds` (it names no record). */
export const EMPTY_RECORD_ID = '000000000000000AAA';

/** The format of the change events (formats/salesforce-cdc): a deleted record is published as a DELETE event. */
const CDC_FORMAT = 'salesforce-cdc';
/** What the read of the deleted records selects: the id, and when and by whom it was deleted. */
const DELETED_FIELDS = ['Id', 'SystemModstamp', 'LastModifiedById'];

/** After a page read failed for good (its retries spent), the next try waits this long, doubling up to the max. */
const FIRST_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 120_000;
/** Progress is logged at most this often (and at start, resume and end). */
const LOG_EVERY_MS = 5_000;

/** What a GAP_OVERFLOW event says: the entity and the transaction's commit time (epoch ms). */
interface Overflow {
  entity: string;
  commitTimestamp: number;
}

/** The entity and commit time of a CDC document that is a GAP_OVERFLOW of a re-readable entity; else undefined. */
export function overflowOf(bytes: Buffer): Overflow | undefined {
  // Every document of every batch is asked: most are not one, and a byte search is cheaper than a parse.
  if (!bytes.includes('GAP_OVERFLOW')) return undefined;
  const header = cdcHeaderOf(bytes);
  if (header?.changeType !== 'GAP_OVERFLOW') return undefined;
  if (typeof header.entityName !== 'string' || !REREADABLE.has(header.entityName)) return undefined;
  const commitTimestamp = Number(header.commitTimestamp);
  if (!Number.isSafeInteger(commitTimestamp) || commitTimestamp <= 0) return undefined;
  return { entity: header.entityName, commitTimestamp };
}

/** One entity's records to read, changed since a time, and where the read stands. */
interface OverflowRead {
  entity: string;
  /** The SOQL bound, `SystemModstamp >= <since>`: the commit time less the lookback, in whole seconds (UTC). */
  since: string;
  /** The event that asked for it, `salesforce:<transactionKey>:<sequenceNumber>` (logs, status). */
  event: string;
  /** `changed`: the records changed since (`query`); then `deleted`: those deleted since (`queryAll`). */
  phase: 'changed' | 'deleted';
  /** The last Id read and the query locator of the next batch (`SoqlCursor`); both null before the first page. */
  after: string | null;
  next: string | null;
  records: number;
  pages: number;
  recordedAt: string;
}

/** The partition's offset: the reads still to do, in order (the first one under way), and the ones finished. */
interface OverflowState {
  reads: OverflowRead[];
  /** Reads finished and records read by them, since the connector's offsets were reset. */
  finished: number;
  records: number;
}

const EMPTY: OverflowState = { reads: [], finished: 0, records: 0 };

const count = (value: Json | undefined) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;

function readOf(json: Json): OverflowRead | undefined {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const r = json as Record<string, Json>;
  if (typeof r.entity !== 'string' || !REREADABLE.has(r.entity)) return undefined;
  if (typeof r.since !== 'string' || Number.isNaN(Date.parse(r.since))) return undefined;
  return {
    entity: r.entity,
    since: sinceOf(Date.parse(r.since)),
    event: typeof r.event === 'string' ? r.event : '',
    phase: r.phase === 'deleted' ? 'deleted' : 'changed',
    ...cursorParts(r),
    records: count(r.records) ?? 0,
    pages: count(r.pages) ?? 0,
    recordedAt: typeof r.recordedAt === 'string' ? r.recordedAt : new Date().toISOString(),
  };
}

function stateOf(offset: Json | undefined): OverflowState | undefined {
  if (!offset || typeof offset !== 'object' || Array.isArray(offset)) return undefined;
  const o = offset as Record<string, Json>;
  if (!Array.isArray(o.reads)) return undefined;
  const reads = o.reads.map(readOf);
  if (reads.some((read) => read === undefined)) return undefined;
  return { reads: reads as OverflowRead[], finished: count(o.finished) ?? 0, records: count(o.records) ?? 0 };
}

/**
 * What keeps the CDC source from resuming at `offset` of its `gap-overflow` partition, or undefined (its plugin's
 * `checkOffset`).
 */
export function overflowOffsetProblem(offset: unknown): string | undefined {
  if (stateOf(offset as Json) !== undefined) return undefined;
  return 'is not a GAP_OVERFLOW read position ({reads: [{entity: Account|Contact, since, event, phase: changed|deleted, after, next, records, pages, recordedAt}], finished, records}, as GET …/offsets shows; {"reads": []} forgets them)';
}

/** A SOQL datetime literal in whole seconds, `2024-06-01T10:00:00Z` (rounded down: the bound only widens). */
function sinceOf(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * `state` with a read of `entity` since `since` added, or undefined when one already covers it: a read of the same
 * entity from that time, or one that has not read a page yet from that time or earlier (a redelivered event, two
 * overflows before the first was read), which then starts from the earlier of the two times. Only the first read is
 * ever under way, so an entity has at most two: the one being read, and one waiting.
 */
function withRead(
  state: OverflowState,
  entity: string,
  since: string,
  event: string,
): OverflowState | undefined {
  const waiting = state.reads.findIndex(
    (read) => read.entity === entity && (read.since === since || read.pages === 0),
  );
  if (waiting >= 0) {
    const read = state.reads[waiting]!;
    if (read.since <= since) return undefined;
    const reads = [...state.reads];
    reads[waiting] = { ...read, since };
    return { ...state, reads };
  }
  const read: OverflowRead = {
    entity,
    since,
    event,
    phase: 'changed',
    after: null,
    next: null,
    records: 0,
    pages: 0,
    recordedAt: new Date().toISOString(),
  };
  return { ...state, reads: [...state.reads, read] };
}

export interface OverflowRereadOptions {
  /** The entity's fields to select: its describe's, as the GAP re-read reads them (`RecordReader.fields`). */
  fields(entity: string): Promise<string[]>;
  /** One batch of a SOQL read in Id order (`createSoqlPages`). */
  page(cursor: SoqlCursor, fields: readonly string[], where: string): Promise<SoqlPage>;
  /** How far before the commit time the read starts, in ms (a transaction's records may be stamped before it). */
  lookbackMs: number;
  /**
   * One batch of a `queryAll` read in Id order (`createSoqlPages` with `resource: 'queryAll'`): the records deleted
   * since, in the Recycle Bin, each published as a DELETE change event. Without it, deleted records are not read.
   */
  deleted?(cursor: SoqlCursor, fields: readonly string[], where: string): Promise<SoqlPage>;
}

/**
 * A record the overflow's transaction deleted, read by `queryAll`, as the change event Salesforce would have sent for
 * it: a `salesforce-cdc` DELETE of that record id, mapped by the same salesforce/cdc.to-canonical.yaml as a DELETE
 * (DELETED, ids only). Its header names the overflow event's transaction (`event`, `salesforce:<key>:<sequence>`), the
 * record's SystemModstamp as the commit time and its LastModifiedById as the user (who deleted it). Its id
 * `<entity>/<Id>@<SystemModstamp>:deleted`: read again (a page not committed), the same.
 */
export function deletedDocument(
  entity: string,
  record: Record<string, unknown>,
  event: string,
): SnapshotDocument {
  const id = String(record.Id);
  const stamp = String(record.SystemModstamp ?? '');
  const [, transactionKey = event, sequence = '1'] = /^salesforce:(.+):(\d+)$/.exec(event) ?? [];
  const commitTimestamp = Date.parse(stamp.replace(/\+0000$/, 'Z'));
  const header = {
    entityName: entity,
    recordIds: [id],
    changeType: 'DELETE',
    changeOrigin: '',
    transactionKey,
    sequenceNumber: Number(sequence),
    commitTimestamp: Number.isNaN(commitTimestamp) ? Date.now() : commitTimestamp,
    commitUser: typeof record.LastModifiedById === 'string' ? record.LastModifiedById : '',
    // The transaction's system change number is not in the read (nothing maps it).
    commitNumber: 0,
    changedFields: [],
    nulledFields: [],
    diffFields: [],
  };
  return {
    bytes: Buffer.from(JSON.stringify({ payload: { ChangeEventHeader: header } })),
    format: CDC_FORMAT,
    name: `${entity}/${id}#deleted`,
    id: `${entity}/${id}@${stamp}:deleted`,
  };
}

export type OverflowReadState = 'idle' | 'reading' | 'waiting' | 'failed';

/**
 * Wraps the CDC source so that a GAP_OVERFLOW of an entity the connector re-reads (Account, Contact) is answered by
 * reading that entity's records changed since the event's commit time: `SELECT <describe's fields> FROM <entity>
 * WHERE SystemModstamp >= <commit time less lookbackMs> ORDER BY Id`, page by page (`nextRecordsUrl`), each record a
 * `salesforce-sobject` document as a GAP re-read gives it (UPDATED with every field read).
 *
 * The read may cover 100,000 records and more: it is a background job of the connector, as the initial snapshot is,
 * not part of the event's webhook request. The event's batch carries the job (the `gap-overflow` partition's offset:
 * the reads to do, and where the one under way stands), written by the runtime in the same Kafka transaction as the
 * batch, and the request is answered once that is committed: the relay does not wait for the read, and a job
 * recorded is never lost. The event itself goes on too (the CDC mapping publishes RESYNC_REQUESTED for the entity).
 * The query does not return what the transaction deleted: with `options.deleted`, once the changed records are read,
 * `queryAll` reads `SELECT Id, SystemModstamp, LastModifiedById FROM <entity> WHERE IsDeleted = true AND
 * SystemModstamp >= <the same time> ORDER BY Id`, paged alike, and each record is published as the DELETE change
 * event Salesforce would have sent (`deletedDocument`, through the CDC mapping: DELETED, ids only). A record purged
 * from the Recycle Bin by then (emptied, or after 15 days) is not found: only a reconcile shows it.
 *
 * Then each page is one batch, its position the job advanced past it, committed before the next page is read and
 * alternating with the change stream (one page in flight), so webhooks are not held back; a restart resumes after the
 * last committed page (the query locator, else `Id > <last Id read>`). Reads run one after the other, oldest first.
 * A transient failure (its retries spent) waits 5 s doubling to 2 min and reads the page again; any other stops the
 * reads until the connector restarts (status `failed`), the change stream going on.
 */
export function withOverflowRereads(
  inner: SourceTask,
  options: OverflowRereadOptions,
  context: Pick<ConnectorContext, 'logger' | 'signal'>,
): SourceTask {
  const log: Logger = context.logger.child({ overflow: true });
  /** The reads as on Kafka: the last committed batch's position. */
  let committed: OverflowState = EMPTY;
  /** The reads as the batches handed out leave them (the committed ones, and those polled since). */
  let current: OverflowState = EMPTY;
  let state: OverflowReadState = 'idle';
  let stopped = false;
  /** The page batch handed to the runtime and not committed yet (at most one), and the reads after it. */
  let outstanding: { documents: SourceDocument[]; after: OverflowState } | null = null;
  /** Batches of the inner source that record a read: the inner batch, and the reads as they leave them. */
  const recording = new WeakMap<SourceDocument[], { documents: SourceDocument[]; after: OverflowState }>();
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

  /** Whether a page may become readable while the inner source is polled: reads to do, and not stopped for good. */
  const active = () => current.reads.length > 0 && state !== 'failed' && !stopped;

  const readable = () => active() && !context.signal.aborted && outstanding === null && Date.now() >= retryAt;

  function waitForPage(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        wakers.delete(done);
        resolve();
      };
      wakers.add(done);
    });
  }

  /** A batch failed: what was handed out after the last committed one is not on Kafka (the runtime fails the rest). */
  function rollBack(): void {
    current = committed;
    if (current.reads.length === 0 && state !== 'failed') state = 'idle';
  }

  /** Where the reads stand on Kafka (as the snapshot's status says its committed pages). */
  function summary(): { [key: string]: Json } {
    const read = committed.reads[0];
    return {
      state,
      pending: committed.reads.length,
      entity: read?.entity ?? null,
      since: read?.since ?? null,
      records: read?.records ?? 0,
      pages: read?.pages ?? 0,
      finished: committed.finished,
      recordsRead: committed.records,
      lastError,
    };
  }

  /** The inner batch, with the reads its GAP_OVERFLOW events ask for recorded in its position. */
  function record(documents: SourceDocument[]): SourceDocument[] {
    let after = current;
    for (const document of documents) {
      const overflow = overflowOf(document.bytes);
      if (!overflow) continue;
      const event = document.deliveryId ?? document.name ?? '';
      const since = sinceOf(overflow.commitTimestamp - options.lookbackMs);
      const added = withRead(after, overflow.entity, since, event);
      log.info(
        {
          entity: overflow.entity,
          commitTimestamp: new Date(overflow.commitTimestamp).toISOString(),
          since,
          event,
        },
        added
          ? "GAP_OVERFLOW: the entity's records changed since the commit are read in the background"
          : 'GAP_OVERFLOW: a read waiting already covers it',
      );
      if (added) after = added;
    }
    if (after === current) return documents;
    current = after;
    if (state === 'idle') state = 'reading';
    const out = [
      ...documents,
      {
        bytes: Buffer.alloc(0),
        name: 'GAP_OVERFLOW reads',
        position: { partition: OVERFLOW_PARTITION, offset: after as unknown as Json },
        positionOnly: true,
      },
    ];
    recording.set(out, { documents, after });
    wake();
    return out;
  }

  async function readPage(): Promise<SourceDocument[]> {
    const read = current.reads[0]!;
    const readAt = new Date();
    let cursor: SoqlCursor = { object: read.entity, after: read.after, next: read.next };
    let page: SoqlPage;
    if (read.pages === 0 && read.after === null && read.next === null)
      log.info({ entity: read.entity, since: read.since, event: read.event }, 'GAP_OVERFLOW read starts');
    const deleted = read.phase === 'deleted' ? options.deleted : undefined;
    try {
      const fields = deleted ? DELETED_FIELDS : await options.fields(read.entity);
      // A batch with no record and a next one is stepped over, not stored.
      for (;;) {
        page = deleted
          ? await deleted(cursor, fields, `IsDeleted = true AND SystemModstamp >= ${read.since}`)
          : await options.page(cursor, fields, `SystemModstamp >= ${read.since}`);
        if (page.records.length > 0 || page.next === null) break;
        cursor = page.next;
      }
    } catch (error) {
      if (stopped || context.signal.aborted) return [];
      lastError = errorMessage(error);
      if (!isRetriable(error)) {
        state = 'failed';
        log.error(
          { entity: read.entity, since: read.since, error: lastError, records: read.records },
          'GAP_OVERFLOW read failed: it is not tried again until the connector restarts; changes go on',
        );
        return [];
      }
      failures += 1;
      const delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (failures - 1));
      retryAt = Date.now() + delay;
      state = 'waiting';
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => {
        if (state === 'waiting') state = 'reading';
        wake();
      }, delay);
      retryTimer.unref?.();
      log.warn(
        { entity: read.entity, error: lastError, retryInMs: delay },
        'GAP_OVERFLOW page not read; trying again later',
      );
      return [];
    }
    // A batch failed meanwhile and took the read back to where Kafka has it: this page is not that one's next.
    if (current.reads[0] !== read) return [];
    failures = 0;
    const records = page.records.length;
    const rest = current.reads.slice(1);
    const advanced = { ...read, records: read.records + records, pages: read.pages + 1 };
    // The changed records read: the deleted ones next, from the start (when the connector reads them).
    const toDeleted = page.next === null && read.phase === 'changed' && options.deleted !== undefined;
    const after: OverflowState = page.next
      ? { ...current, reads: [{ ...advanced, after: page.next.after, next: page.next.next }, ...rest] }
      : toDeleted
        ? { ...current, reads: [{ ...advanced, phase: 'deleted', after: null, next: null }, ...rest] }
        : { reads: rest, finished: current.finished + 1, records: current.records + advanced.records };
    const position = { partition: OVERFLOW_PARTITION, offset: after as unknown as Json };
    const documents: SourceDocument[] =
      records > 0
        ? page.records.map((record) => ({
            ...(deleted
              ? deletedDocument(read.entity, record, read.event)
              : sobjectDocument(read.entity, record)),
            receivedAt: readAt,
            position,
          }))
        : // Nothing (more) changed: the position alone says the read is done.
          [{ bytes: Buffer.alloc(0), name: 'GAP_OVERFLOW read end', position, positionOnly: true }];
    current = after;
    outstanding = { documents, after };
    innerTurn = true;
    return documents;
  }

  function committedPage(outcome: CommitOutcome): void {
    const page = outstanding!;
    outstanding = null;
    if (!outcome.ok) {
      // Not on Kafka: the read goes back to the last committed page, and reads this one again.
      log.warn({ error: errorMessage(outcome.error) }, 'GAP_OVERFLOW page not committed; it is read again');
      rollBack();
      wake();
      return;
    }
    const read = committed.reads[0];
    const finished = page.after.finished > committed.finished;
    committed = page.after;
    lastError = null;
    const now = Date.now();
    if (finished && read) {
      loggedAt = now;
      const records = page.documents.filter((document) => !document.positionOnly).length;
      log.info(
        { entity: read.entity, since: read.since, records: read.records + records, pages: read.pages + 1 },
        'GAP_OVERFLOW read done',
      );
    } else if (now - loggedAt >= LOG_EVERY_MS) {
      loggedAt = now;
      const under = committed.reads[0];
      log.info(
        { entity: under?.entity, records: under?.records, pages: under?.pages },
        'GAP_OVERFLOW read progress',
      );
    }
    if (current.reads.length === 0 && state !== 'failed') state = 'idle';
    wake();
  }

  return {
    async start(positions) {
      const stored = stateOf(positions.get(OVERFLOW_PARTITION));
      if (stored) {
        committed = current = stored;
        const read = stored.reads[0];
        if (read) {
          state = 'reading';
          loggedAt = Date.now();
          log.info(
            { entity: read.entity, since: read.since, records: read.records, pending: stored.reads.length },
            'GAP_OVERFLOW read resumes',
          );
        }
      }
      await inner.start(positions);
    },

    async poll() {
      if (readable() && !innerTurn) {
        const page = await readPage();
        if (page.length > 0) return page;
      }
      pending ??= inner.poll().then(
        (documents) => {
          innerResult = documents;
        },
        (error: unknown) => {
          innerError = error ?? new Error('poll failed');
        },
      );
      // The change stream's turn after a page: wait for what it has. Else a page that becomes readable (the one
      // before committed, a retry due, a read recorded) ends the wait; the inner poll stays under way for the next.
      if (innerTurn || !active()) await pending;
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
      return record(documents);
    },

    async commit(documents, outcome) {
      if (documents === outstanding?.documents) return committedPage(outcome);
      const recorded = recording.get(documents);
      if (recorded) {
        if (outcome.ok) committed = recorded.after;
        else rollBack();
        await inner.commit(recorded.documents, outcome);
        wake();
        return;
      }
      await inner.commit(documents, outcome);
    },

    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      wake();
      await inner.stop();
    },

    status() {
      return { ...(inner.status?.() ?? {}), overflow: summary() };
    },

    ...(inner.pollsAhead === undefined ? {} : { pollsAhead: inner.pollsAhead }),
  };
}
