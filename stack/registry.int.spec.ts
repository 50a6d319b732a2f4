import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { testStack, unique } from '../tests/stack.ts';

describe("the stack's schema registry", () => {
  it('answers at once after its PostgreSQL connections were ended, as a database restart ends them', async () => {
    const { databaseUrl, registryUrl } = testStack();
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      // The registry's own connections only (its database is `registry`): what a PostgreSQL restart does to them
      // (57P01 "terminating connection due to administrator command"), without ending anyone else's.
      const ended = await db.query<{ ended: boolean }>(
        `select pg_terminate_backend(pid) as ended from pg_stat_activity
          where datname = 'registry' and pid <> pg_backend_pid()`,
      );
      expect(ended.rows.length, "no connection of the stack's registry in its PostgreSQL").toBeGreaterThan(0);
      // Before each pooled connection was checked as it was handed out, the next requests answered 500 until one had
      // failed on each of the pool's 20 connections.
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++) statuses.push((await fetch(`${registryUrl}/subjects`)).status);
      const registered = await fetch(
        `${registryUrl}/subjects/${unique('registry-reconnects')}-value/versions`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
          body: JSON.stringify({ schema: '"string"' }),
        },
      );
      expect(statuses).toEqual(new Array(25).fill(200));
      expect(registered.status).toBe(200);
    } finally {
      await db.end();
    }
  });
});
