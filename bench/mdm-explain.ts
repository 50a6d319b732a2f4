// Master data: where PostgreSQL's time goes in one matcher batch. On a schema that `npm run bench:mdm -- --keep`
// left, matches one batch of new FEBRL-like people and their duplicates (system `explain`, so they are new records)
// and prints EXPLAIN (ANALYZE, BUFFERS) of every statement the batch runs, each in a savepoint rolled back before
// the statement itself runs (so the batch is matched once, as usual). The batch stays in the schema.
// Usage: npx node bench/mdm-explain.ts <schema> [--size 500] [--seed 5]

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
  options: { size: { type: 'string', default: '500' }, seed: { type: 'string', default: '5' } },
});
const schema = positionals[0];
if (!schema) {
  process.stderr.write(
    'usage: npx node bench/mdm-explain.ts <schema kept by bench:mdm --keep> [--size 500]\n',
  );
  process.exit(1);
}
// The bench's model: EM on the same FEBRL-like sample.
const base = defaultMdmConfig();
const config = withModel(base, trainByEm(febrlLike(7, 2500).map((r) => standardise(r.customer, base))).model);
const pool = new pg.Pool({ connectionString: resolveEndpoints().databaseUrl, max: 1 });
const store = new MasterDataStore({ pool, schema, config });

type Query = pg.PoolClient['query'];
/** Every parameterised statement is explained first, in a savepoint that is rolled back. */
function explaining(client: pg.PoolClient): pg.PoolClient {
  const query = client.query.bind(client) as (
    text: string | pg.QueryConfig,
    values?: unknown[],
  ) => Promise<pg.QueryResult>;
  const wrapped = async (config: string | pg.QueryConfig, values?: unknown[]) => {
    const text = typeof config === 'string' ? config : config.text;
    const params = typeof config === 'string' ? values : config.values;
    if (params && /^\s*(with|select|insert|update|delete)/i.test(text) && !/pg_advisory/.test(text)) {
      await query('savepoint explain');
      const plan = await query(`explain (analyze, buffers) ${text}`, params);
      await query('rollback to savepoint explain');
      process.stdout.write(`---- ${text.replace(/\s+/g, ' ').slice(0, 100)}\n`);
      process.stdout.write(`${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
    }
    return query(config, values);
  };
  client.query = wrapped as unknown as Query;
  return client;
}
const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
pool.connect = (async () => explaining(await connect())) as unknown as typeof pool.connect;

const items = [];
for (const { original, duplicate } of febrlLikePeople(createRng(Number(args.seed)), Number(args.size) / 2)) {
  items.push(
    { system: 'explain', customer: original.customer },
    { system: 'explain', customer: duplicate.customer },
  );
}
const results = await store.upsertBatch(items);
process.stdout.write(
  `pairs compared per record: ${(results.reduce((s, r) => s + r.compared, 0) / results.length).toFixed(2)}\n`,
);
await pool.end();
