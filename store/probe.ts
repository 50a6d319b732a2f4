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

/** A database URL as it may be shown: its password replaced by `***`. */
export function maskedDatabaseUrl(databaseUrl: string): string {
  return databaseUrl.replace(/\/\/([^:@/]+):[^@]*@/, '//$1:***@');
}

/**
 * What PostgreSQL's refusal of a connection says to do, in one line, or undefined when `error` is no such refusal (an
 * outage, a failed query). A wrong password or a database that is not there is not "PostgreSQL away": the server
 * answered, and starting the stack would not help (the CLI said `cannot reach PostgreSQL …: is the stack up?`, the
 * hub pg's bare `password authentication failed for user "postgres"`).
 */
export function postgresRefusal(databaseUrl: string, error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  const at = `PostgreSQL at ${maskedDatabaseUrl(databaseUrl)}`;
  let url: URL | undefined;
  try {
    url = new URL(databaseUrl);
  } catch {
    url = undefined;
  }
  const user = decodeURIComponent(url?.username ?? '') || 'the user';
  const database = decodeURIComponent(url?.pathname.slice(1) ?? '') || user;
  if (code === '28P01')
    return `${at} refused the password of ${user}: set the right one in DATABASE_URL (or unset it for the local stack's)`;
  if (code === '28000')
    return `${at} does not let ${user} in (pg_hba.conf, or no such role): check the user in DATABASE_URL`;
  if (code === '3D000')
    return `${at} has no database ${database}: create it (createdb ${database}) or name another in DATABASE_URL`;
  return undefined;
}

/**
 * Why PostgreSQL at `databaseUrl` cannot be used, in one line that says what to do; undefined when it answers
 * `select 1` within `timeoutMs`.
 */
export async function postgresProblem(databaseUrl: string, timeoutMs = 2000): Promise<string | undefined> {
  try {
    await postgresReachable(databaseUrl, timeoutMs);
    return undefined;
  } catch (error) {
    return (
      postgresRefusal(databaseUrl, error) ??
      `cannot reach PostgreSQL at ${maskedDatabaseUrl(databaseUrl)}: is the stack up? npx eai stack up, or set DATABASE_URL`
    );
  }
}
