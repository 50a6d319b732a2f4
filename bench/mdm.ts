// Master data: incremental match + merge through PostgreSQL, one record at a time (batches of records per
// transaction, as `eai mdm load` does), measured per segment as the golden records grow; beside it in the same run,
// the baseline: a plain insert of the same records (jsonb, the same batches) into a table of their own.
// Also blocking recall (true pairs sharing a key), pairs compared per record and the process's peak memory.
// Data: the FEBRL-like person set of tests/mdm-data.ts (originals + one duplicate each); model by EM on a sample.
// Usage: npm run bench:mdm [-- --records 20000 --steps 2000,5000,10000,20000 --batch 500 --json]

import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import { blockingKeys } from '../masterdata/block.ts';
import { defaultMdmConfig } from '../masterdata/config.ts';
import { standardise } from '../masterdata/standardise.ts';
import { MasterDataStore } from '../masterdata/store.ts';
import { trainByEm, withModel } from '../masterdata/train.ts';
import { resolveEndpoints } from '../stack/stack.ts';
import { febrlLike } from '../tests/mdm-data.ts';

quietKnownWarnings();

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '20000' },
    steps: { type: 'string' },
    batch: { type: 'string', default: '500' },
    json: { type: 'boolean' },
  },
});
const RECORDS = Number(args.records);
const BATCH = Number(args.batch);
const STEPS = (args.steps ?? [RECORDS / 10, RECORDS / 4, RECORDS / 2, RECORDS].map(Math.round).join(','))
  .split(',')
  .map(Number)
  .filter((n) => n > 0 && n <= RECORDS);
const say = (line: string) => process.stderr.write(`${line}\n`);

const databaseUrl = resolveEndpoints().databaseUrl;
if (!databaseUrl) {
  say('bench:mdm: no database: set DATABASE_URL or start the stack (npx eai stack up)');
  process.exit(1);
}

const records = febrlLike(20261202, Math.ceil(RECORDS / 2)).slice(0, RECORDS);
const base = defaultMdmConfig();
const std = records.map((r) => standardise(r.customer, base));

// Blocking recall over all records: true pairs that share at least one key.
const keys = std.map((s) => new Set(blockingKeys(s)));
const byEntity = new Map<string, number[]>();
records.forEach((r, i) => {
  byEntity.set(r.entityId, [...(byEntity.get(r.entityId) ?? []), i]);
});
let truePairs = 0;
let blocked = 0;
for (const list of byEntity.values()) {
  for (let x = 0; x < list.length; x++) {
    for (let y = x + 1; y < list.length; y++) {
      truePairs++;
      const a = keys[list[x] ?? 0];
      const b = keys[list[y] ?? 0];
      if (a && b && [...a].some((k) => b.has(k))) blocked++;
    }
  }
}

say(`training on ${Math.min(5000, records.length)} records…`);
const config = withModel(base, trainByEm(std.slice(0, 5000)).model);
const schema = `mdm_bench_${randomBytes(4).toString('hex')}`;
const store = new MasterDataStore({ databaseUrl, schema, config });
await store.migrate();

interface Segment {
  upTo: number;
  goldenRecords: number;
  recordsPerSecond: number;
  pairsComparedPerRecord: number;
}
const segments: Segment[] = [];
let loaded = 0;
let started = performance.now();
let compared = 0;
let segmentStart = 0;
try {
  for (const step of STEPS) {
    started = performance.now();
    compared = 0;
    segmentStart = loaded;
    while (loaded < step) {
      const batch = records.slice(loaded, Math.min(loaded + BATCH, step));
      for (const r of await store.upsertBatch(batch)) compared += r.compared;
      loaded += batch.length;
    }
    const seconds = (performance.now() - started) / 1000;
    const stats = await store.stats();
    const segment = {
      upTo: step,
      goldenRecords: stats.golden,
      recordsPerSecond: (loaded - segmentStart) / seconds,
      pairsComparedPerRecord: compared / Math.max(loaded - segmentStart, 1),
    };
    segments.push(segment);
    say(
      `  ${String(step).padStart(8)} records  ${String(stats.golden).padStart(8)} golden  ${segment.recordsPerSecond.toFixed(0).padStart(6)} records/s  ${segment.pairsComparedPerRecord.toFixed(1)} pairs/record`,
    );
  }

  // Baseline: the same records, the same batches, a plain insert.
  const pool = store.pool;
  await pool.query(
    `create table "${schema}".plain (system text, source_id text, record jsonb, primary key (system, source_id))`,
  );
  const t0 = performance.now();
  for (let i = 0; i < records.length; i += BATCH) {
    const batch = records.slice(i, i + BATCH);
    await pool.query(
      `insert into "${schema}".plain select * from unnest($1::text[], $2::text[], $3::jsonb[])`,
      [
        batch.map((r) => r.system),
        batch.map((r) => r.customer.sourceIds?.[0]?.id ?? ''),
        batch.map((r) => JSON.stringify(r.customer)),
      ],
    );
  }
  const plainPerSecond = records.length / ((performance.now() - t0) / 1000);
  const result = {
    records: records.length,
    batch: BATCH,
    segments,
    plainInsertRecordsPerSecond: plainPerSecond,
    blockingRecall: truePairs ? blocked / truePairs : 1,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      [
        `mdm incremental match + merge, ${records.length} FEBRL-like records, ${BATCH} per transaction`,
        ...segments.map(
          (s) =>
            `  up to ${s.upTo} records (${s.goldenRecords} golden): ${s.recordsPerSecond.toFixed(0)} records/s, ${s.pairsComparedPerRecord.toFixed(1)} pairs compared per record`,
        ),
        `  plain insert of the same records: ${plainPerSecond.toFixed(0)} records/s`,
        `  blocking recall ${result.blockingRecall.toFixed(4)}, peak RSS ${result.peakRssMb.toFixed(0)} MB`,
      ].join('\n') + '\n',
    );
  }
} finally {
  await store.pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
  await store.close();
}
