/**
 * What the hub last sent to each system's record (table `sync_sent`): read for echo fingerprints, trimmed by edits,
 * laid over the record for matching until its echo comes back.
 */
import type pg from 'pg';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { quoteSchema } from '../../store/migrate.ts';
import { MATCHED_FIELDS } from '../standardise.ts';
import { holdsSent, type Overtaken, type Sent } from './changes.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * A person changed these fields in the system: what the hub sent there before no longer stands for what the
 * system holds, so the relay compares the next golden values with the record itself; and an echo of a write still on
 * its way there is no longer told by its value (it would be stored over the person's newer one). For many records at once.
 */
export async function forgetSent(
  db: Queryable,
  schema: string,
  changes: Array<{ system: string; sourceId: string; fields: string[] }>,
): Promise<void> {
  const named = changes.filter((c) => c.fields.length > 0);
  if (named.length === 0) return;
  await db.query(
    `update ${quoteSchema(schema)}.sync_sent ss set vals = ss.vals - x.f, pending = ss.pending - x.f,
       overtaken = ss.overtaken - x.f,
       fields = array(select e from unnest(ss.fields) as e where e <> all(x.f))
       from (select s, i, array(select json_array_elements_text(f::json)) as f
               from unnest($1::text[], $2::text[], $3::text[]) as u(s, i, f)) x
      where ss.system = x.s and ss.source_id = x.i`,
    [named.map((c) => c.system), named.map((c) => c.sourceId), named.map((c) => JSON.stringify(c.fields))],
  );
}

/**
 * What is still on its way to records after echoes came back from them (`changes.ts` `pendingAfterEcho`), and what
 * those echoes overtook (`overtakenAfterEcho`; null: as it was).
 */
export async function keepPending(
  db: Queryable,
  schema: string,
  rows: ReadonlyArray<{
    goldenId: string;
    system: string;
    sourceId: string;
    pending: Record<string, unknown[]>;
    overtaken: Record<string, Overtaken[]> | null;
  }>,
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `update ${quoteSchema(schema)}.sync_sent ss set pending = x.p, overtaken = coalesce(x.o, ss.overtaken)
       from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[]) as x(g, s, i, p, o)
      where ss.golden_id = x.g and ss.system = x.s and ss.source_id = x.i`,
    [
      rows.map((r) => r.goldenId),
      rows.map((r) => r.system),
      rows.map((r) => r.sourceId),
      rows.map((r) => JSON.stringify(r.pending)),
      rows.map((r) => (r.overtaken ? JSON.stringify(r.overtaken) : null)),
    ],
  );
}

/**
 * What the hub sent to records that left the golden record it was sent for (a source delete, a record the matcher
 * or a steward moved to another golden record, an unmerge): those rows no longer describe the record in its golden
 * record, and were compared with it again if it ever came back there (a value taken as held that the system no
 * longer holds, a stamp taken as sent). A record no longer stored loses every row. Otherwise:
 * - by default the rows go: the record's golden record compares every field with the record the first time it
 *   writes to it (relay.ts planCommand), where a row carried over would have had it compare only the fields that
 *   changed in a golden record the record just joined;
 * - with `rekey` (an unmerge, whose restored golden records compare every field anyway) the newest row moves to the
 *   record's golden record when it has none there: it says what the hub wrote into that record, which the system
 *   holds until the restored values are sent.
 * A row under a golden id merged into the record's golden record stays for the relay, which carries it over to the
 * survivor (the record is still that customer). For many records at once; returns the rows dropped or moved.
 */
export async function dropStaleSent(
  db: Queryable,
  schema: string,
  records: ReadonlyArray<{ system: string; sourceId: string }>,
  options: { rekey?: boolean } = {},
): Promise<number> {
  if (records.length === 0) return 0;
  const q = quoteSchema(schema);
  const touched = await db.query(
    `with stale as materialized (
       select ss.golden_id, ss.system, ss.source_id, sr.golden_id as now,
              row_number() over (partition by ss.system, ss.source_id order by ss.sent_at desc, ss.golden_id) as n,
              exists (select 1 from ${q}.sync_sent t where t.golden_id = sr.golden_id and t.system = ss.system
                         and t.source_id = ss.source_id) as taken
         from ${q}.sync_sent ss
         join unnest($1::text[], $2::text[]) as r(s, i) on ss.system = r.s and ss.source_id = r.i
         left join ${q}.source_record sr on sr.system = ss.system and sr.source_id = ss.source_id
        where sr.golden_id is distinct from ss.golden_id
          and not exists (select 1 from ${q}.golden g where g.golden_id = ss.golden_id and g.status = 'merged'
                             and g.merged_into = sr.golden_id)),
     dropped as (
       delete from ${q}.sync_sent ss using stale
        where ss.golden_id = stale.golden_id and ss.system = stale.system and ss.source_id = stale.source_id
          and (stale.now is null or stale.taken or stale.n > 1 or not $3)
        returning 1),
     moved as (
       update ${q}.sync_sent ss set golden_id = stale.now from stale
        where ss.golden_id = stale.golden_id and ss.system = stale.system and ss.source_id = stale.source_id
          and $3 and stale.now is not null and not stale.taken and stale.n = 1
        returning 1)
     select (select count(*) from dropped) + (select count(*) from moved) as n`,
    [records.map((r) => r.system), records.map((r) => r.sourceId), options.rekey === true],
  );
  return Number(touched.rows[0]?.n ?? 0);
}

const isEmpty = (v: unknown): boolean =>
  v === null ||
  v === undefined ||
  (typeof v === 'string' && v.trim() === '') ||
  (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.values(v).every(isEmpty));

/**
 * A record as its system holds it, for matching, or null when that is the record as last received: with the
 * hub's writes to it that have not come back yet, i.e. the fields matching reads that the hub last sent there
 * (`sent`, trimmed of what a person changed since) and whose content the record does not hold. The matcher scores
 * records this way (store.ts `upsertIn`): between a hub write and its echo a record as last received is behind
 * its system, and a partial event that overtakes the echo (Salesforce CDC, HubSpot's one property per webhook)
 * even makes one the system never held (the hub's new last name missing beside a person's new phone). Such a
 * record scores below auto-merge against the members that have taken the hub's write, and the cluster splits
 * until the echo comes: the golden record of the part left falls back to older values, and the relay writes
 * them out and back.
 *
 * A system holds what it can of what was sent (`holdsSent`): HubSpot's one address among the golden record's
 * billing and shipping addresses is the write landed, not one still on its way.
 *
 * Only values that replace one the record holds: a field the system leaves empty (one it may have no place for,
 * such as a tax id in HubSpot) gains nothing, so the hub's copy never adds evidence the system does not hold; and
 * not the party type, which says what kind of record it is (a Salesforce Contact or Account, never written by a
 * sink) and keeps an organisation from matching a person.
 */
export function heldView(
  record: CustomerPartyMaster,
  sent: Sent | null | undefined,
): CustomerPartyMaster | null {
  if (!sent) return null;
  const held = record as unknown as Record<string, unknown>;
  const pending = MATCHED_FIELDS.filter(
    (f) => sent.fields.includes(f) && !isEmpty(held[f]) && !holdsSent(f, held[f], sent.vals[f]),
  );
  if (pending.length === 0) return null;
  const view = { ...held };
  for (const f of pending) view[f] = sent.vals[f] ?? (Array.isArray(held[f]) ? [] : null);
  return view as unknown as CustomerPartyMaster;
}

const GOLDEN_ID = /^gc-[0-9a-f]{20}$/;

/**
 * The golden ids other than `goldenId` that the system's record carries where its system keeps the golden id
 * (`idType`: HubSpot's `eai_golden_id`, Salesforce's `External_Id__c`, as its echo brought them): ids of golden
 * records merged into `goldenId` (or left by an unmerge), which the system still holds until the hub writes the
 * surviving one. A golden id under another idType (a person's reference to another customer, a field the system
 * copied it into) is not the stamp, and a system that keeps none (`idType` null) holds no stale one.
 */
export function staleGoldenIds(
  record: CustomerPartyMaster,
  system: string,
  goldenId: string,
  /** Where the system keeps the golden id (config.ts `goldenIdTypeOf`); null: it keeps none. */
  idType: string | null,
): string[] {
  if (!idType) return [];
  return (record.sourceIds ?? [])
    .filter((s) => s.system === system && s.idType === idType && GOLDEN_ID.test(s.id) && s.id !== goldenId)
    .map((s) => s.id);
}

/**
 * Whether the system's record is to be stamped with `goldenId`: its system keeps golden ids (under `idType`), and the record's own
 * ids (as the matcher stores them from its events) hold none there, or only others' (merged away). A value there
 * that is no golden id is a person's (an ERP number in Odoo's ref): never written over.
 */
export function lacksGoldenId(
  record: CustomerPartyMaster,
  system: string,
  goldenId: string,
  /** Where the system keeps the golden id (config.ts `goldenIdTypeOf`); null: it keeps none. */
  idType: string | null,
): boolean {
  if (!idType) return false;
  return (record.sourceIds ?? [])
    .filter((s) => s.system === system && s.idType === idType)
    .every((s) => GOLDEN_ID.test(s.id) && s.id !== goldenId);
}

/**
 * Whether an event took the golden id off the system's record by hand: the record held a golden id where its system
 * keeps one, and after the event it holds none there (or only others'), as a person clearing HubSpot's
 * `eai_golden_id` or Odoo's `ref` leaves it. `sync_sent` still says the hub stamped it, so nothing would send it
 * again until the golden id changed: the caller forgets that and queues the stamp (`queueRestamps`).
 */
export function goldenIdRemoved(
  before: CustomerPartyMaster,
  after: CustomerPartyMaster,
  system: string,
  goldenId: string,
  idType: string | null,
): boolean {
  if (!idType) return false;
  const held = (before.sourceIds ?? []).some(
    (s) => s.system === system && s.idType === idType && GOLDEN_ID.test(s.id),
  );
  return held && lacksGoldenId(after, system, goldenId, idType);
}

/** What the hub sent when it created a golden customer in a system (upserted by the golden id, no record id yet). */
export interface HubCreated extends Sent {
  goldenId: string;
}

/**
 * The hub's create that an echo of a record the hub does not hold yet comes from: the record names a golden id
 * where its system keeps one (`idType`: HubSpot's `eai_golden_id`, Odoo's `ref`, Salesforce's `External_Id__c`: the
 * fields the sinks upsert by), or is keyed by one (its customerId, as the mapping of a request the hub upserted by
 * the golden id gives it), and the hub sent that golden record to this system without a record id. Null otherwise,
 * and always for a system that keeps no golden id: a golden id under another idType (a reference to another
 * customer) names no create of this record.
 */
export async function hubCreated(
  db: Queryable,
  schema: string,
  system: string,
  customer: CustomerPartyMaster,
  /** Where the system keeps the golden id (config.ts `goldenIdTypeOf`); null: it keeps none. */
  idType: string | null,
): Promise<HubCreated | null> {
  if (!idType) return null;
  const named = [
    ...(customer.sourceIds ?? []).filter((s) => s.system === system && s.idType === idType).map((s) => s.id),
    customer.customerId,
  ].filter((id): id is string => typeof id === 'string' && GOLDEN_ID.test(id));
  if (named.length === 0) return null;
  const q = quoteSchema(schema);
  const row = (
    await db.query<{ golden_id: string; fields: string[]; vals: Record<string, unknown> }>(
      // By the id named or the one it was merged into since (the relay moves the row with the merge).
      `with recursive ids(id) as (
         select unnest($1::text[])
         union
         select g.merged_into from ${q}.golden g join ids on g.golden_id = ids.id where g.merged_into is not null)
       select golden_id, fields, vals from ${q}.sync_sent
        where golden_id in (select id from ids) and system = $2 and source_id is null
        order by golden_id limit 1`,
      [named, system],
    )
  ).rows[0];
  return row ? { goldenId: row.golden_id, fields: row.fields, vals: row.vals } : null;
}

/**
 * The record the system holds after the hub created it: the values the hub sent there, with the ids the echo
 * brought (the system's record id among them). What the echo itself carries may be ids only (HubSpot's creation
 * webhook, a property per event after it).
 */
export function createdRecord(echo: CustomerPartyMaster, created: HubCreated): CustomerPartyMaster {
  const record = { ...echo } as Record<string, unknown>;
  for (const field of created.fields) if (field in created.vals) record[field] = created.vals[field];
  return record as unknown as CustomerPartyMaster;
}

/**
 * A record of the golden record the hub created a record for (by its id, or the one it was merged into since),
 * with that golden record's id now: the created record's link. Null when it holds no records any more.
 */
export async function createdFor(
  db: Queryable,
  schema: string,
  created: HubCreated,
): Promise<{ system: string; sourceId: string; goldenId: string } | null> {
  const q = quoteSchema(schema);
  const row = (
    await db.query<{ system: string; source_id: string; golden_id: string }>(
      `with recursive ids(id, depth) as (
         select $1::text, 0
         union
         select g.merged_into, ids.depth + 1 from ${q}.golden g join ids on g.golden_id = ids.id
          where g.merged_into is not null and ids.depth < 1000)
       select sr.system, sr.source_id, sr.golden_id from ${q}.source_record sr
        where sr.golden_id = (select id from ids order by depth desc limit 1)
        order by sr.system, sr.source_id limit 1`,
      [created.goldenId],
    )
  ).rows[0];
  return row ? { system: row.system, sourceId: row.source_id, goldenId: row.golden_id } : null;
}

/** The system's own id of the record the hub created: later commands go by it, and its echoes are recognised. */
export async function claimCreated(
  db: Queryable,
  schema: string,
  created: HubCreated,
  system: string,
  sourceId: string,
): Promise<void> {
  // A row of that record already (migration 018 keeps one per record): it stands, and the create's goes.
  const q = quoteSchema(schema);
  await db.query(
    `with taken as (select 1 from ${q}.sync_sent where golden_id = $1 and system = $2 and source_id = $3),
          claimed as (update ${q}.sync_sent set source_id = $3
                       where golden_id = $1 and system = $2 and source_id is null and not exists (select 1 from taken)
                       returning 1)
     delete from ${q}.sync_sent where golden_id = $1 and system = $2 and source_id is null
        and exists (select 1 from taken)`,
    [created.goldenId, system, sourceId],
  );
}
