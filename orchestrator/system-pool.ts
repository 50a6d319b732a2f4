import pg from 'pg';

/**
 * Distinct statements one connection prepares at most; any beyond run unnamed as before, so statements built from
 * varying filters (operators' listings) cannot grow a session's cache without bound.
 */
export const PREPARED_PER_CONNECTION = 200;

/**
 * DBOS's system database pool, made by the orchestrator instead of DBOS (`systemDatabasePool`) so that DBOS's
 * parameterised statements are prepared once per connection and then only bound and executed. DBOS sends each one
 * unnamed, which PostgreSQL parses and plans again every time; `dbos.workflow_status` carries 12 indexes, most of
 * them partial, and planning against them was most of PostgreSQL's CPU per workflow (bare DBOS, six steps: about
 * 12 ms of it, 5.5 ms prepared; bench/dbos-bare.ts). Statements without parameters (DDL, BEGIN, COMMIT) stay unnamed.
 * PostgreSQL re-plans a prepared statement by itself after DDL on its tables, and keeps custom plans where a
 * generic one would estimate worse (`plan_cache_mode` auto). With `prepared: false` it is DBOS's plain pool.
 */
export function createSystemPool(options: {
  url: string;
  size: number;
  applicationName: string;
  prepared: boolean;
  onError: (error: Error) => void;
}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.size,
    // As DBOS's own pool: its name in pg_stat_activity, and its connect timeout.
    application_name: options.applicationName,
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', options.onError);
  if (options.prepared) pool.on('connect', (client) => prepareStatements(client));
  return pool;
}

type QueryConfig = { text?: string; name?: string; values?: unknown[]; submit?: unknown };
type Query = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * From now on, each parameterised query of `client` without a name of its own runs as a named prepared statement
 * (one name per distinct text, up to `limit`): node-postgres sends Parse for it once and only Bind / Execute after.
 */
export function prepareStatements(client: pg.ClientBase, limit = PREPARED_PER_CONNECTION): void {
  const names = new Map<string, string>();
  const query = client.query.bind(client) as Query;
  const prepared: Query = (config, values, callback) => {
    const own = typeof config === 'string' ? undefined : (config as QueryConfig);
    const text = own ? own.text : (config as string);
    const params = own ? (own.values ?? values) : values;
    if (
      typeof text !== 'string' ||
      !Array.isArray(params) ||
      params.length === 0 ||
      own?.name ||
      own?.submit
    ) {
      return query(config, values, callback);
    }
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= limit) return query(config, values, callback);
      name = `eai_${names.size}`;
      names.set(text, name);
    }
    const named = { ...own, name, text, values: params };
    return query(named, typeof values === 'function' ? values : callback);
  };
  (client as unknown as { query: Query }).query = prepared;
}
