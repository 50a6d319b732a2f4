/** What the hub last sent to each system's record (table `sync_sent`): read for echo fingerprints, trimmed by edits. */
import type pg from 'pg';
import { quoteSchema } from '../../store/migrate.ts';
import type { Sent } from './changes.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** The fields and values last sent to (system, source id), or null. */
export async function sentTo(
  db: Queryable,
  schema: string,
  system: string,
  sourceId: string,
): Promise<Sent | null> {
  const row = (
    await db.query<{ fields: string[]; vals: Record<string, unknown> }>(
      `select fields, vals from ${quoteSchema(schema)}.sync_sent where system = $1 and source_id = $2
        order by sent_at desc limit 1`,
      [system, sourceId],
    )
  ).rows[0];
  return row ? { fields: row.fields, vals: row.vals } : null;
}

/**
 * A person changed these fields in the system: what the hub sent there before no longer stands for what the
 * system holds, so the relay compares the next golden values with the record itself.
 */
export async function forgetSent(
  db: Queryable,
  schema: string,
  system: string,
  sourceId: string,
  fields: string[],
): Promise<void> {
  if (fields.length === 0) return;
  await db.query(
    `update ${quoteSchema(schema)}.sync_sent set vals = vals - $3::text[],
       fields = array(select f from unnest(fields) as f where f <> all($3::text[]))
     where system = $1 and source_id = $2`,
    [system, sourceId, fields],
  );
}
