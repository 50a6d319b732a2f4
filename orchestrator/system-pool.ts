import pg from 'pg';
import { createPool } from '../store/pool.ts';
import { coalesceReads, dbosPointReads } from './coalesced-reads.ts';

/** DBOS's schema in the system database (its default; the orchestrator does not change it). */
const DBOS_SCHEMA = 'dbos';

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
 * Every connection DBOS makes is one of this pool's (it makes none of its own when given one), a hub pool
 * (store/pool.ts createPool): PostgreSQL's refusals of a document's value on it (a step's failing SQL, `Key
 * (email)=(…) already exists.`) reach the workflow's error, its step's and the logs with the value marked
 * (database-values.int.spec.ts).
 */
export function createSystemPool(options: {
  url: string;
  size: number;
  applicationName: string;
  prepared: boolean;
  /** A bare BEGIN sent in the same write and round trip as the statement after it (`beginWithStatement`). */
  beginWithStatement?: boolean;
  /** DBOS's point reads outside its transactions coalesced across workflows (coalesced-reads.ts). */
  coalesceReads?: boolean;
  onError: (error: Error) => void;
}): pg.Pool {
  const pool = createPool(
    {
      connectionString: options.url,
      max: options.size,
      // As DBOS's own pool: its name in pg_stat_activity, and its connect timeout.
      application_name: options.applicationName,
      connectionTimeoutMillis: 10_000,
    },
    options.onError,
  );
  // Under prepareStatements, which names the statement that follows a BEGIN before it reaches this.
  if (options.beginWithStatement) {
    pool.on('connect', (client) => beginWithStatement(client));
    pool.on('release', (_error, client) => heldBegins.get(client)?.());
  }
  if (options.prepared) pool.on('connect', (client) => prepareStatements(client));
  // After the others, so that a coalesced batch is prepared as any other statement.
  if (options.coalesceReads) coalesceReads(pool, dbosPointReads(DBOS_SCHEMA));
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

/** A bare BEGIN (any isolation level), as DBOS opens each of its transactions. */
const BARE_BEGIN = /^\s*begin(\s+isolation\s+level\s+[a-z ]+)?\s*;?\s*$/i;
/** The prepared statement's name of each BEGIN text (DBOS sends `BEGIN` and `BEGIN ISOLATION LEVEL READ COMMITTED`). */
const beginNames = new Map<string, string>();
function beginName(text: string): string {
  let name = beginNames.get(text);
  if (name === undefined) {
    name = `eai_begin_${beginNames.size}`;
    beginNames.set(text, name);
  }
  return name;
}
type Connection = {
  parsedStatements: Record<string, string>;
  stream: { cork?: () => void; uncork?: () => void };
  bind(config: { statement: string; portal: string; values: unknown[] }): void;
  execute(config: { portal: string }): void;
};

/**
 * From now on, a bare `BEGIN` on `client` is held and sent in the same write as the next statement, so the two cost
 * one round trip instead of two: DBOS opens every transaction with `BEGIN ISOLATION LEVEL READ COMMITTED`, always
 * followed by a parameterised statement (a step's checkpoint: BEGIN, owner check, insert, COMMIT), so of its ~80
 * round trips per order-to-delivery instance 11 were a BEGIN alone. node-postgres sends one query at a time and
 * waits for its answer, so the two go as one extended-protocol pipeline with one Sync: Bind / Execute of the BEGIN
 * (prepared once per connection), then the statement's own Parse / Bind / Describe / Execute / Sync. PostgreSQL runs
 * them in order in one transaction block; if the BEGIN fails it skips the statement (up to the Sync) and the
 * statement's caller gets the BEGIN's error, exactly as if each had been awaited. The BEGIN's own caller gets its
 * usual empty result at once. Held until the next statement: one that cannot go in the same pipeline (no parameters,
 * or a callback, a custom query object) waits for the BEGIN sent alone first, as before; a release with a BEGIN
 * still held drops it (a transaction with no statement does nothing).
 */
export function beginWithStatement(client: pg.ClientBase): void {
  const query = client.query.bind(client) as Query;
  let held: string | undefined;
  const combined: Query = (config, values, callback) => {
    const text = typeof config === 'string' ? config : undefined;
    if (text !== undefined && values === undefined && callback === undefined && BARE_BEGIN.test(text)) {
      if (held !== undefined) return (query(held) as Promise<unknown>).then(() => combined(config));
      held = text;
      return Promise.resolve({ command: 'BEGIN', rowCount: null, rows: [], fields: [] });
    }
    if (held === undefined) return query(config, values, callback);
    const begin = held;
    const name = beginName(begin);
    held = undefined;
    const connection = (client as unknown as { connection: Connection }).connection;
    const own = typeof config === 'string' ? undefined : (config as QueryConfig);
    const params = own ? (own.values ?? values) : values;
    const promised = typeof values !== 'function' && callback === undefined;
    if (
      !promised ||
      own?.submit ||
      !Array.isArray(params) ||
      params.length === 0 ||
      connection.parsedStatements[name] !== begin
    ) {
      // Sent alone first; a BEGIN named once per connection, so the next ones can go in a statement's pipeline.
      const alone =
        connection.parsedStatements[name] === undefined
          ? query({ name, text: begin, values: [] })
          : query(begin);
      if (promised) return (alone as Promise<unknown>).then(() => query(config, values));
      const done = (typeof values === 'function' ? values : callback) as (error: Error) => void;
      (alone as Promise<unknown>).then(() => query(config, values, callback), done);
      return undefined;
    }
    const statement = new pg.Query({
      ...own,
      text: (own ? own.text : text)!,
      values: params,
    }) as unknown as Submittable;
    const result = new Promise((resolve, reject) => {
      statement.callback = (error, res) => (error ? reject(error) : resolve(res));
    });
    query(new AfterBegin(name, statement));
    return result;
  };
  (client as unknown as { query: Query }).query = combined;
  heldBegins.set(client, () => {
    held = undefined;
  });
}

/** Per client made by beginWithStatement: forgets its held BEGIN (at release to the pool). */
const heldBegins = new WeakMap<pg.ClientBase, () => void>();

type Submittable = {
  name?: string;
  text?: string;
  callback?: (error: Error | null, result?: unknown) => void;
  submit(connection: Connection): Error | null;
  handleCommandComplete(message: unknown, connection: Connection): void;
  handleError(error: Error, connection: Connection): void;
  handleReadyForQuery(connection: Connection): void;
  handleRowDescription(message: unknown): void;
  handleDataRow(message: unknown): void;
  handleEmptyQuery(connection: Connection): void;
  handlePortalSuspended(connection: Connection): void;
  _result?: unknown;
};

/**
 * The prepared BEGIN's Bind / Execute, then `statement` as node-postgres sends it, in one write: the client's active
 * query for the pair, it hands every answer to `statement` but the BEGIN's CommandComplete. No ParseComplete comes
 * for the BEGIN (prepared before), so node-postgres's record of parsed statements stays the statement's.
 */
class AfterBegin {
  private readonly begin: string;
  private readonly statement: Submittable;
  private begun = false;
  constructor(begin: string, statement: Submittable) {
    this.begin = begin;
    this.statement = statement;
  }
  get name() {
    return this.statement.name;
  }
  get text() {
    return this.statement.text;
  }
  get _result() {
    return this.statement._result;
  }
  get callback() {
    return this.statement.callback;
  }
  set callback(callback) {
    if (callback) this.statement.callback = callback;
  }
  submit(connection: Connection): Error | null {
    connection.stream.cork?.();
    try {
      connection.bind({ statement: this.begin, portal: '', values: [] });
      connection.execute({ portal: '' });
      return this.statement.submit(connection);
    } finally {
      connection.stream.uncork?.();
    }
  }
  handleCommandComplete(message: unknown, connection: Connection) {
    if (!this.begun) {
      this.begun = true;
      return;
    }
    this.statement.handleCommandComplete(message, connection);
  }
  handleError(error: Error, connection: Connection) {
    this.statement.handleError(error, connection);
  }
  handleReadyForQuery(connection: Connection) {
    this.statement.handleReadyForQuery(connection);
  }
  handleRowDescription(message: unknown) {
    this.statement.handleRowDescription(message);
  }
  handleDataRow(message: unknown) {
    this.statement.handleDataRow(message);
  }
  handleEmptyQuery(connection: Connection) {
    this.statement.handleEmptyQuery(connection);
  }
  handlePortalSuspended(connection: Connection) {
    this.statement.handlePortalSuspended(connection);
  }
}
