import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetriableError } from '../../lib/errors.ts';
import { API, type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import type { CommitOutcome, Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import { createSalesforceAuth } from './auth.ts';
import { CDC_FORMAT } from './cdc-source.ts';
import { SOBJECT_FORMAT } from './gap-reread.ts';
import {
  OVERFLOW_PARTITION,
  type OverflowRereadOptions,
  overflowOf,
  overflowOffsetProblem,
  withOverflowRereads,
} from './overflow-reread.ts';
import { createRecordReader } from './record-reader.ts';
import { createSoqlPages } from './snapshot.ts';
import { simulatorGet } from './test-support.ts';

// A GAP_OVERFLOW of Account after a bulk change of 450 of the org's 600 Accounts: the read is recorded with the event's
// batch, then the changed records come page by page (200 a page: 3 pages), each once, the others not.

const ACCOUNTS = 600;
let sf: SalesforceHarness;
let ids: string[];
let changed: string[];
/** Deleted by the same transaction (to the Recycle Bin), from the records it did not change. */
let deleted: string[];
/** The overflow event as the simulator sent it (Pub/Sub envelope). */
let overflowEvent: { payload: { ChangeEventHeader: Record<string, unknown> } };

type Usage = { total: number; byRoute: Record<string, number> };
const usage = () => sf.control<Usage>('GET', '/sim/api-usage');
function spent(before: Usage, after: Usage): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [route, count] of Object.entries(after.byRoute)) {
    const n = count - (before.byRoute[route] ?? 0);
    if (n > 0) out[route] = n;
  }
  return out;
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-overflow-'));
  const seed = join(dir, 'accounts.jsonl');
  // Last changed a year ago, as the org held them before the bulk change.
  const lines = Array.from({ length: ACCOUNTS }, (_, i) =>
    JSON.stringify({ type: 'Account', Name: `Overflow ${i}`, LastModifiedDate: '2024-01-01T00:00:00.000Z' }),
  );
  writeFileSync(seed, `${lines.join('\n')}\n`);
  sf = await startSalesforce({ seed });
  ids = [];
  let next: string | undefined = `${API}/query?q=${encodeURIComponent('SELECT Id FROM Account ORDER BY Id')}`;
  while (next) {
    const page: { body: { records: Array<{ Id: string }>; nextRecordsUrl?: string } } = await sf.json(
      'GET',
      next,
    );
    ids.push(...page.body.records.map((r) => r.Id));
    next = page.body.nextRecordsUrl;
  }
  changed = ids.filter((_, i) => i % 4 !== 0);
  expect(changed).toHaveLength(450);
  deleted = ids.filter((_, i) => i % 4 === 0).slice(0, 30);
  await sf.json('POST', '/sim/cdc-mode', { mode: 'overflow' });
  expect(
    (
      await sf.json('POST', '/sim/bulk-edit', {
        type: 'Account',
        ids: changed,
        fields: { Industry: 'Energy' },
        deleteIds: deleted,
      })
    ).status,
  ).toBe(200);
  const { events } = await sf.control<{ events: Array<typeof overflowEvent> }>('GET', '/sim/cdc-events');
  overflowEvent = events.at(-1)!;
  expect(overflowEvent.payload.ChangeEventHeader.changeType).toBe('GAP_OVERFLOW');
});
afterAll(() => sf.sim.close());

function documentOf(event: unknown, deliveryId: string): SourceDocument {
  return { bytes: Buffer.from(JSON.stringify(event)), position: null, deliveryId, name: deliveryId };
}
const overflowDocument = (deliveryId = 'salesforce:tx-1:1') => documentOf(overflowEvent, deliveryId);

/** A change source that hands out `batches` one a poll, then nothing; what it was told of commits. */
function changeSource(batches: SourceDocument[][]) {
  const commits: Array<{ documents: SourceDocument[]; outcome: CommitOutcome }> = [];
  const task: SourceTask = {
    start: async () => {},
    poll: async () => {
      const batch = batches.shift();
      if (batch) return batch;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return [];
    },
    commit: async (documents, outcome) => {
      commits.push({ documents, outcome });
    },
    stop: async () => {},
  };
  return { task, commits };
}

function restOptions(
  clientId: string,
  overrides: Partial<OverflowRereadOptions> = {},
): OverflowRereadOptions {
  const auth = createSalesforceAuth(
    { instanceUrl: sf.sim.url, clientId, clientSecret: 's', apiVersion: 'v62.0', authTimeoutMs: 5000 },
    'sf-overflow',
  );
  const reader = createRecordReader({
    instanceUrl: sf.sim.url,
    apiVersion: 'v62.0',
    timeoutMs: 10_000,
    retries: 0,
    connector: 'sf-overflow',
    auth,
    signal: new AbortController().signal,
  });
  return {
    fields: reader.fields,
    page: createSoqlPages({
      apiVersion: 'v62.0',
      pageSize: 200,
      get: simulatorGet(sf.sim.url, clientId),
      logger: pino({ level: 'silent' }),
      what: 'GAP_OVERFLOW read',
    }),
    lookbackMs: 60_000,
    ...overrides,
  };
}

function overflowing(inner: SourceTask, options: OverflowRereadOptions) {
  return withOverflowRereads(inner, options, {
    logger: pino({ level: 'silent' }),
    signal: new AbortController().signal,
  });
}

const idOf = (document: SourceDocument) => (JSON.parse(document.bytes.toString('utf8')) as { Id: string }).Id;
const overflowStatus = (task: SourceTask) => task.status?.().overflow as Record<string, Json>;
const readsOf = (document: SourceDocument) =>
  (document.position!.offset as { reads: Array<Record<string, Json>> }).reads;
const ok: CommitOutcome = { ok: true, published: 0, deadLettered: 0 };

/** The next batch that holds something (the inner source's turns in between give nothing). */
async function nextBatch(task: SourceTask): Promise<SourceDocument[]> {
  for (let polls = 0; polls < 10; polls++) {
    const batch = await task.poll();
    if (batch.length > 0) return batch;
  }
  throw new Error('no batch after 10 polls');
}

/** Polls and commits every batch until the reads are done; the page batches' records, in order. */
async function readAll(
  task: SourceTask,
  fail: (page: number) => boolean = () => false,
): Promise<SourceDocument[][]> {
  const pages: SourceDocument[][] = [];
  for (let polls = 0; polls < 50 && overflowStatus(task).pending !== 0; polls++) {
    const batch = await task.poll();
    if (batch.length === 0) continue;
    const failed = batch[0]!.format === SOBJECT_FORMAT && fail(pages.length);
    if (batch[0]!.format === SOBJECT_FORMAT && !failed) pages.push(batch);
    await task.commit(batch, failed ? { ok: false, error: new Error('transaction aborted') } : ok);
  }
  return pages;
}

describe('GAP_OVERFLOW read', () => {
  it('knows an overflow event of Account or Contact by its header, not one of Case or without a commit time', () => {
    const header = overflowEvent.payload.ChangeEventHeader;
    expect(header.recordIds).toEqual(['000000000000000AAA']);
    expect(overflowOf(Buffer.from(JSON.stringify(overflowEvent)))).toEqual({
      entity: 'Account',
      commitTimestamp: header.commitTimestamp,
    });
    const variant = (change: Record<string, unknown>) =>
      overflowOf(Buffer.from(JSON.stringify({ payload: { ChangeEventHeader: { ...header, ...change } } })));
    expect(variant({ entityName: 'Contact' })).toMatchObject({ entity: 'Contact' });
    expect(variant({ entityName: 'Case' })).toBeUndefined();
    expect(variant({ changeType: 'GAP_UPDATE' })).toBeUndefined();
    expect(variant({ commitTimestamp: null })).toBeUndefined();
    expect(overflowOf(Buffer.from('not json'))).toBeUndefined();
  });

  it('records the read with the event (the request answered then), then reads each changed record once, page by page', async () => {
    const event = overflowDocument();
    const { task: inner, commits } = changeSource([[event]]);
    const task = overflowing(inner, restOptions('overflow-1'));
    await task.start(new Map());
    const before = await usage();

    // The event's batch: the event itself (the mapping publishes RESYNC_REQUESTED) and the read to do, as a position.
    const recorded = await task.poll();
    expect(recorded).toHaveLength(2);
    expect(recorded[0]).toBe(event);
    expect(recorded[1]).toMatchObject({ positionOnly: true, position: { partition: OVERFLOW_PARTITION } });
    const commitTime = overflowEvent.payload.ChangeEventHeader.commitTimestamp as number;
    expect(readsOf(recorded[1]!)).toEqual([
      expect.objectContaining({
        entity: 'Account',
        since: new Date(Math.floor((commitTime - 60_000) / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
        event: 'salesforce:tx-1:1',
        after: null,
        next: null,
      }),
    ]);
    // Nothing read yet: the event's request waits only for this batch.
    expect(spent(before, await usage())).toEqual({});
    await task.commit(recorded, ok);
    expect(commits).toEqual([{ documents: [event], outcome: ok }]);
    expect(overflowStatus(task)).toMatchObject({ state: 'reading', pending: 1, entity: 'Account' });

    const pages = await readAll(task);
    expect(pages.map((page) => page.length)).toEqual([200, 200, 50]);
    const read = pages.flat();
    expect(read.map(idOf)).toEqual(changed);
    expect(read[0]).toMatchObject({ format: SOBJECT_FORMAT, name: `Account/${changed[0]}` });
    expect(read[0]!.id).toMatch(new RegExp(`^Account/${changed[0]}@\\d{4}-`));
    // One describe, one query and two query locators: 450 records in 4 API calls.
    expect(spent(before, await usage())).toEqual({
      [`GET ${API}/sobjects/Account/describe`]: 1,
      [`GET ${API}/query`]: 1,
      [`GET ${API}/query/{locator}`]: 2,
    });
    // The whole record, as a GAP re-read reads it (the describe's fields), with the bulk change's value.
    const whole = (await sf.json<Record<string, unknown>>('GET', `${API}/sobjects/Account/${changed[0]}`))
      .body;
    expect(JSON.parse(read[0]!.bytes.toString('utf8'))).toEqual(whole);
    expect(whole.Industry).toBe('Energy');
    expect(pages.at(-1)![0]!.position).toEqual({
      partition: OVERFLOW_PARTITION,
      offset: { reads: [], finished: 1, records: 450 },
    });
    expect(overflowStatus(task)).toMatchObject({ state: 'idle', pending: 0, finished: 1, recordsRead: 450 });
  });

  it('reads a page again when its batch is not committed, and resumes after the last committed page on a restart', async () => {
    const first = overflowing(changeSource([[overflowDocument()]]).task, restOptions('overflow-2'));
    await first.start(new Map());
    const recorded = await first.poll();
    // The event's batch fails too: nothing recorded, the event is sent again.
    await first.commit(recorded, { ok: false, error: new Error('transaction aborted') });
    expect(overflowStatus(first)).toMatchObject({ state: 'idle', pending: 0 });

    const task = overflowing(changeSource([[overflowDocument()]]).task, restOptions('overflow-2'));
    await task.start(new Map());
    await task.commit(await task.poll(), ok);
    const page1 = await nextBatch(task);
    await task.commit(page1, ok);
    const page2 = await nextBatch(task);
    expect(page2.map(idOf)).toEqual(changed.slice(200, 400));
    await task.commit(page2, { ok: false, error: new Error('transaction aborted') });
    // The same page again (after the inner source's turn).
    const again = await nextBatch(task);
    expect(again.map(idOf)).toEqual(changed.slice(200, 400));
    await task.commit(again, ok);
    const stored = again[0]!.position!.offset;
    expect(readsOf(again[0]!)[0]).toMatchObject({ records: 400, pages: 2, after: changed[399] });
    await task.stop();

    // A restart from the position Kafka holds: the last page only.
    const restarted = overflowing(changeSource([]).task, restOptions('overflow-2'));
    await restarted.start(new Map([[OVERFLOW_PARTITION, stored]]));
    expect(overflowStatus(restarted)).toMatchObject({ state: 'reading', pending: 1, records: 400 });
    const rest = await readAll(restarted);
    expect(rest.flat().map(idOf)).toEqual(changed.slice(400));
    expect(overflowStatus(restarted)).toMatchObject({ state: 'idle', finished: 1, recordsRead: 450 });
  });

  it('keeps one read for a redelivered event, and one waiting read per entity, from the earliest time', async () => {
    const header = overflowEvent.payload.ChangeEventHeader;
    const later = {
      payload: {
        ChangeEventHeader: { ...header, commitTimestamp: (header.commitTimestamp as number) + 5000 },
      },
    };
    const contact = { payload: { ChangeEventHeader: { ...header, entityName: 'Contact' } } };
    const caseEvent = { payload: { ChangeEventHeader: { ...header, entityName: 'Case' } } };
    const { task: inner } = changeSource([
      [overflowDocument('a'), documentOf(later, 'b'), documentOf(caseEvent, 'c')],
      [overflowDocument('a'), documentOf(contact, 'd')],
    ]);
    const task = overflowing(inner, restOptions('overflow-3'));
    await task.start(new Map());
    const first = await task.poll();
    expect(first).toHaveLength(4);
    expect(readsOf(first[3]!).map((read) => [read.entity, read.event])).toEqual([['Account', 'a']]);
    await task.commit(first, ok);
    const page = await nextBatch(task);
    expect(page[0]!.format).toBe(SOBJECT_FORMAT);
    await task.commit(page, ok);
    // The Account read is under way: a second one would wait behind it; the redelivered event adds nothing.
    const second = await nextBatch(task);
    expect(readsOf(second.at(-1)!).map((read) => [read.entity, read.event])).toEqual([
      ['Account', 'a'],
      ['Contact', 'd'],
    ]);
  });

  it('then reads the records the transaction deleted (queryAll), each published once as its DELETE change event', async () => {
    const queryAll = createSoqlPages({
      apiVersion: 'v62.0',
      pageSize: 200,
      get: simulatorGet(sf.sim.url, 'overflow-6'),
      logger: pino({ level: 'silent' }),
      what: 'GAP_OVERFLOW read',
      resource: 'queryAll',
    });
    const { task: inner } = changeSource([[overflowDocument('salesforce:tx-del:3')]]);
    const task = overflowing(inner, restOptions('overflow-6', { deleted: queryAll }));
    await task.start(new Map());
    await task.commit(await task.poll(), ok);
    const before = await usage();
    const published: SourceDocument[] = [];
    for (let polls = 0; polls < 50 && overflowStatus(task).pending !== 0; polls++) {
      const batch = await task.poll();
      published.push(...batch.filter((document) => !document.positionOnly));
      if (batch.length > 0) await task.commit(batch, ok);
    }
    const calls = spent(before, await usage());
    // The changed records (UPDATED by the sObject mapping), then the deleted ones, which the query does not return.
    const changes = published.filter((document) => document.format === SOBJECT_FORMAT);
    const deletes = published.filter((document) => document.format === CDC_FORMAT);
    expect(changes.map(idOf)).toEqual(changed);
    expect(published.indexOf(deletes[0]!)).toBe(changes.length);
    // Each deleted record once, as Salesforce's DELETE event of it, in the overflow's transaction.
    const headers = deletes.map(
      (document) => JSON.parse(document.bytes.toString('utf8')).payload.ChangeEventHeader,
    );
    expect(headers.map((header) => header.recordIds)).toEqual(deleted.map((id) => [id]));
    const stamped = (
      await sf.json<{ records: Array<Record<string, string>> }>(
        'GET',
        `${API}/queryAll?q=${encodeURIComponent(`SELECT Id, SystemModstamp, LastModifiedById FROM Account WHERE Id = '${deleted[0]}'`)}`,
      )
    ).body.records[0]!;
    expect(headers[0]).toMatchObject({
      entityName: 'Account',
      changeType: 'DELETE',
      transactionKey: 'tx-del',
      sequenceNumber: 3,
      commitTimestamp: Date.parse(stamped.SystemModstamp!.replace('+0000', 'Z')),
      commitUser: stamped.LastModifiedById,
    });
    expect(deletes[0]!.id).toBe(`Account/${deleted[0]}@${stamped.SystemModstamp}:deleted`);
    expect(overflowStatus(task)).toMatchObject({ state: 'idle', finished: 1, recordsRead: 480 });
    // The query's three pages, and one queryAll: 30 deleted records.
    expect(calls).toMatchObject({
      [`GET ${API}/query`]: 1,
      [`GET ${API}/query/{locator}`]: 2,
      [`GET ${API}/queryAll`]: 1,
    });
    // Not in the query's answer (the snapshot's, a GAP read's): in the Recycle Bin.
    const live = await sf.json('GET', `${API}/sobjects/Account/${deleted[0]}`);
    expect(live.status).toBe(404);
  });

  it('stops reading on an error asking again cannot mend (status failed); the change stream goes on', async () => {
    const change = documentOf({ payload: { ChangeEventHeader: { changeType: 'UPDATE' } } }, 'e');
    const { task: inner } = changeSource([[overflowDocument()], [change]]);
    const task = overflowing(
      inner,
      restOptions('overflow-4', {
        page: async () => {
          throw new NonRetriableError('HTTP 400 INVALID_FIELD');
        },
      }),
    );
    await task.start(new Map());
    await task.commit(await task.poll(), ok);
    expect(await task.poll()).toEqual([change]);
    expect(overflowStatus(task)).toMatchObject({
      state: 'failed',
      pending: 1,
      lastError: 'HTTP 400 INVALID_FIELD',
    });
  });

  it('checks a position an operator sets', () => {
    expect(overflowOffsetProblem({ reads: [], finished: 0, records: 0 })).toBeUndefined();
    expect(
      overflowOffsetProblem({
        reads: [{ entity: 'Account', since: '2025-01-01T00:00:00Z', after: null, next: null }],
      }),
    ).toBeUndefined();
    expect(overflowOffsetProblem({ reads: [{ entity: 'Case', since: '2025-01-01T00:00:00Z' }] })).toMatch(
      /not a GAP_OVERFLOW read position/,
    );
    expect(overflowOffsetProblem([1])).toMatch(/not a GAP_OVERFLOW read position/);
  });
});
