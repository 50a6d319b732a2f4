import { logSafeMessage, RetriableError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { defaultRetry, type RetryOptions, withRetry } from '../lib/retry.ts';
import { deadLetterRecord, type FailureStage } from './dlq.ts';
import { busMetrics } from './metrics.ts';
import {
  type ConsumedEvent,
  consumedEvent,
  decodeJson,
  type RecordEnd,
  recordEnd,
  recordKind,
  retryLogLevel,
  retryVerdict,
} from './runner-decisions.ts';
import type { AvroSerde } from './serde.ts';
import type { IncomingRecord, RecordContext, Transport } from './transport/types.ts';

/** How often a handler that holds a record tells the group it is alive (kafkajs sends at most one per interval). */
const KEEP_ALIVE_MS = 1000;

export interface ConsumerRunnerOptions {
  groupId: string;
  topics: string[];
  dlqTopic: string;
  handler: (event: ConsumedEvent) => Promise<void>;
  fromBeginning?: boolean;
  /**
   * The handler's retries; `retries: Infinity` retries a retriable failure until the handler succeeds (a sink, as
   * Kafka Connect's sinks do with a RetriableException: the partition waits, its keys stay in order), the group
   * rebalances or the runner stops; `retryForMs` then still ends them after that long (and the record is
   * dead-lettered). While a handler holds a record the member keeps its place in the group (heartbeats).
   */
  retry?: Partial<RetryOptions> & {
    retryForMs?: number;
    /**
     * A failure that says a service the handler depends on is away (lib/errors.ts isOutage: the hub's database
     * restarting, a connection refused) is retried without counting against `retries`: an outage is waited out
     * rather than dead-lettering every record that arrives during it. Other failures keep the bounded retries.
     */
    waitOutOutages?: boolean;
  };
  /** Told of each failed attempt that will be retried (a status can say "retrying since…"). */
  onRetry?: (record: IncomingRecord, error: unknown, attempt: number) => void;
  /** Told of each record sent to the dead-letter topic, after it is there (and awaited before the commit). */
  onDeadLetter?: (record: IncomingRecord, error: unknown) => void | Promise<void>;
  /**
   * Told when the consumer stopped for good (the transport's `onCrash`): nothing more is read or committed until its
   * owner starts another runner. Without it, such a crash is only logged (by the client).
   */
  onCrash?: (error: Error) => void;
  sessionTimeoutMs?: number;
  /** Records handled at once, one key's in order (the transport's `concurrency`); default 1. */
  concurrency?: number;
  logger: Logger;
}

export interface ConsumerRunner {
  /** Resolves when the consumer has joined its group. */
  ready(): Promise<void>;
  /** Stops after the record in hand is handled and committed. */
  stop(): Promise<void>;
}

/**
 * At-least-once consumption: decode, handle with bounded retries (exponential backoff with jitter), and only then
 * commit. A tombstone (null value) is no event: skipped and committed. A record that cannot be decoded, or whose handler fails for good, goes to the dead-letter topic with its
 * original bytes and error headers, and the runner goes on with the next record. Only if the dead-letter write
 * itself fails is nothing committed: the record is delivered again.
 */
export async function startConsumerRunner(
  transport: Transport,
  serde: AvroSerde,
  options: ConsumerRunnerOptions,
): Promise<ConsumerRunner> {
  const consumer = transport.consumer({
    groupId: options.groupId,
    sessionTimeoutMs: options.sessionTimeoutMs,
  });
  const producer = transport.producer();
  await Promise.all([consumer.connect(), producer.connect()]);
  const log = options.logger.child({ group: options.groupId });

  async function deadLetter(record: IncomingRecord, stage: FailureStage, error: unknown, attempts: number) {
    log.warn(
      {
        ...where(record),
        stage,
        error: logSafeMessage(error),
        attempts,
      },
      'record sent to dead-letter topic',
    );
    await producer.send([
      deadLetterRecord(options.dlqTopic, record, { stage, owner: options.groupId, error, attempts }),
    ]);
  }

  /**
   * How to give up each handler in hand: stopping ends their waits to retry (the record is not committed). A set, not
   * listeners on one AbortSignal: with hundreds in hand (`concurrency`) each listener added and removed walked the
   * signal's list (about 9 µs a record at 500 in hand).
   */
  const inHand = new Set<() => void>();

  /**
   * The handler with its retries, the member kept in its group meanwhile; resolves true once handled, false when
   * the retries were given up for a rebalance or a stop (the record is left uncommitted for whoever reads it next).
   */
  async function handle(
    record: IncomingRecord,
    context: RecordContext,
    event: ConsumedEvent,
  ): Promise<boolean> {
    const { retryForMs, waitOutOutages, ...retry } = { ...options.retry };
    const budget = retry.retries ?? defaultRetry.retries;
    let spent = 0;
    const until = retryForMs !== undefined && retryForMs >= 0 ? Date.now() + retryForMs : undefined;
    // Given up: the retries end, and the record is left uncommitted (not dead-lettered). A wait between retries
    // is cut short at once; an attempt in hand is let finish (a stop commits what it applied, as without retries).
    const givenUp = new AbortController();
    let retrying = false;
    let failedAttempts = 0;
    let leaving = false;
    const leave = () => {
      leaving = true;
      if (retrying) givenUp.abort();
    };
    inHand.add(leave);
    const beat = setInterval(() => {
      void context.keepAlive().then((holding) => {
        if (!holding) leave();
      });
    }, KEEP_ALIVE_MS);
    const started = Date.now();
    try {
      await withRetry(() => options.handler(event), {
        ...retry,
        // The budget is counted here: an outage waited out (waitOutOutages) spends none of it.
        retries: Number.POSITIVE_INFINITY,
        signal: givenUp.signal,
        shouldRetry: (error) => {
          const verdict = retryVerdict(error, {
            leaving,
            now: Date.now(),
            until,
            waitOutOutages,
            spent,
            budget,
          });
          if (verdict === 'give-up') givenUp.abort();
          if (verdict === 'retry') spent += 1;
          return verdict === 'retry' || verdict === 'wait-out';
        },
        onRetry: (error, attempt) => {
          retrying = true;
          failedAttempts = attempt;
          const level = retryLogLevel(attempt);
          log[level]({ ...where(record), attempt, error: logSafeMessage(error) }, 'handler failed, retrying');
          options.onRetry?.(record, error, attempt);
        },
      });
      if (retrying)
        log.info(
          { ...where(record), attempts: failedAttempts + 1, retriedForMs: Date.now() - started },
          'handler succeeded after retrying',
        );
      return true;
    } catch (error) {
      if (givenUp.signal.aborted) return false;
      throw error;
    } finally {
      clearInterval(beat);
      inHand.delete(leave);
    }
  }

  /** Counts the record's end; dead-letters it first (awaited: if that write fails, nothing is committed). */
  async function settle(record: IncomingRecord, end: RecordEnd, error?: unknown): Promise<void> {
    if (end.outcome === 'given_up') {
      log.info(where(record), 'retries given up for a rebalance or a stop, record left uncommitted');
      throw new RetriableError('handler retries given up: the group rebalances or the consumer stops');
    }
    if (end.outcome === 'dead_lettered') await deadLetter(record, end.stage, error, end.attempts);
    else if (end.outcome === 'tombstone') log.debug(where(record), 'tombstone skipped');
    busMetrics.eventsConsumed.inc({ group: options.groupId, outcome: end.outcome });
    if (end.outcome === 'dead_lettered') await options.onDeadLetter?.(record, error);
  }

  async function eachRecord(record: IncomingRecord, context: RecordContext): Promise<void> {
    const kind = recordKind(record);
    if (kind === 'tombstone') return settle(record, recordEnd({ tombstone: true }));
    let decoded: { schemaName: string; value: unknown };
    try {
      decoded =
        kind === 'json'
          ? decodeJson(record)
          : await withRetry(() => serde.decode(record.value), { ...options.retry });
    } catch (error) {
      return settle(record, recordEnd({ decodeError: error }), error);
    }
    let handled: boolean;
    try {
      handled = await handle(record, context, consumedEvent(record, decoded));
    } catch (error) {
      return settle(record, recordEnd({ handlerError: error }), error);
    }
    return settle(record, recordEnd({ handled }));
  }

  if (options.onCrash) consumer.onCrash(options.onCrash);
  await consumer.run({
    topics: options.topics,
    fromBeginning: options.fromBeginning,
    concurrency: options.concurrency,
    eachRecord,
  });
  let stopped = false;
  return {
    ready: () => consumer.ready(),
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const leave of inHand) leave();
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

/** Where a record is, for a log line: its offset alone is ambiguous in a group that reads several partitions or topics. */
function where(record: IncomingRecord): { topic: string; partition: number; offset: string } {
  return { topic: record.topic, partition: record.partition, offset: record.offset };
}
