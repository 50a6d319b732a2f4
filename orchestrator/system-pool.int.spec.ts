import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { testStack } from '../tests/stack.ts';
import { createSystemPool, prepareStatements } from './system-pool.ts';

const pools: pg.Pool[] = [];
function pool(prepared: boolean, beginWithStatement = false) {
  const made = createSystemPool({
    url: testStack().databaseUrl,
    size: 1,
    applicationName: 'eai-system-pool-spec',
    prepared,
    beginWithStatement,
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

  describe('a bare BEGIN sent with the statement after it', () => {
    const BEGIN = 'BEGIN ISOLATION LEVEL READ COMMITTED';
    /** Round trips of `client` from now on: one ReadyForQuery answers each. */
    function roundTrips(client: pg.PoolClient): () => number {
      let n = 0;
      (client as unknown as { connection: NodeJS.EventEmitter }).connection.on('readyForQuery', () => n++);
      return () => n;
    }
    async function withTable(system: pg.Pool, run: (client: pg.PoolClient) => Promise<void>) {
      const client = await system.connect();
      try {
        await client.query('create temp table if not exists kept (k int primary key)');
        await run(client);
      } finally {
        client.release();
      }
    }

    it('costs one round trip with it, in one transaction, prepared or not', async () => {
      for (const prepared of [true, false]) {
        await withTable(pool(prepared, true), async (client) => {
          // The first BEGIN of a connection goes alone (prepared for the next ones).
          await client.query(BEGIN);
          await client.query('insert into kept values ($1)', [1]);
          await client.query('COMMIT');
          const trips = roundTrips(client);
          await client.query(BEGIN);
          expect((await client.query('select $1::int + 1 as n', [1])).rows).toEqual([{ n: 2 }]);
          await client.query('insert into kept values ($1)', [2]);
          await client.query('ROLLBACK');
          expect(trips()).toBe(3);
          // Each BEGIN text has its own prepared statement (DBOS sends `BEGIN` too).
          await client.query('BEGIN');
          await client.query('insert into kept values ($1)', [3]);
          await client.query('ROLLBACK');
          await client.query(BEGIN);
          await client.query('insert into kept values ($1)', [3]);
          await client.query('ROLLBACK');
          await client.query('BEGIN');
          await client.query('insert into kept values ($1)', [3]);
          await client.query('ROLLBACK');
          expect(trips()).toBe(3 + 3 + 2 + 2);
          // The rollback undid the insert: the BEGIN ran before it.
          expect((await client.query('select k from kept order by k')).rows).toEqual([{ k: 1 }]);
        });
      }
    });

    it('fails the statement with the BEGIN when the BEGIN fails, without running it', async () => {
      await withTable(pool(true, true), async (client) => {
        await client.query(BEGIN);
        await client.query('insert into kept values ($1)', [1]);
        await expect(client.query('select 1 / 0')).rejects.toThrow(/division by zero/);
        // In a failed transaction: this BEGIN fails, and PostgreSQL skips the insert sent with it.
        await client.query(BEGIN);
        await expect(client.query('insert into kept values ($1)', [2])).rejects.toThrow(/aborted/);
        await client.query('ROLLBACK');
        expect((await client.query('select count(*)::int as n from kept')).rows).toEqual([{ n: 0 }]);
        // The statement's own failure, then the connection goes on.
        await client.query('insert into kept values ($1)', [3]);
        await client.query(BEGIN);
        await expect(client.query('insert into kept values ($1)', [3])).rejects.toMatchObject({
          code: '23505',
        });
        await client.query('ROLLBACK');
        expect((await client.query('select $1::int as n', [7])).rows).toEqual([{ n: 7 }]);
      });
    });

    it('sends a held BEGIN first when what follows cannot go with it, and drops it at release', async () => {
      const system = pool(true, true);
      await withTable(system, async (client) => {
        await client.query(BEGIN);
        await client.query('insert into kept values (1)');
        const viaCallback = await new Promise((resolve, reject) =>
          client.query('insert into kept values ($1)', [2], (error: Error | null) =>
            error ? reject(error) : resolve('ok'),
          ),
        );
        expect(viaCallback).toBe('ok');
        await client.query('ROLLBACK');
        expect((await client.query('select count(*)::int as n from kept')).rows).toEqual([{ n: 0 }]);
        await client.query(BEGIN);
      });
      // Released with the BEGIN held: the next borrower is not in a transaction.
      const client = await system.connect();
      try {
        await client.query('insert into kept values ($1)', [4]);
        // Had the BEGIN been kept for this borrower, the rollback would undo the insert.
        await client.query('ROLLBACK');
        const { rows } = await client.query<{ n: string }>('select count(*)::int as n from kept');
        expect(rows).toEqual([{ n: 1 }]);
      } finally {
        client.release();
      }
    });

    it('is off unless asked', async () => {
      await withTable(pool(true), async (client) => {
        const trips = roundTrips(client);
        await client.query(BEGIN);
        await client.query('insert into kept values ($1)', [1]);
        await client.query('ROLLBACK');
        expect(trips()).toBe(3);
      });
    });
  });
});
