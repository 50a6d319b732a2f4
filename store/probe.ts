import pg from 'pg';

/**
 * PostgreSQL answers `select 1` on a fresh connection within `timeoutMs` (connect and query each): the readiness
 * probe of the running hub and of the development stack alike.
 */
export async function postgresReachable(databaseUrl: string, timeoutMs = 2000): Promise<boolean> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  // A connection that breaks after connect emits 'error'; the failed query reports it, so it is not thrown twice.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}
