/** What the hub last sent to each system's record (table `sync_sent`): read for echo fingerprints, trimmed by edits. */
import type pg from 'pg';
import { quoteSchema } from '../../store/migrate.ts';
import type { Sent } from './changes.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * The fields and values last sent to (system, source id) for its golden record, or null. By the golden id the
 * record belongs to now: rows kept for an id it had before (merged away since) say nothing about the present.
 */
export async function sentTo(
  db: Queryable,
  schema: string,
  system: string,
  sourceId: string,
  goldenId: string | null,
): Promise<Sent | null> {
  if (!goldenId) return null;
  const row = (
    await db.query<{ fields: string[]; vals: Record<string, unknown> }>(
      `select fields, vals from ${quoteSchema(schema)}.sync_sent
        where golden_id = $1 and system = $2 and source_id = $3`,
      [goldenId, system, sourceId],
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
