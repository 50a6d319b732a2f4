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
