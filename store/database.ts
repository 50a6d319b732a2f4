import pg from 'pg';

/** The URL of another database on the same server (same credentials, host and options). */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

async function onServer<T>(serverUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates a database on the server `serverUrl` points at, unless it exists; safe from several processes at once
 * (a concurrent create answers 42P04 / 23505, taken as "exists"). Names are plain identifiers only.
 */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  if (!NAME.test(database)) throw new Error(`database name "${database}" is not a plain identifier`);
  await onServer(serverUrl, async (client) => {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount) return;
    try {
      await client.query(`create database "${database}"`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw error;
    }
  });
}

/** Drops a database, closing its other sessions first (tests and benchmarks clean up with it). */
export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  if (!NAME.test(database)) throw new Error(`database name "${database}" is not a plain identifier`);
  await onServer(serverUrl, (client) => client.query(`drop database if exists "${database}" with (force)`));
}

/**
 * Drops a schema of the database `databaseUrl` points at, with everything in it, and only that schema (the demo
 * starts its master data fresh with it). Names are plain identifiers only.
 */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  if (!NAME.test(schema)) throw new Error(`schema name "${schema}" is not a plain identifier`);
  await onServer(databaseUrl, (client) => client.query(`drop schema if exists "${schema}" cascade`));
}
