// Master data, a lab outside the product: how much PostgreSQL work per record a leaner matching index would save.
// From a schema that `npm run bench:mdm -- --keep` left (the CURRENT layout, loaded by the matcher), it builds
// copies in lab schemas of their own, one per layout:
//   cur   the current layout: block_key(key text, system, source_id), std in the 1.4 KB source_record rows;
//   hash  (a) alone: an int8 surrogate id per record and block keys hashed to int8, block_key(key int8, rec int8),
//         std still in source_record;
//   lean  (a)+(b): an int8 surrogate id per record and block keys hashed to int8, block_key(key int8, rec int8),
//         and the comparison form in a narrow table of its own, match_rec(rec int8, golden_id, std);
//   gin   (b)+(c): no block_key, the hashed keys in match_rec.keys int8[] under a GIN index (fastupdate).
// Then it runs the same workload against each, in rounds that rotate the layouts' order: batches of 500 new FEBRL-
// like people and their duplicates (as bench/mdm-pgcpu.ts makes them, with their real keys from masterdata/block.ts),
// each in one transaction of the matcher's statements in that layout: the match read (the batch's stored rows, the
// stopped keys, the holders of its live keys and their comparison forms), the block keys and pairs written, the
// golden records upserted, the source records (and their match_rec rows) inserted, the golden outbox and the name
// words. Scoring and clustering are left out (no database work): each duplicate is paired with its original.
// Reported per layout: PostgreSQL backend CPU per record (/proc/<pid>/stat around every statement, on the plain
// batches), and shared buffer hits / reads / dirtied per batch and statement (EXPLAIN (ANALYZE, BUFFERS) on the
// batches in between, which still write), the median over the rounds, and the lab relations' sizes.
// Not measured: new key stops, record updates (every record is new), sync_sent, accepted links, the golden outbox
// trigger (a plain insert here) and the reads of clustering (#recluster). The lab's `cur` costs about 3/4 of the
// PostgreSQL CPU that bench/mdm-pgcpu.ts measures for the product on the same schema.
// gin is not in the default layouts: at 100k its read took ~1.4 s a batch (the && of a batch's few thousand keys,
// and the fastupdate pending list that every search scans).
// Ticks are 10 ms: use --batches 8 or more for per-statement figures.
// The lab schemas (mdm_lab_<layout>) are kept between runs (rebuilt with --rebuild) and dropped with --drop.
// Usage: npx node bench/mdm-lean-lab.ts <schema kept by bench:mdm --keep> [--layouts cur,hash,lean] [--rounds 3]
//          [--batches 6] [--warmup 2] [--size 500] [--rebuild] [--drop]

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { indexKeys, isMatchKey, isSearchKey } from '../masterdata/block.ts';
import { defaultMdmConfig } from '../masterdata/config.ts';
import { type StandardCustomer, standardise } from '../masterdata/standardise.ts';
import { goldenIdFor } from '../masterdata/store.ts';
import { createRng } from '../simulators/generator/prng.ts';
import { resolveEndpoints } from '../stack/stack.ts';
import { febrlLikePeople } from '../tests/mdm-data.ts';
import { benchArgs } from './args.ts';

const { values: args, positionals } = benchArgs('npx node bench/mdm-lean-lab.ts <schema> --', {
  allowPositionals: true,
  options: {
    layouts: { type: 'string', default: 'cur,hash,lean' },
    rounds: { type: 'string', default: '3' },
    batches: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '2' },
    size: { type: 'string', default: '500' },
    rebuild: { type: 'boolean' },
    drop: { type: 'boolean' },
  },
});
const say = (line: string) => process.stderr.write(`${line}\n`);
const source = positionals[0];
const LAYOUTS = args.layouts.split(',') as LayoutName[];
const pool = new pg.Pool({ connectionString: resolveEndpoints().databaseUrl, max: 1 });
const labOf = (layout: string) => `mdm_lab_${layout}`;

if (args.drop) {
  for (const layout of ['cur', 'hash', 'lean', 'gin'])
    await pool.query(`drop schema if exists ${labOf(layout)} cascade`);
  say('lab schemas dropped');
  await pool.end();
  process.exit(0);
}
if (!source) {
  say(
    'usage: npx node bench/mdm-lean-lab.ts <schema kept by bench:mdm --keep> [--layouts cur,lean,gin] | --drop',
  );
  process.exit(1);
}
const S = `"${source}"`;

/** A block key hashed to int8 (the first 64 bits of its md5), the same in SQL (`h`) and here. */
const hashKey = (key: string) =>
  BigInt.asIntN(64, BigInt(`0x${createHash('md5').update(key).digest('hex').slice(0, 16)}`)).toString();
const H = `create function h(text) returns bigint immutable language sql
             as $$ select ('x' || substr(md5($1), 1, 16))::bit(64)::bigint $$`;

type LayoutName = 'cur' | 'hash' | 'lean' | 'gin';
/** Tables every layout copies as they are (golden, pairs) or makes afresh (the outbox). */
const common = `
  create table golden (like ${S}.golden including all); insert into golden select * from ${S}.golden;
  create table match_pair (like ${S}.match_pair including all); insert into match_pair select * from ${S}.match_pair;
  create table golden_outbox (seq bigserial primary key, golden_id text not null, before jsonb, before_status text,
                              at timestamptz not null default now());`;
const SETUP: Record<LayoutName, string> = {
  cur: `${common}
    create table source_record (like ${S}.source_record including all);
    insert into source_record select * from ${S}.source_record;
    create table block_key (like ${S}.block_key including all); insert into block_key select * from ${S}.block_key;
    create table block_stop (like ${S}.block_stop including all); insert into block_stop select * from ${S}.block_stop;
    create table name_word (like ${S}.name_word including all); insert into name_word select * from ${S}.name_word;`,
  lean: `${common} ${H};
    create sequence rec_seq;
    create table source_record (rec bigint primary key, system text not null, source_id text not null,
      record jsonb not null, content_hash text not null, field_times jsonb, keys bigint[] not null, golden_id text,
      received_at timestamptz not null default now(), unique (system, source_id));
    insert into source_record select nextval('rec_seq'), system, source_id, record, content_hash, field_times,
      array(select h(k) from unnest(keys) k), golden_id, received_at from ${S}.source_record order by system, source_id;
    create index source_record_golden on source_record (golden_id);
    create table match_rec (rec bigint primary key, golden_id text, std jsonb not null);
    insert into match_rec select r.rec, r.golden_id, s.std from source_record r
      join ${S}.source_record s using (system, source_id) order by r.rec;
    create table block_key (key bigint not null, rec bigint not null, primary key (key, rec));
    insert into block_key select h(bk.key), r.rec from ${S}.block_key bk join source_record r using (system, source_id)
      order by 1, 2 on conflict do nothing;
    create table block_stop (key bigint primary key, holders integer not null);
    insert into block_stop select h(key), holders from ${S}.block_stop on conflict do nothing;
    create table name_word (word text collate "C" not null, rec bigint not null, primary key (word, rec));
    insert into name_word select w.word, r.rec from ${S}.name_word w join source_record r using (system, source_id);
    create index name_word_record on name_word (rec);`,
  hash: `${common} ${H};
    create sequence rec_seq;
    create table source_record (rec bigint primary key, system text not null, source_id text not null,
      record jsonb not null, std jsonb not null, content_hash text not null, field_times jsonb,
      keys bigint[] not null, golden_id text, received_at timestamptz not null default now(),
      unique (system, source_id));
    insert into source_record select nextval('rec_seq'), system, source_id, record, std, content_hash, field_times,
      array(select h(k) from unnest(keys) k), golden_id, received_at from ${S}.source_record order by system, source_id;
    create index source_record_golden on source_record (golden_id);
    create table block_key (key bigint not null, rec bigint not null, primary key (key, rec));
    insert into block_key select h(bk.key), r.rec from ${S}.block_key bk join source_record r using (system, source_id)
      order by 1, 2 on conflict do nothing;
    create table block_stop (key bigint primary key, holders integer not null);
    insert into block_stop select h(key), holders from ${S}.block_stop on conflict do nothing;
    create table name_word (word text collate "C" not null, rec bigint not null, primary key (word, rec));
    insert into name_word select w.word, r.rec from ${S}.name_word w join source_record r using (system, source_id);
    create index name_word_record on name_word (rec);`,
  gin: `${common} ${H};
    create sequence rec_seq;
    create table source_record (rec bigint primary key, system text not null, source_id text not null,
      record jsonb not null, content_hash text not null, field_times jsonb, golden_id text,
      received_at timestamptz not null default now(), unique (system, source_id));
    insert into source_record select nextval('rec_seq'), system, source_id, record, content_hash, field_times,
      golden_id, received_at from ${S}.source_record order by system, source_id;
    create index source_record_golden on source_record (golden_id);
    create table match_rec (rec bigint primary key, golden_id text, std jsonb not null, keys bigint[] not null);
    insert into match_rec select r.rec, r.golden_id, s.std, coalesce(k.keys, '{}')
      from source_record r join ${S}.source_record s using (system, source_id)
      left join (select system, source_id, array_agg(h(key)) as keys from ${S}.block_key group by system, source_id) k
        using (system, source_id)
     order by r.rec;
    create index match_rec_keys on match_rec using gin (keys) with (fastupdate = on);
    create table block_stop (key bigint primary key, holders integer not null);
    insert into block_stop select h(key), holders from ${S}.block_stop on conflict do nothing;
    create table name_word (word text collate "C" not null, rec bigint not null, primary key (word, rec));
    insert into name_word select w.word, r.rec from ${S}.name_word w join source_record r using (system, source_id);
    create index name_word_record on name_word (rec);`,
};

/**
 * The match read of the int8-key layouts (hash, lean): the same statement, the candidates' comparison forms read from
 * `candidates` (source_record in hash, the narrow match_rec in lean).
 */
function intKeyRead(candidates: 'source_record' | 'match_rec'): string {
  return `with x as (select * from unnest($1::text[], $2::text[]) as x(s, i)),
     existing as materialized (
       select sr.* from x cross join lateral (
         select rec, golden_id, content_hash, keys from source_record sr
          where sr.system = x.s and sr.source_id = x.i for update) sr),
     stop as materialized (select key from block_stop where key = any($3::int8[])),
     hits as materialized (
       select bk.key, bk.rec from block_key bk
        where bk.key = any(array(select k from unnest($3::int8[]) as k except select key from stop))),
     cand as materialized (
       select m.rec, m.std, m.golden_id from (select distinct rec from hits) d
         cross join lateral (select rec, std, golden_id from ${candidates} m where m.rec = d.rec offset 0) m)
     select 'x' as kind, e.rec, null::int8 as key, null::jsonb as std, e.golden_id from existing e
     union all select 's', null, key, null, null from stop
     union all select 'h', rec, key, null, null from hits
     union all select 'r', rec, null, std, golden_id from cand
     union all select 'i', nextval('rec_seq'), null, null, null from generate_series(1, $4::int)`;
}

/** The match read of each layout: $1, $2 the batch's (system, source_id), $3 its match keys, $4 ids wanted. */
const READ: Record<LayoutName, string> = {
  cur: `with x as (select * from unnest($1::text[], $2::text[]) as x(s, i)),
     existing as materialized (
       select sr.* from x cross join lateral (
         select system, source_id, golden_id, content_hash, keys from source_record sr
          where sr.system = x.s and sr.source_id = x.i for update) sr),
     stop as materialized (select key from block_stop where key = any($3::text[])),
     hits as materialized (
       select bk.key, bk.system, bk.source_id from block_key bk
        where bk.key = any(array(select k from unnest($3::text[]) as k except select key from stop))),
     cand as materialized (
       select d.system, d.source_id, sr.std, sr.golden_id from (select distinct system, source_id from hits) d
         cross join lateral (select std, golden_id from source_record sr
                              where sr.system = d.system and sr.source_id = d.source_id offset 0) sr)
     select 'x' as kind, e.system as a, e.source_id as b, null as key, null::jsonb as std, e.golden_id from existing e
     union all select 's', null, null, key, null, null from stop
     union all select 'h', system, source_id, key, null, null from hits
     union all select 'r', system, source_id, null, std, golden_id from cand`,
  hash: intKeyRead('source_record'),
  lean: intKeyRead('match_rec'),
  gin: `with x as (select * from unnest($1::text[], $2::text[]) as x(s, i)),
     existing as materialized (
       select sr.* from x cross join lateral (
         select rec, golden_id, content_hash from source_record sr
          where sr.system = x.s and sr.source_id = x.i for update) sr),
     stop as materialized (select key from block_stop where key = any($3::int8[])),
     cand as materialized (
       select m.rec, m.std, m.golden_id, m.keys from match_rec m
        where m.keys && array(select k from unnest($3::int8[]) as k except select key from stop))
     select 'x' as kind, e.rec, null::int8[] as keys, null::jsonb as std, e.golden_id from existing e
     union all select 's', null, array_agg(key), null, null from stop
     union all select 'r', rec, keys, std, golden_id from cand
     union all select 'i', nextval('rec_seq'), null, null, null from generate_series(1, $4::int)`,
};

interface Rec {
  system: string;
  sourceId: string;
  record: unknown;
  std: StandardCustomer;
  keys: string[];
  matchKeys: string[];
  hash: string;
  goldenId: string;
  words: string[];
}
/** A batch: `size / 2` new people and a duplicate of each (the duplicate joins its original's golden record). */
function makeBatch(seed: number, size: number): Rec[] {
  const out: Rec[] = [];
  const config = defaultMdmConfig();
  let i = 0;
  for (const { original, duplicate } of febrlLikePeople(createRng(seed), size / 2)) {
    const goldenId = goldenIdFor({ system: 'lab', sourceId: `s${seed}-${i}-o` });
    for (const [kind, r] of [
      ['o', original],
      ['d', duplicate],
    ] as const) {
      const std = standardise(r.customer, config);
      const keys = indexKeys(std);
      out.push({
        system: 'lab',
        sourceId: `s${seed}-${i}-${kind}`,
        record: r.customer,
        std,
        keys,
        matchKeys: keys.filter(isMatchKey),
        hash: createHash('sha256').update(JSON.stringify(r.customer)).digest('hex'),
        goldenId,
        words: [...new Set(std.nameTokens.filter((w) => w.length >= 3))],
      });
    }
    i++;
  }
  return out;
}

/** CPU ticks (user + system, 10 ms each) of a backend so far. */
const ticks = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
};
interface Buffers {
  hit: number;
  read: number;
  dirtied: number;
}
interface Tally {
  cpuMs: number;
  plainRecords: number;
  explainedBatches: number;
  byKind: Map<string, { cpuMs: number; buffers: Buffers; execMs: number }>;
}
const newTally = (): Tally => ({ cpuMs: 0, plainRecords: 0, explainedBatches: 0, byKind: new Map() });

/** Runs one statement, plain (CPU counted) or explained (buffers counted; it still runs, so it still writes). */
async function run(
  client: pg.PoolClient,
  pid: number,
  tally: Tally | null,
  explain: boolean,
  name: string,
  kind: string,
  text: string,
  values: unknown[],
): Promise<pg.QueryResult> {
  const k = tally?.byKind.get(kind) ?? { cpuMs: 0, buffers: { hit: 0, read: 0, dirtied: 0 }, execMs: 0 };
  tally?.byKind.set(kind, k);
  const control = values.length === 0; // begin, commit: never explained
  if (explain && control) return client.query(text);
  if (explain) {
    const plan = (await client.query(`explain (analyze, buffers, timing off, format json) ${text}`, values))
      .rows[0]['QUERY PLAN'][0];
    const top = plan.Plan;
    const planning = plan.Planning ?? {};
    k.buffers.hit += (top['Shared Hit Blocks'] ?? 0) + (planning['Shared Hit Blocks'] ?? 0);
    k.buffers.read += (top['Shared Read Blocks'] ?? 0) + (planning['Shared Read Blocks'] ?? 0);
    k.buffers.dirtied += top['Shared Dirtied Blocks'] ?? 0;
    k.execMs += plan['Execution Time'] ?? 0;
    return { rows: [] } as unknown as pg.QueryResult;
  }
  const t0 = ticks(pid);
  // Named (per layout: each runs on its own search_path), so PostgreSQL plans it once per connection, as the
  // store's statements are (#prepared).
  const result = control
    ? await client.query(text)
    : await client.query({ name: `${name}-${kind}`, text, values });
  const ms = (ticks(pid) - t0) * 10;
  k.cpuMs += ms;
  if (tally) tally.cpuMs += ms;
  return result;
}

const goldenRows = (batch: Rec[]) =>
  JSON.stringify(
    batch
      .filter((r) => r.sourceId.endsWith('-o'))
      .map((r) => ({
        golden_id: r.goldenId,
        founding_system: r.system,
        founding_id: r.sourceId,
        record: r.record,
        // About as wide as survivorship's lineage: where each field came from.
        lineage: Object.fromEntries(
          Object.keys(r.record as object).map((f) => [f, { system: r.system, sourceId: r.sourceId }]),
        ),
      })),
  );

/** One batch in one transaction, in a layout's statements. */
async function batchIn(
  layout: LayoutName,
  client: pg.PoolClient,
  pid: number,
  batch: Rec[],
  stopped: Set<string>,
  tally: Tally | null,
  explain: boolean,
): Promise<void> {
  const x = (kind: string, text: string, values: unknown[]) =>
    run(client, pid, tally, explain, layout, kind, text, values);
  await x('begin', 'begin', []);
  const hashed = layout !== 'cur';
  const allKeys = [...new Set(batch.flatMap((r) => r.matchKeys))];
  const read = await x(
    'match-read',
    READ[layout],
    hashed
      ? [batch.map((r) => r.system), batch.map((r) => r.sourceId), allKeys.map(hashKey), batch.length]
      : [batch.map((r) => r.system), batch.map((r) => r.sourceId), allKeys],
  );
  // Surrogate ids: from the read (explained: the plan's values are gone, so from the sequence itself).
  let ids = read.rows.filter((r) => r.kind === 'i').map((r) => String(r.rec));
  if (hashed && ids.length === 0)
    ids = (
      await client.query(`select nextval('rec_seq')::text as id from generate_series(1, $1::int)`, [
        batch.length,
      ])
    ).rows.map((r) => r.id);
  // Every key the records keep a row for: not stopped, or searched by (as store.ts #matchBatch).
  const added = batch.flatMap((r, i) =>
    r.keys.filter((k) => !stopped.has(k) || isSearchKey(k)).map((k) => ({ k, r, rec: ids[i] ?? '' })),
  );
  if (layout === 'cur') {
    await x(
      'block-key-insert',
      `insert into block_key (key, system, source_id) select * from unnest($1::text[], $2::text[], $3::text[])`,
      [added.map((a) => a.k), added.map((a) => a.r.system), added.map((a) => a.r.sourceId)],
    );
  } else if (layout === 'lean' || layout === 'hash') {
    await x(
      'block-key-insert',
      `insert into block_key (key, rec) select * from unnest($1::int8[], $2::int8[])`,
      [added.map((a) => hashKey(a.k)), added.map((a) => a.rec)],
    );
  }
  // The pairs: each duplicate with its original (text ids in every layout).
  const dups = batch.filter((r) => r.sourceId.endsWith('-d'));
  await x(
    'match-pair-insert',
    `insert into match_pair (a_system, a_id, b_system, b_id, probability, weight, levels, status)
     select a_s, a_i, b_s, b_i, 0.99, 12.5, '{2,2,1,2,2,0}', 'auto'
       from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as t(a_s, a_i, b_s, b_i)
     on conflict (a_system, a_id, b_system, b_id) do update set probability = excluded.probability`,
    [
      dups.map((r) => r.system),
      dups.map((r) => r.sourceId.replace(/-d$/, '-o')),
      dups.map((r) => r.system),
      dups.map((r) => r.sourceId),
    ],
  );
  await x(
    'golden-upsert',
    `insert into golden (golden_id, founding_system, founding_id, record, lineage, status, merged_into)
     select golden_id, founding_system, founding_id, record, lineage, 'active', null
       from jsonb_to_recordset($1::jsonb)
         as t(golden_id text, founding_system text, founding_id text, record jsonb, lineage jsonb)
     on conflict (golden_id) do update set record = excluded.record, lineage = excluded.lineage,
       version = golden.version + 1, updated_at = now()
     where golden.record is distinct from excluded.record or golden.lineage is distinct from excluded.lineage`,
    [goldenRows(batch)],
  );
  const rows = batch.map((r, i) => ({
    rec: ids[i],
    system: r.system,
    source_id: r.sourceId,
    record: r.record,
    std: r.std,
    content_hash: r.hash,
    field_times: {},
    keys: hashed ? `{${r.keys.map(hashKey).join(',')}}` : r.keys,
    // Only the indexed keys go to the GIN (as only they get block_key rows).
    live: `{${r.keys
      .filter((k) => !stopped.has(k) || isSearchKey(k))
      .map(hashKey)
      .join(',')}}`,
    golden_id: r.goldenId,
  }));
  const json = JSON.stringify(rows);
  if (layout === 'cur') {
    await x(
      'source-record-insert',
      `insert into source_record (system, source_id, record, std, content_hash, field_times, keys, golden_id)
       select system, source_id, record, std, content_hash, field_times, keys, golden_id
         from jsonb_to_recordset($1::jsonb) as t(system text, source_id text, record jsonb, std jsonb,
           content_hash text, field_times jsonb, keys text[], golden_id text)`,
      [json],
    );
  } else if (layout === 'hash') {
    await x(
      'source-record-insert',
      `insert into source_record (rec, system, source_id, record, std, content_hash, field_times, keys, golden_id)
       select rec, system, source_id, record, std, content_hash, field_times, keys, golden_id
         from jsonb_to_recordset($1::jsonb) as t(rec bigint, system text, source_id text, record jsonb, std jsonb,
           content_hash text, field_times jsonb, keys bigint[], golden_id text)`,
      [json],
    );
  } else {
    await x(
      'source-record-insert',
      `insert into source_record (rec, system, source_id, record, content_hash, field_times${layout === 'lean' ? ', keys' : ''}, golden_id)
       select rec, system, source_id, record, content_hash, field_times${layout === 'lean' ? ', keys' : ''}, golden_id
         from jsonb_to_recordset($1::jsonb) as t(rec bigint, system text, source_id text, record jsonb,
           content_hash text, field_times jsonb, keys bigint[], golden_id text)`,
      [json],
    );
    await x(
      'match-rec-insert',
      `insert into match_rec (rec, golden_id, std${layout === 'gin' ? ', keys' : ''})
       select rec, golden_id, std${layout === 'gin' ? ', live' : ''}
         from jsonb_to_recordset($1::jsonb) as t(rec bigint, golden_id text, std jsonb, live bigint[])`,
      [json],
    );
  }
  await x('outbox-insert', 'insert into golden_outbox (golden_id) select unnest($1::text[])', [
    batch.filter((r) => r.sourceId.endsWith('-o')).map((r) => r.goldenId),
  ]);
  const words = batch.flatMap((r, i) => r.words.map((w) => ({ w, r, rec: ids[i] ?? '' })));
  await x(
    'name-word-insert',
    layout === 'cur'
      ? 'insert into name_word (word, system, source_id) select * from unnest($1::text[], $2::text[], $3::text[]) on conflict do nothing'
      : 'insert into name_word (word, rec) select * from unnest($1::text[], $2::int8[]) on conflict do nothing',
    layout === 'cur'
      ? [words.map((w) => w.w), words.map((w) => w.r.system), words.map((w) => w.r.sourceId)]
      : [words.map((w) => w.w), words.map((w) => w.rec)],
  );
  await x('commit', 'commit', []);
  if (tally && !explain) tally.plainRecords += batch.length;
  if (tally && explain) tally.explainedBatches++;
}

// Build the lab schemas missing (or all, asked to).
for (const layout of LAYOUTS) {
  const L = labOf(layout);
  const exists = (await pool.query('select 1 from pg_namespace where nspname = $1', [L])).rowCount;
  if (exists && !args.rebuild) continue;
  say(`building ${L} from ${source}…`);
  const t0 = Date.now();
  await pool.query(`drop schema if exists ${L} cascade`);
  await pool.query(`create schema ${L}; set search_path = ${L}; ${SETUP[layout]}; reset search_path`);
  await pool.query(`vacuum analyze`); // hint bits and visibility maps, as a settled database has them
  say(`  ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

const client = await pool.connect();
const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? 0;
const stopped = new Set(
  (await client.query<{ key: string }>(`select key from ${S}.block_stop`)).rows.map((r) => r.key),
);
const SIZE = Number(args.size);
const results = new Map<LayoutName, Tally[]>();
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
say(`load average ${load()}`);
let seed = 1000 + (Date.now() % 100000) * 100; // fresh people each run, the same for every layout in a round
for (let round = 0; round < Number(args.rounds); round++) {
  const order = LAYOUTS.map((_, i) => LAYOUTS[(i + round) % LAYOUTS.length] as LayoutName);
  const batches = Array.from({ length: Number(args.warmup) + Number(args.batches) }, (_, b) =>
    makeBatch(seed + b, SIZE),
  );
  seed += batches.length;
  for (const layout of order) {
    await client.query(`set search_path = ${labOf(layout)}`);
    const tally = newTally();
    for (const [b, batch] of batches.entries()) {
      const warm = b < Number(args.warmup);
      await batchIn(layout, client, pid, batch, stopped, warm ? null : tally, !warm && b % 2 === 1);
    }
    results.set(layout, [...(results.get(layout) ?? []), tally]);
    say(
      `round ${round + 1} ${layout}: ${(tally.cpuMs / tally.plainRecords).toFixed(3)} ms/record PG CPU, load ${load()}`,
    );
  }
}
client.release();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] ?? 0)
    : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};
for (const layout of LAYOUTS) {
  const tallies = results.get(layout) ?? [];
  const perRecord = tallies.map((t) => t.cpuMs / t.plainRecords);
  process.stdout.write(
    `\n== ${layout}: PG CPU ${median(perRecord).toFixed(3)} ms/record (median of ${perRecord.map((x) => x.toFixed(3)).join(', ')})\n`,
  );
  const kinds = [...(tallies[0]?.byKind.keys() ?? [])];
  process.stdout.write('   ms/record  hit/batch read/batch dirtied/batch  exec ms/batch  statement\n');
  for (const kind of kinds) {
    const of = (f: (t: Tally, k: { cpuMs: number; buffers: Buffers; execMs: number }) => number) =>
      median(
        tallies.map((t) =>
          f(t, t.byKind.get(kind) ?? { cpuMs: 0, buffers: { hit: 0, read: 0, dirtied: 0 }, execMs: 0 }),
        ),
      );
    process.stdout.write(
      `${of((t, k) => k.cpuMs / t.plainRecords)
        .toFixed(3)
        .padStart(11)} ${of((t, k) => k.buffers.hit / t.explainedBatches)
        .toFixed(0)
        .padStart(10)} ${of((t, k) => k.buffers.read / t.explainedBatches)
        .toFixed(0)
        .padStart(10)} ${of((t, k) => k.buffers.dirtied / t.explainedBatches)
        .toFixed(0)
        .padStart(13)} ${of((t, k) => k.execMs / t.explainedBatches)
        .toFixed(1)
        .padStart(14)}  ${kind}\n`,
    );
  }
  const sizes = await pool.query<{ relname: string; mb: string }>(
    `select c.relname, round(pg_relation_size(c.oid) / 1048576.0, 1)::text as mb from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'i') and pg_relation_size(c.oid) > 1048576
      order by pg_relation_size(c.oid) desc`,
    [labOf(layout)],
  );
  process.stdout.write(`   sizes (MB): ${sizes.rows.map((r) => `${r.relname} ${r.mb}`).join(', ')}\n`);
}
await pool.end();
