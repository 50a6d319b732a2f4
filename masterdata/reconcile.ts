/**
 * `eai mdm reconcile`: a system's current customers (an export: JSON lines, or CSV with a mapping) against the
 * cross-reference, what the hub last received of each record, and the golden records. Drift is reported per
 * record: `missing` (the xref holds it, the export does not), `extra` (the export holds it, the xref does not),
 * `differs` (its fields disagree with what the hub last received from the system: a change the hub missed, fields
 * named; the golden id stamp the hub holds on it removed, where the export reads the stamp, is such a field:
 * `sourceIds[<goldenIdType>]`, and a repair stamps it again), `behind` (the hub has it as it is, but its fields
 * disagree with the golden record's: the system lacks the golden values, e.g. a value that lost to another system's in survivorship; a repair queues them to be written back
 * to a system the config pushes to, sync/writeback.ts, as a load does with the records that lost). A field the
 * system holds what it can of (one of the golden record's addresses, emails or phones in a system with one place
 * for it: `behindFields`) is not
 * behind. Repair applies the export as the
 * events the hub should have received: extra and differing records go through the matcher as updates (survivorship
 * decides, and the sync relay sends the outcome to the systems that lack it), missing ones are deletes (they leave
 * the xref; the golden record follows the delete policy). A record the export holds that was erased in the hub
 * (right to be forgotten, erasure.ts) is `erased`, not extra: the hub will not load it again, so a repair skips it;
 * the system still holds personal data the hub was asked to erase (a system without a sink gets no erasure
 * command), so it has to be erased there by hand, and sync health stays degraded until a reconcile no longer finds
 * it. A repair also answers the system's requests to re-read records (RESYNC_REQUESTED, resync.ts): the export is
 * its whole word, so every request asked before the run started, for a record or a whole entity, is closed.
 */
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { quoteSchema } from '../store/migrate.ts';
import { erasedKeyHash } from './erasure.ts';
import { allCustomers, type CustomerSource } from './load.ts';
import { clearResyncRequestsBefore, databaseNow } from './resync.ts';
import { standardisePhone, standardiseTaxId } from './standardise.ts';
import { idForms, type MasterDataStore, sourceIdOf } from './store.ts';
import {
  carriesGoldenIdType,
  goldenIdTypeOf,
  type HeldRecord,
  holdsSent,
  queueBulkWriteBacks,
} from './sync/index.ts';

export type DriftKind = 'missing' | 'extra' | 'differs' | 'behind' | 'erased';

export interface Drift {
  kind: DriftKind;
  sourceId: string;
  goldenId: string | null;
  /**
   * For `differs`: the fields that changed since the hub received it (`sourceIds[<goldenIdType>]`: the golden id
   * stamp the hub holds on it removed, `stampField`); for `behind`: those unlike the golden record's.
   */
  fields: string[];
  /** For `erased`: the erasure that removed it from the hub (GET /customers/erasures/{erasureId}). */
  erasureId?: string;
}

/**
 * The field a `differs` names for a record that comes without the golden id stamp the hub holds on it (a person
 * removed it in the system): `sourceIds[<goldenIdType>]`, as the mappings name the stamp cleared. `inWords`
 * says it for an operator.
 */
export const stampField = (idType: string): string => `sourceIds[${idType}]`;

/** A drift field as an operator reads it: the golden id stamp by name, other fields as they are. */
export function inWords(field: string, system: string): string {
  const stamp = /^sourceIds\[(.+)\]$/.exec(field);
  return stamp ? `golden id stamp ${stamp[1]} (removed in ${system}; --repair writes it again)` : field;
}

/** The erasure that removed (system, any form of source id) from the hub, or null. */
async function erasureOf(store: MasterDataStore, system: string, sourceId: string): Promise<string | null> {
  const row = (
    await store.pool.query<{ erasure_id: string }>(
      `select erasure_id from ${quoteSchema(store.schema)}.erased_key where key_hash = any($1::text[]) limit 1`,
      [idForms(sourceId).map((id) => erasedKeyHash(system, id))],
    )
  ).rows[0];
  return row?.erasure_id ?? null;
}

export interface ReconcileReport {
  system: string;
  /** Records in the export. */
  records: number;
  /** The system's records in the xref before the run. */
  inXref: number;
  counts: Record<DriftKind | 'same', number>;
  /** Every drift found, up to `limit` (default 1,000); counts hold them all. */
  drift: Drift[];
  repaired: { updated: number; deleted: number } | null;
  /**
   * With repair: the system's requests to re-read (RESYNC_REQUESTED) it answered, records and entities; null without
   * (a report alone applies nothing, so the hub may still hold what the system lost).
   */
  resyncAnswered: { records: number; entities: number } | null;
}

const words = (text: string | null | undefined) =>
  text ? text.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase() : null;

/**
 * The comparable form of a customer's golden fields: texts folded for case and spacing, emails and phones as sets
 * (phones in E.164 where they parse), the first address as one line, the tax id without spaces.
 */
export function comparable(customer: CustomerPartyMaster): Record<string, string | null> {
  const country = customer.addresses?.[0]?.countryCode ?? null;
  const set = (values: Array<string | null>) => {
    const kept = [...new Set(values.filter((v): v is string => !!v))].sort();
    return kept.length ? kept.join(' | ') : null;
  };
  const address = customer.addresses?.[0];
  return {
    organizationName: words(customer.organizationName),
    'person.givenName': words(customer.person?.givenName),
    'person.familyName': words(customer.person?.familyName),
    birthDate: customer.birthDate ?? null,
    emails: set((customer.emails ?? []).map((e) => words(e.address))),
    phones: set((customer.phones ?? []).map((p) => standardisePhone(p.number, country) ?? words(p.number))),
    address: address
      ? words(
          [...(address.lines ?? []), address.postalCode, address.city, address.countryCode]
            .filter(Boolean)
            .join(', '),
        )
      : null,
    taxId: customer.taxId?.value ? standardiseTaxId(customer.taxId.value) : null,
  };
}

/** The golden fields on which two customers disagree (a value on one side only counts). */
export function differingFields(a: CustomerPartyMaster, b: CustomerPartyMaster): string[] {
  const left = comparable(a);
  const right = comparable(b);
  return Object.keys(left).filter((field) => left[field] !== right[field]);
}

/** The record's field a field of `comparable` is read from (`address`: the addresses, `person.givenName`: person). */
const recordField = (field: string): string =>
  field === 'address' ? 'addresses' : field.startsWith('person.') ? 'person' : field;

/**
 * The fields of the golden record a system's record lacks: those that differ (`differingFields`) except where the
 * system holds what it can of the golden value (sync/changes.ts `holdsSent`, the sync's own reading of what a system
 * holds after the hub wrote it: HubSpot's contact and Odoo's partner have one address, HubSpot's one email and a
 * phone and a mobile, and holding some of the golden ones is holding what they can). A field the system cannot hold is no drift: a repair would send it again on
 * every run, and the system would drop it again.
 */
export function behindFields(held: CustomerPartyMaster, golden: CustomerPartyMaster): string[] {
  const mine = held as unknown as Record<string, unknown>;
  const values = golden as unknown as Record<string, unknown>;
  return differingFields(held, golden).filter((field) => {
    const f = recordField(field);
    return !holdsSent(f, mine[f], values[f]);
  });
}

export async function reconcile(
  store: MasterDataStore,
  system: string,
  source: CustomerSource,
  options: {
    repair?: boolean;
    limit?: number;
    batchSize?: number;
    onProgress?: (p: { records: number; counts: ReconcileReport['counts'] }) => void;
  } = {},
): Promise<ReconcileReport> {
  const limit = options.limit ?? 1000;
  // Requests to re-read asked after this are not answered by this run (the export may predate them).
  const startedAt = await databaseNow(store.pool);
  const batchSize = options.batchSize ?? 500;
  const counts: ReconcileReport['counts'] = {
    missing: 0,
    extra: 0,
    differs: 0,
    behind: 0,
    erased: 0,
    same: 0,
  };
  const drift: Drift[] = [];
  const note = (d: Drift) => {
    counts[d.kind]++;
    if (drift.length < limit) drift.push(d);
  };
  const seen = new Set<string>();
  // With repair, the extra and differing records, loaded a batch at a time as the export is read.
  const toLoad: CustomerPartyMaster[] = [];
  let updated = 0;
  // With repair, the records behind their golden record: written back when the config pushes to the system.
  const behind: HeldRecord[] = [];
  const pushes = (s: string) => store.config.sync.systems[s]?.push === true;
  // Records alike in every golden field whose golden id stamp the hub holds and the export does not show (a person
  // cleared it), of a system the hub pushes to: drift once the export has shown that it reads the place (a record of
  // it carries one), `differs` in the stamp (`stampField`), and a repair loads them, so `upsertBatch` stamps them
  // again (`queueBulkRestamps`). An export that reads none (a HubSpot crm-object read without eai_golden_id, a
  // Salesforce sobject one without External_Id__c): the first batchSize such records without a sign of it, and the
  // export is taken for one of those; they are then what their golden fields say (`same` or `behind`), and nothing
  // is loaded for the stamp (each reload would write every stamped record again).
  const idType = goldenIdTypeOf(system, store.config.sync.systems[system]);
  let readsStamp: boolean | null = null;
  const unstamped: Array<{
    customer: CustomerPartyMaster;
    sourceId: string;
    goldenId: string;
    unlikeGolden: string[];
    behind: HeldRecord;
  }> = [];
  /** The pending unstamped records, once the export said whether it reads the stamp. */
  const settle = () => {
    if (readsStamp === null) return;
    for (const u of unstamped.splice(0)) {
      if (readsStamp) {
        note({ kind: 'differs', sourceId: u.sourceId, goldenId: u.goldenId, fields: [stampField(idType!)] });
        // Loaded for its stamp, the record's write-back goes with the load (upsertBatch), not beside it.
        repair(u.customer);
      } else if (u.unlikeGolden.length > 0) {
        note({ kind: 'behind', sourceId: u.sourceId, goldenId: u.goldenId, fields: u.unlikeGolden });
        if (options.repair) behind.push(u.behind);
      } else counts.same++;
    }
  };
  const flush = async () => {
    if (behind.length > 0) {
      const records = behind.splice(0);
      await store.transaction((client) => queueBulkWriteBacks(client, store.schema, pushes, records));
    }
    if (toLoad.length === 0) return;
    updated += toLoad.length;
    await store.upsertBatch(
      toLoad.splice(0).map((customer) => ({ system, customer })),
      undefined,
      { readsStamp: () => readsStamp === true },
    );
  };
  const repair = (customer: CustomerPartyMaster) => {
    if (options.repair) toLoad.push(customer);
  };
  let records = 0;
  for await (const exported of allCustomers(source)) {
    records++;
    const customer = exported;
    if (readsStamp === null && carriesGoldenIdType(customer, system, idType)) readsStamp = true;
    // A number the export wrote without the leading zeros the hub holds it with (or with them) is the same record
    // (store.storedId), not one missing and one extra: a repair would delete it and create it anew.
    const sourceId = await store.storedId(system, sourceIdOf(system, customer));
    // What the hub last received of the record, and its golden id (the xref), in one read.
    const held = await store.sourceState(system, sourceId);
    seen.add(sourceId);
    const goldenId = held?.goldenId ?? null;
    const golden = goldenId ? await store.goldenRecord(goldenId) : null;
    const erasureId = held ? null : await erasureOf(store, system, sourceId);
    if (erasureId) {
      note({ kind: 'erased', sourceId, goldenId: null, fields: [], erasureId });
    } else if (!held || !goldenId || !golden) {
      note({ kind: 'extra', sourceId, goldenId: null, fields: [] });
      repair(customer);
    } else {
      const changed = differingFields(customer, held.record);
      const unlikeGolden = changed.length === 0 ? behindFields(customer, golden) : [];
      const behindRecord = { system, sourceId, goldenId, record: held.record };
      const unstamp =
        readsStamp !== false &&
        changed.length === 0 &&
        pushes(system) &&
        carriesGoldenIdType(held.record, system, idType) &&
        !carriesGoldenIdType(customer, system, idType);
      if (unstamp) unstamped.push({ customer, sourceId, goldenId, unlikeGolden, behind: behindRecord });
      else if (changed.length > 0) {
        note({ kind: 'differs', sourceId, goldenId, fields: changed });
        repair(customer);
      } else if (unlikeGolden.length > 0) {
        note({ kind: 'behind', sourceId, goldenId, fields: unlikeGolden });
        if (options.repair && pushes(system)) behind.push(behindRecord);
      } else counts.same++;
    }
    if (readsStamp === null && unstamped.length >= batchSize) readsStamp = false;
    settle();
    if (toLoad.length + behind.length >= batchSize) await flush();
    if (records % 1000 === 0) options.onProgress?.({ records, counts: { ...counts } });
  }
  readsStamp ??= false;
  settle();
  await flush();
  let inXref = 0;
  const missing: Drift[] = [];
  for await (const row of store.exportXref()) {
    if (row.system !== system) continue;
    inXref++;
    if (!seen.has(row.sourceId))
      missing.push({ kind: 'missing', sourceId: row.sourceId, goldenId: row.goldenId, fields: [] });
  }
  // The xref as it was: records a repair just loaded were not in it before.
  inXref -= options.repair ? counts.extra : 0;
  let deleted = 0;
  for (const d of missing) {
    note(d);
    if (options.repair) {
      await store.removeSource(system, d.sourceId, store.config.sync.deletes.lastMember, 'reconcile');
      deleted++;
    }
  }
  const report: ReconcileReport = {
    system,
    records,
    inXref,
    counts,
    drift,
    repaired: options.repair ? { updated, deleted } : null,
    resyncAnswered: options.repair
      ? await clearResyncRequestsBefore(store.pool, store.schema, system, startedAt)
      : null,
  };
  await store.recordReconcile(report);
  return report;
}
