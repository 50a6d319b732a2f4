import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import type { SourceDocument, SourceTask } from '../sdk/index.ts';
import { createSalesforceAuth } from './auth.ts';
import { SOBJECT_FORMAT, withGapRereads } from './gap-reread.ts';
import { createRecordReader, RETRIEVE_MAX_IDS } from './record-reader.ts';

// A GAP event of N record ids costs ceil(N / 2000) sObject Collections retrieves (and one describe per object for the
// source's life), not N reads of one record: the org's API calls are counted by the simulator (/sim/api-usage).

const ACCOUNTS = 2050;
let sf: SalesforceHarness;
let ids: string[];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-gap-'));
  const seed = join(dir, 'accounts.jsonl');
  const lines = Array.from({ length: ACCOUNTS }, (_, i) =>
    JSON.stringify({ type: 'Account', Name: `Gap ${i}`, BillingCity: 'Lyon' }),
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
  expect(ids).toHaveLength(ACCOUNTS);
});
afterAll(() => sf.sim.close());

type Usage = { total: number; byRoute: Record<string, number> };
const usage = () => sf.control<Usage>('GET', '/sim/api-usage');
/** The calls made between two usage readings, per kind. */
function spent(before: Usage, after: Usage): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [route, count] of Object.entries(after.byRoute)) {
    const n = count - (before.byRoute[route] ?? 0);
    if (n > 0) out[route] = n;
  }
  return out;
}

const RETRIEVE = `POST ${API}/composite/sobjects/Account`;
const DESCRIBE = `GET ${API}/sobjects/Account/describe`;

function gapDocument(recordIds: string[]): SourceDocument {
  const event = {
    channel: '/data/AccountChangeEvent',
    replayId: '17',
    payload: {
      ChangeEventHeader: {
        entityName: 'Account',
        recordIds,
        changeType: 'GAP_UPDATE',
        changeOrigin: '',
        transactionKey: '0001a2b3-0000-4000-8000-000000000001',
        sequenceNumber: 1,
        commitTimestamp: 1718000000000,
        commitNumber: '11687091450000000003',
        commitUser: '005xx000001X8UzAAK',
      },
    },
  };
  return { bytes: Buffer.from(JSON.stringify(event)), position: null, deliveryId: 'gap-1', name: 'gap-1' };
}

/** The GAP re-read around a source that hands out `batch` once, reading from the simulator. */
function rereading(batch: SourceDocument[]) {
  const auth = createSalesforceAuth(
    {
      instanceUrl: sf.sim.url,
      clientId: 'eai-gap-reader',
      clientSecret: 's',
      apiVersion: 'v62.0',
      authTimeoutMs: 5000,
    },
    'sf-gap',
  );
  const reader = createRecordReader({
    instanceUrl: sf.sim.url,
    apiVersion: 'v62.0',
    timeoutMs: 10_000,
    retries: 0,
    connector: 'sf-gap',
    auth,
    signal: new AbortController().signal,
  });
  let polled = false;
  const inner: SourceTask = {
    start: async () => {},
    poll: async () => {
      if (polled) return [];
      polled = true;
      return batch;
    },
    commit: async () => {},
    stop: async () => {},
  };
  return withGapRereads(inner, reader, pino({ level: 'silent' }));
}

describe('GAP re-read by sObject Collections', () => {
  it('reads a GAP event of 250 records in one call; a record deleted since leaves the GAP event in the batch', async () => {
    const named = ids.slice(0, 250);
    const deleted = named[100]!;
    expect((await sf.call('DELETE', `${API}/sobjects/Account/${deleted}`)).status).toBe(204);
    const gap = gapDocument(named);
    const before = await usage();
    const out = await rereading([gap]).poll();
    // One describe (the field list, kept for the source's life) and one retrieve for the 250 ids; no per-record GET.
    expect(spent(before, await usage())).toEqual({ [DESCRIBE]: 1, [RETRIEVE]: 1 });

    const read = out.filter((d) => d.format === SOBJECT_FORMAT);
    expect(read).toHaveLength(249);
    expect(read.map((d) => d.deliveryId)).toEqual(
      named.filter((id) => id !== deleted).map((id) => `gap-1:reread:${id}`),
    );
    // Every field of the record, as the one-record read gave it.
    const first = JSON.parse(read[0]!.bytes.toString('utf8')) as Record<string, unknown>;
    const whole = (await sf.json<Record<string, unknown>>('GET', `${API}/sobjects/Account/${named[0]}`)).body;
    expect(first).toEqual(whole);
    // The deleted one: the GAP event itself goes on (the CDC mapping publishes RESYNC_REQUESTED), as before.
    expect(out.at(-1)).toBe(gap);
    expect(out).toHaveLength(250);
  });

  it('reads more than 2,000 ids in ceil(N / 2000) calls, the describe asked once per source', async () => {
    const source = rereading([gapDocument(ids), gapDocument(ids.slice(0, 10))]);
    const before = await usage();
    const out = await source.poll();
    expect(ids.length).toBeGreaterThan(RETRIEVE_MAX_IDS);
    expect(spent(before, await usage())).toEqual({
      [DESCRIBE]: 1,
      [RETRIEVE]: Math.ceil(ids.length / RETRIEVE_MAX_IDS) + 1,
    });
    // The 250 test's deleted record is null in the answer: the first event goes on beside its records.
    expect(out.filter((d) => d.format === SOBJECT_FORMAT)).toHaveLength(ids.length - 1 + 10);
  });
});
