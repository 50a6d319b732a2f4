import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { testStack } from '../tests/stack.ts';
import { createSystemPool, prepareStatements } from './system-pool.ts';

const pools: pg.Pool[] = [];
function pool(prepared: boolean) {
  const made = createSystemPool({
    url: testStack().databaseUrl,
    size: 1,
    applicationName: 'eai-system-pool-spec',
    prepared,
    onError: () => undefined,
  });
  pools.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

/** This session's prepared statements (the view is per connection). */
async function preparedOf(client: pg.PoolClient): Promise<string[]> {
  const { rows } = await client.query<{ statement: string }>(
    'select statement from pg_prepared_statements order by prepare_time',
  );
  return rows.map((r) => r.statement);
}

describe("DBOS's system database pool", () => {
  it('prepares each parameterised statement once per connection, in every calling form, with the same results', async () => {
    const system = pool(true);
    const text = 'select $1::int + 1 as n';
    expect((await system.query(text, [1])).rows).toEqual([{ n: 2 }]);
    expect((await system.query({ text, values: [2] })).rows).toEqual([{ n: 3 }]);
    const client = await system.connect();
    try {
      expect((await client.query(text, [3])).rows).toEqual([{ n: 4 }]);
      const viaCallback = await new Promise((resolve, reject) =>
        client.query(text, [4], (error: Error | null, result: pg.QueryResult) =>
          error ? reject(error) : resolve(result.rows),
        ),
      );
      expect(viaCallback).toEqual([{ n: 5 }]);
      // Statements without parameters (and several in one text) run unnamed, as before.
      await client.query('select 1; select 2');
      expect(await preparedOf(client)).toEqual([text]);
    } finally {
      client.release();
    }
  });

  it('with prepared off, sends them unnamed as DBOS does', async () => {
    const system = pool(false);
    const client = await system.connect();
    try {
      await client.query('select $1::int as n', [1]);
      expect(await preparedOf(client)).toEqual([]);
    } finally {
      client.release();
    }
  });

  it('prepares at most its limit of distinct texts per connection; the rest run unnamed and still answer', async () => {
    const system = pool(false);
    const client = await system.connect();
    try {
      prepareStatements(client, 2);
      for (const k of [1, 2, 3]) {
        expect((await client.query(`select $1::int * ${k} as n`, [2])).rows).toEqual([{ n: 2 * k }]);
      }
      expect(await preparedOf(client)).toEqual(['select $1::int * 1 as n', 'select $1::int * 2 as n']);
    } finally {
      client.release();
    }
  });
});
