import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NonRetriableError } from '../../lib/errors.ts';
import { DB, type OdooHarness, PASSWORD, startOdoo, UID } from '../../simulators/odoo/test-support.ts';
import type { SourceDocument } from '../sdk/index.ts';
import { httpAnswerError } from './http-errors.ts';
import {
  type Cursor,
  createPollSource,
  type Page,
  type PolledItem,
  type PollSource,
  type PollSourceConfigInput,
  pollOffsetProblem,
  pollSourceConfig,
} from './poll.ts';
import { createTestContext, type ScriptedServer, startScriptedServer, testContext } from './test-support.ts';

type Partner = { id: number; name: string; write_date: string };

/** Odoo's `YYYY-MM-DD HH:MM:SS` (UTC) from ISO, floored to the second: an earlier bound is a safe one. */
const toOdoo = (iso: string) => new Date(iso).toISOString().slice(0, 19).replace('T', ' ');
const fromOdoo = (text: string) => `${text.replace(' ', 'T')}Z`;

/** fetchPage as an Odoo connector writes it: search_read with a keyset domain on (write_date, id). */
function odooFetchPage(url: string, model: string, calls: Cursor[] = []) {
  return async (cursor: Cursor, signal: AbortSignal, pageSize: number): Promise<Page> => {
    calls.push(cursor);
    if (!('updatedSince' in cursor)) throw new NonRetriableError('Odoo pages by write_date');
    const since = toOdoo(cursor.updatedSince);
    const domain =
      cursor.afterId === undefined
        ? [['write_date', '>=', since]]
        : [
            '|',
            ['write_date', '>', since],
            '&',
            ['write_date', '=', since],
            ['id', '>', Number(cursor.afterId)],
          ];
    const response = await fetch(`${url}/jsonrpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      signal,
      body: JSON.stringify({
        jsonrpc: '2.0',
        method: 'call',
        id: 1,
        params: {
          service: 'object',
          method: 'execute_kw',
          args: [
            DB,
            UID,
            PASSWORD,
            model,
            'search_read',
            [domain],
            { fields: ['name', 'write_date'], order: 'write_date asc, id asc', limit: pageSize },
          ],
        },
      }),
    });
    const text = await response.text();
    const failure = { connector: 'odoo-source', method: 'POST', path: '/jsonrpc' };
    if (response.status !== 200)
      throw httpAnswerError(
        failure,
        { status: response.status, retryAfter: response.headers.get('retry-after'), body: text },
        { maxBodyBytes: 2048 },
      );
    const body = JSON.parse(text) as { result?: Partner[]; error?: unknown };
    if (!body.result) throw new NonRetriableError(`Odoo fault: ${JSON.stringify(body.error)}`);
    return {
      items: body.result.map((partner) => ({
        id: String(partner.id),
        updatedAt: fromOdoo(partner.write_date),
        bytes: Buffer.from(JSON.stringify(partner)),
        format: 'odoo-json',
      })),
    };
  };
}

const parsed = (documents: SourceDocument[]) =>
  documents.map((document) => JSON.parse(document.bytes.toString()) as Partner);

/** Polls until a pass is over (poll answers [] once it waits for the next interval). */
async function drain(source: PollSource, limit = 50): Promise<SourceDocument[]> {
  const all: SourceDocument[] = [];
  for (let i = 0; i < limit; i++) {
    const batch = await source.poll();
    if (batch.length === 0) return all;
    all.push(...batch);
    await source.commit(batch, { ok: true, published: batch.length, deadLettered: 0 });
  }
  throw new Error(`no end of pass after ${limit} polls`);
}

function source(
  fetchPage: (cursor: Cursor, signal: AbortSignal, pageSize: number) => Promise<Page>,
  config: Partial<PollSourceConfigInput> = {},
) {
  const context = testContext('poll-source');
  const task = createPollSource(
    {
      config: pollSourceConfig.parse({
        entity: 'res.partner',
        intervalMs: 100,
        overlapMs: 2000,
        pageSize: 2,
        initialUpdatedSince: '2025-01-01T00:00:00Z',
        retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 50 },
        ...config,
      }),
      fetchPage,
    },
    context,
  );
  return { task, context };
}

describe('poll source against the Odoo simulator (search_read on write_date)', () => {
  let odoo: OdooHarness;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eai-poll-'));
    const partner = (id: number, writeDate: string) =>
      JSON.stringify({
        model: 'res.partner',
        id,
        name: `Partner ${id}`,
        active: true,
        write_date: writeDate,
      });
    // Five partners share one write_date (as writes within one second do in Odoo), so pages of two split them.
    const lines = [100, 101, 102, 103, 104].map((id) => partner(id, '2025-01-01 10:00:00'));
    lines.push(partner(105, '2025-01-01 10:00:05'), partner(106, '2025-01-01 10:00:06'));
    writeFileSync(join(dir, 'seed.jsonl'), `${lines.join('\n')}\n`);
    odoo = await startOdoo({ seed: join(dir, 'seed.jsonl') });
  });
  afterAll(async () => {
    await odoo.sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await fetch(`${odoo.sim.url}/sim/reset`, { method: 'POST' });
  });
  const edit = (id: number, name: string) =>
    fetch(`${odoo.sim.url}/sim/edit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'res.partner', id, values: { name } }),
    });

  it('reads every record once, in (write_date, id) order, with equal timestamps across page boundaries', async () => {
    const calls: Cursor[] = [];
    const { task } = source(odooFetchPage(odoo.sim.url, 'res.partner', calls));
    await task.start(new Map());
    const documents = await drain(task);
    expect(parsed(documents).map((p) => p.id)).toEqual([100, 101, 102, 103, 104, 105, 106]);
    expect(calls.slice(0, 4)).toEqual([
      { updatedSince: '2024-12-31T23:59:58.000Z' },
      { updatedSince: '2025-01-01T10:00:00.000Z', afterId: '101' },
      { updatedSince: '2025-01-01T10:00:00.000Z', afterId: '103' },
      { updatedSince: '2025-01-01T10:00:05.000Z', afterId: '105' },
    ]);
    // With the versions the next pass's overlap (2 s) reads again, so a restart does not emit them twice.
    expect(documents.at(-1)?.position).toEqual({
      partition: 'res.partner',
      offset: {
        updatedSince: '2025-01-01T10:00:06.000Z',
        afterId: '106',
        seen: [
          expect.stringMatching(/^105@2025-01-01T10:00:05\.000Z#/),
          expect.stringMatching(/^106@2025-01-01T10:00:06\.000Z#/),
        ],
      },
    });
    // The next pass reads the overlap again and emits nothing: those versions were emitted.
    expect(await drain(task)).toEqual([]);
  });

  it('misses no record changed while a multi-page poll is under way', async () => {
    let pages = 0;
    const read = odooFetchPage(odoo.sim.url, 'res.partner');
    const { task } = source(async (cursor, signal, size) => {
      const page = await read(cursor, signal, size);
      pages += 1;
      if (pages === 1) {
        // During the pass a person edits 100 (already read) and 104 (not read yet): both move to the end.
        expect((await edit(100, 'Partner 100 edited')).status).toBe(200);
        expect((await edit(104, 'Partner 104 edited')).status).toBe(200);
      }
      return page;
    });
    await task.start(new Map());
    const documents = parsed(await drain(task));
    const latest = new Map(documents.map((p) => [p.id, p.name]));
    expect([...latest.keys()].sort()).toEqual([100, 101, 102, 103, 104, 105, 106]);
    expect(latest.get(100)).toBe('Partner 100 edited');
    expect(latest.get(104)).toBe('Partner 104 edited');
    expect(documents.map((p) => p.name)).toEqual([
      'Partner 100',
      'Partner 101',
      'Partner 102',
      'Partner 103',
      'Partner 105',
      'Partner 106',
      'Partner 100 edited',
      'Partner 104 edited',
    ]);
  });

  it('resumes from the committed position; what the overlap reads again was committed with it and is dropped', async () => {
    const first = source(odooFetchPage(odoo.sim.url, 'res.partner'));
    await first.task.start(new Map());
    const before = await drain(first.task);
    const position = before.at(-1)!.position!;
    // The position holds the versions the next pass's overlap reads again (106 at the cursor, inclusive).
    expect((position.offset as { seen?: string[] }).seen).toEqual(
      expect.arrayContaining([before.at(-1)!.deliveryId!.slice('res.partner:'.length)]),
    );
    await first.task.stop();

    expect((await edit(102, 'Partner 102 renamed')).status).toBe(200);
    const second = source(odooFetchPage(odoo.sim.url, 'res.partner'), { overlapMs: 0 });
    await second.task.start(new Map([[position.partition, position.offset]]));
    const after = await drain(second.task);
    // Only the renamed 102: 106, read again at the cursor, was emitted before the restart.
    expect(parsed(after).map((p) => p.name)).toEqual(['Partner 102 renamed']);
  });
});

describe('poll source with a scripted system', () => {
  const item = (id: string, updatedAt: string, body = id): PolledItem => ({
    id,
    updatedAt,
    bytes: Buffer.from(body),
  });
  const ids = (documents: SourceDocument[]) => documents.map((d) => d.bytes.toString());

  it('emits a change stamped before the cursor within the overlap, a newer version, and a same-second rewrite', async () => {
    let rows = [item('a', '2025-01-01T10:00:00Z'), item('b', '2025-01-01T10:00:10Z')];
    const fetchPage = async (cursor: Cursor): Promise<Page> => {
      const since = Date.parse((cursor as { updatedSince: string }).updatedSince);
      return { items: rows.filter((row) => Date.parse(row.updatedAt as string) >= since) };
    };
    const { task } = source(fetchPage, { pageSize: 100, overlapMs: 5000 });
    await task.start(new Map());
    expect(ids(await drain(task))).toEqual(['a', 'b']);
    rows = [
      item('a', '2025-01-01T10:00:00Z'),
      item('late', '2025-01-01T10:00:07Z'), // committed after the pass, stamped 3 s before the cursor
      item('too-late', '2025-01-01T10:00:04Z'), // beyond the overlap: the documented limit
      item('b', '2025-01-01T10:00:10Z', 'b rewritten in the same second'),
      item('a', '2025-01-01T10:00:11Z', 'a v2'),
    ].sort((x, y) => Date.parse(x.updatedAt as string) - Date.parse(y.updatedAt as string));
    expect(ids(await drain(task))).toEqual(['late', 'b rewritten in the same second', 'a v2']);
  });

  it('restarted from its committed position, the overlap emits nothing twice and misses nothing', async () => {
    let rows = [
      item('a', '2025-01-01T10:00:00Z'),
      item('b', '2025-01-01T10:00:08Z'),
      item('c', '2025-01-01T10:00:10Z'),
    ];
    const fetchPage = async (cursor: Cursor, _signal: AbortSignal, pageSize: number): Promise<Page> => {
      const { updatedSince, afterId } = cursor as { updatedSince: string; afterId?: string };
      const since = Date.parse(updatedSince);
      const after = (row: PolledItem) => {
        const ms = Date.parse(row.updatedAt as string);
        return ms > since || (ms === since && (afterId === undefined || row.id > afterId));
      };
      return { items: rows.filter(after).slice(0, pageSize) };
    };
    const first = source(fetchPage, { pageSize: 2, overlapMs: 5000 });
    await first.task.start(new Map());
    const committed: SourceDocument[] = [];
    for (let i = 0; i < 10; i++) {
      const batch = await first.task.poll();
      if (batch.length === 0) break;
      committed.push(...batch);
      await first.task.commit(batch, { ok: true, published: batch.length, deadLettered: 0 });
    }
    expect(ids(committed)).toEqual(['a', 'b', 'c']);
    const position = committed.at(-1)!.position!;
    // b and c are inside the window of the next pass (cursor 10:00:10 minus 5 s); a is not.
    expect((position.offset as { seen: string[] }).seen.map((key) => key.split('@')[0])).toEqual(['b', 'c']);
    await first.task.stop();

    // While the source was down: one late write stamped inside the overlap, one newer version of b.
    rows = [...rows, item('late', '2025-01-01T10:00:09Z'), item('b', '2025-01-01T10:00:12Z', 'b v2')].sort(
      (x, y) => Date.parse(x.updatedAt as string) - Date.parse(y.updatedAt as string),
    );
    const second = source(fetchPage, { pageSize: 2, overlapMs: 5000 });
    await second.task.start(new Map([[position.partition, position.offset]]));
    expect(ids(await drain(second.task))).toEqual(['late', 'b v2']);
    await second.task.stop();
  });

  it('pages by token: the last page is read again each pass and only new items are emitted', async () => {
    const pages: Record<string, Page> = {
      first: { items: [item('1', '2025-01-01T00:00:01Z')], next: { pageToken: 't2' } },
      t2: { items: [item('2', '2025-01-01T00:00:02Z')] },
    };
    const { task } = source(
      async (cursor) => pages[(cursor as { pageToken: string | null }).pageToken ?? 'first']!,
      {
        cursor: 'page-token',
      },
    );
    await task.start(new Map());
    const documents = await drain(task);
    expect(ids(documents)).toEqual(['1', '2']);
    expect(documents.map((d) => d.position?.offset)).toEqual([{ pageToken: null }, { pageToken: 't2' }]);
    pages.t2 = { items: [item('2', '2025-01-01T00:00:02Z'), item('3', '2025-01-01T00:00:03Z')] };
    expect(ids(await drain(task))).toEqual(['3']);
  });

  it('pages by offset, resumes after the committed offset, and reads again what a failed commit lost', async () => {
    const list = ['a', 'b', 'c', 'd', 'e'].map((id) => item(id, '2025-01-01T00:00:00Z'));
    const fetchPage = async (cursor: Cursor, _signal: AbortSignal, size: number): Promise<Page> => {
      const offset = (cursor as { offset: number }).offset;
      return { items: list.slice(offset, offset + size) };
    };
    const { task } = source(fetchPage, { cursor: 'offset' });
    await task.start(new Map([['res.partner', { offset: 1 }]]));
    const firstBatch = await task.poll();
    expect(ids(firstBatch)).toEqual(['b', 'c']);
    expect(firstBatch.map((d) => d.position?.offset)).toEqual([{ offset: 2 }, { offset: 3 }]);
    await task.commit(firstBatch, { ok: false, error: new Error('broker unavailable') });
    expect(ids(await drain(task))).toEqual(['b', 'c', 'd', 'e']);
  });

  it('warns of a batch Kafka did not take, and only notes one the task left as it stopped (a rebalance, a pause)', async () => {
    const list = ['a', 'b', 'c'].map((id) => item(id, '2025-01-01T00:00:00Z'));
    const fetchPage = async (cursor: Cursor, _signal: AbortSignal, size: number): Promise<Page> => {
      const offset = (cursor as { offset: number }).offset;
      return { items: list.slice(offset, offset + size) };
    };
    const { context, logs, abort } = createTestContext('poll-source');
    const task = createPollSource(
      {
        config: pollSourceConfig.parse({
          entity: 'res.partner',
          cursor: 'offset',
          intervalMs: 100,
          pageSize: 2,
          retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 50 },
        }),
        fetchPage,
      },
      context,
    );
    await task.start(new Map());
    const level = () =>
      logs.filter((line) => line.msg === 'batch not committed: reading it again').at(-1)?.level;
    await task.commit(await task.poll(), { ok: false, error: new Error('broker unavailable') });
    expect(level()).toBe(40);
    const left = await task.poll();
    abort();
    await task.commit(left, { ok: false, error: new Error('stopping') });
    expect(level()).toBe(30);
  });

  it('refuses a committed position that is not a cursor', async () => {
    const { task } = source(async () => ({ items: [] }));
    await expect(task.start(new Map([['res.partner', 'yesterday']]))).rejects.toThrow(
      /committed position of res.partner is not a cursor: "yesterday"/,
    );
  });

  describe('over HTTP', () => {
    let server: ScriptedServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });
    const httpFetchPage =
      (url: string) =>
      async (_cursor: Cursor, signal: AbortSignal): Promise<Page> => {
        const response = await fetch(`${url}/changes`, { signal });
        const body = await response.text();
        if (response.status !== 200)
          throw httpAnswerError(
            { connector: 'poll-source', method: 'GET', path: '/changes' },
            { status: response.status, retryAfter: response.headers.get('retry-after'), body },
            { maxBodyBytes: 512 },
          );
        return { items: (JSON.parse(body) as string[]).map((id) => item(id, '2025-01-02T00:00:00Z')) };
      };

    it('waits out a 429 with Retry-After instead of failing', async () => {
      server = await startScriptedServer((_req, res, index) => {
        if (index === 0) res.writeHead(429, { 'retry-after': '1' }).end('slow down');
        else res.writeHead(200, { 'content-type': 'application/json' }).end('["x"]');
      });
      const { task } = source(httpFetchPage(server.url));
      await task.start(new Map());
      const started = Date.now();
      expect(ids(await task.poll())).toEqual(['x']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(server.requests).toHaveLength(2);
    });

    it('says the failure while the system is down (in the status: lastError), and reads again once it is back', async () => {
      let down = true;
      server = await startScriptedServer((_req, res) => {
        if (down) res.writeHead(503).end('maintenance');
        else res.writeHead(200, { 'content-type': 'application/json' }).end('["y"]');
      });
      const { task } = source(httpFetchPage(server.url));
      await task.start(new Map());
      const failure = /^polling res\.partner failed, tried again shortly: .*503/;
      // Its retries spent: said at once, and again by each poll while the pause lasts (no [] that reads as healthy).
      await expect(task.poll()).rejects.toThrow(failure);
      await expect(task.poll()).rejects.toThrow(failure);
      down = false;
      let documents: SourceDocument[] = [];
      for (let i = 0; i < 5 && documents.length === 0; i++) documents = await task.poll().catch(() => []);
      expect(ids(documents)).toEqual(['y']);
    });

    it('warns of each retry while the system starts failing, not again at each poll while it stays down', async () => {
      let down = true;
      server = await startScriptedServer((_req, res) => {
        if (down) res.writeHead(503).end('maintenance');
        else res.writeHead(200, { 'content-type': 'application/json' }).end('["z"]');
      });
      const { context, logs } = createTestContext('poll-source');
      const task = createPollSource(
        {
          config: pollSourceConfig.parse({
            entity: 'res.partner',
            intervalMs: 100,
            retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 20 },
          }),
          fetchPage: httpFetchPage(server.url),
        },
        context,
      );
      await task.start(new Map());
      for (let poll = 0; poll < 5; poll++) await task.poll().catch(() => []);
      // Five polls, every other one fetching (three attempts) and the others waiting out the pause: the first fetch's
      // two retries warned; before, every fetch's did (6 lines here, 8 a minute per entity of a real outage).
      expect(server.requests.length).toBeGreaterThanOrEqual(9);
      expect(logs.filter((l) => l.msg === 'page fetch failed, retrying')).toHaveLength(2);
      down = false;
      let documents: SourceDocument[] = [];
      for (let i = 0; i < 5 && documents.length === 0; i++) documents = await task.poll().catch(() => []);
      expect(ids(documents)).toEqual(['z']);
      // Working again: the next outage warns again.
      down = true;
      await task.poll().catch(() => []);
      expect(logs.filter((l) => l.msg === 'page fetch failed, retrying')).toHaveLength(4);
    });

    it("logs a failed page's retries without the answer body it quotes (a record's name and email)", async () => {
      server = await startScriptedServer((_req, res) =>
        res
          .writeHead(503, { 'content-type': 'application/json' })
          .end(
            '{"error":"lock timeout on res.partner","record":{"name":"Jane Roe","email":"jane.roe@example.com"}}',
          ),
      );
      const { context, logs } = createTestContext('poll-source');
      const task = createPollSource(
        {
          config: pollSourceConfig.parse({
            entity: 'res.partner',
            intervalMs: 100,
            retry: { retries: 1, initialDelayMs: 10, maxDelayMs: 20 },
          }),
          fetchPage: httpFetchPage(server.url),
        },
        context,
      );
      await task.start(new Map());
      await task.poll().catch(() => []);
      await task.poll().catch(() => []);
      const lines = logs.filter((l) => /page fetch failed|polling paused/.test(String(l.msg)));
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(String(lines[0]!.reason)).toMatch(/GET \/changes answered HTTP 503/);
      expect(JSON.stringify(lines)).not.toMatch(/jane|Roe/i);
    });

    it('answers [] while the system keeps failing, and ends its wait when the context aborts', async () => {
      server = await startScriptedServer((_req, res) => res.writeHead(503, { 'retry-after': '30' }).end());
      const { task, context } = source(httpFetchPage(server.url));
      await task.start(new Map());
      const started = Date.now();
      setTimeout(() => context.abort(), 300);
      expect(await task.poll()).toEqual([]);
      expect(await task.poll()).toEqual([]);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(server.requests.length).toBeGreaterThanOrEqual(1);
    });
  });
});

describe('a polling position set over the API (PATCH …/offsets)', () => {
  it('is checked as a cursor before it is stored, by the Odoo polling source too', async () => {
    const { odooPollingSource } = await import('../odoo/index.ts');
    for (const cursor of [
      { updatedSince: '2026-01-01T00:00:00Z', afterId: '7' },
      { pageToken: null },
      { offset: 40 },
    ])
      expect(pollOffsetProblem(cursor)).toBeUndefined();
    expect(pollOffsetProblem({ bogus: true })).toBe(
      'is not a polling cursor (one is {updatedSince, afterId?}, {pageToken} or {offset}, as GET …/offsets shows)',
    );
    expect(odooPollingSource.checkOffset?.('res.partner', { offset: -1 })).toMatch(
      /^is not a polling cursor/,
    );
  });
});
