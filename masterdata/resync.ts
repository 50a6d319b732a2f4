/**
 * Requests of the systems to re-read records (CustomerEvents with changeType RESYNC_REQUESTED): the source lost
 * changes of a record, or of a whole entity (keyed `<system>:<Entity>:*`, Salesforce's GAP_OVERFLOW), and the hub
 * cannot re-read a system itself. Each request is kept per (system, id) until something shows the hub holds the
 * record as the system does: the system's next full snapshot of it (CREATED, UNDELETED, or UPDATED with no
 * `changedFields`), its delete, or a reconcile of the system with `--repair` (reconcile.ts: the export is the
 * system's whole word, so it closes every request asked before it started, the entity-wide ones too). A partial
 * UPDATED does not close it: it proves only the fields it names, and the lost changes may have touched the others.
 * Sync health reports the open ones (ops/sync-health.ts). Rows hold ids only; erasure.ts deletes its customer's.
 */
import type pg from 'pg';
import type { CustomerEvent } from '../schemas/types.generated.ts';
import { quoteSchema } from '../store/migrate.ts';
import { idForms } from './store.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** The entity of an entity-wide request id (`Account:*` → Account), else null (one record). */
export function entityOfRequest(sourceId: string): string | null {
  return sourceId.endsWith(':*') ? sourceId.slice(0, -2) || null : null;
}

/**
 * Records a request of `system` to re-read `sourceId` (or `<Entity>:*`): a new row, or the existing one asked once
 * more. `eventId` identifies the event, so a redelivery of the same one is not counted twice.
 */
export async function recordResyncRequest(
  db: Queryable,
  schema: string,
  request: { system: string; sourceId: string; eventId: string },
): Promise<void> {
  await db.query(
    `insert into ${quoteSchema(schema)}.resync_request as r (system, source_id, entity, last_event_id)
     values ($1, $2, $3, $4)
     on conflict (system, source_id) do update
       set last_requested_at = case when r.last_event_id is distinct from excluded.last_event_id
                                    then now() else r.last_requested_at end,
           requests = r.requests + case when r.last_event_id is distinct from excluded.last_event_id then 1 else 0 end,
           last_event_id = excluded.last_event_id`,
    [request.system, request.sourceId, entityOfRequest(request.sourceId), request.eventId],
  );
}

/**
 * Whether an event of a record proves the hub now holds the record as its system does: a full snapshot (CREATED,
 * UNDELETED, UPDATED listing no fields) or a delete. STATUS_CHANGED and a partial UPDATED name only what they set.
 */
export function answersResync(event: Pick<CustomerEvent, 'changeType' | 'changedFields'>): boolean {
  if (event.changeType === 'DELETED' || event.changeType === 'CREATED' || event.changeType === 'UNDELETED')
    return true;
  return event.changeType === 'UPDATED' && (event.changedFields ?? []).length === 0;
}

/**
 * Closes the requests of these records (their full snapshot or their delete came), in any form of their ids (SAP's
 * 0000100001 and 100001: store.ts idForms); true when one was open.
 */
export async function clearResyncRequests(
  db: Queryable,
  schema: string,
  records: Array<{ system: string; sourceId: string }>,
): Promise<boolean> {
  const forms = records.flatMap((r) => idForms(r.sourceId).map((form) => ({ system: r.system, form })));
  if (forms.length === 0) return false;
  const result = await db.query(
    `delete from ${quoteSchema(schema)}.resync_request r using unnest($1::text[], $2::text[]) as x(s, i)
      where r.system = x.s and r.source_id = x.i`,
    [forms.map((f) => f.system), forms.map((f) => f.form)],
  );
  return (result.rowCount ?? 0) > 0;
}

/** The database's clock: requests are timed by it, so a cut-off compared with them must be too. */
export async function databaseNow(db: Queryable): Promise<Date> {
  return (await db.query<{ now: Date }>('select now() as now')).rows[0]!.now;
}

/**
 * A reconcile with `--repair` read the system's whole export and applied it: every request of the system asked
 * before `startedAt` (records and entities) is answered. Those asked while it ran stay. Returns how many it closed.
 */
export async function clearResyncRequestsBefore(
  db: Queryable,
  schema: string,
  system: string,
  startedAt: Date,
): Promise<{ records: number; entities: number }> {
  const rows = (
    await db.query<{ entity: string | null }>(
      `delete from ${quoteSchema(schema)}.resync_request where system = $1 and last_requested_at <= $2
       returning entity`,
      [system, startedAt],
    )
  ).rows;
  const entities = rows.filter((r) => r.entity !== null).length;
  return { records: rows.length - entities, entities };
}

/** A system's open requests: records asked for, entities asked for whole, since when the oldest is open. */
export interface ResyncRequested {
  records: number;
  entities: string[];
  /** When the oldest open request was first asked (ISO 8601); null with none open. */
  since: string | null;
}

/** Every system's open requests. */
export async function openResyncRequests(
  db: Queryable,
  schema: string,
): Promise<Map<string, ResyncRequested>> {
  const rows = (
    await db.query<{ system: string; records: string; entities: string[] | null; since: Date }>(
      `select system, count(*) filter (where entity is null) as records,
              array_agg(entity order by entity) filter (where entity is not null) as entities,
              min(first_requested_at) as since
         from ${quoteSchema(schema)}.resync_request group by system order by system`,
    )
  ).rows;
  return new Map(
    rows.map((r) => [
      r.system,
      { records: Number(r.records), entities: r.entities ?? [], since: r.since.toISOString() },
    ]),
  );
}
