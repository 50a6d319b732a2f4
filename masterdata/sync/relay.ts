/**
 * The golden sync relay: golden record changes, which a trigger writes into `golden_outbox` in the same
 * transaction as the change (matcher, load, steward decision, unmerge), go out as
 * - one CustomerEvent per golden record on the compacted golden topic, keyed by golden id, and
 * - per system configured with `push`, one command (a partial CustomerEvent) on `<commandTopicPrefix><system>`
 *   for its sink: the golden values of the fields the system does not hold yet, addressed by the system's own id
 *   from the xref (or, with `create`, by the golden id), keyed by golden id.
 * Published (acks=all) before the outbox rows are deleted in the same database transaction: at least once; the
 * sinks' upserts are idempotent. Several instances share the outbox with `for update skip locked`. Each pass also
 * publishes what erasures left in their own outbox (erasure-out.ts: tombstones, erasure commands).
 */
import jsonata from 'jsonata';
import type { Bus, OutgoingRecord, PreparedRecord, Publisher, PublishInput } from '../../bus/index.ts';
import {
  countPublished,
  customerSyncTopicSpec,
  DLQ_TOPICS,
  deadLetterRecord,
  goldenCustomerTopicSpec,
} from '../../bus/index.ts';
import { errorMessage, isRetriable } from '../../lib/errors.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { counter } from '../../lib/metrics.ts';
import { RepeatedFailure } from '../../lib/repeated-failure.ts';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { quoteSchema } from '../../store/migrate.ts';
import { GOLDEN_FIELDS, type GoldenField } from '../config.ts';
import type { Client, MasterDataStore } from '../store.ts';
import { pendingAfterSend, sameValue } from './changes.ts';
import { DEFAULT_CREATE_WHEN, goldenIdTypeOf, type SyncConfig, satisfies } from './config.ts';
import { publishErasureOutbox } from './erasure-out.ts';
import { lacksGoldenId, staleGoldenIds } from './sent.ts';
import { queueOutbox, recordWriteBacks, type WriteBack } from './writeback.ts';

const writeBacksTotal = counter({
  name: 'eai_mdm_sync_writebacks_total',
  help: 'Commands that wrote golden values back to the system whose own edit of them lost survivorship, by system.',
  labelNames: ['system'],
});

/** The `origin.system` of what the hub publishes; the sinks' mappings and the matcher know it is not a source. */
export const MDM_SYSTEM = 'mdm';

interface OutboxRow {
  seq: string;
  golden_id: string;
  before: CustomerPartyMaster | null;
  before_status: string | null;
  /** Queued by the matcher for an edit that lost survivorship (writeback.ts); null: a golden change. */
  writeback: WriteBack | null;
}

interface GoldenRow {
  golden_id: string;
  record: CustomerPartyMaster | null;
  status: 'active' | 'merged' | 'deleted';
  merged_into: string | null;
  version: number;
  updated_at: Date;
}

interface MemberRow {
  system: string;
  source_id: string;
  golden_id: string;
  record: CustomerPartyMaster;
}

interface SentRow {
  golden_id: string;
  system: string;
  source_id: string | null;
  fields: string[];
  vals: Record<string, unknown>;
  /** Per field, the values sent since the last echo of them seen (migration 020). */
  pending?: Record<string, unknown[]>;
}

export interface SyncCommand {
  system: string;
  goldenId: string;
  sourceId: string | null;
  fields: GoldenField[];
  vals: Record<string, unknown>;
  /**
   * Null when the system holds every golden value and the golden id already (nothing to write; the contact is still
   * recorded).
   */
  event: PublishInput | null;
  /** The fields among `fields` that go back to the system whose edit of them lost survivorship. */
  writtenBack: GoldenField[];
}

const isEmpty = (v: unknown) =>
  v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

const toDate = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

/** A stored golden record (JSON) as the Avro record wants it: times as Dates. */
function avroCustomer(record: CustomerPartyMaster, patch: Partial<CustomerPartyMaster>): CustomerPartyMaster {
  return {
    ...record,
    ...patch,
    createdAt: toDate(record.createdAt),
    updatedAt: toDate(record.updatedAt),
  } as CustomerPartyMaster;
}

/** The record's top-level keys whose values differ (the golden event's changedFields). */
function changedKeys(before: CustomerPartyMaster, after: CustomerPartyMaster): string[] {
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => k !== 'customerId');
  return keys.filter((k) => !sameValue(a[k], b[k])).sort();
}

export interface GoldenEventPlan {
  event: PublishInput | null;
  changeType: string;
  /** Golden fields whose values changed (every field for a new, restored or merged golden record). */
  changed: GoldenField[];
}

/** The golden topic's event for one changed golden record; null when nothing a consumer sees changed. */
export function planGoldenEvent(
  topic: string,
  first: { before: CustomerPartyMaster | null; beforeStatus: string | null },
  current: GoldenRow,
  mergedIn: string[],
  members: Array<{ system: string; id: string }>,
): GoldenEventPlan {
  const id = current.golden_id;
  const origin = {
    system: MDM_SYSTEM,
    documentId: `${id}@${current.version}`,
    changeOrigin: 'eai-mdm',
    changedBy: null,
  };
  const occurredAt = new Date(current.updated_at);
  if (current.status === 'deleted') {
    // Every source record of the customer was deleted: a tombstone of the golden record (not a Kafka tombstone:
    // the event says so, and the id keeps resolving).
    return {
      changeType: 'DELETED',
      changed: [],
      event: {
        schema: 'CustomerEvent',
        topic,
        key: id,
        value: {
          changeType: 'DELETED',
          changedFields: ['status'],
          clearedFields: [],
          mergedIds: [],
          occurredAt,
          origin,
          customer: { customerId: id, sourceIds: [], status: 'DELETED' },
        },
      },
    };
  }
  if (current.status === 'merged' || !current.record) {
    // A merged id: its key says where the customer lives now (compaction keeps this last word per id).
    const survivor = current.merged_into ?? id;
    return {
      changeType: 'MERGED',
      changed: [],
      event: {
        schema: 'CustomerEvent',
        topic,
        key: id,
        value: {
          changeType: 'MERGED',
          changedFields: [],
          clearedFields: [],
          mergedIds: [id],
          occurredAt,
          origin,
          customer: { customerId: survivor, sourceIds: [] },
        },
      },
    };
  }
  const after = current.record;
  const isNew = first.beforeStatus === null;
  const restored = first.beforeStatus === 'merged' || first.beforeStatus === 'deleted';
  const changeType = isNew ? 'CREATED' : restored ? 'UNDELETED' : mergedIn.length > 0 ? 'MERGED' : 'UPDATED';
  const keys = changeType === 'UPDATED' && first.before ? changedKeys(first.before, after) : [];
  const changed =
    changeType === 'UPDATED' && first.before
      ? GOLDEN_FIELDS.filter((f) => keys.includes(f))
      : [...GOLDEN_FIELDS];
  if (changeType === 'UPDATED' && keys.every((k) => k === 'updatedAt')) {
    return { event: null, changeType, changed: [] };
  }
  return {
    changeType,
    changed,
    event: {
      schema: 'CustomerEvent',
      topic,
      key: id,
      value: {
        changeType,
        changedFields: changeType === 'UPDATED' ? keys : [],
        clearedFields: [],
        mergedIds: mergedIn,
        occurredAt,
        origin,
        customer: avroCustomer(after, {
          customerId: id,
          sourceIds: members.map((m) => ({ system: m.system, id: m.id, idType: null })),
        }),
      },
    },
  };
}

/**
 * The command for one system: the golden fields it does not hold yet. What it holds is what the hub last sent
 * there (`sync_sent`) or else its record as last received; a system the hub has not written to for this golden
 * record yet (or a new, restored or merged golden record) is compared on every field, later ones only on the
 * fields that changed. The system where an edit was made already holds the new value and gets nothing. A record that
 * does not carry the golden id yet where its system keeps it is also sent the id (`customerId`), alone if need be.
 */
export function planCommand(options: {
  topic: string;
  system: string;
  create: boolean;
  current: GoldenRow & { record: CustomerPartyMaster };
  plan: GoldenEventPlan;
  member: MemberRow | undefined;
  sent: SentRow | undefined;
  /** Fields the system's own edit of which lost survivorship (writeback.ts): compared whatever changed. */
  lost?: readonly string[];
  /** Where the system keeps the golden id (config.ts `goldenIdTypeOf`); by default the built-in one. */
  goldenIdType?: string | null;
}): SyncCommand | null {
  const { system, current, plan, member, sent } = options;
  if (!member && !options.create) return null;
  const id = current.golden_id;
  const golden = current.record as unknown as Record<string, unknown>;
  const firstContact = !sent || sent.source_id !== (member?.source_id ?? null);
  const lost = options.lost ?? [];
  const candidates =
    plan.changeType === 'UPDATED' && !firstContact
      ? GOLDEN_FIELDS.filter((f) => plan.changed.includes(f) || lost.includes(f))
      : [...GOLDEN_FIELDS];
  const held = (f: string) =>
    sent && !firstContact && sent.fields.includes(f)
      ? sent.vals[f]
      : (member?.record as unknown as Record<string, unknown> | undefined)?.[f];
  const fields = candidates.filter((f) => !sameValue(held(f), golden[f]));
  // The record does not carry this golden id yet (none, or the id of a golden record merged into this one): the
  // command writes it (`customerId` among its changedFields, which the sinks' mappings write as their golden id
  // field), whatever else the system holds already, alone if need be; once, not again with each change until its
  // echo comes (`sync_sent` keeps it). Written only with a value change, it never reached a record that held every
  // golden value already (one a person made, a company beside its contact).
  const idType = goldenIdTypeOf(system, options);
  const restamp =
    !!member &&
    (staleGoldenIds(member.record, system, id, idType).length > 0 ||
      lacksGoldenId(member.record, system, id, idType)) &&
    !(sent && !firstContact && sent.vals.customerId === id);
  const vals = {
    ...Object.fromEntries(fields.map((f) => [f, golden[f] ?? null])),
    ...(restamp ? { customerId: id } : {}),
  };
  const writtenBack = fields.filter((f) => lost.includes(f));
  if (fields.length === 0 && !restamp)
    return {
      system,
      goldenId: id,
      sourceId: member?.source_id ?? null,
      fields,
      vals,
      event: null,
      writtenBack,
    };
  const ownIds = (member?.record.sourceIds ?? []).filter((s) => s.system === system);
  const event: PublishInput = {
    schema: 'CustomerEvent',
    topic: options.topic,
    key: id,
    value: {
      changeType: 'UPDATED',
      // Never empty, which would declare a full snapshot: updatedAt rides along (no sink writes it).
      changedFields: [
        ...fields.filter((f) => !isEmpty(golden[f])),
        ...(restamp ? ['customerId'] : []),
        'updatedAt',
      ],
      clearedFields: fields.filter((f) => isEmpty(golden[f])),
      mergedIds: [],
      occurredAt: new Date(current.updated_at),
      origin: {
        system: MDM_SYSTEM,
        documentId: `${id}@${current.version}`,
        changeOrigin: 'eai-mdm',
        changedBy: null,
      },
      customer: avroCustomer(current.record, {
        customerId: id,
        sourceIds: member
          ? ownIds.length > 0
            ? ownIds
            : [{ system, id: member.source_id, idType: null }]
          : [],
      }),
    },
  };
  return { system, goldenId: id, sourceId: member?.source_id ?? null, fields, vals, event, writtenBack };
}

export interface GoldenSync {
  /**
   * Published golden events, commands per system, events dead-lettered because their schema refused them, and per
   * system the commands that wrote back values its own edits had lost in survivorship (writeback.ts).
   */
  readonly counts: {
    golden: number;
    commands: Record<string, number>;
    refused: number;
    writebacks: Record<string, number>;
  };
  /** Look at the outbox now (the matcher calls it after each change). */
  kick(): void;
  /** Publishes until the outbox is empty (tests, shutdown). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startGoldenSync(options: {
  bus: Bus;
  store: MasterDataStore;
  config?: SyncConfig;
  logger?: Logger;
}): Promise<GoldenSync> {
  const { bus, store } = options;
  const config = options.config ?? store.config.sync;
  const log = options.logger ?? createLogger('masterdata-sync');
  const q = quoteSchema(store.schema);
  const pushTo = Object.entries(config.systems).filter(([, s]) => s.push);
  // Per system that creates: whether a golden record holds what the system needs for a create (config.ts).
  const createWhen = new Map(
    pushTo.flatMap(([system, s]) => {
      const text = s.create ? (s.createWhen ?? DEFAULT_CREATE_WHEN[system]) : undefined;
      return text ? [[system, jsonata(text)] as const] : [];
    }),
  );
  const canCreate = async (system: string, record: CustomerPartyMaster): Promise<boolean> => {
    const rule = createWhen.get(system);
    return rule ? satisfies(rule, record) : true;
  };
  const commandTopic = (system: string) => `${config.commandTopicPrefix}${system}`;
  await bus.provisionTopics([
    goldenCustomerTopicSpec(config.goldenTopic),
    ...pushTo.map(([system]) => customerSyncTopicSpec(commandTopic(system))),
  ]);
  const publisher: Publisher & { close(): Promise<void> } = await bus.publisher();
  // Tombstones (null values) for erasures go out through the transport itself: the publisher encodes Avro only.
  const producer = bus.transport.producer();
  await producer.connect();
  const counts: GoldenSync['counts'] = {
    golden: 0,
    commands: Object.fromEntries(pushTo.map(([s]) => [s, 0])),
    refused: 0,
    writebacks: {},
  };

  /**
   * Publishes the pass's events (acks=all), each encoded on its own: an event its schema refuses (a golden record
   * loaded or edited into a shape no CustomerEvent can carry) goes to dlq.mapping with the reason and its JSON, so
   * the others go out and the outbox moves on instead of retrying the whole pass for good. A registry or broker
   * failure still fails the pass (retried). Returns the refused events.
   */
  async function send(out: PublishInput[]): Promise<Set<PublishInput>> {
    const refused = new Set<PublishInput>();
    const records: PreparedRecord[] = [];
    const letters: OutgoingRecord[] = [];
    // The pass encoded whole, as before; event by event only once the schema refused one of them.
    try {
      records.push(...(await publisher.prepare(out)));
    } catch (error) {
      if (isRetriable(error)) throw error;
    }
    for (const event of records.length > 0 ? [] : out) {
      try {
        records.push(...(await publisher.prepare([event])));
      } catch (error) {
        if (isRetriable(error)) throw error;
        refused.add(event);
        const goldenId = (event.value as { customer?: { customerId?: string } }).customer?.customerId ?? '';
        letters.push(
          deadLetterRecord(
            DLQ_TOPICS.mapping,
            {
              topic: event.topic ?? config.goldenTopic,
              partition: -1,
              offset: '-1',
              timestamp: String(Date.now()),
              key: Buffer.from(goldenId),
              value: Buffer.from(JSON.stringify(event.value)),
              headers: { 'eai.golden.id': Buffer.from(goldenId) },
            },
            { stage: 'VALUE_CONVERTER', owner: 'mdm-golden-sync', error, attempts: 1 },
          ),
        );
        log.error(
          { goldenId, topic: event.topic, err: errorMessage(error), dlq: DLQ_TOPICS.mapping },
          'golden record cannot be published: dead-lettered, the sync goes on',
        );
      }
    }
    await producer.send([...records, ...letters]);
    countPublished(records);
    return refused;
  }

  /** A pair of one of the golden record's records with a record of another golden record waits in the steward queue. */
  const PENDING_PAIR = (golden: string) => `
    exists (select 1 from ${q}.source_record ra
              join ${q}.match_pair mp on mp.a_system = ra.system and mp.a_id = ra.source_id
               and mp.status in ('review', 'held')
              join ${q}.source_record rb on rb.system = mp.b_system and rb.source_id = mp.b_id
             where ra.golden_id = ${golden} and rb.golden_id is distinct from ${golden})
    or exists (select 1 from ${q}.source_record rb
              join ${q}.match_pair mp on mp.b_system = rb.system and mp.b_id = rb.source_id
               and mp.status in ('review', 'held')
              join ${q}.source_record ra on ra.system = mp.a_system and ra.source_id = mp.a_id
             where rb.golden_id = ${golden} and ra.golden_id is distinct from ${golden})`;

  /**
   * Whether a create of the golden record in the system waits for the steward (config `createInReview`): held, it
   * is kept in sync_held_create (migration 019) until releaseHeldCreates finds no pair of it left in the queue.
   */
  async function holdForReview(
    client: Client,
    goldenId: string,
    system: string,
    known: Map<string, boolean>,
  ): Promise<boolean> {
    let pending = known.get(goldenId);
    if (pending === undefined) {
      pending =
        (await client.query(`select ${PENDING_PAIR('$1')} as pending`, [goldenId])).rows[0]?.pending === true;
      known.set(goldenId, pending);
    }
    if (!pending) return false;
    const held = await client.query(
      `insert into ${q}.sync_held_create (golden_id, system) values ($1, $2) on conflict do nothing`,
      [goldenId, system],
    );
    if ((held.rowCount ?? 0) > 0)
      log.info({ goldenId, system }, 'create held: the golden record waits in the steward queue');
    return true;
  }

  /**
   * Creates held for review whose golden record has no pair left in the steward queue go out now: a write-back
   * naming the system with no fields (writeback.ts queueOutbox), which plans the create as a first contact. A golden
   * record merged or deleted meanwhile is only let go.
   */
  async function releaseHeldCreates(client: Client): Promise<void> {
    const released = (
      await client.query<{ golden_id: string; system: string; active: boolean }>(
        `delete from ${q}.sync_held_create h
          where not exists (select 1 from ${q}.golden g where g.golden_id = h.golden_id and g.status = 'active'
                              and (${PENDING_PAIR('h.golden_id')}))
         returning h.golden_id, h.system,
                   exists (select 1 from ${q}.golden g where g.golden_id = h.golden_id and g.status = 'active') as active`,
      )
    ).rows.filter((r) => r.active);
    if (released.length === 0) return;
    const queued = new Map<string, WriteBack>();
    for (const r of released) queued.set(r.golden_id, { ...queued.get(r.golden_id), [r.system]: [] });
    await queueOutbox(client, store.schema, queued);
    log.info({ creates: released.length }, 'creates held for the steward released');
  }

  async function runOnce(): Promise<number> {
    const client = await store.pool.connect();
    try {
      await client.query('begin');
      // The matcher's lock: an echo of what this pass sends is classified only after sync_sent is committed.
      await store.lock(client);
      await releaseHeldCreates(client);
      const rows = (
        await client.query<OutboxRow>(
          `select seq, golden_id, before, before_status, writeback from ${q}.golden_outbox order by seq limit $1
             for update skip locked`,
          [config.batchSize],
        )
      ).rows;
      // Erasures first: their tombstones and commands wait for nothing else.
      const erased = await publishErasureOutbox({
        client,
        schema: store.schema,
        config,
        producer,
        preparer: publisher,
        limit: config.batchSize,
      });
      if (rows.length === 0) {
        await client.query('commit');
        if (erased > 0) log.info({ rows: erased }, 'erasure tombstones and commands published');
        return erased;
      }
      const first = new Map<string, { before: CustomerPartyMaster | null; beforeStatus: string | null }>();
      for (const r of rows)
        if (!first.has(r.golden_id))
          first.set(r.golden_id, { before: r.before, beforeStatus: r.before_status });
      // Per golden record, per system: the fields its own edits lost in survivorship, to send back there.
      const lost = new Map<string, Map<string, Set<string>>>();
      for (const r of rows)
        for (const [system, fields] of Object.entries(r.writeback ?? {})) {
          const bySystem = lost.get(r.golden_id) ?? new Map<string, Set<string>>();
          lost.set(r.golden_id, bySystem);
          bySystem.set(system, new Set([...(bySystem.get(system) ?? []), ...fields]));
        }
      const ids = [...first.keys()];
      const goldens = (
        await client.query<GoldenRow>(
          `select golden_id, record, status, merged_into, version, updated_at from ${q}.golden
            where golden_id = any($1::text[])`,
          [ids],
        )
      ).rows;
      const members = (
        await client.query<MemberRow>(
          `select system, source_id, golden_id, record from ${q}.source_record where golden_id = any($1::text[])
            order by system, source_id`,
          [ids],
        )
      ).rows;
      // A merge carries what the hub sent for the ids it absorbed over to the survivor, for the systems the
      // survivor has no row of: a create still waiting for its echo (source id null) is not made again under the
      // new id, and what a system holds is compared with what the hub last wrote there.
      // Only when the batch holds a merged id: no statement for the usual batch of changes.
      const absorbed = goldens.filter((g) => g.status === 'merged' && g.merged_into);
      if (absorbed.length > 0)
        await client.query(
          `update ${q}.sync_sent s set golden_id = m.survivor
             from unnest($1::text[], $2::text[]) as m(absorbed, survivor)
            where s.golden_id = m.absorbed
              and not exists (select 1 from ${q}.sync_sent t where t.golden_id = m.survivor and t.system = s.system
                                 and coalesce(t.source_id, '') = coalesce(s.source_id, ''))`,
          [absorbed.map((g) => g.golden_id), absorbed.map((g) => g.merged_into)],
        );
      // A record's row the survivor has already (written to it under the survivor since): the absorbed one is older
      // and describes the record no more.
      if (absorbed.length > 0)
        await client.query(
          `delete from ${q}.sync_sent where golden_id = any($1::text[]) and source_id is not null`,
          [absorbed.map((g) => g.golden_id)],
        );
      const sent = (
        await client.query<SentRow>(
          `select golden_id, system, source_id, fields, vals, pending from ${q}.sync_sent
            where golden_id = any($1::text[])`,
          [ids],
        )
      ).rows;
      const events: PublishInput[] = [];
      const commands: SyncCommand[] = [];
      const inReview = new Map<string, boolean>();
      for (const current of goldens) {
        const id = current.golden_id;
        const mergedIn = goldens
          .filter((g) => g.status === 'merged' && g.merged_into === id)
          .map((g) => g.golden_id);
        const own = members.filter((m) => m.golden_id === id);
        const plan = planGoldenEvent(
          config.goldenTopic,
          first.get(id) ?? { before: null, beforeStatus: null },
          current,
          mergedIn,
          own.map((m) => ({ system: m.system, id: m.source_id })),
        );
        const writeBack = lost.get(id);
        if (!plan.event && !writeBack) continue;
        if (plan.event) events.push(plan.event);
        if (current.status !== 'active' || !current.record) continue;
        for (const [system, settings] of pushTo) {
          // Unchanged golden values go only to the systems whose edits of them lost.
          if (!plan.event && !writeBack?.has(system)) continue;
          // Every record the system holds of the customer gets the golden values, each by its own id (a HubSpot
          // contact and company, two Odoo partners: each written by its own mapping, as its ids say what it is),
          // compared with what that record holds; none: a create by the golden id, when the system creates.
          const inSystem = own.filter((m) => m.system === system);
          // Not created until the record holds what the system requires: no command and no sync_sent row, so
          // the change that completes it is the first contact and sends every value.
          const create =
            settings.create &&
            inSystem.length === 0 &&
            (await canCreate(system, current.record as CustomerPartyMaster)) &&
            (settings.createInReview || !(await holdForReview(client, id, system, inReview)));
          for (const member of inSystem.length > 0 ? inSystem : [undefined]) {
            const command = planCommand({
              topic: commandTopic(system),
              system,
              create,
              current: current as GoldenRow & { record: CustomerPartyMaster },
              plan,
              member,
              sent: sent.find(
                (s) =>
                  s.golden_id === id && s.system === system && s.source_id === (member?.source_id ?? null),
              ),
              lost: [...(writeBack?.get(system) ?? [])],
              goldenIdType: goldenIdTypeOf(system, settings),
            });
            if (command) commands.push(command);
          }
        }
      }
      const out = [...events, ...commands.flatMap((c) => (c.event ? [c.event] : []))];
      const refused = out.length > 0 ? await send(out) : new Set<PublishInput>();
      for (const c of commands) {
        if (c.event && refused.has(c.event)) continue; // not sent: not recorded as what the system holds
        // One row per record the command went to (migration 018), what was sent before to it kept beside; each value
        // sent is on its way until an echo of it, or of a later one, comes back (migration 020).
        const before = sent.find(
          (s) => s.golden_id === c.goldenId && s.system === c.system && s.source_id === c.sourceId,
        );
        await client.query(
          `insert into ${q}.sync_sent (golden_id, system, source_id, fields, vals, pending)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (golden_id, system, (coalesce(source_id, ''))) do update set
             fields = array(select distinct f from unnest(${q}.sync_sent.fields || excluded.fields) as f order by f),
             vals = ${q}.sync_sent.vals || excluded.vals, pending = excluded.pending, sent_at = now()`,
          [
            c.goldenId,
            c.system,
            c.sourceId,
            c.fields,
            c.vals,
            pendingAfterSend(before?.pending, c.fields, c.vals),
          ],
        );
      }
      // The golden record's history: each write-back sent, its fields (not their values).
      await recordWriteBacks(
        client,
        store.schema,
        commands
          .filter((c) => c.event && !refused.has(c.event) && c.writtenBack.length > 0)
          .map((c) => ({
            goldenId: c.goldenId,
            system: c.system,
            sourceId: c.sourceId,
            fields: c.writtenBack,
          })),
      );
      await client.query(`delete from ${q}.golden_outbox where seq = any($1::bigint[])`, [
        rows.map((r) => r.seq),
      ]);
      await client.query('commit');
      counts.golden += events.filter((e) => !refused.has(e)).length;
      counts.refused += refused.size;
      for (const c of commands) {
        if (!c.event || refused.has(c.event)) continue;
        counts.commands[c.system] = (counts.commands[c.system] ?? 0) + 1;
        if (c.writtenBack.length === 0) continue;
        counts.writebacks[c.system] = (counts.writebacks[c.system] ?? 0) + 1;
        writeBacksTotal.inc({ system: c.system });
        // Ids and field names only: never the values.
        log.info(
          { goldenId: c.goldenId, system: c.system, sourceId: c.sourceId, fields: c.writtenBack },
          'edit lost survivorship: golden values written back to its system',
        );
      }
      log.debug(
        { outbox: rows.length, golden: events.length, commands: commands.filter((c) => c.event).length },
        'golden changes published',
      );
      if (erased > 0) log.info({ rows: erased }, 'erasure tombstones and commands published');
      return rows.length + erased;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  let stopped = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  // One pass at a time in this process: a flush waits for the pass under way, then drains what is left.
  let busy: Promise<void> | null = null;
  const drain = (): Promise<void> => {
    busy ??= (async () => {
      while ((await runOnce()) > 0) {
        /* until the outbox is empty */
      }
    })().finally(() => {
      busy = null;
    });
    return busy;
  };
  // While PostgreSQL or Kafka is away the pass fails every pollMs: said when it starts, every minute, and when it heals.
  const passes = new RepeatedFailure(log, {
    failed: 'golden sync pass failed; retrying',
    healed: 'golden sync passes again',
  });
  const loop = async () => {
    while (!stopped) {
      try {
        await drain();
        passes.healed();
      } catch (error) {
        // The rows stay in the outbox and are published on the next pass.
        passes.failed(error);
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, config.pollMs);
      });
      clearTimeout(timer);
      wake = undefined;
    }
  };
  const looping = loop();
  return {
    counts,
    kick: () => wake?.(),
    async flush() {
      await busy?.catch(() => undefined);
      await drain();
    },
    async stop() {
      stopped = true;
      wake?.();
      await looping;
      await publisher.close();
      await producer.disconnect();
    },
  };
}
