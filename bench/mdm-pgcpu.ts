// Master data: PostgreSQL CPU per statement kind of the matcher. On a schema that `npm run bench:mdm -- --keep`
// left, matches batches of new FEBRL-like people and their duplicates (system `pgcpu`, so they are new records)
// and reads the CPU time of the backend serving them (/proc/<pid>/stat, same machine) around every statement, so
// the figure is PostgreSQL's own work per statement kind, not the round trip. The batches stay in the schema.
// Usage: npx node bench/mdm-pgcpu.ts <schema> [--batches 6] [--size 500] [--seed 11]

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { defaultMdmConfig } from '../masterdata/config.ts';
import { standardise } from '../masterdata/standardise.ts';
import { MasterDataStore } from '../masterdata/store.ts';
import { trainByEm, withModel } from '../masterdata/train.ts';
import { createRng } from '../simulators/generator/prng.ts';
import { resolveEndpoints } from '../stack/stack.ts';
import { febrlLike, febrlLikePeople } from '../tests/mdm-data.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    batches: { type: 'string', default: '6' },
    size: { type: 'string', default: '500' },
    seed: { type: 'string', default: '11' },
  },
});
const schema = positionals[0];
if (!schema) {
  process.stderr.write(
    'usage: npx node bench/mdm-pgcpu.ts <schema kept by bench:mdm --keep> [--batches 6]\n',
  );
  process.exit(1);
}
const base = defaultMdmConfig();
const config = withModel(base, trainByEm(febrlLike(7, 2500).map((r) => standardise(r.customer, base))).model);
const pool = new pg.Pool({ connectionString: resolveEndpoints().databaseUrl, max: 1 });
const store = new MasterDataStore({ pool, schema, config });

/** CPU ticks (user + system, 10 ms each) of a backend so far. */
const ticks = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
};
const byKind = new Map<string, { ms: number; calls: number }>();
type Query = pg.PoolClient['query'];
const pids = new WeakMap<pg.PoolClient, number>();
const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
pool.connect = (async () => {
  const client = await connect();
  if (!pids.has(client)) {
    const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? 0;
    pids.set(client, pid);
    const query = client.query.bind(client) as (
      c: string | pg.QueryConfig,
      v?: unknown[],
    ) => Promise<unknown>;
    client.query = (async (c: string | pg.QueryConfig, v?: unknown[]) => {
      const text = typeof c === 'string' ? c : c.text;
      const kind = text
        .replace(/"[^"]*"\./g, '')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 70);
      const t0 = ticks(pid);
      try {
        return await query(c, v);
      } finally {
        const k = byKind.get(kind) ?? { ms: 0, calls: 0 };
        k.ms += (ticks(pid) - t0) * 10;
        k.calls++;
        byKind.set(kind, k);
      }
    }) as unknown as Query;
  }
  return client;
}) as unknown as typeof pool.connect;

const size = Number(args.size);
const people = febrlLikePeople(createRng(Number(args.seed)), (size / 2) * Number(args.batches));
let records = 0;
for (let b = 0; b < Number(args.batches); b++) {
  const items = [];
  for (let i = 0; i < size / 2; i++) {
    const { original, duplicate } = people.next().value as typeof people extends Iterator<infer T>
      ? T
      : never;
    items.push(
      { system: 'pgcpu', customer: original.customer },
      { system: 'pgcpu', customer: duplicate.customer },
    );
  }
  await store.upsertBatch(items);
  records += items.length;
}
const total = [...byKind.values()].reduce((s, k) => s + k.ms, 0);
process.stdout.write(
  `PostgreSQL CPU ${(total / records).toFixed(3)} ms per record over ${records} records\n`,
);
for (const [kind, k] of [...byKind].sort((a, b) => b[1].ms - a[1].ms)) {
  process.stdout.write(
    `${(k.ms / records).toFixed(3).padStart(7)} ms/record ${String(k.calls).padStart(4)} calls  ${kind}\n`,
  );
}
await pool.end();
