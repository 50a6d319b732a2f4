import { errorMessage, isOutage, isRetriable, NonRetriableError } from '../lib/errors.ts';
import type { FailureStage } from './dlq.ts';
import { type EventAttributes, fromHeaders } from './envelope.ts';
import type { IncomingRecord } from './transport/types.ts';

/**
 * The consumer runner's rules (runner.ts) on plain values: what a record read is, the event its handler receives,
 * whether a failed attempt is retried, and how a record ends (committed, dead-lettered first, or left uncommitted).
 * runner.ts only wires them to the transport; its behaviour on the real broker: runner.int.spec.ts.
 */

/** What a handler receives: the decoded canonical value, its envelope and where it came from. */
export interface ConsumedEvent {
  value: unknown;
  schemaName: string;
  key: string | null;
  attributes: Partial<EventAttributes>;
  record: IncomingRecord;
}

/**
 * What a record read is: a `tombstone` (a null value: on a compacted topic a key's deletion marker, an erased golden
 * customer; no event), a `json` CloudEvent (`content-type: application/json`: receipts, alerts, among the Avro ones)
 * or an `avro` one, which the serde decodes.
 */
export type RecordKind = 'tombstone' | 'json' | 'avro';

export function recordKind(record: Pick<IncomingRecord, 'value' | 'headers'>): RecordKind {
  if (record.value === null) return 'tombstone';
  return record.headers['content-type']?.toString('utf8') === 'application/json' ? 'json' : 'avro';
}

/**
 * A JSON CloudEvent's value parsed, its `ce_type` standing for the schema name; a value that is no JSON is refused
 * for good (NonRetriableError: no retry parses it), saying so.
 */
export function decodeJson(record: Pick<IncomingRecord, 'value' | 'headers'>): {
  schemaName: string;
  value: unknown;
} {
  try {
    return {
      schemaName: record.headers.ce_type?.toString('utf8') ?? '',
      value: JSON.parse(record.value?.toString('utf8') ?? ''),
    };
  } catch (error) {
    throw new NonRetriableError(`cannot decode JSON value: ${errorMessage(error)}`, { cause: error });
  }
}

/** The event a handler receives for a decoded record: its key as text (null without one) and its envelope. */
export function consumedEvent(
  record: IncomingRecord,
  decoded: { schemaName: string; value: unknown },
): ConsumedEvent {
  return {
    value: decoded.value,
    schemaName: decoded.schemaName,
    key: record.key?.toString('utf8') ?? null,
    attributes: fromHeaders(record.headers).attributes,
    record,
  };
}

/**
 * What a handler's failed attempt leads to: `retry` spends one of the `budget` retries (`spent` so far); `wait-out`
 * retries without spending one (`waitOutOutages` and a failure that says a service is away, isOutage); `give-up` when
 * the member is leaving (a rebalance or a stop): the record is left uncommitted, not dead-lettered; `dead-letter` for
 * a failure no retry can help (not retriable), once `until` (retryForMs) has passed, or once the budget is spent.
 */
export type RetryVerdict = 'retry' | 'wait-out' | 'give-up' | 'dead-letter';

export function retryVerdict(
  error: unknown,
  state: {
    leaving: boolean;
    now: number;
    until?: number;
    waitOutOutages?: boolean;
    spent: number;
    budget: number;
  },
): RetryVerdict {
  if (!isRetriable(error)) return 'dead-letter';
  if (state.leaving) return 'give-up';
  if (state.until !== undefined && state.now >= state.until) return 'dead-letter';
  if (state.waitOutOutages && isOutage(error)) return 'wait-out';
  return state.spent + 1 <= state.budget ? 'retry' : 'dead-letter';
}

/**
 * A sink retries until applied: an outage of an hour is hundreds of attempts. Logged at info are the 1st, 2nd, 4th,
 * 8th… (the status counts every one); the others at debug.
 */
export function retryLogLevel(attempt: number): 'info' | 'debug' {
  return (attempt & (attempt - 1)) === 0 ? 'info' : 'debug';
}

/** How far a record got: skipped as a tombstone, its decode failed, its handler failed, or its handler ended. */
export type RecordStep =
  | { tombstone: true }
  | { decodeError: unknown }
  | { handlerError: unknown }
  /** False: the handler's retries were given up for a rebalance or a stop. */
  | { handled: boolean };

/**
 * How a record ends, counted by `outcome` (eai_bus_events_consumed_total): `ok` and `tombstone` are committed;
 * `dead_lettered` goes to the dead-letter topic with the stage that failed and its attempts (those the retries spent,
 * else 1), and is committed only once that write succeeded; `given_up` is left uncommitted, not dead-lettered, for
 * whoever holds the partition next.
 */
export type RecordEnd =
  | { outcome: 'ok' | 'tombstone'; commit: true }
  | { outcome: 'dead_lettered'; commit: true; stage: FailureStage; attempts: number }
  | { outcome: 'given_up'; commit: false };

export function recordEnd(step: RecordStep): RecordEnd {
  if ('tombstone' in step) return { outcome: 'tombstone', commit: true };
  if ('decodeError' in step)
    return {
      outcome: 'dead_lettered',
      commit: true,
      stage: 'VALUE_CONVERTER',
      attempts: attemptsOf(step.decodeError),
    };
  if ('handlerError' in step)
    return {
      outcome: 'dead_lettered',
      commit: true,
      stage: 'TASK_PUT',
      attempts: attemptsOf(step.handlerError),
    };
  return step.handled ? { outcome: 'ok', commit: true } : { outcome: 'given_up', commit: false };
}

/** The attempts a failure took: lib/retry.ts's withRetry sets them on the error it throws last; one without. */
function attemptsOf(error: unknown): number {
  const attempts = (error as { attempts?: unknown } | null)?.attempts;
  return typeof attempts === 'number' && attempts >= 1 ? attempts : 1;
}
