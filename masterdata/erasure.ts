/**
 * Erasure (right to be forgotten) of a golden customer, in one transaction under the matcher's lock: every row
 * of the hub that holds the customer's data goes (source records, blocking keys, scored pairs and steward
 * decisions, golden rows with the ids merged into them, merge history naming them, sync state, the golden
 * outbox, the customer 360 documents, the systems' requests to re-read its records), an audit row without personal data stays, the erased record keys are
 * kept as hashes (so late events and loads of them are dropped, not matched again), and an outbox holds what
 * the relay publishes next: a DELETED event and a tombstone per golden id on the golden topic, and an erasure
 * command per system record (schemas/erasure.ts) for the sinks, which delete it in the system.
 *
 * The REST route and `eai mdm erase` both call `eraseCustomer`; the relay (sync/erasure-out.ts) publishes.
 */
import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { quoteSchema } from '../store/migrate.ts';
import { blockHash } from './block.ts';
import { MasterDataNotFoundError } from './steward.ts';
import type { MasterDataStore } from './store.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** Per system: how many of its records held the customer, and how far their erasure got. */
export interface ErasureSystem {
  records: number;
  /**
   * `pending`: the command waits in the outbox; `sent`: published on the system's command topic; `confirmed`:
   * the system's delete came back; `no-sink`: the sync config that published the erasure does not push to the
   * system (`sync.systems.<s>.push`): erase there by hand.
   */
  status: 'pending' | 'sent' | 'confirmed' | 'no-sink';
}

/** The audit record of one erasure: ids, systems, counts, who and when; never personal data. */
export interface Erasure {
  erasureId: string;
  goldenId: string;
  goldenIds: string[];
  requestedBy: string;
  requestedAt: string;
  systems: Record<string, ErasureSystem>;
  /** Rows removed, per kind. */
  counts: Record<string, number>;
  /** `pending` until the relay published every tombstone and command. */
  status: 'pending' | 'published';
  publishedAt: string | null;
}

export interface ErasureRequest {
  /** The golden id (a merged one resolves to the golden record holding it now)... */
  goldenId?: string;
  /** ...or one of its source records. */
  record?: { system: string; sourceId: string };
  /** Who asked (the admin token's name, the CLI's --actor): kept in the audit row. */
  requestedBy: string;
}

const SEP = '\u001f';

/** The hash an erased record is kept as, from its key `system` + U+001F + `source id` (as the 360 rows keep it). */
export function erasedHashOf(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The hash an erased (system, source id) is kept as. */
export function erasedKeyHash(system: string, sourceId: string): string {
  return erasedHashOf(`${system}${SEP}${sourceId}`);
}

interface ErasureRow {
  erasure_id: string;
  golden_id: string;
  golden_ids: string[];
  requested_by: string;
  requested_at: Date;
  systems: Record<string, ErasureSystem>;
  counts: Record<string, number>;
  status: 'pending' | 'published';
  published_at: Date | null;
}

const view = (r: ErasureRow): Erasure => ({
  erasureId: r.erasure_id,
  goldenId: r.golden_id,
  goldenIds: r.golden_ids,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at.toISOString(),
  systems: r.systems,
  counts: r.counts,
  status: r.status,
  publishedAt: r.published_at?.toISOString() ?? null,
});

/** An erasure's audit record, or null. */
export async function erasureById(store: MasterDataStore, erasureId: string): Promise<Erasure | null> {
  const row = (
    await store.pool.query<ErasureRow>(
      `select * from ${quoteSchema(store.schema)}.erasure where erasure_id = $1`,
      [erasureId],
    )
  ).rows[0];
  return row ? view(row) : null;
}

/** The erasure that removed a golden id (any id the customer had), or null. */
export async function erasureOfGolden(
  db: Queryable,
  schema: string,
  goldenId: string,
): Promise<Erasure | null> {
  const row = (
    await db.query<ErasureRow>(
      `select * from ${quoteSchema(schema)}.erasure where golden_ids @> array[$1]::text[]
        order by requested_at desc limit 1`,
      [goldenId],
    )
  ).rows[0];
  return row ? view(row) : null;
}

/** The erasure that removed (system, source id), or null: its events are expected and dropped. */
export async function erasureOfRecord(
  db: Queryable,
  schema: string,
  system: string,
  sourceId: string,
): Promise<string | null> {
  const row = (
    await db.query<{ erasure_id: string }>(
      `select erasure_id from ${quoteSchema(schema)}.erased_key where key_hash = $1`,
      [erasedKeyHash(system, sourceId)],
    )
  ).rows[0];
  return row?.erasure_id ?? null;
}

/** The system's delete of an erased record came back: its part of the erasure is confirmed. */
export async function confirmErasure(
  db: Queryable,
  schema: string,
  erasureId: string,
  system: string,
): Promise<void> {
  await db.query(
    `update ${quoteSchema(schema)}.erasure
        set systems = jsonb_set(systems, array[$2, 'status'], '"confirmed"')
      where erasure_id = $1 and systems ? $2 and systems -> $2 ->> 'status' in ('pending', 'sent')`,
    [erasureId, system],
  );
}

/** Every golden id that resolves to `goldenId` (itself and the ids merged into it, transitively). */
async function idsOf(client: pg.PoolClient, q: string, goldenId: string): Promise<string[]> {
  return (
    await client.query<{ g: string }>(
      `with recursive ids(g) as (
         select $1::text
         union
         select golden.golden_id from ${q}.golden join ids on golden.merged_into = ids.g)
       select g from ids order by g`,
      [goldenId],
    )
  ).rows.map((r) => r.g);
}

/** The golden record holding `goldenId` now (following merges), in the transaction; null for an unknown id. */
async function resolveIn(client: pg.PoolClient, q: string, goldenId: string): Promise<string | null> {
  let id = goldenId;
  for (let hops = 0; hops < 1000; hops++) {
    const row = (
      await client.query<{ status: string; merged_into: string | null }>(
        `select status, merged_into from ${q}.golden where golden_id = $1`,
        [id],
      )
    ).rows[0];
    if (!row) return null;
    if (row.status !== 'merged' || !row.merged_into) return id;
    id = row.merged_into;
  }
  throw new Error(`golden id ${goldenId}: redirect loop`);
}

const count = (result: pg.QueryResult) => result.rowCount ?? 0;

/**
 * Erases the golden customer (and every golden id that resolves to it) from the hub, records the audit row and
 * queues the tombstones and erasure commands for the relay. An id or record erased before answers with that
 * erasure (`repeated: true`); one never known throws MasterDataNotFoundError.
 */
export async function eraseCustomer(
  store: MasterDataStore,
  request: ErasureRequest,
): Promise<Erasure & { repeated: boolean }> {
  const q = quoteSchema(store.schema);
  return store.transaction(async (client) => {
    let target: string | null;
    if (request.record) {
      const { system } = request.record;
      const sourceId = await store.storedId(system, request.record.sourceId, client);
      target =
        (
          await client.query<{ golden_id: string | null }>(
            `select golden_id from ${q}.source_record where system = $1 and source_id = $2`,
            [system, sourceId],
          )
        ).rows[0]?.golden_id ?? null;
      if (!target) {
        const erased = await erasureOfRecord(client, store.schema, system, sourceId);
        const done = erased ? await erasureByIdIn(client, q, erased) : null;
        if (done) return { ...done, repeated: true };
        throw new MasterDataNotFoundError(`no ${system} customer ${sourceId} in the cross-reference`);
      }
    } else if (request.goldenId) {
      target = await resolveIn(client, q, request.goldenId);
      if (!target) {
        const done = await erasureOfGolden(client, store.schema, request.goldenId);
        if (done) return { ...done, repeated: true };
        throw new MasterDataNotFoundError(`no golden customer ${request.goldenId}`);
      }
    } else {
      throw new MasterDataNotFoundError('name a golden id or a source record to erase');
    }

    const ids = await idsOf(client, q, target);
    const members = (
      await client.query<{
        system: string;
        source_id: string;
        rec: string;
        keys: string[];
        id_type: string | null;
      }>(
        `select sr.system, sr.source_id, sr.rec, sr.keys,
                (select s ->> 'idType' from jsonb_array_elements(coalesce(sr.record -> 'sourceIds', '[]')) s
                  where s ->> 'system' = sr.system and s ->> 'id' = sr.source_id limit 1) as id_type
           from ${q}.source_record sr where sr.golden_id = any($1::text[]) order by sr.system, sr.source_id`,
        [ids],
      )
    ).rows;
    const keys = members.map((m) => `${m.system}${SEP}${m.source_id}`);
    const systemsOf = members.map((m) => m.system);
    const sourceIdsOf = members.map((m) => m.source_id);
    const memberJoin = `(select * from unnest($1::text[], $2::text[]) as m(s, i))`;
    // Records the hub created in a system under a golden id (upserted by it, `create: true`): erased by that id.
    const createdByGoldenId = (
      await client.query<{ golden_id: string; system: string }>(
        `select golden_id, system from ${q}.sync_sent where golden_id = any($1::text[]) and source_id is null
          order by golden_id, system`,
        [ids],
      )
    ).rows;

    const counts: Record<string, number> = {};
    // The customer 360: orders and cases naming any of its records, shipments of nothing but those orders.
    const orders = await client.query<{ order_id: string }>(
      `delete from ${q}.customer_order where customer_keys && $1::text[] returning order_id`,
      [keys],
    );
    counts.orders = count(orders);
    counts.shipments = count(
      await client.query(
        `delete from ${q}.customer_shipment where cardinality(order_ids) > 0 and order_ids <@ $1::text[]`,
        [orders.rows.map((o) => o.order_id)],
      ),
    );
    counts.cases = count(
      await client.query(`delete from ${q}.customer_case where customer_keys && $1::text[]`, [keys]),
    );
    // By the keys each record was indexed under (source_record.keys, hashed as block_key holds them: block.ts
    // blockHash): block_key has no index by record.
    const indexRows = members.flatMap((m) => [...new Set(m.keys.map(blockHash))].map((h) => [h, m.rec]));
    counts.blockingKeys = count(
      await client.query(
        `delete from ${q}.block_key bk using unnest($1::bigint[], $2::bigint[]) as k(key, rec)
          where bk.key = k.key and bk.rec = k.rec`,
        [indexRows.map((r) => r[0]), indexRows.map((r) => r[1])],
      ),
    );
    // Every scored pair and steward decision with one of its records: they name the records and their scores.
    counts.scoredPairs = count(
      await client.query(
        `delete from ${q}.match_pair where (a_system, a_id) in ${memberJoin} or (b_system, b_id) in ${memberJoin}`,
        [systemsOf, sourceIdsOf],
      ),
    );
    // Merge history naming it: as the survivor, as absorbed, or in a snapshot (golden values, member lists).
    const merges = await client.query<{
      before: Array<{ members?: Array<{ system: string; sourceId: string }> }>;
    }>(
      `delete from ${q}.merge_history h
        where h.golden_id = any($1::text[]) or h.absorbed && $1::text[]
           or exists (select 1 from jsonb_array_elements(h.before) e
                       where e ->> 'goldenId' = any($1::text[])
                          or exists (select 1 from jsonb_array_elements(coalesce(e -> 'members', '[]')) m
                                      where (m ->> 'system') || chr(31) || (m ->> 'sourceId') = any($2::text[])))
        returning h.before`,
      [ids, keys],
    );
    counts.mergeHistory = count(merges);
    // Records that were merged with it and parted again (an unmerge, a split): what the hub sent them meanwhile was
    // its golden values, and an unmerge carries those rows along with them (sync/sent.ts dropStaleSent), so until
    // the relay writes their own values they may hold its name, email or phone. Their rows go too (the relay then
    // compares every field with what their systems last sent).
    const parted = merges.rows.flatMap((r) =>
      (Array.isArray(r.before) ? r.before : []).flatMap((g) => g.members ?? []),
    );
    counts.outbox = count(
      await client.query(`delete from ${q}.golden_outbox where golden_id = any($1::text[])`, [ids]),
    );
    // A create held for the steward names only the golden id: let go with it (nothing is to be created).
    await client.query(`delete from ${q}.sync_held_create where golden_id = any($1::text[])`, [ids]);
    counts.syncSent = count(
      await client.query(
        `delete from ${q}.sync_sent where golden_id = any($1::text[]) or (system, source_id) in
           (select * from unnest($2::text[], $3::text[]))`,
        [
          ids,
          [...systemsOf, ...parted.map((m) => m.system)],
          [...sourceIdsOf, ...parted.map((m) => m.sourceId)],
        ],
      ),
    );
    // The write-backs to its records (ids and field names: of an erased customer, they go too).
    counts.writeBacks = count(
      await client.query(
        `delete from ${q}.sync_writeback where golden_id = any($1::text[]) or (system, source_id) in
           (select * from unnest($2::text[], $3::text[]))`,
        [ids, systemsOf, sourceIdsOf],
      ),
    );
    // Its systems' requests to re-read its records (ids only, but of an erased customer: they go too).
    counts.resyncRequests = count(
      await client.query(`delete from ${q}.resync_request where (system, source_id) in ${memberJoin}`, [
        systemsOf,
        sourceIdsOf,
      ]),
    );
    counts.sourceRecords = count(
      await client.query(`delete from ${q}.source_record where golden_id = any($1::text[])`, [ids]),
    );
    counts.goldenRecords = count(
      await client.query(`delete from ${q}.golden where golden_id = any($1::text[])`, [ids]),
    );

    // Per system: its records. Whether a sink erases them there is decided where the commands are published (the
    // hub's relay, with the sync config it runs: `eai mdm erase` may run without it), so every one starts pending.
    const systems: Record<string, ErasureSystem> = {};
    for (const system of [...systemsOf, ...createdByGoldenId.map((c) => c.system)]) {
      const entry = systems[system] ?? { records: 0, status: 'pending' };
      entry.records++;
      systems[system] = entry;
    }
    const erasureId = `er-${randomUUID()}`;
    const row = (
      await client.query<ErasureRow>(
        `insert into ${q}.erasure (erasure_id, golden_id, golden_ids, requested_by, systems, counts, status)
         values ($1, $2, $3, $4, $5, $6, $7) returning *`,
        [
          erasureId,
          request.goldenId ?? target,
          ids,
          request.requestedBy,
          systems,
          counts,
          // The golden topic's tombstones are always left to publish.
          'pending',
        ],
      )
    ).rows[0]!;
    await client.query(
      `insert into ${q}.erased_key (key_hash, system, erasure_id)
       select h, s, $3 from unnest($1::text[], $2::text[]) as t(h, s) on conflict (key_hash) do nothing`,
      [members.map((m) => erasedKeyHash(m.system, m.source_id)), systemsOf, erasureId],
    );
    // What the relay publishes: the golden topic's word on every id, then a command per system record.
    await client.query(
      `insert into ${q}.erasure_outbox (erasure_id, kind, golden_id) select $1, 'golden', g from unnest($2::text[]) g`,
      [erasureId, ids],
    );
    const commands = [
      ...members.map((m) => ({
        goldenId: target,
        system: m.system,
        sourceId: m.source_id,
        idType: m.id_type,
      })),
      ...createdByGoldenId.map((c) => ({
        goldenId: c.golden_id,
        system: c.system,
        sourceId: null,
        idType: null,
      })),
    ];
    await client.query(
      `insert into ${q}.erasure_outbox (erasure_id, kind, golden_id, system, source_id, id_type)
       select $1, 'command', g, s, i, t from unnest($2::text[], $3::text[], $4::text[], $5::text[]) as x(g, s, i, t)`,
      [
        erasureId,
        commands.map((c) => c.goldenId),
        commands.map((c) => c.system),
        commands.map((c) => c.sourceId),
        commands.map((c) => c.idType),
      ],
    );
    return { ...view(row), repeated: false };
  });
}

async function erasureByIdIn(client: pg.PoolClient, q: string, erasureId: string): Promise<Erasure | null> {
  const row = (
    await client.query<ErasureRow>(`select * from ${q}.erasure where erasure_id = $1`, [erasureId])
  ).rows[0];
  return row ? view(row) : null;
}
