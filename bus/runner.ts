import { errorMessage, logSafeMessage, NonRetriableError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { type RetryOptions, withRetry } from '../lib/retry.ts';
import { deadLetterRecord, type FailureStage } from './dlq.ts';
import { type EventAttributes, fromHeaders } from './envelope.ts';
import { busMetrics } from './metrics.ts';
import type { AvroSerde } from './serde.ts';
import type { IncomingRecord, Transport } from './transport/types.ts';

/** What a handler receives: the decoded canonical value, its envelope and where it came from. */
export interface ConsumedEvent {
  value: unknown;
  schemaName: string;
  key: string | null;
  attributes: Partial<EventAttributes>;
  record: IncomingRecord;
}

export interface ConsumerRunnerOptions {
  groupId: string;
  topics: string[];
  dlqTopic: string;
  handler: (event: ConsumedEvent) => Promise<void>;
  fromBeginning?: boolean;
  retry?: Partial<RetryOptions>;
  /** Told of each record sent to the dead-letter topic, after it is there (and awaited before the commit). */
  onDeadLetter?: (record: IncomingRecord, error: unknown) => void | Promise<void>;
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
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        stage,
        error: logSafeMessage(error),
        attempts,
      },
      'record sent to dead-letter topic',
    );
    await producer.send([
      deadLetterRecord(options.dlqTopic, record, { stage, owner: options.groupId, error, attempts }),
    ]);
    busMetrics.eventsConsumed.inc({ group: options.groupId, outcome: 'dead_lettered' });
    await options.onDeadLetter?.(record, error);
  }

  async function eachRecord(record: IncomingRecord): Promise<void> {
    if (record.value === null) {
      // A tombstone: on a compacted topic, the key's deletion marker (an erased golden customer), no event.
      busMetrics.eventsConsumed.inc({ group: options.groupId, outcome: 'tombstone' });
      log.debug(
        { topic: record.topic, partition: record.partition, offset: record.offset },
        'tombstone skipped',
      );
      return;
    }
    let decoded: { schemaName: string; value: unknown };
    try {
      decoded = isJson(record)
        ? decodeJson(record)
        : await withRetry(() => serde.decode(record.value), { ...options.retry });
    } catch (error) {
      await deadLetter(record, 'VALUE_CONVERTER', error, (error as { attempts?: number }).attempts ?? 1);
      return;
    }
    const event: ConsumedEvent = {
      value: decoded.value,
      schemaName: decoded.schemaName,
      key: record.key?.toString('utf8') ?? null,
      attributes: fromHeaders(record.headers).attributes,
      record,
    };
    try {
      await withRetry(() => options.handler(event), {
        ...options.retry,
        onRetry: (error, attempt) =>
          log.info(
            { offset: record.offset, attempt, error: logSafeMessage(error) },
            'handler failed, retrying',
          ),
      });
      busMetrics.eventsConsumed.inc({ group: options.groupId, outcome: 'ok' });
    } catch (error) {
      await deadLetter(record, 'TASK_PUT', error, (error as { attempts?: number }).attempts ?? 1);
    }
  }

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
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

/**
 * A JSON CloudEvent (`content-type: application/json`: receipts, alerts) among the Avro ones: its value parsed, its
 * `ce_type` standing for the schema name.
 */
function isJson(record: IncomingRecord): boolean {
  return record.headers['content-type']?.toString('utf8') === 'application/json';
}

function decodeJson(record: IncomingRecord): { schemaName: string; value: unknown } {
  try {
    return {
      schemaName: record.headers.ce_type?.toString('utf8') ?? '',
      value: JSON.parse(record.value?.toString('utf8') ?? ''),
    };
  } catch (error) {
    throw new NonRetriableError(`cannot decode JSON value: ${errorMessage(error)}`, { cause: error });
  }
}
