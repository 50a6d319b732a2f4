import pg from 'pg';

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
  });
  return pool;
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
