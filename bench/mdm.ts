// Master data: incremental match + merge through PostgreSQL with 100k (and, asked for, 1M) golden records loaded.
// At each level a window of records is matched, half of them duplicates of people already loaded (each should
// join its original's golden record) and half new people, in batches as `eai mdm load` and the matcher commit
// them, and a few hundred more one record per transaction. Beside it in the same run, the baseline: a plain
// insert of the same window's records (jsonb, the same batches) into a table of their own.
// Reported per level: records/s and the ratio to the plain insert, pairs compared per record and where they come
// from (other holders of the window's live keys, by key family), blocking recall of
// the window's true pairs (keys stopped by `blocking.maxBlockSize` / `maxWideBlockSize` count as missing), how many duplicates found
// their original and how many new people were merged into someone, peak memory of this process and of the
// PostgreSQL backends it used, and the schema's size on disk.
// Data: FEBRL-like people (tests/mdm-data.ts), streamed; the golden records are loaded through the matcher itself
// in large batches (the fastest correct path: the same pairs and clusters as one record at a time), with progress.
// Then the live matcher (masterdata/consumer.ts, as the hub runs it on canonical.customer): `--live` records published
// as CustomerEvents to a topic of the run's own (deleted at the end), matched as the consumer hands them over.
// Runs in a schema of its own, dropped at the end (also on Ctrl-C); `--live 0` touches no Kafka topic.
// Usage: npm run bench:mdm [-- --golden 100000,1000000 --measure 5000 --batch 500 --single 300 --live 2000 --json --keep]

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';

import { createBus } from '../bus/index.ts';
import { createLogger } from '../lib/logger.ts';
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import { blockHash, blockingKeys } from '../masterdata/block.ts';
import { defaultMdmConfig } from '../masterdata/config.ts';
import { startCustomerMatcher } from '../masterdata/consumer.ts';
import { standardise } from '../masterdata/standardise.ts';
import { MasterDataStore, type UpsertResult } from '../masterdata/store.ts';
import { trainByEm, withModel } from '../masterdata/train.ts';
import { createRng } from '../simulators/generator/prng.ts';
import { resolveEndpoints } from '../stack/stack.ts';
import { febrlLike, febrlLikePeople, type LabelledRecord } from '../tests/mdm-data.ts';
import { benchArgs } from './args.ts';

quietKnownWarnings();

const { values: args } = benchArgs('npm run bench:mdm --', {
  options: {
    golden: { type: 'string', default: process.env.MDM_BENCH_GOLDEN ?? '100000' },
    measure: { type: 'string', default: '5000' },
    batch: { type: 'string', default: '500' },
    'load-batch': { type: 'string', default: '1000' },
    single: { type: 'string', default: '300' },
    live: { type: 'string', default: '2000' },
    json: { type: 'boolean' },
    /** Leave the schema in place at the end (to EXPLAIN the matcher's statements on it); drop it by hand. */
    keep: { type: 'boolean' },
  },
});
const LEVELS = args.golden
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const MEASURE = Number(args.measure);
const BATCH = Number(args.batch);
const LOAD_BATCH = Number(args['load-batch']);
const SINGLE = Number(args.single);
const LIVE = Number(args.live);
const say = (line: string) => process.stderr.write(`${line}\n`);

const databaseUrl = resolveEndpoints().databaseUrl;
if (!databaseUrl) {
  say('bench:mdm: no database: set DATABASE_URL or start the stack (npx eai stack up)');
  process.exit(1);
}

// The model: EM on a FEBRL-like sample of its own (another seed), as a deployment trains on its data.
const base = defaultMdmConfig();
say('training on 5,000 records…');
const config = withModel(base, trainByEm(febrlLike(7, 2500).map((r) => standardise(r.customer, base))).model);

const schema = `mdm_bench_${randomBytes(4).toString('hex')}`;
// PostgreSQL CPU and memory are read from the backends of this run alone (two runs at once named theirs alike and
// each counted the other's).
const APP = `eai-bench-mdm-${schema.slice('mdm_bench_'.length)}`;
const pool = new pg.Pool({
  connectionString: databaseUrl,
  max: 2,
  idleTimeoutMillis: 0,
  application_name: APP,
});
const store = new MasterDataStore({ pool, schema, config });
const q = `"${schema}"`;
let dropped = false;
async function dropSchema() {
  if (dropped) return;
  dropped = true;
  if (args.keep && !stopRequested) {
    say(`schema ${schema} kept (--keep): drop schema ${q} cascade when done`);
    await pool.end().catch(() => undefined);
    return;
  }
  await pool.query(`drop schema if exists ${q} cascade`).catch(() => undefined);
  await pool.end().catch(() => undefined);
}
// A signal stops the run after the transaction in hand; the schema is then dropped (a second signal: at once).
let stopRequested = false;
class Stopped extends Error {}
const checkStop = () => {
  if (stopRequested) throw new Stopped('stopped');
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    say(`${signal}: stopping, then dropping schema ${schema}…`);
  });
}

/** Peak resident memory of the PostgreSQL backends serving this run (Linux, same machine), in MB. */
const pgPeakMb = new Map<number, number>();
async function samplePostgresMemory(): Promise<number | null> {
  const pids = (
    await pool.query<{ pid: number }>(`select pid from pg_stat_activity where application_name = $1`, [APP])
  ).rows.map((r) => r.pid);
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      pgPeakMb.set(pid, Math.max(pgPeakMb.get(pid) ?? 0, hwm));
    } catch {
      return null; // another machine, or not ours to read
    }
  }
  return pgPeakMb.size ? [...pgPeakMb.values()].reduce((a, b) => a + b, 0) : null;
}

/** CPU time (ms) used so far by the PostgreSQL backends serving this run, or null where /proc cannot tell. */
async function postgresCpuMs(): Promise<number | null> {
  const pids = (
    await pool.query<{ pid: number }>(`select pid from pg_stat_activity where application_name = $1`, [APP])
  ).rows.map((r) => r.pid);
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      return null;
    }
  }
  return ticks * 10; // USER_HZ = 100 on Linux
}

interface Person {
  original: LabelledRecord;
  duplicate: LabelledRecord;
}
const people = febrlLikePeople(createRng(20261202));
const nextPerson = (): Person => people.next().value as Person;
// Duplicates held back for the windows: a uniform sample (reservoir) of the people loaded so far.
const reservoir: Person[] = [];
const pick = createRng(99);
let originalsLoaded = 0;
let offered = 0;
const keep = Math.ceil(MEASURE / 2) + Math.ceil(SINGLE / 2) + Math.ceil(LIVE / 2);
function remember(p: Person) {
  offered++;
  if (reservoir.length < keep) reservoir.push(p);
  else {
    const j = pick.int(0, offered - 1);
    if (j < keep) reservoir[j] = p;
  }
}

interface Level {
  goldenRecords: number;
  sourceRecords: number;
  recordsPerSecond: number;
  plainInsertRecordsPerSecond: number;
  ratioToPlainInsert: number;
  singleRecordsPerSecond: number;
  /**
   * The matcher on a topic (masterdata/consumer.ts, as the hub runs it): a window published as CustomerEvents, then
   * matched as the consumer hands them over; records/s from its joining the group to the last matched, CPU per
   * record of this process and of the PostgreSQL backends, changes per transaction. Null with `--live 0`.
   */
  live: {
    recordsPerSecond: number;
    nodeCpuMsPerRecord: number;
    postgresCpuMsPerRecord: number | null;
    changesPerTransaction: number;
  } | null;
  pairsComparedPerRecord: number;
  /** Other holders of a window record's live keys at the end of the window, per key family (where pairs come from). */
  holdersPerRecordByFamily: Record<string, number>;
  /** CPU per record matched in the window: this process, and the PostgreSQL backends serving it. */
  nodeCpuMsPerRecord: number;
  postgresCpuMsPerRecord: number | null;
  blockingRecall: number;
  /**
   * Pairwise precision, recall and F1 of the clusters over every record loaded so far (truth: the person each
   * record was made from), which are those of matching the records one at a time (store.ts matchIn).
   */
  precision: number;
  recall: number;
  f1: number;
  duplicatesFound: number;
  newPeopleMerged: number;
  stoppedKeys: number;
  preloadRecordsPerSecond: number;
  schemaMb: number;
  peakRssMb: number;
  postgresPeakMb: number | null;
}
const levels: Level[] = [];

/** A window: half duplicates of loaded people, half new people, in a seeded order. */
function window(size: number): { items: LabelledRecord[]; dups: Person[]; fresh: LabelledRecord[] } {
  const half = Math.floor(size / 2);
  const dups = pick.shuffle(reservoir).slice(0, half);
  const taken = new Set(dups);
  reservoir.splice(0, reservoir.length, ...reservoir.filter((p) => !taken.has(p)));
  const fresh: LabelledRecord[] = [];
  for (let i = 0; i < size - half; i++) {
    const p = nextPerson();
    fresh.push(p.original);
  }
  return { items: pick.shuffle([...dups.map((d) => d.duplicate), ...fresh]), dups, fresh };
}

/**
 * Matches batches as a loader does (`eai mdm load`): one batch in the database at a time, the next one prepared
 * (standardised, keyed) meanwhile.
 */
async function matchAll(batches: Iterable<LabelledRecord[]>, onResults: (results: UpsertResult[]) => void) {
  let inFlight: Promise<void> = Promise.resolve();
  for (const batch of batches) {
    if (stopRequested) await inFlight.catch(() => undefined);
    checkStop();
    await store.prepare(batch);
    await inFlight;
    inFlight = store.upsertBatch(batch).then(onResults);
    inFlight.catch(() => undefined);
  }
  await inFlight;
}

async function preload(target: number, started: number): Promise<number> {
  const t0 = performance.now();
  const from = originalsLoaded;
  let lastSay = t0;
  let queued = originalsLoaded;
  function* batches() {
    while (queued < target) {
      const batch: LabelledRecord[] = [];
      while (batch.length < LOAD_BATCH && queued + batch.length < target) {
        const p = nextPerson();
        batch.push(p.original);
        remember(p);
      }
      queued += batch.length;
      yield batch;
    }
  }
  let progress = Promise.resolve();
  await matchAll(batches(), (results) => {
    originalsLoaded += results.length;
    const now = performance.now();
    if (now - lastSay > 5000 || originalsLoaded >= target) {
      lastSay = now;
      const rate = (originalsLoaded - from) / ((now - t0) / 1000);
      const eta = (target - originalsLoaded) / rate;
      // Not awaited here; a sample still running when a signal ends the run must not fail it.
      progress = samplePostgresMemory().then(
        () => undefined,
        () => undefined,
      );
      say(
        `  loading golden records: ${originalsLoaded.toLocaleString('en')} / ${target.toLocaleString('en')}  ${rate.toFixed(0)} records/s  ${eta > 0 ? `~${Math.ceil(eta / 60)} min left` : ''}  (${((now - started) / 60000).toFixed(1)} min so far)`,
      );
    }
  });
  await progress;
  return (originalsLoaded - from) / Math.max((performance.now() - t0) / 1000, 1e-9);
}

const isCalendarDate = (d: string | null | undefined): d is string =>
  typeof d === 'string' &&
  /^\d{4}-\d{2}-\d{2}$/.test(d) &&
  !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) &&
  new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);

/** The live matcher's run over a window of `size` records published to a topic of its own (`Level.live`). */
async function live(size: number): Promise<Level['live']> {
  const { items, fresh } = window(size);
  const { brokers, registryUrl } = resolveEndpoints();
  const quiet = createLogger('bench', 'warn');
  const bus = createBus({ brokers, registryUrl, source: '/eai/bench/mdm', logger: quiet });
  const topic = `bench.mdm.${schema}`;
  say(`  live: publishing ${items.length.toLocaleString('en')} CustomerEvents to ${topic}…`);
  await bus.provisionTopics([{ topic, partitions: 3 }]);
  const publisher = await bus.publisher();
  try {
    for (let i = 0; i < items.length; i += 1000) {
      await publisher.publish(
        items.slice(i, i + 1000).map((r) => {
          const id = r.customer.sourceIds?.[0]?.id ?? '';
          return {
            schema: 'CustomerEvent',
            topic,
            value: {
              changeType: 'CREATED',
              changedFields: [],
              clearedFields: [],
              mergedIds: [],
              occurredAt: new Date(),
              origin: { system: r.system, documentId: id },
              customer: {
                ...r.customer,
                customerId: r.customer.customerId ?? `${r.system}:${id}`,
                // The data's typos make dates no calendar has (1970-02-00), which the canonical schema refuses (a
                // connector's mapping dead-letters such a record): sent without it.
                birthDate: isCalendarDate(r.customer.birthDate) ? r.customer.birthDate : null,
              },
            },
          };
        }),
      );
    }
  } finally {
    await publisher.close();
  }
  const matcher = await startCustomerMatcher({
    bus,
    store,
    groupId: `bench-mdm-${schema}`,
    topic,
    fromBeginning: true,
    logger: quiet,
  });
  const matched = () => matcher.counts.new + matcher.counts.merged + matcher.counts.review;
  try {
    await matcher.ready();
    const pgCpu0 = await postgresCpuMs();
    const nodeCpu0 = process.cpuUsage();
    const before = matched();
    const t0 = performance.now();
    let lastSay = t0;
    while (matched() < items.length) {
      checkStop();
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (performance.now() - lastSay > 5000) {
        lastSay = performance.now();
        say(`  live: ${matched().toLocaleString('en')} / ${items.length.toLocaleString('en')} matched`);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const nodeCpu = process.cpuUsage(nodeCpu0);
    const pgCpu1 = await postgresCpuMs();
    const n = items.length - before;
    originalsLoaded += fresh.length;
    return {
      recordsPerSecond: n / seconds,
      nodeCpuMsPerRecord: (nodeCpu.user + nodeCpu.system) / 1000 / n,
      postgresCpuMsPerRecord: pgCpu0 === null || pgCpu1 === null ? null : (pgCpu1 - pgCpu0) / n,
      changesPerTransaction: matcher.transactions.changes / Math.max(matcher.transactions.count, 1),
    };
  } finally {
    await matcher.stop();
    const admin = bus.transport.admin();
    await admin.connect();
    await admin.deleteTopics([topic]).catch(() => undefined);
    await admin.disconnect();
  }
}

async function measure(level: number, preloadRate: number): Promise<Level> {
  const before = await store.stats();
  const { items, dups, fresh } = window(MEASURE);
  say(
    `  matching ${items.length.toLocaleString('en')} records at ${before.golden.toLocaleString('en')} golden…`,
  );
  const freshIds = new Set(fresh.map((r) => r.customer.sourceIds?.[0]?.id));
  let compared = 0;
  let freshMerged = 0;
  const pgCpu0 = await postgresCpuMs();
  const nodeCpu0 = process.cpuUsage();
  const t0 = performance.now();
  const slices: LabelledRecord[][] = [];
  for (let i = 0; i < items.length; i += BATCH) slices.push(items.slice(i, i + BATCH));
  await matchAll(slices, (results) => {
    for (const r of results) {
      compared += r.compared;
      if (r.outcome === 'merged' && freshIds.has(r.sourceId)) freshMerged++;
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  const nodeCpu = process.cpuUsage(nodeCpu0);
  const pgCpu1 = await postgresCpuMs();
  originalsLoaded += fresh.length;

  // Baseline: the same records, the same batches, a plain insert.
  await pool.query(
    `create table if not exists ${q}.plain (system text, source_id text, record jsonb, primary key (system, source_id))`,
  );
  const p0 = performance.now();
  for (let i = 0; i < items.length; i += BATCH) {
    const batch = items.slice(i, i + BATCH);
    await pool.query(`insert into ${q}.plain select * from unnest($1::text[], $2::text[], $3::jsonb[])`, [
      batch.map((r) => r.system),
      batch.map((r) => `${level}:${r.customer.sourceIds?.[0]?.id ?? ''}`),
      batch.map((r) => JSON.stringify(r.customer)),
    ]);
  }
  const plainRate = items.length / ((performance.now() - p0) / 1000);

  // One record per transaction (what the matcher on canonical.customer did before it matched the events in hand together).
  const single = window(SINGLE);
  const s0 = performance.now();
  for (const r of single.items) {
    checkStop();
    await store.upsert(r.system, r.customer);
  }
  const singleRate = single.items.length / ((performance.now() - s0) / 1000);
  originalsLoaded += single.fresh.length;

  const liveRun = LIVE > 0 ? await live(LIVE) : null;

  // Blocking recall of the window's true pairs, stopped keys counting as missing; where the duplicates landed.
  const keyPairs = dups.map((d) => ({
    a: new Set(blockingKeys(standardise(d.original.customer, config))),
    b: blockingKeys(standardise(d.duplicate.customer, config)),
  }));
  const allKeys = [...new Set(keyPairs.flatMap((k) => k.b))];
  const stopped = new Set(
    (
      await pool.query<{ name: string }>(`select name from ${q}.block_stop where key = any($1::bigint[])`, [
        allKeys.map(blockHash),
      ])
    ).rows.map((r) => r.name),
  );
  const blocked = keyPairs.filter((k) => k.b.some((key) => k.a.has(key) && !stopped.has(key))).length;
  const idOf = (r: LabelledRecord) => r.customer.sourceIds?.[0]?.id ?? '';
  // Where the pairs come from: other holders of the window records' live keys at the end, by key family (the
  // prefix and the number of parts: `b:2` a birth date, `b:3` with initials, `s:5` street + number + city +
  // initials, …); a candidate sharing two keys counts in both.
  // block_key holds the keys' hashes (masterdata/block.ts blockHash): the window's keys are hashed here.
  const windowKeys = (
    await pool.query<{ rec: string; keys: string[] }>(
      `select rec, keys from ${q}.source_record where system = 'febrl' and source_id = any($1::text[])`,
      [items.map(idOf)],
    )
  ).rows.flatMap((r) =>
    r.keys.map((k) => ({
      rec: r.rec,
      hash: blockHash(k),
      family: `${k.split(':')[0]}:${k.split(':').length}`,
    })),
  );
  const families = (
    await pool.query<{ family: string; n: string }>(
      `with w as (select * from unnest($1::bigint[], $2::bigint[], $3::text[]) as w(rec, k, family))
       select w.family, count(*) as n
         from w join ${q}.block_key bk on bk.key = w.k
        where bk.rec <> w.rec
          and not exists (select 1 from ${q}.block_stop s where s.key = w.k)
        group by 1 order by 2 desc`,
      [windowKeys.map((w) => w.rec), windowKeys.map((w) => w.hash), windowKeys.map((w) => w.family)],
    )
  ).rows;
  const found = (
    await pool.query<{ n: string }>(
      `select count(*) as n from unnest($1::text[], $2::text[]) as x(o, d)
         join ${q}.xref xo on xo.system = 'febrl' and xo.source_id = x.o
         join ${q}.xref xd on xd.system = 'febrl' and xd.source_id = x.d
        where xo.golden_id = xd.golden_id`,
      [dups.map((d) => idOf(d.original)), dups.map((d) => idOf(d.duplicate))],
    )
  ).rows[0]?.n;
  // Pairwise quality of the whole data set: pairs in one cluster, pairs of one person, and both.
  const quality = (
    await pool.query<{ predicted: string; truth: string; both: string }>(
      `with r as materialized (
         select golden_id as g, substring(source_id from '^rec-([0-9]+)-') as e from ${q}.source_record
          where system = 'febrl')
       select (select coalesce(sum(n * (n - 1) / 2), 0) from (select count(*) as n from r group by g) x) as predicted,
              (select coalesce(sum(n * (n - 1) / 2), 0) from (select count(*) as n from r group by e) x) as truth,
              (select coalesce(sum(n * (n - 1) / 2), 0) from (select count(*) as n from r group by g, e) x) as both`,
    )
  ).rows[0];
  const tp = Number(quality?.both ?? 0);
  const precision = tp / Math.max(Number(quality?.predicted ?? 0), 1);
  const recall = tp / Math.max(Number(quality?.truth ?? 0), 1);
  const after = await store.stats();
  const stopCount = (await pool.query<{ n: string }>(`select count(*) as n from ${q}.block_stop`)).rows[0]?.n;
  const size = (
    await pool.query<{ bytes: string }>(
      `select coalesce(sum(pg_total_relation_size(c.oid)), 0) as bytes from pg_class c
         join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind in ('r', 'm')`,
      [schema],
    )
  ).rows[0]?.bytes;
  const recordsPerSecond = items.length / seconds;
  return {
    goldenRecords: before.golden,
    sourceRecords: after.sources,
    recordsPerSecond,
    plainInsertRecordsPerSecond: plainRate,
    ratioToPlainInsert: recordsPerSecond / plainRate,
    singleRecordsPerSecond: singleRate,
    live: liveRun,
    pairsComparedPerRecord: compared / items.length,
    holdersPerRecordByFamily: Object.fromEntries(families.map((f) => [f.family, Number(f.n) / items.length])),
    nodeCpuMsPerRecord: (nodeCpu.user + nodeCpu.system) / 1000 / items.length,
    postgresCpuMsPerRecord: pgCpu0 === null || pgCpu1 === null ? null : (pgCpu1 - pgCpu0) / items.length,
    blockingRecall: dups.length ? blocked / dups.length : 1,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    duplicatesFound: dups.length ? Number(found) / dups.length : 1,
    newPeopleMerged: freshMerged,
    stoppedKeys: Number(stopCount),
    preloadRecordsPerSecond: preloadRate,
    schemaMb: Number(size) / 2 ** 20,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    postgresPeakMb: await samplePostgresMemory(),
  };
}

try {
  await store.migrate();
  const started = performance.now();
  for (const level of LEVELS) {
    say(`level ${level.toLocaleString('en')} golden records (schema ${schema})`);
    const preloadRate = await preload(level, started);
    const result = await measure(level, preloadRate);
    levels.push(result);
    say(
      `  ${result.recordsPerSecond.toFixed(0)} records/s (${result.ratioToPlainInsert.toFixed(3)} of a plain insert's ${result.plainInsertRecordsPerSecond.toFixed(0)}), one per transaction ${result.singleRecordsPerSecond.toFixed(0)}/s${result.live ? `, live ${result.live.recordsPerSecond.toFixed(0)}/s` : ''}, ${result.pairsComparedPerRecord.toFixed(1)} pairs/record, blocking recall ${result.blockingRecall.toFixed(4)}, F1 ${result.f1.toFixed(4)}`,
    );
  }
  const pgSettings = Object.fromEntries(
    // As PostgreSQL writes a size (512MB); `setting` counts its `unit` (shared_buffers: 8kB pages), so setting
    // and unit side by side read 16384 pages of 8kB as "163848kB".
    (
      await pool.query<{ name: string; size: string }>(
        `select name, pg_size_pretty(setting::bigint * pg_size_bytes(case when unit ~ '^[0-9]' then unit else '1' || unit end)) as size from pg_settings
          where name in ('shared_buffers', 'work_mem')`,
      )
    ).rows.map((r) => [r.name, r.size]),
  );
  const result = {
    measure: MEASURE,
    batch: BATCH,
    maxBlockSize: config.blocking.maxBlockSize,
    maxWideBlockSize: config.blocking.maxWideBlockSize,
    levels,
    postgres: pgSettings,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const mb = (n: number | null) => (n === null ? 'n/a' : `${n.toFixed(0)} MB`);
    process.stdout.write(
      `${[
        `mdm incremental match + merge, FEBRL-like people, ${MEASURE} records a level (half duplicates of loaded people), ${BATCH} per transaction, maxBlockSize ${config.blocking.maxBlockSize} (wide keys ${config.blocking.maxWideBlockSize})`,
        ...levels.map((l) =>
          [
            `  at ${l.goldenRecords.toLocaleString('en')} golden records (${l.sourceRecords.toLocaleString('en')} source records, ${mb(l.schemaMb)} on disk):`,
            `    ${l.recordsPerSecond.toFixed(0)} records/s; plain insert ${l.plainInsertRecordsPerSecond.toFixed(0)} records/s (ratio ${l.ratioToPlainInsert.toFixed(3)}); one per transaction ${l.singleRecordsPerSecond.toFixed(0)} records/s; loading ${l.preloadRecordsPerSecond.toFixed(0)} records/s`,
            `    CPU per record: ${l.nodeCpuMsPerRecord.toFixed(2)} ms here, ${l.postgresCpuMsPerRecord === null ? 'n/a' : `${l.postgresCpuMsPerRecord.toFixed(2)} ms`} in PostgreSQL`,
            ...(l.live
              ? [
                  `    live matcher on a topic (${LIVE} CustomerEvents): ${l.live.recordsPerSecond.toFixed(0)} records/s, ${l.live.changesPerTransaction.toFixed(0)} changes per transaction, CPU per record ${l.live.nodeCpuMsPerRecord.toFixed(2)} ms here, ${l.live.postgresCpuMsPerRecord === null ? 'n/a' : `${l.live.postgresCpuMsPerRecord.toFixed(2)} ms`} in PostgreSQL`,
                ]
              : []),
            `    ${l.pairsComparedPerRecord.toFixed(1)} pairs compared per record; blocking recall ${l.blockingRecall.toFixed(4)} (${l.stoppedKeys} keys stopped); duplicates found ${l.duplicatesFound.toFixed(4)}; new people merged into someone ${l.newPeopleMerged}`,
            `    other holders of live keys per record, by key family: ${Object.entries(
              l.holdersPerRecordByFamily,
            )
              .map(([f, n]) => `${f} ${n.toFixed(2)}`)
              .join(', ')}`,
            `    pairwise over all ${l.sourceRecords.toLocaleString('en')} records: precision ${l.precision.toFixed(4)}, recall ${l.recall.toFixed(4)}, F1 ${l.f1.toFixed(4)}`,
            `    peak RSS ${mb(l.peakRssMb)} (this process), ${mb(l.postgresPeakMb)} (its PostgreSQL backends, shared buffers they touched included; shared_buffers ${pgSettings.shared_buffers})`,
          ].join('\n'),
        ),
      ].join('\n')}\n`,
    );
  }
} catch (error) {
  if (!(error instanceof Stopped)) throw error;
  process.exitCode = 130;
} finally {
  await dropSchema();
}
