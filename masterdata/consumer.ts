/**
 * The incremental matcher on `canonical.customer`: each CustomerEvent is matched and merged as it arrives. The bus
 * hands the matcher up to `batch` events at once (its `concurrency`: one record's events stay in order), and the
 * changes among them are matched together in one PostgreSQL transaction (lib/group-commit.ts, match-events.ts): one
 * event alone is matched at once, and under load each transaction takes all that came meanwhile, as `eai mdm load`
 * does, instead of a transaction and a commit per event. The bus's runner commits an event's Kafka offset only after
 * its handler returned, so after the database commit. A redelivered event finds its record unchanged and does
 * nothing. Partial updates (changedFields) are applied onto the record last received from that system.
 */
import type { Bus, ConsumerRunner } from '../bus/index.ts';
import { NonRetriableError } from '../lib/errors.ts';
import { groupCommit } from '../lib/group-commit.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { counter } from '../lib/metrics.ts';
import type { CustomerEvent, CustomerPartyMaster } from '../schemas/types.generated.ts';
import { confirmErasure, erasureOfRecord } from './erasure.ts';
import { type EventJob, type EventOutcome, eventJobKey, matchEvents } from './match-events.ts';
import { clearResyncRequests, entityOfRequest, recordResyncRequest } from './resync.ts';
import { type MasterDataStore, type Outcome, sourceIdOf } from './store.ts';
import { applyEvent, MDM_SYSTEM } from './sync/index.ts';
import { applySystemMerge, mergedAway } from './system-merge.ts';

export interface CustomerMatcher extends ConsumerRunner {
  /**
   * Events handled so far, by outcome; `echo` for the systems' echoes of the hub's own writes (sync/changes.ts),
   * `deleted` for source records removed, `erased` for events of records erased (the systems' deletes coming
   * back, and changes still on their way: expected, dropped), `skipped` for change types the matcher does not
   * act on yet, deletes of records it never held and the hub's own events; `resync` for the systems' requests to
   * re-read a record or an entity (RESYNC_REQUESTED: kept open for sync health, resync.ts).
   */
  readonly counts: Record<Outcome | 'echo' | 'deleted' | 'skipped' | 'resync', number>;
  /**
   * Per source system: events handled since start, and the latest time one of them reached the bus (its Kafka
   * record's timestamp, ISO 8601; the handling time for a record without one). Not when the hub handled it: after a
   * restart or a backlog, that is the hub's time, not the system's. The latest, so a replay of older events does not
   * move it back.
   */
  readonly received: Map<string, { events: number; lastAt: string }>;
  /**
   * Per partition of the topic: the Kafka timestamp (epoch ms, when it was written) of the last record handled. A
   * partition's next record was written at that time or later, so now minus it bounds from above how long its oldest
   * unmatched change has waited (sync health's `backlogSeconds`).
   */
  readonly handledRecordTimes: Map<number, number>;
  /** When the matcher started (epoch ms). */
  readonly startedAt: number;
  /** Transactions of changes matched together so far, and the changes in them (their mean is the batch size). */
  readonly transactions: { count: number; changes: number };
}

/** The matcher's metrics (`/metrics`), beside its counts and sync health's gauges (ops/sync-health.ts). */
const matcherMetrics = {
  events: counter({
    name: 'eai_mdm_events_total',
    help: 'Customer events the matcher handled, by outcome (new, merged, review, updated, unchanged, echo, deleted, erased, skipped, resync).',
    labelNames: ['outcome'],
  }),
  transactions: counter({
    name: 'eai_mdm_match_transactions_total',
    help: 'Transactions the matcher matched customer changes in (several at once under load: matcher.batch).',
  }),
  changes: counter({
    name: 'eai_mdm_match_changes_total',
    help: 'Customer changes matched in those transactions; over eai_mdm_match_transactions_total, the changes a transaction.',
  }),
};

/** The record to match: the event's customer, or, for a partial update, the stored record with the changes on it. */
export async function recordOf(store: MasterDataStore, event: CustomerEvent): Promise<CustomerPartyMaster> {
  const system = event.origin.system;
  return applyEvent(await store.sourceRecord(system, sourceIdOf(system, event.customer)), event);
}

export async function startCustomerMatcher(options: {
  bus: Bus;
  store: MasterDataStore;
  groupId?: string;
  topic?: string;
  fromBeginning?: boolean;
  logger?: Logger;
  /** Called after each change that may have changed golden records (the sync relay's `kick`). */
  onChange?: () => void;
  /**
   * Most events in hand at once, and so most changes matched in one transaction; default the config's
   * `matcher.batch` (500, as `eai mdm load`'s batches); 1 matches one event at a time.
   */
  batch?: number;
}): Promise<CustomerMatcher> {
  const log = options.logger ?? createLogger('masterdata');
  const { store } = options;
  const counts: CustomerMatcher['counts'] = {
    new: 0,
    merged: 0,
    review: 0,
    updated: 0,
    unchanged: 0,
    erased: 0,
    echo: 0,
    deleted: 0,
    skipped: 0,
    resync: 0,
  };
  const received: CustomerMatcher['received'] = new Map();
  const handledRecordTimes: CustomerMatcher['handledRecordTimes'] = new Map();
  const startedAt = Date.now();
  const tally = (outcome: keyof CustomerMatcher['counts']) => {
    counts[outcome]++;
    matcherMetrics.events.inc({ outcome });
  };
  const batch = Math.max(1, Math.floor(options.batch ?? store.config.matcher.batch));
  const transactions = { count: 0, changes: 0 };
  const edits = groupCommit<EventJob, EventOutcome>({
    run: (jobs) => store.transaction((client) => matchEvents(store, client, jobs)),
    key: eventJobKey,
    maxBatch: batch,
    onBatch: (size) => {
      transactions.count++;
      transactions.changes += size;
      matcherMetrics.transactions.inc();
      matcherMetrics.changes.inc(size);
    },
  });
  const runner = await options.bus.consume({
    groupId: options.groupId ?? 'eai-masterdata',
    topics: [options.topic ?? 'canonical.customer'],
    dlqTopic: 'dlq.orchestrator',
    fromBeginning: options.fromBeginning,
    // The master data database restarting is waited out, not a reason to dead-letter the customers meanwhile.
    retry: { waitOutOutages: true },
    concurrency: batch,
    handler: async (consumed) => {
      if (!consumed.schemaName.endsWith('CustomerEvent')) {
        throw new NonRetriableError(`expected a CustomerEvent, got ${consumed.schemaName}`);
      }
      const event = consumed.value as CustomerEvent;
      // Events in hand at once end in any order: the latest time handled stands.
      const { partition, timestamp } = consumed.record;
      handledRecordTimes.set(partition, Math.max(handledRecordTimes.get(partition) ?? 0, Number(timestamp)));
      // Its time on the bus: when the system's change reached the hub, whenever the hub handles it.
      const arrivedAt = Number(timestamp) > 0 ? new Date(Number(timestamp)).toISOString() : undefined;
      const seen = received.get(event.origin.system);
      const at = arrivedAt ?? new Date().toISOString();
      received.set(event.origin.system, {
        events: (seen?.events ?? 0) + 1,
        lastAt: seen && seen.lastAt > at ? seen.lastAt : at,
      });
      // The hub's own events (golden records, commands) are no source's.
      if (
        ![
          'CREATED',
          'UPDATED',
          'STATUS_CHANGED',
          'UNDELETED',
          'DELETED',
          'RESYNC_REQUESTED',
          'MERGED',
        ].includes(event.changeType) ||
        event.origin.system === MDM_SYSTEM
      ) {
        tally('skipped');
        return;
      }
      const system = event.origin.system;
      const sourceId = sourceIdOf(system, event.customer);
      if (event.changeType === 'RESYNC_REQUESTED') {
        // The system lost changes of the record (or of a whole entity, `<Entity>:*`): the hub cannot re-read it, so
        // the request stays open, in sync health, until a full snapshot or a reconcile with --repair answers it.
        const entity = entityOfRequest(sourceId);
        const id = entity ? sourceId : await store.storedId(system, sourceId);
        if (!entity && (await erasureOfRecord(store.pool, store.schema, system, id))) {
          tally('erased');
          log.debug({ system, sourceId: id }, 'resync request of an erased customer dropped');
          return;
        }
        const { offset } = consumed.record;
        const eventId = consumed.attributes.id ?? `${partition}:${offset}`;
        await recordResyncRequest(store.pool, store.schema, { system, sourceId: id, eventId });
        tally('resync');
        log.info(
          entity ? { system, entity } : { system, sourceId: id },
          entity
            ? 'system asked for every record of an entity to be re-read (reconcile it)'
            : 'system asked for a record to be re-read (reconcile it)',
        );
        return;
      }
      if (event.changeType === 'DELETED') {
        // The hub deletes in the systems only to erase a customer (erasure.ts), and it holds nothing of an erased
        // record any more: a delete of a record it holds is always the system's own.
        const removed = await store.removeSource(system, sourceId, store.config.sync.deletes.lastMember);
        // Gone in the system: nothing is left there to re-read.
        await clearResyncRequests(store.pool, store.schema, [{ system, sourceId }]);
        if (removed.outcome === 'unknown') {
          const erasure = await erasureOfRecord(store.pool, store.schema, system, sourceId);
          if (erasure) {
            // The system's delete of an erased record: its part of the erasure is done.
            await confirmErasure(store.pool, store.schema, erasure, system);
            tally('erased');
            log.debug({ system, sourceId, erasure }, 'erased customer: delete confirmed');
            return;
          }
        }
        tally(removed.outcome === 'unknown' ? 'skipped' : 'deleted');
        if (removed.outcome !== 'unknown') options.onChange?.();
        log.debug(
          { system, sourceId, goldenId: removed.goldenId, outcome: removed.outcome },
          'customer deleted',
        );
        return;
      }
      // Classified and matched under the matcher's lock, which the sync relay holds while it publishes (what it sent
      // is committed before the echo of it is looked at), together with the other changes in hand (match-events.ts).
      // Its time on the bus: the later of two changes whose own times tie at their clocks' precision wins, and the
      // record's last received (source_record.received_at).
      // A merge made in the system (system-merge.ts): the survivor's record as an update, then the records merged away
      // leave and their golden records' other members join the survivor's.
      const merged = event.changeType === 'MERGED' ? mergedAway(system, sourceId, event.mergedIds ?? []) : [];
      const { change, result, idsOnly } = await edits.submit({
        event: event.changeType === 'MERGED' ? { ...event, changeType: 'UPDATED' } : event,
        system,
        sourceId,
        arrivedAt,
      });
      if (merged.length) {
        const { joined, removed } = await applySystemMerge(store, system, sourceId, merged);
        if (joined + removed > 0) options.onChange?.();
        log.info(
          { system, sourceId, merged: merged.length, joined, removed },
          'merge made in the system applied',
        );
      }
      if (!change) {
        tally('erased');
        log.debug({ system, sourceId }, 'change of an erased customer dropped');
        return;
      }
      if (change.kind === 'echo') tally('echo');
      if (idsOnly) {
        tally('skipped');
        log.debug({ system, sourceId }, 'customer of ids alone: no golden record until a change brings data');
        return;
      }
      if (!result) return;
      if (change.kind === 'edit') tally(result.outcome);
      if (result.outcome !== 'unchanged') options.onChange?.();
      // Ids and outcome only: never names, emails or phones in logs.
      log.debug(
        {
          system: result.system,
          sourceId: result.sourceId,
          goldenId: result.goldenId,
          outcome: result.outcome,
          change: change.kind,
          echoBy: change.by,
          fields: change.fields,
        },
        'customer matched',
      );
    },
  });
  return Object.assign(runner, { counts, received, handledRecordTimes, startedAt, transactions });
}
