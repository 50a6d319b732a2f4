/**
 * Write-back of edits that lost survivorship. An edit whose value did not survive (a more trusted source's value,
 * a more frequent one, a newer one) leaves the golden record as it was, so the trigger on `golden` queues nothing
 * for the relay, and the system the edit came from would keep its losing value for good: the systems stay drifted.
 * The matcher queues such an edit itself, in the transaction that matched it: a `golden_outbox` row whose
 * `writeback` names the system and the fields it lost. The relay sends that system (and no other: the others hold
 * the golden values already) the golden values of those fields, records them in `sync_sent` as any command, so its
 * echo is recognised as the hub's (stamp or fingerprint) and changes nothing.
 *
 * Records a system sends in bulk (`eai mdm load`, `eai mdm reconcile --repair`: `MasterDataStore.upsertBatch`) and
 * the records a repairing reconcile finds behind their golden record are queued the same way (`queueBulkWriteBacks`):
 * there is no classified edit, so every golden field is compared, and what the hub last sent there no longer stands
 * for the fields the system holds otherwise. A record such a path stores without the golden id stamp the hub held
 * on it is stamped again (`queueBulkRestamps`), as a live edit that removed it is (`queueRestamps`).
 */
import type pg from 'pg';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { quoteSchema } from '../../store/migrate.ts';
import { GOLDEN_FIELDS, type GoldenField } from '../config.ts';
import type { Lineage } from '../survivorship.ts';
import { holdsSent } from './changes.ts';
import { goldenIdTypeOf, type SyncConfig } from './config.ts';
import { forgetSent, goldenIdRemoved } from './sent.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * Per system, the golden fields to send back there (a golden_outbox row's `writeback`); `customerId` (`STAMP`): the
 * golden id stamp a person removed there.
 */
export type WriteBack = Record<string, string[]>;

/** One edit as matched: the record it left and the golden fields it set. */
export interface MatchedEdit {
  system: string;
  sourceId: string;
  goldenId: string;
  record: CustomerPartyMaster;
  fields: readonly GoldenField[];
}

/**
 * The fields an edit set whose golden value is another member's, with another content than the edit left in its
 * record: the edit lost them. A field the edit's record won (its lineage), or whose golden value it holds already
 * (another member holds the same) or holds what it can of (`holdsSent`: one of the golden addresses in a system with
 * one place for an address, which a write-back would not change), is not lost; nor is a golden field no member holds
 * a value of.
 */
export function lostFields(
  edit: Pick<MatchedEdit, 'system' | 'sourceId' | 'record' | 'fields'>,
  golden: CustomerPartyMaster,
  lineage: Lineage,
): GoldenField[] {
  const held = edit.record as unknown as Record<string, unknown>;
  const values = golden as unknown as Record<string, unknown>;
  return edit.fields.filter((f) => {
    const from = lineage[f];
    if (!from || (from.system === edit.system && from.sourceId === edit.sourceId)) return false;
    return !holdsSent(f, held[f], values[f]);
  });
}

/**
 * Queues a write-back for each edit of a system the config pushes to that lost fields (`lostFields`), read against
 * the golden records as they are now in the client's transaction (after matching): one outbox row per golden
 * record, its `before` the golden record as it is, so the relay publishes no golden event for it. Returns the rows
 * queued.
 */
export async function queueWriteBacks(
  db: Queryable,
  schema: string,
  pushes: (system: string) => boolean,
  edits: MatchedEdit[],
  /** Drop the lost fields from what the hub last sent to each record (the bulk paths: no edit dropped them). */
  options: { forget?: boolean } = {},
): Promise<number> {
  const mine = edits.filter((e) => e.goldenId && e.fields.length > 0 && pushes(e.system));
  if (mine.length === 0) return 0;
  const q = quoteSchema(schema);
  const goldens = (
    await db.query<{ golden_id: string; record: CustomerPartyMaster; lineage: Lineage | null }>(
      `select golden_id, record, lineage from ${q}.golden
        where golden_id = any($1::text[]) and status = 'active' and record is not null`,
      [[...new Set(mine.map((e) => e.goldenId))]],
    )
  ).rows;
  const byId = new Map(goldens.map((g) => [g.golden_id, g]));
  const queued = new Map<string, WriteBack>();
  const forget: Array<{ system: string; sourceId: string; fields: string[] }> = [];
  for (const edit of mine) {
    const golden = byId.get(edit.goldenId);
    if (!golden) continue;
    const lost = lostFields(edit, golden.record, golden.lineage ?? {});
    if (lost.length === 0) continue;
    forget.push({ system: edit.system, sourceId: edit.sourceId, fields: lost });
    const writeBack = queued.get(edit.goldenId) ?? {};
    writeBack[edit.system] = [...new Set([...(writeBack[edit.system] ?? []), ...lost])].sort();
    queued.set(edit.goldenId, writeBack);
  }
  if (queued.size === 0) return 0;
  // The system holds other values than the hub last sent there: the relay compares them with what it holds now.
  if (options.forget) await forgetSent(db, schema, forget);
  await queueOutbox(db, schema, queued);
  return queued.size;
}

/**
 * Outbox rows of write-backs, one per golden record, its `before` the golden record as it is: the relay publishes no
 * golden event for them (the golden record did not change), only the commands to the systems they name.
 */
export async function queueOutbox(
  db: Queryable,
  schema: string,
  queued: Map<string, WriteBack>,
): Promise<void> {
  const q = quoteSchema(schema);
  await db.query(
    `insert into ${q}.golden_outbox (golden_id, before, before_status, writeback)
     select g.golden_id, g.record, g.status, x.writeback
       from unnest($1::text[], $2::jsonb[]) as x(golden_id, writeback)
       join ${q}.golden g on g.golden_id = x.golden_id`,
    [[...queued.keys()], [...queued.values()].map((w) => JSON.stringify(w))],
  );
}

/** In a write-back, the golden id stamp (`customerId`), which the relay sends where a record lacks it. */
export const STAMP = 'customerId';

/**
 * Records whose golden id stamp a person removed in the system (sent.ts `goldenIdRemoved`): what the hub last sent
 * there no longer holds the stamp, and a write-back of it is queued for each record's system the config pushes to,
 * so the relay stamps the record again (its command names `customerId`, alone if nothing else is to be written).
 * Once per such event: the stamp's echo brings the id back into the record, and an event that finds the record
 * without it already (a redelivery, a later edit) queues nothing. Returns the rows queued.
 */
export async function queueRestamps(
  db: Queryable,
  schema: string,
  pushes: (system: string) => boolean,
  records: Array<{ system: string; sourceId: string; goldenId: string }>,
): Promise<number> {
  const mine = records.filter((r) => pushes(r.system));
  if (mine.length === 0) return 0;
  await forgetSent(
    db,
    schema,
    mine.map((r) => ({ system: r.system, sourceId: r.sourceId, fields: [STAMP] })),
  );
  const queued = new Map<string, WriteBack>();
  for (const r of mine) queued.set(r.goldenId, { ...queued.get(r.goldenId), [r.system]: [STAMP] });
  await queueOutbox(db, schema, queued);
  return queued.size;
}

/** A record as a system holds it by its own bulk word (a load, an export): not an edit of some fields, a whole record. */
export type HeldRecord = Omit<MatchedEdit, 'fields'>;

/** A record a system sent in bulk, with its own ids as the hub held them before (null: it held none of it). */
export interface BulkRecord extends HeldRecord {
  before: CustomerPartyMaster['sourceIds'] | null;
}

/** Whether the record carries an id where its system keeps the golden id (any value: an export that reads the place). */
export function carriesGoldenIdType(
  record: CustomerPartyMaster,
  system: string,
  idType: string | null,
): boolean {
  return !!idType && (record.sourceIds ?? []).some((s) => s.system === system && s.idType === idType);
}

/**
 * `queueRestamps` for records a system sent in bulk (`eai mdm load`, `eai mdm reconcile --repair`): a record whose
 * golden id stamp the hub held (by its echo) and which comes without it (sent.ts `goldenIdRemoved`, as a live event's
 * is judged) was cleared in the system, and is stamped again, once; the stamp's echo brings it back into the record.
 * Only where the export reads the place (`readsStamp`): a HubSpot `crm-object` or Salesforce `sobject` export read
 * without `eai_golden_id` / `External_Id__c` among its properties leaves it out of every record, so a record without
 * it there says nothing of the system's (and stamping each again would write every record of every reload). The caller's evidence: a record of the same export that
 * carries an id there (`carriesGoldenIdType`). Returns the rows queued.
 */
export function queueBulkRestamps(
  db: Queryable,
  schema: string,
  systems: SyncConfig['systems'],
  records: BulkRecord[],
  readsStamp: (system: string) => boolean,
): Promise<number> {
  const unstamped = records.filter(
    (r) =>
      r.before &&
      r.goldenId &&
      systems[r.system]?.push === true &&
      readsStamp(r.system) &&
      goldenIdRemoved(
        { sourceIds: r.before } as CustomerPartyMaster,
        r.record,
        r.system,
        r.goldenId,
        goldenIdTypeOf(r.system, systems[r.system]),
      ),
  );
  return queueRestamps(db, schema, (system) => systems[system]?.push === true, unstamped);
}

/**
 * `queueWriteBacks` for records a system sent in bulk or an export showed (`eai mdm load`, `eai mdm reconcile
 * --repair`): every golden field the record holds otherwise than its golden record, by another member's value, goes
 * back to it; what the hub last sent there for those fields is forgotten. One read and at most two writes a batch;
 * none when the config pushes to none of the records' systems.
 */
export function queueBulkWriteBacks(
  db: Queryable,
  schema: string,
  pushes: (system: string) => boolean,
  records: HeldRecord[],
): Promise<number> {
  return queueWriteBacks(
    db,
    schema,
    pushes,
    records.map((r) => ({ ...r, fields: GOLDEN_FIELDS })),
    { forget: true },
  );
}

/** A write-back the relay published: when, to which system and record, which fields (never the values). */
export interface WriteBackEntry {
  at: Date;
  goldenId: string;
  system: string;
  /** The system's own id written to (null: by the golden id). */
  sourceId: string | null;
  fields: string[];
}

/** Records the write-backs the relay published, in its transaction (one statement): the golden record's history. */
export async function recordWriteBacks(
  db: Queryable,
  schema: string,
  entries: Array<Omit<WriteBackEntry, 'at'>>,
): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `insert into ${quoteSchema(schema)}.sync_writeback (golden_id, system, source_id, fields)
     select g, s, i, array(select json_array_elements_text(f::json))
       from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as x(g, s, i, f)`,
    [
      entries.map((e) => e.goldenId),
      entries.map((e) => e.system),
      entries.map((e) => e.sourceId),
      entries.map((e) => JSON.stringify(e.fields)),
    ],
  );
}

/**
 * Retention of the write-backs' records: the statement that deletes up to `$2` of those published before `$1`,
 * oldest first (by id, the primary key: rows are numbered in the order they were written). Run in rounds with the
 * customer 360's retention (activity.ts `prune`, by its policy's age): a write-back is history as a closed order is.
 */
export function pruneWriteBacksSql(schema: string): string {
  const q = quoteSchema(schema);
  return `delete from ${q}.sync_writeback where id in (
            select id from ${q}.sync_writeback where at < $1 order by id limit $2)`;
}

/**
 * The write-backs to a golden record's systems, oldest first: its own and those of the golden records merged into
 * it (and not taken out again), as `eai mdm show` lists its merges.
 */
export async function writeBackHistory(
  db: Queryable,
  schema: string,
  goldenId: string,
): Promise<WriteBackEntry[]> {
  const q = quoteSchema(schema);
  const rows = (
    await db.query<{
      at: Date;
      golden_id: string;
      system: string;
      source_id: string | null;
      fields: string[];
    }>(
      `select at, golden_id, system, source_id, fields from ${q}.sync_writeback
        where golden_id = $1
           or golden_id in (select unnest(absorbed) from ${q}.merge_history
                             where golden_id = $1 and kind = 'merge' and undone_by is null)
        order by at, id`,
      [goldenId],
    )
  ).rows;
  return rows.map((r) => ({
    at: r.at,
    goldenId: r.golden_id,
    system: r.system,
    sourceId: r.source_id,
    fields: r.fields,
  }));
}
