import type { EventEmitter } from 'node:events';
import pg from 'pg';
import { quotedText } from '../lib/errors.ts';

/**
 * A pg pool whose connections' errors are heard whenever they happen. pg-pool listens for a connection's `error`
 * only while it is idle in the pool (it removes its listener when the connection is handed out); a connection that
 * breaks while handed out (PostgreSQL shut down or restarted: 57P01 "terminating connection due to administrator
 * command", or the network gone) then emits `error` with nobody listening, and Node ends the process. Here every
 * connection carries a listener of its own from its first moment, so the error goes to `onError` and the query in
 * hand fails with it, as pg reports it to the query too.
 */
export function createPool(config: pg.PoolConfig, onError: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', onError);
  pool.on('connect', (client) => {
    client.on('error', onError);
    // Before the client hands the error to the query: every query of every hub pool fails with it marked. pg's
    // connection (undocumented, pg 8): a pg without it leaves the errors as they are, and store/pool.int.spec.ts fails.
    (client as unknown as { connection?: EventEmitter }).connection?.prependListener(
      'errorMessage',
      markDatabaseValues,
    );
  });
  return pool;
}

/**
 * PostgreSQL's refusal of a document's value (SQLSTATE class 22, data exception; 23, integrity constraint) with the
 * value marked as one (`quotedText`), so that a dead letter's reason shows a viewer, and a log line, `"…"`:
 * `invalid input syntax for type integer: "Jane Roe"`, `date/time field value out of range: "1984-02-31"`, `value
 * "4915112345678" is out of range for type integer`; and its `detail`, which quotes the row or key
 * (`Key (email)=(jane@example.com) already exists.`, `Failing row contains (…)`), its values likewise. The names
 * PostgreSQL quotes (a relation, a constraint, a type) stay as they are. Exported for its spec.
 */
export function markDatabaseValues(error: {
  code?: string;
  message: string;
  detail?: string;
  stack?: string;
}): void {
  if (!/^2[23]/.test(error.code ?? '')) return;
  const said = error.message;
  error.message = said
    .replace(
      /^(value )("(?:[^"]|"")*")( is out of range)/,
      (_, a, value, b) => `${a}${quotedText(value, 200)}${b}`,
    )
    .replace(/^(.*?: )((?:"|0x).*)$/s, (_, before, value) => `${before}${quotedText(value, 200)}`);
  // The stack begins with the message as it was made.
  if (error.stack) error.stack = error.stack.replace(said, error.message);
  if (error.detail)
    error.detail = error.detail
      .replace(
        /\)=\((.*)\)( already exists| is not present| conflicts)/s,
        (_, value, after) => `)=(${quotedText(value, 200)})${after}`,
      )
      .replace(/^(Failing row contains )(.*)$/s, (_, before, row) => `${before}${quotedText(row, 200)}`)
      .replace(
        /^(Token )("(?:[^"\\]|\\.)*")( is invalid)/,
        (_, a, token, b) => `${a}${quotedText(token, 200)}${b}`,
      );
}

/**
 * Runs `fn` in one transaction on a connection of the pool: committed when it returns, rolled back when it throws,
 * the connection released either way. `begin` may add what the transaction starts with in the same round trip
 * (e.g. `begin; select pg_advisory_xact_lock(…)`).
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  begin = 'begin',
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
