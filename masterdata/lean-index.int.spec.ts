/**
 * The lean blocking index (migration 014) on a real PostgreSQL: block_key rows are (hash of the key, record number),
 * a schema that holds records in the old layout (text keys by system and source id, std as jsonb, stopped keys as
 * text) is migrated with its data and matches on exactly as a store that was lean from the start, and a hash that
 * two keys share proposes a stranger that scoring turns down (no false merge).
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../store/migrate.ts';
import { febrlLike, type LabelledRecord } from '../tests/mdm-data.ts';
import { testStack } from '../tests/stack.ts';
import { blockHash, indexKeys } from './block.ts';
import { parseMdmConfig } from './config.ts';
import { standardise } from './standardise.ts';
import { MasterDataStore, MIGRATIONS } from './store.ts';
import { dropStore, scratchStore } from './test-support.ts';

const stores: MasterDataStore[] = [];
afterAll(async () => {
  for (const s of stores) await dropStore(s);
});

// Small blocks, and five people of one name and birth date, so that keys stop on the way (the stopped keys are
// migrated too).
const config = parseMdmConfig({ blocking: { maxBlockSize: 4 } });
const twins: LabelledRecord[] = [1, 2, 3, 4, 5].map((n) => ({
  system: 'crm',
  entityId: `twin-${n}`,
  customer: {
    customerId: `crm:twin-${n}`,
    sourceIds: [{ system: 'crm', id: `twin-${n}` }],
    partyType: 'PERSON',
    person: { givenName: 'Annegret', familyName: 'Quast' },
    birthDate: '1961-07-14',
    updatedAt: '2026-01-01T00:00:00.000Z' as unknown as Date,
  },
}));
const people = [...twins, ...febrlLike(41, 160)];
const [first, later] = [people.slice(0, 110), people.slice(110)];

async function fresh(label: string): Promise<MasterDataStore> {
  const store = await scratchStore(testStack().databaseUrl, config, label);
  stores.push(store);
  return store;
}

async function load(store: MasterDataStore, records: LabelledRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 40) await store.upsertBatch(records.slice(i, i + 40));
}

/** Each record's golden id and the scored pairs with their status: what matching decided. */
async function decided(store: MasterDataStore) {
  const xref: Record<string, string> = {};
  for await (const x of store.exportXref()) xref[`${x.system}/${x.sourceId}`] = x.goldenId;
  const pairs = (
    await store.pool.query(
      `select a_system, a_id, b_system, b_id, status from "${store.schema}".match_pair order by 1, 2, 3, 4`,
    )
  ).rows;
  return { xref, pairs };
}

/** block_key as (text key's hash, system/source id) rows, sorted. */
async function indexRows(store: MasterDataStore): Promise<string[]> {
  return (
    await store.pool.query<{ row: string }>(
      `select bk.key || ' ' || sr.system || '/' || sr.source_id as row
         from "${store.schema}".block_key bk join "${store.schema}".source_record sr on sr.rec = bk.rec
        order by 1`,
    )
  ).rows.map((r) => r.row);
}

describe('the lean blocking index', () => {
  it('holds a record under the 64-bit hashes of its keys and its record number', async () => {
    const store = await fresh('lean');
    await load(store, first.slice(0, 20));
    const columns = (
      await store.pool.query<{ column_name: string; data_type: string }>(
        `select column_name, data_type from information_schema.columns
          where table_schema = $1 and table_name = 'block_key' order by ordinal_position`,
        [store.schema],
      )
    ).rows;
    expect(columns).toEqual([
      { column_name: 'key', data_type: 'bigint' },
      { column_name: 'rec', data_type: 'bigint' },
    ]);
    const r = first[10] as LabelledRecord;
    const id = r.customer.sourceIds?.[0]?.id ?? '';
    const rows = (
      await store.pool.query<{ key: string }>(
        `select bk.key from "${store.schema}".block_key bk
           join "${store.schema}".source_record sr on sr.rec = bk.rec
          where sr.system = $1 and sr.source_id = $2 order by bk.key`,
        [r.system, id],
      )
    ).rows
      .map((x) => x.key)
      .sort();
    const expected = [...new Set(indexKeys(standardise(r.customer, config)).map(blockHash))].sort();
    expect(rows.length).toBeGreaterThan(3);
    expect(rows).toEqual(expected.sort());
    // std is stored as json text, as written.
    const std = (
      await store.pool.query<{ t: string }>(
        `select pg_typeof(std)::text as t from "${store.schema}".source_record limit 1`,
      )
    ).rows[0]?.t;
    expect(std).toBe('json');
  });

  it('migrates a schema in the old layout with its data, and matches on as a lean store does', async () => {
    const lean = await fresh('leanref');
    await load(lean, first);
    // The same records in the old layout: migrations 001-013, the rows copied from the lean store as the old
    // matcher kept them (every index key by system and source id, std as jsonb, stopped keys as text).
    const old = new MasterDataStore({
      databaseUrl: testStack().databaseUrl,
      schema: `${lean.schema}_old`,
      config,
    });
    stores.push(old);
    const before013 = mkdtempSync(join(tmpdir(), 'mdm-013-'));
    try {
      for (const f of readdirSync(MIGRATIONS).filter((f) => f < '014'))
        cpSync(join(MIGRATIONS, f), join(before013, f));
      await migrate(old.pool, old.schema, before013);
    } finally {
      rmSync(before013, { recursive: true });
    }
    const [o, l] = [`"${old.schema}"`, `"${lean.schema}"`];
    await old.pool.query(
      `insert into ${o}.source_record (system, source_id, record, std, content_hash, field_times, keys, golden_id,
                                       received_at)
       select system, source_id, record, std::jsonb, content_hash, field_times, keys, golden_id, received_at
         from ${l}.source_record`,
    );
    await old.pool.query(
      `insert into ${o}.block_key (key, system, source_id)
       select distinct k, system, source_id from ${l}.source_record cross join unnest(keys) as k`,
    );
    await old.pool.query(
      `insert into ${o}.block_stop (key, holders, stopped_at) select name, holders, stopped_at from ${l}.block_stop`,
    );
    for (const table of ['golden', 'match_pair', 'merge_history'])
      await old.pool.query(`insert into ${o}.${table} select * from ${l}.${table}`);
    await old.pool.query(
      `update ${o}.block_meta set key_version = (select key_version from ${l}.block_meta)`,
    );
    const stopped = Number(
      (await lean.pool.query<{ n: string }>(`select count(*) as n from ${l}.block_stop`)).rows[0]?.n,
    );
    expect(stopped).toBeGreaterThan(0);

    const told: Array<[string, number]> = [];
    expect(await old.migrate((step, done) => told.push([step, done]))).toEqual([
      '014_lean_block_index.sql',
      '015_name_words_by_rec.sql',
      '016_outbox_writeback.sql',
      '017_sync_writeback.sql',
      '018_sync_sent_per_record.sql',
      '019_sync_held_create.sql',
      '020_sync_sent_pending.sql',
      '021_sync_sent_overtaken.sql',
    ]);
    // The re-indexing says how far it is, a page at a time, up to every stored record.
    const stored = Number(
      (await old.pool.query<{ n: string }>(`select count(*) as n from ${o}.source_record`)).rows[0]?.n,
    );
    expect(told.filter(([step]) => step === 'records indexed again').at(-1)).toEqual([
      'records indexed again',
      stored,
    ]);
    // Every key row of the lean store is there (the re-keying also indexes stopped keys that the matcher skips).
    const migratedRows = new Set(await indexRows(old));
    for (const row of await indexRows(lean)) expect(migratedRows.has(row), row).toBe(true);
    const stops = async (s: MasterDataStore) =>
      (await s.pool.query(`select key, name, holders from "${s.schema}".block_stop order by key`)).rows;
    expect(await stops(old)).toEqual(await stops(lean));
    expect(
      (await old.pool.query(`select to_regclass($1) as t`, [`${o}.block_stop_text`])).rows[0]?.t,
    ).toBeNull();
    expect(await decided(old)).toEqual(await decided(lean));
    // The type-ahead words, kept by the old triggers and moved to record numbers (015), are those the matcher wrote.
    const words = async (s: MasterDataStore) =>
      (
        await s.pool.query<{ w: string }>(
          `select nw.word || ' ' || sr.system || ' ' || sr.source_id as w from "${s.schema}".name_word nw
             join "${s.schema}".source_record sr using (rec) order by 1`,
        )
      ).rows.map((r) => r.w);
    const leanWords = await words(lean);
    expect(leanWords.length).toBeGreaterThan(100);
    expect(await words(old)).toEqual(leanWords);

    // The later records, matched into both: the same clusters and pairs.
    await load(lean, later);
    await load(old, later);
    const after = await decided(lean);
    expect(Object.keys(after.xref)).toHaveLength(people.length);
    expect(new Set(Object.values(after.xref)).size).toBeLessThan(people.length);
    expect(await decided(old)).toEqual(after);
  }, 300_000);

  it('gives no false merge when a stranger holds a key with the same hash (a forced collision)', async () => {
    const store = await fresh('leancoll');
    const person = (id: string, given: string, family: string, email: string, birthDate: string) => ({
      customerId: `crm:${id}`,
      sourceIds: [{ system: 'crm', id }],
      partyType: 'PERSON' as const,
      person: { givenName: given, familyName: family },
      emails: [{ address: email }],
      birthDate,
      updatedAt: '2026-01-01T00:00:00.000Z' as unknown as Date,
    });
    const stranger = await store.upsert(
      'crm',
      person('s1', 'Walburga', 'Zimmerle', 'wz@example.org', '1948-02-03'),
    );
    // The stranger is made to hold, as a colliding key would, the hash of the newcomer's email key.
    await store.pool.query(
      `insert into "${store.schema}".block_key (key, rec)
       select $1, rec from "${store.schema}".source_record where system = 'crm' and source_id = 's1'`,
      [blockHash('e:kai.olsen@example.com')],
    );
    const newcomer = await store.upsert(
      'crm',
      person('n1', 'Kai', 'Olsen', 'kai.olsen@example.com', '1990-11-30'),
    );
    expect(newcomer.compared).toBe(1);
    expect(newcomer.outcome).toBe('new');
    expect(newcomer.goldenId).not.toBe(stranger.goldenId);
    const pairs = (await store.pool.query(`select 1 from "${store.schema}".match_pair`)).rows;
    expect(pairs).toEqual([]);
  });
});
