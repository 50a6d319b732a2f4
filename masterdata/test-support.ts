/** Helpers for the master-data specs: a throwaway schema per test file on the stack's PostgreSQL. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { MdmConfig } from './config.ts';
import { MasterDataStore } from './store.ts';

export async function scratchStore(
  databaseUrl: string,
  config: MdmConfig,
  label = 'mdm',
): Promise<MasterDataStore> {
  const schema = `${label}_t_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const store = new MasterDataStore({ databaseUrl, schema, config });
  await store.migrate();
  return store;
}

/** Drops the store's schema and closes its pool. */
export async function dropStore(store: MasterDataStore): Promise<void> {
  const admin = new pg.Client({
    connectionString: (store.pool.options as { connectionString?: string }).connectionString,
  });
  await store.close();
  await admin.connect();
  try {
    await admin.query(`drop schema if exists "${store.schema}" cascade`);
  } finally {
    await admin.end();
  }
}
