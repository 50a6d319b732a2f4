/**
 * Publishes what erasures left in `erasure_outbox` (masterdata/erasure.ts): per golden id a DELETED event and then
 * a tombstone (null value) on the compacted golden topic, so compaction removes every earlier value of the key;
 * per system record an erasure command (schemas/erasure.ts) on `<commandTopicPrefix><system>`, keyed by the golden
 * id, which that system's sink turns into its delete. Sent (acks=all) before the rows are deleted in the caller's
 * transaction: at least once; the sinks' deletes are idempotent. Ids only, never personal data.
 */
import type pg from 'pg';
import {
  type Bus,
  customerSyncTopicSpec,
  goldenCustomerTopicSpec,
  type Publisher,
  type PublishInput,
} from '../../bus/index.ts';
import type { OutgoingRecord, TransportProducer } from '../../bus/transport/types.ts';
import { ERASURE_CHANGE_ORIGIN, ERASURE_ORIGIN_SYSTEM } from '../../schemas/erasure.ts';
import type { CustomerEvent } from '../../schemas/types.generated.ts';
import { quoteSchema } from '../../store/migrate.ts';
import type { MasterDataStore } from '../store.ts';
import type { SyncConfig } from './config.ts';

interface OutboxRow {
  seq: string;
  erasure_id: string;
  kind: 'golden' | 'command';
  golden_id: string;
  system: string | null;
  source_id: string | null;
  id_type: string | null;
}

/** The DELETED event an erasure publishes: on the golden topic for a golden id, or as a system's command. */
export function erasureEvent(
  erasureId: string,
  goldenId: string,
  target: { system: string; sourceId: string | null; idType: string | null } | null,
  at: Date,
): CustomerEvent {
  return {
    changeType: 'DELETED',
    changedFields: ['status'],
    clearedFields: [],
    mergedIds: [],
    occurredAt: at,
    origin: {
      system: ERASURE_ORIGIN_SYSTEM,
      documentId: erasureId,
      changeOrigin: ERASURE_CHANGE_ORIGIN,
      changedBy: null,
    },
    customer: {
      customerId: goldenId,
      sourceIds: target?.sourceId
        ? [{ system: target.system, id: target.sourceId, idType: target.idType }]
        : [],
      status: 'DELETED',
    },
  } as CustomerEvent;
}

/**
 * Publishes up to `limit` outbox rows (of one erasure, or any) and deletes them, in the caller's transaction
 * (which holds the matcher's lock); marks the systems commanded `sent` and an erasure with nothing left
 * `published`. Returns the rows published.
 */
export async function publishErasureOutbox(options: {
  client: pg.PoolClient;
  schema: string;
  config: SyncConfig;
  producer: TransportProducer;
  preparer: Pick<Publisher, 'prepare'>;
  erasureId?: string;
  limit: number;
  /** Only the golden topic's rows: the caller does not know which systems the hub pushes to (no sync config). */
  goldenOnly?: boolean;
}): Promise<number> {
  const { client, config } = options;
  const q = quoteSchema(options.schema);
  const rows = (
    await client.query<OutboxRow>(
      `select seq, erasure_id, kind, golden_id, system, source_id, id_type from ${q}.erasure_outbox
        where ($1::text is null or erasure_id = $1) and (not $3 or kind = 'golden')
        order by seq limit $2 for update skip locked`,
      [options.erasureId ?? null, options.limit, options.goldenOnly === true],
    )
  ).rows;
  if (rows.length === 0) return 0;
  // A system this config does not push to has no sink to erase its records: they are marked so, not sent.
  const pushed = (r: OutboxRow) => r.kind === 'golden' || config.systems[r.system ?? '']?.push === true;
  const unsinked = rows.filter((r) => !pushed(r));
  await markSystems(client, q, unsinked, 'no-sink');
  const sent = rows.filter(pushed);
  const now = new Date();
  const events: PublishInput[] = sent.map((r) =>
    r.kind === 'golden'
      ? {
          schema: 'CustomerEvent',
          topic: config.goldenTopic,
          key: r.golden_id,
          value: erasureEvent(r.erasure_id, r.golden_id, null, now),
        }
      : {
          schema: 'CustomerEvent',
          topic: `${config.commandTopicPrefix}${r.system}`,
          key: r.golden_id,
          value: erasureEvent(
            r.erasure_id,
            r.golden_id,
            { system: r.system ?? '', sourceId: r.source_id, idType: r.id_type },
            now,
          ),
        },
  );
  const prepared = await options.preparer.prepare(events);
  const records: OutgoingRecord[] = [];
  sent.forEach((r, i) => {
    records.push(prepared[i]!);
    // The key's last word on the compacted golden topic: compaction drops every earlier value, then this one.
    if (r.kind === 'golden') records.push({ topic: config.goldenTopic, key: r.golden_id, value: null });
  });
  if (records.length > 0) await options.producer.send(records);
  await client.query(`delete from ${q}.erasure_outbox where seq = any($1::bigint[])`, [
    rows.map((r) => r.seq),
  ]);
  await markSystems(
    client,
    q,
    sent.filter((r) => r.kind === 'command'),
    'sent',
  );
  await client.query(
    `update ${q}.erasure e set status = 'published', published_at = now()
      where erasure_id = any($1::text[]) and status = 'pending'
        and not exists (select 1 from ${q}.erasure_outbox o where o.erasure_id = e.erasure_id)`,
    [[...new Set(rows.map((r) => r.erasure_id))]],
  );
  return rows.length;
}

/** Marks the systems of these command rows, per erasure, from `pending` to `status`. */
async function markSystems(
  client: pg.PoolClient,
  q: string,
  commands: OutboxRow[],
  status: 'sent' | 'no-sink',
): Promise<void> {
  for (const erasureId of new Set(commands.map((r) => r.erasure_id))) {
    const systems = [...new Set(commands.filter((r) => r.erasure_id === erasureId).map((r) => r.system))];
    await client.query(
      `update ${q}.erasure e set systems = e.systems || (
         select jsonb_object_agg(s, jsonb_set(e.systems -> s, '{status}', to_jsonb($3::text)))
           from unnest($2::text[]) s where e.systems -> s ->> 'status' = 'pending')
        where erasure_id = $1 and exists (select 1 from unnest($2::text[]) s where e.systems -> s ->> 'status' = 'pending')`,
      [erasureId, systems, status],
    );
  }
}

/**
 * Publishes one erasure's outbox now, without the relay (`eai mdm erase` has no hub): provisions the golden topic
 * and the command topics, then drains the erasure's rows under the matcher's lock. Returns the rows published.
 */
export async function publishErasure(options: {
  bus: Bus;
  store: MasterDataStore;
  erasureId: string;
  config?: SyncConfig;
  /** Only the golden topic's rows; the system commands wait for the hub's relay, which knows its sinks. */
  goldenOnly?: boolean;
}): Promise<number> {
  const { bus, store } = options;
  const config = options.config ?? store.config.sync;
  const pushed = Object.entries(config.systems).filter(([, s]) => s.push);
  await bus.provisionTopics([
    goldenCustomerTopicSpec(config.goldenTopic),
    ...pushed.map(([system]) => customerSyncTopicSpec(`${config.commandTopicPrefix}${system}`)),
  ]);
  const producer = bus.transport.producer();
  await producer.connect();
  try {
    let total = 0;
    for (;;) {
      const published = await store.transaction((client) =>
        publishErasureOutbox({
          client,
          schema: store.schema,
          config,
          producer,
          preparer: bus.preparer(),
          erasureId: options.erasureId,
          limit: config.batchSize,
          goldenOnly: options.goldenOnly,
        }),
      );
      total += published;
      if (published === 0) return total;
    }
  } finally {
    await producer.disconnect();
  }
}
