import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { withoutDocumentValues, withoutValueMarks } from '../lib/errors.ts';
import { testStack } from '../tests/stack.ts';
import { createPool } from './pool.ts';

describe('a pool connection that PostgreSQL ends while it is handed out', () => {
  it('reports the error to the pool owner instead of ending the process, and the pool goes on', async () => {
    const errors: Error[] = [];
    const pool = createPool({ connectionString: testStack().databaseUrl, max: 2 }, (error) =>
      errors.push(error),
    );
    const admin = new pg.Client({ connectionString: testStack().databaseUrl });
    await admin.connect();
    try {
      const held = await pool.connect();
      const pid = (await held.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      // What a PostgreSQL shutdown or restart does to each session: 57P01, while the connection is out of the pool.
      await admin.query('select pg_terminate_backend($1)', [pid]);
      await expect.poll(() => errors.length, { timeout: 5000 }).toBeGreaterThan(0);
      expect((errors[0] as Error & { code?: string }).code ?? errors[0]!.message).toMatch(/57P01|terminat/);
      held.release(errors[0]);
      // The pool makes a new connection for the next query.
      expect((await pool.query<{ one: number }>('select 1 as one')).rows[0]!.one).toBe(1);
    } finally {
      await admin.end();
      await pool.end();
    }
  });
});

describe("PostgreSQL's refusal of a document's value, through any hub pool", () => {
  it('marks the value it quotes (message, stack, detail), not the names: "…" to a viewer and the logs', async () => {
    const pool = createPool({ connectionString: testStack().databaseUrl, max: 1 }, () => undefined);
    const refused = (sql: string, values: unknown[] = []) =>
      pool.query(sql, values).then(
        () => {
          throw new Error(`${sql} passed`);
        },
        (error: Error & { detail?: string }) => error,
      );
    try {
      const cast = await refused('select $1::int', ['Jane Roe']);
      expect(withoutValueMarks(cast.message)).toBe('invalid input syntax for type integer: "Jane Roe"');
      expect(withoutDocumentValues(cast.message)).toBe('invalid input syntax for type integer: "…"');
      expect(withoutDocumentValues(cast.stack!)).not.toContain('Jane');
      const date = await refused('select $1::date', ['1984-02-31']);
      expect(withoutDocumentValues(date.message)).toBe('date/time field value out of range: "…"');
      const range = await refused("select '4915112345678'::int");
      expect(withoutDocumentValues(range.message)).toBe('value "…" is out of range for type integer');
      const client = await pool.connect();
      try {
        await client.query('create temp table person (email text primary key)');
        await client.query("insert into person values ('jane.roe@example.com')");
        const twice = await client
          .query("insert into person values ('jane.roe@example.com')")
          .catch((error: Error & { detail?: string }) => error);
        // A name PostgreSQL quotes is no value: it stays.
        expect((twice as Error).message).toBe('duplicate key value violates unique constraint "person_pkey"');
        expect(withoutDocumentValues((twice as { detail: string }).detail)).toBe(
          'Key (email)=("…") already exists.',
        );
      } finally {
        client.release();
      }
      // A refusal of no value is left as it is.
      const missing = await refused('select * from no_such_table_here');
      expect(missing.message).toBe('relation "no_such_table_here" does not exist');
    } finally {
      await pool.end();
    }
  });
});
