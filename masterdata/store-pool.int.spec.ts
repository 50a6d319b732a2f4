import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { testStack } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { defaultMdmConfig } from './config.ts';
import { MasterDataStore } from './store.ts';

describe("the master data store's own pool when PostgreSQL drops its idle connection", () => {
  it('reports it and goes on with a new connection, instead of an unhandled error event that ends the process', async () => {
    // As PostgreSQL's restart does to every connection ("terminating connection due to administrator command"),
    // done here to this store's connection only, on the shared stack.
    const { databaseUrl } = testStack();
    const heard: string[] = [];
    const store = new MasterDataStore({
      databaseUrl,
      config: defaultMdmConfig(),
      onPoolError: (error) => heard.push(error.message),
    });
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      const { rows } = await store.pool.query<{ pid: number }>('select pg_backend_pid() as pid');
      await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      await waitFor('the pool to report its lost connection', () => heard.length > 0, 5000);
      expect(heard[0]).toMatch(/terminating connection due to administrator command/);
      const again = await store.pool.query<{ one: number }>('select 1 as one');
      expect(again.rows[0]!.one).toBe(1);
    } finally {
      await admin.end();
      await store.close();
    }
  });
});
