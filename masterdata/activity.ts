/**
 * The customer 360 read model: the latest state of each sales order, shipment and case seen on the canonical
 * topics, in three PostgreSQL tables of the master data schema (migration 002). Rows are keyed by the customer's
 * source ids as the documents name them, never by golden id: a read resolves a golden record's members through
 * the xref, so merges and unmerges need no rewrite and a document that arrived before its customer was matched is
 * found once it is. Each event is one upsert that keeps the newer state (by `occurredAt`), so redeliveries and
 * reordering do no harm.
 */
import type { Bus, ConsumedEvent, ConsumerRunner } from '../bus/index.ts';
import { errorMessage, NonRetriableError } from '../lib/errors.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import type {
  CaseEvent,
  Money,
  SalesOrderEvent,
  ShipmentEvent,
  SourceIdentifier,
} from '../schemas/types.generated.ts';
import { quoteSchema } from '../store/migrate.ts';
import type { MdmConfig } from './config.ts';
import { erasedHashOf } from './erasure.ts';
import { idForms, type MasterDataStore } from './store.ts';
import { pruneWriteBacksSql } from './sync/writeback.ts';

export const ACTIVITY_TOPICS = ['canonical.sales-order', 'canonical.shipment', 'canonical.case'] as const;

/** Order states after which an order is no longer open. */
export const CLOSED_ORDER = ['DELIVERED', 'INVOICED', 'CANCELLED', 'REJECTED'];

/** Rows `prune` deletes per statement (as the orchestrator's retention), and its rounds per table in one run. */
const PRUNE_BATCH = 1000;
const PRUNE_MAX_ROUNDS = 100;

export interface PruneCounts {
  orders: number;
  shipments: number;
  cases: number;
  /** Records of write-backs (`sync_writeback`: the golden records' history of edits written back). */
  writeBacks: number;
}

const SEP = '\u001f';
const keyOf = (system: string, id: string) => `${system}${SEP}${id}`;

/** `salesforce:001…` → the pair, preferring the event's own system as prefix (system names may hold a colon). */
export function splitCustomerId(customerId: string, originSystem: string): { system: string; id: string } {
  const prefix = `${originSystem}:`;
  if (customerId.startsWith(prefix)) return { system: originSystem, id: customerId.slice(prefix.length) };
  const at = customerId.indexOf(':');
  if (at <= 0) return { system: originSystem, id: customerId };
  return { system: customerId.slice(0, at), id: customerId.slice(at + 1) };
}

/** Every (system, id) key a document names its customer by: its source ids and its customerId. */
function customerKeys(
  originSystem: string,
  customerId: string | null | undefined,
  sourceIds: SourceIdentifier[] = [],
): string[] {
  const keys = new Set(sourceIds.map((s) => keyOf(s.system, s.id)));
  if (customerId && !customerId.startsWith('gc-')) {
    const { system, id } = splitCustomerId(customerId, originSystem);
    keys.add(keyOf(system, id));
  }
  return [...keys].sort();
}

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export interface OrderView {
  orderId: string;
  system: string;
  orderNumber: string | null;
  orderType: string | null;
  status: string;
  total: Money | null;
  orderDate: string | null;
  updatedAt: string;
  shipments: ShipmentView[];
}

export interface ShipmentView {
  shipmentId: string;
  shipmentNumber: string | null;
  status: string;
  carrier: string | null;
  trackingNumbers: string[];
  shippedAt: string | null;
  estimatedArrival: string | null;
  updatedAt: string;
}

export interface CaseView {
  caseId: string;
  caseNumber: string | null;
  subject: string | null;
  status: string;
  priority: string | null;
  orderNumber: string | null;
  openedAt: string | null;
  closedAt: string | null;
  updatedAt: string;
}

/** Reads and writes the read model in the store's schema. */
export class CustomerActivity {
  readonly #store: MasterDataStore;
  readonly #q: string;

  constructor(store: MasterDataStore) {
    this.#store = store;
    this.#q = quoteSchema(store.schema);
  }

  /** The retention policy of the store's config. */
  get policy(): MdmConfig['activityRetention'] {
    return this.#store.config.activityRetention;
  }

  /** Whether a document names a customer record that was erased (masterdata/erasure.ts): it is not kept. */
  async #namesErased(keys: string[]): Promise<boolean> {
    if (keys.length === 0) return false;
    const hashes = keys.map(erasedHashOf);
    const row = (
      await this.#store.pool.query(
        `select 1 from ${this.#q}.erased_key where key_hash = any($1::text[]) limit 1`,
        [hashes],
      )
    ).rows[0];
    return row !== undefined;
  }

  /** Keeps the order's latest state; false when it names an erased customer (nothing kept). */
  async recordOrder(event: SalesOrderEvent): Promise<boolean> {
    const o = event.salesOrder;
    const keys = customerKeys(event.origin.system, o.customer?.customerId, o.customer?.sourceIds);
    if (await this.#namesErased(keys)) return false;
    await this.#store.pool.query(
      `insert into ${this.#q}.customer_order (system, order_id, customer_keys, order_number, status, order_type,
         total, order_date, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (order_id) do update set customer_keys = excluded.customer_keys,
         order_number = coalesce(excluded.order_number, ${this.#q}.customer_order.order_number),
         status = excluded.status, order_type = coalesce(excluded.order_type, ${this.#q}.customer_order.order_type),
         total = coalesce(excluded.total, ${this.#q}.customer_order.total),
         order_date = coalesce(excluded.order_date, ${this.#q}.customer_order.order_date),
         updated_at = excluded.updated_at
       where ${this.#q}.customer_order.updated_at <= excluded.updated_at`,
      [
        event.origin.system,
        o.orderId,
        keys,
        o.orderNumber ?? null,
        o.status ?? 'UNKNOWN',
        o.orderType ?? null,
        o.totalAmount ? JSON.stringify(o.totalAmount) : null,
        iso(o.orderDate),
        iso(event.occurredAt),
      ],
    );
    return true;
  }

  async recordShipment(event: ShipmentEvent): Promise<boolean> {
    const s = event.shipment;
    const orderIds = [
      ...new Set((s.orderReferences ?? []).map((r) => r.orderId).filter((id): id is string => !!id)),
    ];
    await this.#store.pool.query(
      `insert into ${this.#q}.customer_shipment (shipment_id, order_ids, shipment_number, status, carrier,
         tracking_numbers, shipped_at, estimated_arrival, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (shipment_id) do update set
         order_ids = case when cardinality(excluded.order_ids) > 0 then excluded.order_ids
                          else ${this.#q}.customer_shipment.order_ids end,
         shipment_number = coalesce(excluded.shipment_number, ${this.#q}.customer_shipment.shipment_number),
         status = excluded.status, carrier = coalesce(excluded.carrier, ${this.#q}.customer_shipment.carrier),
         tracking_numbers = case when cardinality(excluded.tracking_numbers) > 0 then excluded.tracking_numbers
                                 else ${this.#q}.customer_shipment.tracking_numbers end,
         shipped_at = coalesce(excluded.shipped_at, ${this.#q}.customer_shipment.shipped_at),
         estimated_arrival = coalesce(excluded.estimated_arrival, ${this.#q}.customer_shipment.estimated_arrival),
         updated_at = excluded.updated_at
       where ${this.#q}.customer_shipment.updated_at <= excluded.updated_at`,
      [
        s.shipmentId,
        orderIds,
        s.shipmentNumber ?? null,
        s.status ?? 'UNKNOWN',
        s.carrier?.name ?? s.carrier?.scac ?? null,
        s.trackingNumbers ?? [],
        iso(s.shippedAt),
        iso(s.estimatedArrival),
        iso(event.occurredAt),
      ],
    );
    return true;
  }

  /** Keeps the case's latest state; false when it names an erased customer (its subject may name the person). */
  async recordCase(event: CaseEvent): Promise<boolean> {
    const c = event.case;
    const keys = customerKeys(event.origin.system, c.customerId, []);
    if (await this.#namesErased(keys)) return false;
    await this.#store.pool.query(
      `insert into ${this.#q}.customer_case (case_id, customer_keys, case_number, subject, status, priority,
         order_number, opened_at, closed_at, updated_at)
       values ($1, $2, $3, $4, coalesce($5, 'UNKNOWN'), $6, $7, $8, $9, $10)
       on conflict (case_id) do update set
         customer_keys = case when cardinality(excluded.customer_keys) > 0 then excluded.customer_keys
                              else ${this.#q}.customer_case.customer_keys end,
         case_number = coalesce(excluded.case_number, ${this.#q}.customer_case.case_number),
         subject = coalesce(excluded.subject, ${this.#q}.customer_case.subject),
         status = coalesce($5, ${this.#q}.customer_case.status),
         priority = coalesce(excluded.priority, ${this.#q}.customer_case.priority),
         order_number = coalesce(excluded.order_number, ${this.#q}.customer_case.order_number),
         opened_at = coalesce(excluded.opened_at, ${this.#q}.customer_case.opened_at),
         closed_at = case when $5 is not null and $5 <> 'CLOSED' then null
                          else coalesce(excluded.closed_at, ${this.#q}.customer_case.closed_at) end,
         updated_at = excluded.updated_at
       where ${this.#q}.customer_case.updated_at <= excluded.updated_at`,
      [
        c.caseId,
        keys,
        c.caseNumber ?? null,
        c.subject ?? null,
        c.status ?? null,
        c.priority ?? null,
        c.orderNumber ?? null,
        iso(c.openedAt),
        iso(c.closedAt),
        iso(event.occurredAt),
      ],
    );
    return true;
  }

  /**
   * Retention: deletes the closed orders (CLOSED_ORDER), the shipments of no open order and the CLOSED cases whose
   * last event (`updated_at`) is before `before`, `batch` rows a statement, oldest first, until none is left (at most
   * PRUNE_MAX_ROUNDS rounds per table; the next run takes the rest). An open order, and the shipments of one, are kept
   * whatever their age: the 360 shows open orders and their exposure. The records of write-backs published before
   * `before` go too (sync/writeback.ts, the golden records' history). Erasure deletes a customer's documents at once
   * (erasure.ts); this is the policy for everyone else's.
   */
  async prune(before: Date, batch = PRUNE_BATCH): Promise<PruneCounts> {
    const q = this.#q;
    const rounds = async (sql: string, params: unknown[]): Promise<number> => {
      let deleted = 0;
      for (let round = 0; round < PRUNE_MAX_ROUNDS; round++) {
        const { rowCount } = await this.#store.pool.query(sql, [...params, batch]);
        deleted += rowCount ?? 0;
        if ((rowCount ?? 0) < batch) break;
      }
      return deleted;
    };
    const orders = await rounds(
      `delete from ${q}.customer_order where order_id in (
         select order_id from ${q}.customer_order
          where status = any($1::text[]) and updated_at < $2 order by updated_at limit $3)`,
      [CLOSED_ORDER, before],
    );
    const shipments = await rounds(
      `delete from ${q}.customer_shipment where shipment_id in (
         select s.shipment_id from ${q}.customer_shipment s
          where s.updated_at < $2 and not exists (
            select 1 from ${q}.customer_order o
             where o.order_id = any(s.order_ids) and o.status <> all($1::text[]))
          order by s.updated_at limit $3)`,
      [CLOSED_ORDER, before],
    );
    const cases = await rounds(
      `delete from ${q}.customer_case where case_id in (
         select case_id from ${q}.customer_case
          where status = 'CLOSED' and updated_at < $1 order by updated_at limit $2)`,
      [before],
    );
    const writeBacks = await rounds(pruneWriteBacksSql(this.#store.schema), [before]);
    return { orders, shipments, cases, writeBacks };
  }

  /**
   * `prune` by the store's policy (`activityRetention`), run by one instance at a time: the one that takes this
   * schema's retention lock (a session advisory lock); the others skip this run. Null when another ran it.
   */
  async pruneByPolicy(now = new Date()): Promise<PruneCounts | null> {
    const policy = this.#store.config.activityRetention;
    const client = await this.#store.pool.connect();
    const lock = `mdm-activity-retention:${this.#store.schema}`;
    try {
      const { rows } = await client.query<{ ok: boolean }>(
        'select pg_try_advisory_lock(hashtext($1)) as ok',
        [lock],
      );
      if (!rows[0]?.ok) return null;
      try {
        return await this.prune(new Date(now.getTime() - policy.closedOlderThanDays * 86_400_000));
      } finally {
        await client.query('select pg_advisory_unlock(hashtext($1))', [lock]);
      }
    } finally {
      client.release();
    }
  }

  /**
   * The open orders (with their shipments) and the most recent cases of the customers named by `members`
   * (a golden record's source keys; a customer number with or without SAP's leading zeros).
   */
  async of(
    members: Array<{ system: string; sourceId: string }>,
    options: { orders?: number; cases?: number } = {},
  ): Promise<{ openOrders: OrderView[]; recentCases: CaseView[]; openCases: number }> {
    const q = this.#q;
    const keys = members.flatMap((m) => idForms(m.sourceId).map((id) => keyOf(m.system, id)));
    const orders = (
      await this.#store.pool.query<{
        order_id: string;
        system: string;
        order_number: string | null;
        order_type: string | null;
        status: string;
        total: Money | null;
        order_date: Date | null;
        updated_at: Date;
      }>(
        `select order_id, system, order_number, order_type, status, total, order_date, updated_at
           from ${q}.customer_order where customer_keys && $1::text[] and status <> all($2::text[])
          order by coalesce(order_date, updated_at) desc, order_id limit $3`,
        [keys, CLOSED_ORDER, options.orders ?? 50],
      )
    ).rows;
    const shipments = orders.length
      ? (
          await this.#store.pool.query<{
            shipment_id: string;
            order_ids: string[];
            shipment_number: string | null;
            status: string;
            carrier: string | null;
            tracking_numbers: string[];
            shipped_at: Date | null;
            estimated_arrival: Date | null;
            updated_at: Date;
          }>(
            `select * from ${q}.customer_shipment where order_ids && $1::text[] order by updated_at desc, shipment_id`,
            [orders.map((o) => o.order_id)],
          )
        ).rows
      : [];
    const cases = (
      await this.#store.pool.query<{
        case_id: string;
        case_number: string | null;
        subject: string | null;
        status: string;
        priority: string | null;
        order_number: string | null;
        opened_at: Date | null;
        closed_at: Date | null;
        updated_at: Date;
        open_count: string;
      }>(
        `select *, count(*) filter (where status <> 'CLOSED') over () as open_count
           from ${q}.customer_case where customer_keys && $1::text[]
          order by updated_at desc, case_id limit $2`,
        [keys, options.cases ?? 20],
      )
    ).rows;
    return {
      openOrders: orders.map((o) => ({
        orderId: o.order_id,
        system: o.system,
        orderNumber: o.order_number,
        orderType: o.order_type,
        status: o.status,
        total: o.total,
        orderDate: iso(o.order_date),
        updatedAt: iso(o.updated_at) ?? '',
        shipments: shipments
          .filter((s) => s.order_ids.includes(o.order_id))
          .map((s) => ({
            shipmentId: s.shipment_id,
            shipmentNumber: s.shipment_number,
            status: s.status,
            carrier: s.carrier,
            trackingNumbers: s.tracking_numbers,
            shippedAt: iso(s.shipped_at),
            estimatedArrival: iso(s.estimated_arrival),
            updatedAt: iso(s.updated_at) ?? '',
          })),
      })),
      recentCases: cases.map((c) => ({
        caseId: c.case_id,
        caseNumber: c.case_number,
        subject: c.subject,
        status: c.status,
        priority: c.priority,
        orderNumber: c.order_number,
        openedAt: iso(c.opened_at),
        closedAt: iso(c.closed_at),
        updatedAt: iso(c.updated_at) ?? '',
      })),
      openCases: Number(cases[0]?.open_count ?? 0),
    };
  }
}

/**
 * Feeds the read model from `canonical.sales-order`, `canonical.shipment` and `canonical.case`, one event at a
 * time; the offset is committed after the upsert. A value of another schema goes to the dead-letter topic. Runs the
 * read model's retention beside it (`startActivityRetention`), stopped with it.
 */
export async function startCustomerActivity(options: {
  bus: Bus;
  activity: CustomerActivity;
  groupId?: string;
  /** Default ACTIVITY_TOPICS; the schema of each value decides what it is. */
  topics?: readonly string[];
  fromBeginning?: boolean;
  logger?: Logger;
}): Promise<ConsumerRunner> {
  const log = options.logger ?? createLogger('masterdata');
  const handle = async (consumed: ConsumedEvent) => {
    const schema = consumed.schemaName.split('.').at(-1);
    if (schema === 'SalesOrderEvent') return options.activity.recordOrder(consumed.value as SalesOrderEvent);
    if (schema === 'ShipmentEvent') return options.activity.recordShipment(consumed.value as ShipmentEvent);
    if (schema === 'CaseEvent') return options.activity.recordCase(consumed.value as CaseEvent);
    throw new NonRetriableError(
      `customer activity: ${consumed.record.topic} carried a ${consumed.schemaName}, expected a SalesOrderEvent, ShipmentEvent or CaseEvent`,
    );
  };
  const runner = await options.bus.consume({
    groupId: options.groupId ?? 'eai-customer-activity',
    topics: [...(options.topics ?? ACTIVITY_TOPICS)],
    dlqTopic: 'dlq.orchestrator',
    fromBeginning: options.fromBeginning,
    // The master data database restarting is waited out, not a reason to dead-letter the documents meanwhile.
    retry: { waitOutOutages: true },
    handler: async (consumed) => {
      await handle(consumed);
      log.debug({ topic: consumed.record.topic, key: consumed.key }, 'customer activity recorded');
    },
  });
  const stopRetention = startActivityRetention(options.activity, options.activity.policy, log);
  return {
    ready: () => runner.ready(),
    async stop() {
      await stopRetention();
      await runner.stop();
    },
  };
}

/**
 * The read model's retention on an interval (`activityRetention.intervalMinutes`), the first run one interval after
 * start; each run prunes by the policy if this instance takes the lock. Returns its stop, which waits for a run.
 */
export function startActivityRetention(
  activity: CustomerActivity,
  policy: MdmConfig['activityRetention'],
  log: Logger,
): () => Promise<void> {
  if (!policy.enabled) return async () => undefined;
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = activity
      .pruneByPolicy()
      .then((pruned) => {
        if (pruned && pruned.orders + pruned.shipments + pruned.cases + pruned.writeBacks > 0)
          log.info(
            { ...pruned, olderThanDays: policy.closedOlderThanDays },
            'customer 360: closed orders, their shipments, closed cases and write-back records pruned',
          );
      })
      .catch((error) =>
        log.warn({ error: errorMessage(error) }, 'customer 360: retention failed; the next run tries again'),
      )
      .finally(() => {
        running = undefined;
      });
  }, policy.intervalMinutes * 60_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
