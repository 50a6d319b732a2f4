import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';

/** A schema name as a quoted SQL identifier; only plain names are accepted. */
export function quoteSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  return `"${schema}"`;
}

/**
 * Applies the `NNN_name.sql` files of `folder` that the schema has not seen, in name order, each in its own
 * transaction with the schema as search_path, recorded in `<schema>.schema_migrations`. An advisory lock keeps
 * two processes from migrating the same schema at once. Returns the files applied.
 */
export async function migrate(pool: pg.Pool, schema: string, folder: string): Promise<string[]> {
  const quoted = quoteSchema(schema);
  const files = readdirSync(folder)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [`migrate:${schema}`]);
    await client.query(`create schema if not exists ${quoted}`);
    await client.query(
      `create table if not exists ${quoted}.schema_migrations (name text primary key, applied_at timestamptz not null default now())`,
    );
    const done = new Set(
      (await client.query<{ name: string }>(`select name from ${quoted}.schema_migrations`)).rows.map(
        (r) => r.name,
      ),
    );
    for (const file of files) {
      if (done.has(file)) continue;
      await client.query('begin');
      try {
        await client.query(`set local search_path to ${quoted}`);
        await client.query(readFileSync(join(folder, file), 'utf8'));
        await client.query(`insert into ${quoted}.schema_migrations (name) values ($1)`, [file]);
        await client.query('commit');
        applied.push(file);
      } catch (error) {
        await client.query('rollback');
        throw new Error(`migration ${file} failed in schema ${schema}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  } finally {
    await client
      .query('select pg_advisory_unlock(hashtext($1))', [`migrate:${schema}`])
      .catch(() => undefined);
    client.release();
  }
  return applied;
}
