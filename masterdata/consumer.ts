/**
 * The incremental matcher on `canonical.customer`: each CustomerEvent is matched and merged as it arrives, one
 * record at a time, in its own PostgreSQL transaction; the bus's runner commits the Kafka offset only after the
 * handler returned, so after the database commit. A redelivered event finds its record unchanged and does
 * nothing. Partial updates (changedFields) are applied onto the record last received from that system.
 */
import type { Bus, ConsumerRunner } from '../bus/index.ts';
import { NonRetriableError } from '../lib/errors.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import type { CustomerEvent, CustomerPartyMaster } from '../schemas/types.generated.ts';
import { type MasterDataStore, type Outcome, sourceIdOf } from './store.ts';

export interface CustomerMatcher extends ConsumerRunner {
  /** Events handled so far, by outcome; `skipped` for change types the matcher does not act on yet. */
  readonly counts: Record<Outcome | 'skipped', number>;
  /** Per source system: events handled since start and when the last one arrived (ISO 8601). */
  readonly received: Map<string, { events: number; lastAt: string }>;
}

/** Top-level canonical field of a path such as `addresses[0].city`. */
const topField = (path: string) => path.split(/[.[]/)[0] ?? path;

/** The record to match: the event's customer, or, for a partial update, the stored record with the changes on it. */
export async function recordOf(store: MasterDataStore, event: CustomerEvent): Promise<CustomerPartyMaster> {
  const system = event.origin.system;
  const changed = event.changedFields ?? [];
  const cleared = event.clearedFields ?? [];
  if (changed.length === 0 && cleared.length === 0) return event.customer;
  const previous = await store.sourceRecord(system, sourceIdOf(system, event.customer));
  if (!previous) return event.customer;
  const next: Record<string, unknown> = { ...previous };
  const incoming = event.customer as unknown as Record<string, unknown>;
  for (const field of new Set(changed.map(topField))) next[field] = incoming[field] ?? null;
  for (const field of new Set(cleared.map(topField))) next[field] = Array.isArray(next[field]) ? [] : null;
  if (event.customer.updatedAt) next.updatedAt = event.customer.updatedAt;
  return next as unknown as CustomerPartyMaster;
}

export async function startCustomerMatcher(options: {
  bus: Bus;
  store: MasterDataStore;
  groupId?: string;
  topic?: string;
  fromBeginning?: boolean;
  logger?: Logger;
}): Promise<CustomerMatcher> {
  const log = options.logger ?? createLogger('masterdata');
  const counts: CustomerMatcher['counts'] = {
    new: 0,
    merged: 0,
    review: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
  };
  const received: CustomerMatcher['received'] = new Map();
  const runner = await options.bus.consume({
    groupId: options.groupId ?? 'eai-masterdata',
    topics: [options.topic ?? 'canonical.customer'],
    dlqTopic: 'dlq.orchestrator',
    fromBeginning: options.fromBeginning,
    handler: async (consumed) => {
      if (!consumed.schemaName.endsWith('CustomerEvent')) {
        throw new NonRetriableError(`expected a CustomerEvent, got ${consumed.schemaName}`);
      }
      const event = consumed.value as CustomerEvent;
      const seen = received.get(event.origin.system);
      received.set(event.origin.system, {
        events: (seen?.events ?? 0) + 1,
        lastAt: new Date().toISOString(),
      });
      // Deletes, merges announced by a source and resync requests are not acted on yet (README: not done).
      if (!['CREATED', 'UPDATED', 'STATUS_CHANGED', 'UNDELETED'].includes(event.changeType)) {
        counts.skipped++;
        return;
      }
      const result = await options.store.upsert(event.origin.system, await recordOf(options.store, event));
      counts[result.outcome]++;
      // Ids and outcome only: never names, emails or phones in logs.
      log.debug(
        {
          system: result.system,
          sourceId: result.sourceId,
          goldenId: result.goldenId,
          outcome: result.outcome,
        },
        'customer matched',
      );
    },
  });
  return Object.assign(runner, { counts, received });
}
