/**
 * The matcher's changes of customers a batch at a time (consumer.ts hands it every CREATED / UPDATED / UNDELETED /
 * STATUS_CHANGED event in hand at once, lib/group-commit.ts): in one transaction under the matcher's lock, with one
 * read of what the hub holds of all of them, one `matchIn` for all their records and one write of what follows.
 * Each event is classified (an edit, or the echo of the hub's own write: sync/changes.ts) against the state before
 * the batch, as it would be against the state before it alone: the batch's events are of different source records
 * (one record's events are never in one batch), and the relay, which writes what classification reads, holds the
 * same lock. What can differ is only what a stamped echo's riders are compared with: the golden record as it was
 * before the batch, where one at a time it might already hold another record of the batch matched into it.
 */
import type { CustomerEvent, CustomerPartyMaster } from '../schemas/types.generated.ts';
import { quoteSchema } from '../store/migrate.ts';
import { hasCustomerData } from './customer-data.ts';
import { erasedKeyHash } from './erasure.ts';
import { answersResync, clearResyncRequests } from './resync.ts';
import {
  type Client,
  type FieldTimes,
  idForms,
  type MasterDataStore,
  type MatchItem,
  type UpsertResult,
} from './store.ts';
import {
  type Change,
  changeTime,
  claimCreated,
  classify,
  createdFor,
  createdRecord,
  forgetSent,
  goldenIdRemoved,
  goldenIdTypeOf,
  hubCreated,
  keepPending,
  type MatchedEdit,
  type Overtaken,
  overtakenAfterEcho,
  pendingAfterEcho,
  queueRestamps,
  queueWriteBacks,
  type Sent,
} from './sync/index.ts';

/** One change of a customer to match: its event and the record it is of. */
export interface EventJob {
  event: CustomerEvent;
  system: string;
  sourceId: string;
  /**
   * When the event reached the bus (its Kafka record's time, ISO): survivorship's tie-break of equal change times,
   * and the record's last received (`MatchItem.receivedAt`).
   */
  arrivedAt?: string;
}

export interface EventOutcome {
  /** Null: a change of an erased record, dropped. */
  change: Change | null;
  /** Null: nothing was matched (dropped, an echo of nothing the hub created, a record of ids alone). */
  result: UpsertResult | null;
  /** A new record of ids alone: held until a change brings something to match (customer-data.ts). */
  idsOnly?: boolean;
}

/** Jobs of one record share this key (any form of its id): they must not be in one batch. */
export function eventJobKey(job: EventJob): string {
  return `${job.system}\u001f${idForms(job.sourceId).at(-1) ?? job.sourceId}`;
}

interface HeldState {
  previous: { record: CustomerPartyMaster; fieldTimes: FieldTimes; goldenId: string | null } | null;
  erasureId: string | null;
  sent: Sent | null;
  golden: CustomerPartyMaster | null;
}

/**
 * What the hub holds of each job's record, in one statement: the record as last received (by any form of its id,
 * the form given first), whether it was erased, what the hub last sent there, and its golden record's values.
 */
async function heldStates(client: Client, schema: string, jobs: EventJob[]): Promise<HeldState[]> {
  const q = quoteSchema(schema);
  const forms = jobs.flatMap((job, n) =>
    idForms(job.sourceId).map((form) => ({ n, system: job.system, form, given: form === job.sourceId })),
  );
  const rows = (
    await client.query<{
      n: number;
      record: CustomerPartyMaster | null;
      field_times: FieldTimes | null;
      golden_id: string | null;
      erasure_id: string | null;
      sent_fields: string[] | null;
      sent_vals: Record<string, unknown> | null;
      sent_pending: Record<string, unknown[]> | null;
      sent_overtaken: Record<string, Overtaken[]> | null;
      golden: CustomerPartyMaster | null;
    }>(
      `with f as (select * from unnest($1::int[], $2::text[], $3::text[], $4::bool[]) as f(n, s, form, given)),
         j as (select * from unnest($5::int[], $6::text[], $7::text[], $8::text[]) as j(n, s, i, erased_hash)),
         prev as (
           select distinct on (f.n) f.n, sr.record, sr.field_times, sr.golden_id
             from f join ${q}.source_record sr on sr.system = f.s and sr.source_id = f.form
            order by f.n, f.given desc)
       select j.n, p.record, p.field_times, p.golden_id,
              case when p.n is null then
                (select erasure_id from ${q}.erased_key ek where ek.key_hash = j.erased_hash) end as erasure_id,
              ss.fields as sent_fields, ss.vals as sent_vals,
              ss.pending as sent_pending, ss.overtaken as sent_overtaken, g.record as golden
         from j
         left join prev p on p.n = j.n
         left join ${q}.sync_sent ss on ss.golden_id = p.golden_id and ss.system = j.s and ss.source_id = j.i
         left join ${q}.golden g on g.golden_id = p.golden_id`,
      [
        forms.map((f) => f.n),
        forms.map((f) => f.system),
        forms.map((f) => f.form),
        forms.map((f) => f.given),
        jobs.map((_, n) => n),
        jobs.map((j) => j.system),
        jobs.map((j) => j.sourceId),
        jobs.map((j) => erasedKeyHash(j.system, j.sourceId)),
      ],
    )
  ).rows;
  const states: HeldState[] = jobs.map(() => ({ previous: null, erasureId: null, sent: null, golden: null }));
  for (const row of rows) {
    states[row.n] = {
      previous: row.record
        ? { record: row.record, fieldTimes: row.field_times ?? {}, goldenId: row.golden_id }
        : null,
      erasureId: row.erasure_id,
      sent: row.sent_fields
        ? {
            fields: row.sent_fields,
            vals: row.sent_vals ?? {},
            pending: row.sent_pending ?? {},
            overtaken: row.sent_overtaken ?? {},
          }
        : null,
      golden: row.golden,
    };
  }
  return states;
}

/**
 * Classifies and matches the jobs' changes in the client's transaction (which must hold the matcher's lock: see
 * `MasterDataStore.transaction`); one outcome per job, in order.
 */
export async function matchEvents(
  store: MasterDataStore,
  client: Client,
  jobs: EventJob[],
): Promise<EventOutcome[]> {
  const states = await heldStates(client, store.schema, jobs);
  const outcomes: Array<EventOutcome | undefined> = jobs.map(() => undefined);
  const items: MatchItem[] = [];
  /** Per item: its job, its change, and the hub-created record it claims (an echo of the hub's creation). */
  const matched: Array<{ n: number; change: Change; claims?: Awaited<ReturnType<typeof hubCreated>> }> = [];
  const forget: Array<{ system: string; sourceId: string; fields: string[] }> = [];
  /** Echoes of writes still listed as on their way: what is left on its way to their records. */
  const arrived: Array<{
    goldenId: string;
    system: string;
    sourceId: string;
    pending: Record<string, unknown[]>;
    overtaken: Record<string, Overtaken[]> | null;
  }> = [];
  for (const [n, job] of jobs.entries()) {
    const { system, sourceId, event } = job;
    const { previous, erasureId, sent, golden } = states[n] as HeldState;
    // A change of an erased record (one still on its way, or the system's echo of the erasure) is dropped: the
    // customer must not come back.
    if (!previous && erasureId) {
      outcomes[n] = { change: null, result: null };
      continue;
    }
    const settings = store.config.sync.systems[system];
    const change = classify(event, previous, sent, settings, golden, job.arrivedAt ?? null);
    // The echo of a write takes it, and the writes before it (come back or overtaken), off what is on its way; those
    // it overtook are kept with its time, for their own echo coming after it (changes.ts lateEchoes).
    if (change.kind === 'echo' && sent && previous?.goldenId) {
      const values = change.record as unknown as Record<string, unknown>;
      const left = pendingAfterEcho(sent, change.fields, values);
      const overtaken = left ? overtakenAfterEcho(sent, change.fields, values, changeTime(event)) : null;
      if (left) arrived.push({ goldenId: previous.goldenId, system, sourceId, pending: left, overtaken });
    }
    // An echo of a record the hub does not hold yet is one it created by the golden id. Once the echo names that
    // golden id, the record joins it as what the hub sent there, and its own id goes into the xref and sync state;
    // before (HubSpot's creation webhook carries nothing but ids), it is not a customer of its own.
    if (change.kind === 'echo' && !previous) {
      const created = await hubCreated(
        client,
        store.schema,
        system,
        change.record,
        goldenIdTypeOf(system, settings),
      );
      if (!created) {
        outcomes[n] = { change, result: null };
        continue;
      }
      // It is that customer by the hub's own word, whatever it scores (values the hub sent are survivorship's pick,
      // not any one member's): it joins in this transaction. Joined by a later steward decision, it was a golden
      // record of its own in between, and the relay, running then, created it in the other systems.
      const to = await createdFor(client, store.schema, created);
      const link = to ? { ...to, actor: 'eai-mdm (created by the hub)' } : undefined;
      items.push({
        system,
        customer: createdRecord(change.record, created),
        fieldTimes: change.fieldTimes,
        sent: created,
        link,
        receivedAt: job.arrivedAt,
      });
      matched.push({ n, change, claims: created });
      continue;
    }
    // A new record of ids alone (HubSpot's creation webhook before its property changes, a table row with only its
    // key) forms no golden record: it is held once a change brings something to match (customer-data.ts).
    if (!previous && change.kind === 'edit' && !hasCustomerData(change.record)) {
      outcomes[n] = { change, result: null, idsOnly: true };
      continue;
    }
    // The record is matched as the system holds it: with what the hub sent there and a person has not changed
    // since, whose echo may still be on its way (sync/sent.ts heldView).
    const stands =
      sent && change.kind === 'edit'
        ? { fields: sent.fields.filter((f) => !(change.fields as string[]).includes(f)), vals: sent.vals }
        : sent;
    items.push({
      system,
      customer: change.record,
      fieldTimes: change.fieldTimes,
      sent: stands,
      receivedAt: job.arrivedAt,
    });
    matched.push({ n, change });
    if (change.kind === 'edit') forget.push({ system, sourceId, fields: change.fields });
  }
  const results = items.length > 0 ? await store.matchIn(client, items) : [];
  const cleared: Array<{ system: string; sourceId: string }> = [];
  const edits: MatchedEdit[] = [];
  const unstamped: Array<{ system: string; sourceId: string; goldenId: string }> = [];
  for (const [k, { n, change, claims }] of matched.entries()) {
    const job = jobs[n] as EventJob;
    const result = results[k] ?? null;
    if (claims) await claimCreated(client, store.schema, claims, job.system, job.sourceId);
    if (result && change.kind === 'edit')
      edits.push({
        system: result.system,
        sourceId: result.sourceId,
        goldenId: result.goldenId,
        record: change.record,
        fields: change.fields,
      });
    // A person took the golden id stamp off the record (cleared eai_golden_id, ref): the hub writes it again.
    const before = states[n]?.previous?.record;
    if (result?.goldenId && change.kind === 'edit' && before)
      if (
        goldenIdRemoved(
          before,
          change.record,
          result.system,
          result.goldenId,
          goldenIdTypeOf(result.system, store.config.sync.systems[result.system]),
        )
      )
        unstamped.push({ system: result.system, sourceId: result.sourceId, goldenId: result.goldenId });
    // A full snapshot of the record (not a partial update: the lost changes may have touched other fields)
    // answers the system's request to re-read it.
    if (result && answersResync(job.event)) cleared.push({ system: job.system, sourceId: job.sourceId });
    outcomes[n] = { change, result };
  }
  // A person changed these fields in the system: what the hub sent there before no longer stands for it.
  await forgetSent(client, store.schema, forget);
  await keepPending(client, store.schema, arrived);
  // An edit that lost survivorship changed no golden value, so nothing else sends the golden one back to its system.
  const systems = store.config.sync.systems;
  await queueWriteBacks(client, store.schema, (system) => systems[system]?.push === true, edits);
  await queueRestamps(client, store.schema, (system) => systems[system]?.push === true, unstamped);
  await clearResyncRequests(client, store.schema, cleared);
  return outcomes.map((o) => o ?? { change: null, result: null });
}
