import pg from 'pg';
import { describe, expect, it } from 'vitest';
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
