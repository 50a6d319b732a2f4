import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  type Admin,
  AssignerProtocol,
  type Batch,
  type Consumer,
  Kafka,
  type KafkaMessage,
  type LogEntry,
  logLevel,
  type Producer,
} from 'kafkajs';
import { NonRetriableError, quotedText, RetriableError } from '../../lib/errors.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { counter, histogram } from '../../lib/metrics.ts';
import { COMPRESSION_TYPE_IDS } from './compression.ts';
import { installKafkajsCodecs } from './kafkajs-codecs.ts';
import { cacheTransactionCoordinators } from './kafkajs-coordinator.ts';
import { installKafkajsEncoders } from './kafkajs-encoders.ts';
import { createJavaPartitioner } from './kafkajs-partitioner.ts';
import { FramedRecord } from './kafkajs-record-encoder.ts';
import { fixKafkajsPendingRequestChecks } from './kafkajs-request-queue.ts';
import { kafkaSecurityFromEnv } from './security.ts';
import type {
  ConsumeOptions,
  Headers,
  IncomingRecord,
  OutgoingRecord,
  ReadRangesOptions,
  RecordContext,
  TopicSpec,
  TransactionalProducer,
  Transport,
  TransportAdmin,
  TransportConsumer,
  TransportOptions,
  TransportProducer,
} from './types.ts';

/**
 * The kafkajs implementation of the bus transport. In the product nothing else imports kafkajs (the partitioner
 * only its types); tests and the benchmark use it directly as an independent peer.
 */
const kafkaLogger = createLogger('kafkajs');

/** kafkajs notices that are expected and handled (it retries them), kept out of the logs. */
const EXPECTED = [
  /Limiting retries for the idempotent producer/,
  /coordinator is loading/,
  /group coordinator is not available/i,
  /not the correct coordinator/i,
  // A transaction begun right after the previous one committed, while the broker still completes that one.
  /concurrent operation on the same transaction/i,
  // Metadata of a topic the broker is still creating (auto-created by the first send): kafkajs asks again.
  /^Response Metadata\(.*(does not host this topic-partition|no leader for this topic-partition)/i,
  // A member's heartbeat or sync answered while its group rebalances (a member joined or left): it rejoins, and
  // kafkajs says so itself ("The group is rebalancing, re-joining", logged at info: REBALANCE below).
  /^Response (Heartbeat|SyncGroup)\(.*group is rebalancing/i,
  // A sink's retries given up for a pause, a stop or a shutdown (bus/runner.ts): the record is left uncommitted on
  // purpose, and the runner says so at info; kafkajs logged it as an error with a stack at every pause.
  /^Error when calling eachMessage RetriableError: handler retries given up/,
];

/** Whether a kafkajs log line is one of the notices above (exported for its spec). */
export function isExpectedNotice(message: string, error: unknown): boolean {
  return EXPECTED.some((pattern) => pattern.test(`${message} ${String(error ?? '')}`));
}

/** The messages of the Kafka errors kafkajs retries (its protocol error table's `retriable`, e.g. NOT_LEADER_OR_FOLLOWER). */
const RETRIED = new Set(
  (
    createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
      errorCodes: Array<{ retriable: boolean; message: string }>;
    }
  ).errorCodes
    .filter((e) => e.retriable)
    .map((e) => e.message),
);

/**
 * Whether a kafkajs error line is one attempt of a request it retries: a broker's answer with a retriable Kafka error
 * (`Response Produce(…)`, error `This server is not the leader for that topic-partition`, as a new group's topics
 * get their leaders), or its producer's notice before it sends again (`Failed to send messages: …`, with
 * `retryCount`). Not the error kafkajs gives up with (`Crash: KafkaJSNumberOfRetriesExceeded: …`), nor another.
 */
export function isRetriedAttempt(message: string, extra: Readonly<Record<string, unknown>>): boolean {
  if (message.startsWith('Response '))
    return (
      typeof extra.error === 'string' &&
      (RETRIED.has(extra.error) || (REJOINED.test(message) && extra.error === UNKNOWN_MEMBER))
    );
  if (RECONNECTS.some((pattern) => pattern.test(message))) return true;
  return extra.retryCount !== undefined && RETRIED.has(message.replace(/^Failed to send messages: /, ''));
}

/**
 * A group member the coordinator dropped (its session expired while its process was too busy to heartbeat, as the
 * demo on a loaded machine was): kafkajs joins the group again by itself. A warning, not an error: 102 error lines in
 * a 15-minute demo at load 13-20 buried its table (new-user trial).
 */
const REJOINED = /^Response (Heartbeat|SyncGroup|OffsetCommit)\(/;
const UNKNOWN_MEMBER = 'The coordinator is not aware of this member';

/**
 * kafkajs's lines of one attempt to reach a broker that does not answer (a broker restarting, the cluster away): a
 * connection that failed, the next seed broker tried, the consumer started again after its retries gave up. Each is
 * tried again; the hub says the cluster is away once (readiness, a connector's `waiting`), and what gives up is logged
 * by kafkajs as a crash (`Crash: KafkaJSNumberOfRetriesExceeded: …`) or by its caller. During a one-minute broker
 * outage they were about 600 error lines, each with a stack.
 */
const RECONNECTS = [
  /^Connection (error|timeout)\b/,
  /^Failed to connect to seed broker, trying another broker from the list\b/,
  /^Restarting the consumer in \d+ms\b/,
];

/**
 * A group's rebalance as a member sees it: a member joined or left (every start of a consumer of a group that has
 * others, every instance of `eai up` that starts or stops), and this one joins again. What a group does, not a
 * fault: Kafka Connect logs its rebalances at INFO. At warn it was the first thing `eai demo` printed, before its
 * URLs, as the orchestrator's consumers joined their groups (new-user trial). A member that keeps rebalancing shows
 * in its lag and the connectors' status, not in these lines.
 */
const REBALANCE = /^The group is rebalancing, re-joining$/;

/**
 * kafkajs's log level for a line: dropped (an expected notice), a warning (an attempt it retries: a failure only if
 * the retries run out, which the caller then reports), info (a group's rebalance), or as kafkajs said it. Exported
 * for its spec.
 */
export function kafkajsLevel(
  level: logLevel,
  message: string,
  extra: Readonly<Record<string, unknown>>,
): 'error' | 'warn' | 'info' | undefined {
  if (isExpectedNotice(message, extra.error)) return undefined;
  if (level === logLevel.ERROR) return isRetriedAttempt(message, extra) ? 'warn' : 'error';
  if (level !== logLevel.WARN) return undefined;
  return REBALANCE.test(message) ? 'info' : 'warn';
}

/** kafkajs's `logCreator`, its lines written to `logger` at the levels `kafkajsLevel` gives them. */
export function logCreatorTo(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      // kafkajs adds each error's JavaScript stack (`stack`): not for an operator's log, and the message says what failed.
      const { message, stack: _stack, ...extra } = log as LogEntry['log'] & { stack?: unknown };
      const to = kafkajsLevel(level, message, extra);
      if (to === 'error') logger.error(extra, message);
      else if (to === 'warn')
        logger.warn(level === logLevel.ERROR ? { ...extra, retried: true } : extra, message);
      else if (to === 'info') logger.info(extra, message);
    };
}

/** kafkajs's own test (`isRebalancing` in its errors module): the group's generation is moving on. */
function isRebalancing(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return (
    type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION'
  );
}

/**
 * A record's keepAlive (types.ts RecordContext): kafkajs's heartbeat, which it sends only once its interval passed,
 * so calling it often costs nothing. The group's rebalance error is kept for the fetch's handler to end with.
 */
function keepingAlive(heartbeat: () => Promise<void>): RecordContext & { rebalance?: unknown } {
  const context: RecordContext & { rebalance?: unknown } = {
    keepAlive: async () => {
      if (context.rebalance) return false;
      try {
        await heartbeat();
      } catch (error) {
        // Anything else (a coordinator that moves, a broker that restarts) is kafkajs's to retry on its next beat.
        if (isRebalancing(error)) context.rebalance = error;
      }
      return !context.rebalance;
    },
  };
  return context;
}

/** What the bus's producers do with the sends they are given. */
export const producerMetrics = {
  requestRecords: histogram({
    name: 'eai_bus_produce_request_records',
    help: "Records per produce request of the bus's (non-transactional) producers: concurrent sends go together.",
    buckets: [1, 2, 5, 10, 20, 50, 100, 500],
  }),
  renewed: counter({
    name: 'eai_bus_producer_renewed_total',
    help: 'Producers that took a new producer id after a failed request (its sequence numbers were rolled back).',
  }),
  isolated: counter({
    name: 'eai_bus_produce_isolated_sends_total',
    help: 'Sends sent again on their own after the request they shared with other sends failed.',
  }),
};

function toHeaders(raw: Record<string, unknown> | undefined): Headers {
  const headers: Headers = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined || first === null) continue;
    headers[name] = Buffer.isBuffer(first) ? first : Buffer.from(String(first));
  }
  return headers;
}

/**
 * Every producer of the bus is idempotent (the broker drops retried duplicates, and per-partition order is kept
 * across retries) and partitions as Java clients do; a transactional one also has its id.
 */
/**
 * A transaction begun right after the previous one committed is answered CONCURRENT_TRANSACTIONS until the broker has
 * written the previous one's markers (a few ms on a healthy broker, more for a transaction over many partitions on a
 * busy one). kafkajs retries it with its producer backoff, 300 ms at first and doubling, which made back-to-back
 * transactions (a busy source) wait ~300 ms each: start at 5 ms and never wait more than 50 ms between attempts, as
 * the Java producer's short retry of this error does. Idempotent producers retry without a count.
 */
const TRANSACTIONAL_RETRY = { initialRetryTime: 5, maxRetryTime: 50, retries: Number.MAX_SAFE_INTEGER };

function createProducer(kafka: Kafka, transactionalId?: string): Producer {
  return kafka.producer({
    ...(transactionalId ? { transactionalId, retry: TRANSACTIONAL_RETRY } : {}),
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: createJavaPartitioner,
  });
}

class KafkajsBaseProducer {
  protected readonly producer: Producer;
  /** kafkajs's compression type for every send (the transport's `compression`). */
  protected readonly compression: number;
  constructor(kafka: Kafka, compression: number, transactionalId?: string) {
    this.producer = createProducer(kafka, transactionalId);
    this.compression = compression;
  }
  connect() {
    return this.producer.connect();
  }
  disconnect() {
    return this.producer.disconnect();
  }
}

/** One caller's `send`, waiting for the request that carries its records. */
interface PendingSend {
  records: OutgoingRecord[];
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * The bus's producer: an idempotent producer sends one request to a broker at a time (kafkajs holds a lock per broker
 * so the sequence numbers stay in order), so sends made while a request is in flight wait for it. They go together
 * in the next request (up to TRANSACTION_REQUEST_BYTES, a larger send alone), as the Java producer's accumulator
 * does: one round trip and one record batch per partition for the commands of many workflows instead of one each.
 * A send to an idle producer waits `lingerMs` (PRODUCE_LINGER_MS, 5 ms, the Java producer's `linger.ms` since Kafka
 * 4.0, KIP-1030) for others to join it, unless a request's worth of bytes is queued sooner: under load that halves
 * the produce requests (order-to-delivery: 5.9 → 2.6 a workflow, bench:workflows), at the cost of 5 ms on a lone send.
 *
 * A request that fails leaves kafkajs's sequence numbers of every partition in it rolled back, also of partitions the
 * broker appended to: the next records to such a partition would be refused (OUT_OF_ORDER_SEQUENCE_NUMBER), or taken
 * for a duplicate of the appended batch and dropped. So after any failed request the next one goes on a new producer
 * (a new producer id, sequences from zero). A failed request of several callers is sent again caller by caller, so
 * one caller's record that the broker refuses for good fails that caller only; the others' records may then be on
 * the topic twice (at least once, as after any retried send: consumers dedup by `ce_id`).
 */
class KafkajsProducer implements TransportProducer {
  private readonly kafka: Kafka;
  private readonly lingerMs: number;
  /** kafkajs's compression type for every send (the transport's `compression`). */
  private readonly compression: number;
  private producer: Producer;
  private readonly queue: PendingSend[] = [];
  private queuedBytes = 0;
  private flushing: Promise<void> | undefined;
  /** Ends the linger at once (a request's worth of bytes is queued, or the producer disconnects). */
  private endLinger: (() => void) | undefined;
  /** A request failed: the next one goes on a new producer. */
  private stale = false;

  constructor(kafka: Kafka, lingerMs: number, compression: number) {
    this.kafka = kafka;
    this.lingerMs = lingerMs;
    this.compression = compression;
    this.producer = createProducer(kafka);
  }

  connect() {
    return this.producer.connect();
  }

  async disconnect() {
    this.endLinger?.();
    await this.flushing;
    await this.producer.disconnect();
  }

  send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let bytes = 0;
      for (const record of records) bytes += recordBytes(record);
      this.queue.push({ records, bytes, resolve, reject });
      this.queuedBytes += bytes;
      this.flushing ??= this.flush();
      if (this.queuedBytes >= TRANSACTION_REQUEST_BYTES) this.endLinger?.();
    });
  }

  /** Waits up to `lingerMs` for more sends to join the first one. */
  private linger(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.endLinger?.(), this.lingerMs);
      this.endLinger = () => {
        clearTimeout(timer);
        this.endLinger = undefined;
        resolve();
      };
    });
  }

  /** Sends what is queued, request after request, until nothing is left. */
  private async flush(): Promise<void> {
    try {
      if (this.lingerMs > 0 && this.queuedBytes < TRANSACTION_REQUEST_BYTES) await this.linger();
      while (this.queue.length > 0) {
        const callers = this.take();
        try {
          await this.request(callers.length === 1 ? callers[0]!.records : callers.flatMap((c) => c.records));
          for (const caller of callers) caller.resolve();
        } catch (error) {
          if (callers.length === 1) {
            callers[0]!.reject(kafkajsSendError(error, byTopic(callers[0]!.records).keys()));
            continue;
          }
          producerMetrics.isolated.inc(callers.length);
          for (const caller of callers) {
            try {
              await this.request(caller.records);
              caller.resolve();
            } catch (alone) {
              caller.reject(kafkajsSendError(alone, byTopic(caller.records).keys()));
            }
          }
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** The callers of the next request: the first in the queue, then the following ones while they fit. */
  private take(): PendingSend[] {
    let bytes = this.queue[0]!.bytes;
    let n = 1;
    while (n < this.queue.length && bytes + this.queue[n]!.bytes <= TRANSACTION_REQUEST_BYTES) {
      bytes += this.queue[n]!.bytes;
      n++;
    }
    this.queuedBytes -= bytes;
    return this.queue.splice(0, n);
  }

  private async request(records: OutgoingRecord[]): Promise<void> {
    if (this.stale) await this.renew();
    try {
      // The records go to kafkajs as they are (it reads key, value and headers): no second object per record.
      await this.producer.sendBatch({
        acks: -1,
        compression: this.compression,
        topicMessages: [...byTopic(records)].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (error) {
      this.stale = true;
      throw error;
    }
    producerMetrics.requestRecords.observe(records.length);
  }

  /** A new producer id: the old producer's sequence numbers may no longer match the broker's. */
  private async renew(): Promise<void> {
    const old = this.producer;
    this.producer = createProducer(this.kafka);
    await old.disconnect().catch(() => undefined);
    await this.producer.connect();
    this.stale = false;
    producerMetrics.renewed.inc();
  }
}

export function kafkajsSendError(error: unknown, topics: Iterable<string>): Error {
  // kafkajs knows whether its error is transient (a leader moving) or final (a record too large, a fenced producer).
  const message = `kafkajs could not deliver to ${[...topics].join(', ')}: ${withRecordMarked((error as Error).message)}`;
  return kafkajsRetriable(error)
    ? new RetriableError(message, { cause: error })
    : new NonRetriableError(message, { cause: error });
}

/**
 * kafkajs's words with the record they quote marked as a document's value (`quotedText`): its producer refuses a
 * record without a value by quoting it whole as JSON (`Invalid message without value for topic "t": {"key":…,
 * "headers":…}`), key and headers with the customer's business key. Technical names (the topic) stay.
 */
function withRecordMarked(message: string): string {
  return message.replace(
    /^(Invalid message without value for topic "[^"]*": )([\s\S]+)$/,
    (_, before: string, record: string) => `${before}${quotedText(record, 200)}`,
  );
}

/**
 * Whether a kafkajs error is transient. kafkajs nests retriers (the producer's around the cluster's): the inner one
 * that ran out of attempts throws KafkaJSNumberOfRetriesExceeded, not retriable, and the outer one wraps that in a
 * KafkaJSNonRetriableError whose `cause` is the error the attempts met. A broker down for half a minute (connection
 * refused, retriable) thus came out final, and every source connector that was sending then FAILED until restarted
 * by hand. Those two wrappers are judged by their cause; a non-retriable error of kafkajs's own (a fenced producer,
 * a record too large, a transaction misused) has a cause that says so, or none. Exported for the connector runtime,
 * which restarts a connector that failed with a transient one (connectors/runtime/auto-restart.ts).
 */
export function kafkajsRetriable(error: unknown): boolean {
  const { name, retriable, cause } = error as { name?: string; retriable?: boolean; cause?: unknown };
  if (retriable !== false) return true;
  const wrapper = name === 'KafkaJSNonRetriableError' || name === 'KafkaJSNumberOfRetriesExceeded';
  if (!wrapper || !cause || cause === error || typeof cause !== 'object') return false;
  return 'retriable' in cause && kafkajsRetriable(cause);
}

/** What a broker answers while a partition has no leader to serve it: a broker that just started, a topic just made. */
const NO_LEADER_YET = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * An admin read (ListOffsets) tried again while the broker elects partition leaders. kafkajs's fetchTopicOffsets
 * retries only an unknown topic and gives up at the first NOT_LEADER, so for some seconds after a broker (re)start
 * `eai bus topics` and `eai bus tail --offset` failed with kafkajs's bare "This server is not the leader for that
 * topic-partition". Bounded: past `timeoutMs` a RetriableError says what was read and what to do. Exported for its spec.
 */
export async function whileLeadersElected<T>(
  what: string,
  read: () => Promise<T>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1_000)) {
    try {
      return await read();
    } catch (error) {
      const { type, cause } = error as { type?: string; cause?: { type?: string } };
      // kafkajs's bail wraps the broker's answer in a KafkaJSNonRetriableError whose cause it is.
      if (!NO_LEADER_YET.has(type ?? '') && !NO_LEADER_YET.has(cause?.type ?? '')) throw error;
      if (Date.now() + wait > deadline)
        throw new RetriableError(
          `${what}: Kafka has elected no partition leader for ${timeoutMs / 1000} s (${(error as Error).message}); a broker that just started elects them within seconds: try again, or check the broker's log`,
          { cause: error },
        );
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/**
 * Whether the bus's encoders are kafkajs's (`installKafkajsEncoders`): kafkajs's own would copy each message into an
 * object of its own, without a framed record's key, value and headers (read from its frame when asked for).
 */
let encodersInstalled = false;

/** A framed record as a plain one, for kafkajs's own encoders. */
function unframed(record: FramedRecord): OutgoingRecord {
  const { topic, key, value, headers, partition } = record;
  return {
    topic,
    key,
    value,
    ...(headers ? { headers } : {}),
    ...(partition === undefined ? {} : { partition }),
  };
}

function byTopic(records: OutgoingRecord[]): Map<string, OutgoingRecord[]> {
  const grouped = new Map<string, OutgoingRecord[]>();
  // Indexed, as in chunkByBytes.
  for (let i = 0; i < records.length; i++) {
    let r = records[i]!;
    if (!encodersInstalled && r instanceof FramedRecord) r = unframed(r);
    const list = grouped.get(r.topic);
    if (list) list.push(r);
    else grouped.set(r.topic, [r]);
  }
  return grouped;
}

/** How long a send to an idle producer waits for others to join it, by default: the Java producer's `linger.ms`. */
export const PRODUCE_LINGER_MS = 5;

/**
 * The most bytes of records one produce request of a transaction carries. kafkajs puts all of a request's records
 * for one partition into one record batch, and the broker refuses a batch over `message.max.bytes` (1 MiB by
 * default) for good: a source batch of a few thousand 1 KB documents went over it. Below this total no partition's
 * batch can; a larger transaction is sent in several requests, committed together as before.
 */
export const TRANSACTION_REQUEST_BYTES = 900 * 1024;

/** A record's size in a record batch, near enough: its bytes, and a little for lengths and attributes. */
function recordBytes(record: OutgoingRecord): number {
  if (record instanceof FramedRecord) return 16 + record.frame.length;
  let bytes = 32 + (record.value?.length ?? 0);
  if (record.key !== null)
    bytes += typeof record.key === 'string' ? Buffer.byteLength(record.key) : record.key.length;
  if (record.headers)
    for (const name in record.headers) {
      const value = record.headers[name]!;
      bytes += 4 + name.length + (typeof value === 'string' ? Buffer.byteLength(value) : value.length);
    }
  return bytes;
}

/** Consecutive runs of the records of at most `budget` bytes each (a larger record alone). */
export function chunkByBytes(records: OutgoingRecord[], budget: number): OutgoingRecord[][] {
  const chunks: OutgoingRecord[][] = [];
  let chunk: OutgoingRecord[] = [];
  let bytes = 0;
  // Indexed: a transaction's thousands of records, in code V8 may not have optimized yet (a for-of allocates an
  // iterator result per record there).
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const size = recordBytes(record);
    if (chunk.length > 0 && bytes + size > budget) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

class KafkajsTransactionalProducer extends KafkajsBaseProducer implements TransactionalProducer {
  override async connect(): Promise<void> {
    await super.connect();
    // kafkajs sends InitProducerId only when the first transaction begins: begin one and end it, with nothing in it
    // (no EndTxn is sent), so the id is ours from now on.
    const transaction = await this.producer.transaction();
    await transaction.abort();
  }

  async sendTransaction(records: OutgoingRecord[]): Promise<void> {
    const transaction = await this.producer.transaction();
    try {
      // In order: a partition's records keep their order across the requests.
      for (const chunk of chunkByBytes(records, TRANSACTION_REQUEST_BYTES)) {
        await transaction.sendBatch({
          acks: -1,
          compression: this.compression,
          topicMessages: [...byTopic(chunk)].map(([topic, messages]) => ({ topic, messages })),
        });
      }
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw kafkajsSendError(error, new Set(records.map((record) => record.topic)));
    }
  }
}

function toIncoming(topic: string, partition: number, message: KafkaMessage): IncomingRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key,
    value: message.value,
    headers: toHeaders(message.headers as Record<string, unknown>),
  };
}

/** How often a consumer commits its handled offsets at most, by default (ConsumeOptions.commitIntervalMs). */
export const COMMIT_INTERVAL_MS = 500;

/**
 * A consumer's handled offsets, committed together: at once when none was committed for `intervalMs`, otherwise when
 * that time is up, one request at a time, the latest offset of each partition. Committing each fetch (or record) as
 * it was handled cost an OffsetCommit request per fetch, and at a few hundred fetches a second those were most of
 * the broker's work; the Java consumer commits every 5 s by default, Kafka Streams every 100 ms with exactly-once.
 * What is handled and not yet committed is handled again after a crash (at least once, as before, over a longer
 * window); a stop commits it first. A commit that fails is tried again with the next, for partitions still held.
 */
class CommitBuffer {
  intervalMs = COMMIT_INTERVAL_MS;
  private readonly consumer: Consumer;
  private readonly pending = new Map<string, { topic: string; partition: number; offset: bigint }>();
  /** What the commit in flight carries, until it is answered. */
  private inFlight = new Map<string, { topic: string; partition: number; offset: bigint }>();
  private committing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastAt = 0;
  private closed = false;
  /** The partitions this member holds, by `topic\0partition` (a commit for one it lost is dropped). */
  private held: Set<string> | undefined;

  constructor(consumer: Consumer) {
    this.consumer = consumer;
    // A rebalance begins: what was handled is committed now, under the generation it was handled in, so a member
    // that gets one of these partitions next does not handle its records again (Java's consumer commits when its
    // partitions are revoked). Best effort: kafkajs rejoins meanwhile, and a commit that lands after the join is
    // refused, and tried again below for what this member still holds.
    consumer.on(consumer.events.REBALANCING, () => {
      if (!this.closed) this.flush().catch(() => undefined);
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.held = new Set(
        Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
          partitions.map((partition) => `${topic}\0${partition}`),
        ),
      );
      for (const key of [...this.pending.keys()]) if (!this.held.has(key)) this.pending.delete(key);
      // kafkajs fetches every partition again from its committed offset after a join. For one this member keeps,
      // from what it handled instead: records handled while their commit waited are not handled twice.
      const handled = new Map(this.inFlight);
      for (const [key, entry] of this.pending)
        if ((handled.get(key)?.offset ?? -1n) < entry.offset) handled.set(key, entry);
      for (const [key, { topic, partition, offset }] of handled)
        if (this.held.has(key)) this.consumer.seek({ topic, partition, offset: offset.toString() });
    });
  }

  add(topic: string, partition: number, offset: bigint): void {
    const key = `${topic}\0${partition}`;
    const known = this.pending.get(key);
    if (known && known.offset >= offset) return;
    this.pending.set(key, { topic, partition, offset });
    this.schedule();
  }

  /** Commits what is pending now (after a commit in flight), and resolves when it is committed. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.committing?.catch(() => undefined);
    if (this.pending.size > 0) await this.start();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.committing || this.timer || this.closed) return;
    const wait = this.lastAt + this.intervalMs - Date.now();
    if (wait <= 0) {
      this.start().catch(() => undefined);
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A flush may have begun one meanwhile: one commit request at a time, so an older one never lands last.
      if (!this.committing) this.start().catch(() => undefined);
    }, wait);
    this.timer.unref();
  }

  /** One commit request of what is pending; then the next is scheduled if more came meanwhile. */
  private start(): Promise<void> {
    const run = this.commit().finally(() => {
      if (this.committing === run) this.committing = undefined;
      if (this.pending.size > 0) this.schedule();
    });
    this.committing = run;
    return run;
  }

  private async commit(): Promise<void> {
    const offsets = [...this.pending.entries()].filter(([key]) => !this.held || this.held.has(key));
    this.pending.clear();
    this.lastAt = Date.now();
    if (offsets.length === 0) return;
    this.inFlight = new Map(offsets);
    try {
      await this.consumer.commitOffsets(
        offsets.map(([, { topic, partition, offset }]) => ({ topic, partition, offset: offset.toString() })),
      );
    } catch (error) {
      for (const [key, entry] of offsets)
        if (!this.pending.has(key) && (!this.held || this.held.has(key))) this.pending.set(key, entry);
      throw error;
    } finally {
      this.inFlight = new Map();
    }
  }
}

class KafkajsConsumer implements TransportConsumer {
  private readonly consumer: Consumer;
  private readonly joined: Promise<void>;
  /** The records (or batches) being handled and committed, which a stop waits for. */
  private readonly inHand = new Set<Promise<void>>();
  private stopping = false;
  private readonly commits: CommitBuffer;
  private readonly kafka: Kafka;
  private readonly groupId: string;
  private readonly ephemeral: boolean;
  constructor(
    kafka: Kafka,
    groupId: string,
    sessionTimeoutMs: number,
    heartbeatIntervalMs?: number,
    ephemeral = false,
  ) {
    this.kafka = kafka;
    this.groupId = groupId;
    this.ephemeral = ephemeral;
    this.consumer = kafka.consumer({
      groupId,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: heartbeatIntervalMs ?? Math.min(3000, Math.floor(sessionTimeoutMs / 3)),
      maxWaitTimeInMs: 500,
      retry: { retries: 8 },
    });
    this.joined = new Promise((resolve) => {
      this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve());
    });
    this.commits = new CommitBuffer(this.consumer);
  }
  connect() {
    return this.consumer.connect();
  }
  /**
   * Lets the record in hand finish and commit first: kafkajs drops commits once its own stop has begun, so
   * stopping it straight away would leave a handled record uncommitted, to be handled again after a restart.
   */
  async disconnect() {
    this.stopping = true;
    await Promise.allSettled(this.inHand);
    await this.commits.flush().catch(() => undefined);
    this.commits.close();
    await this.consumer.disconnect();
    if (this.ephemeral) await deleteGroupQuietly(this.kafka, this.groupId);
  }
  ready() {
    return this.joined;
  }
  onAssignment(listener: (assigned: Record<string, number[]>) => void) {
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) =>
      listener({ ...event.payload.memberAssignment }),
    );
  }
  onCrash(listener: (error: Error) => void) {
    // kafkajs has disconnected by the time it says so; `restart` true: it starts again by itself.
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart && !this.stopping) listener(payload.error);
    });
  }
  async run(options: ConsumeOptions): Promise<void> {
    for (const topic of options.topics) {
      await this.consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? false });
    }
    this.commits.intervalMs = options.commitIntervalMs ?? COMMIT_INTERVAL_MS;
    if (options.commit !== false) this.commitPastMarkers();
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    if (concurrency > 1) {
      await this.consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: concurrency,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
          // Stopping, or the partition moved to another member: neither handled nor committed.
          if (this.stopping || !isRunning() || isStale()) return;
          await this.track(this.handleBatchAndCommit(options, concurrency, batch, heartbeat));
        },
      });
      return;
    }
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message, heartbeat }) => {
        // Stopping: neither handled nor committed, so delivered again after a restart.
        if (this.stopping) return;
        await this.track(this.handleAndCommit(options, topic, partition, message, heartbeat).then(heartbeat));
      },
    });
  }

  /**
   * A transaction ends with a commit marker, a record no one is handed. Committing only past handled records would
   * leave every partition written in transactions one behind its end for good, and the backlog the hub reports (sync
   * health, connector and router lag) never at zero. kafkajs hands a fetch of nothing but markers (or aborted
   * records) to no handler: it emits it as an empty batch, which is committed here, as Java's consumer commits its
   * position past markers. The partition's records before it are handled by then (fetches of a partition are
   * handled in order).
   */
  private commitPastMarkers(): void {
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0 || this.stopping) return;
      this.commits.add(payload.topic, payload.partition, BigInt(payload.lastOffset) + 1n);
    });
  }

  private async track(handling: Promise<void>): Promise<void> {
    this.inHand.add(handling);
    try {
      await handling;
    } finally {
      this.inHand.delete(handling);
    }
  }

  /**
   * One fetch of a partition: chains of records by key (a key's records in order; a record without a key alone),
   * `concurrency` records in hand at once; then one commit, of the whole fetch or up to the first record that failed.
   */
  private async handleBatchAndCommit(
    options: ConsumeOptions,
    concurrency: number,
    batch: Batch,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const { topic, partition, messages } = batch;
    if (messages.length === 0) return;
    const chains = new Map<string, IncomingRecord[]>();
    for (const message of messages) {
      const record = toIncoming(topic, partition, message);
      const chain = record.key ? `k:${record.key.toString('base64')}` : `o:${record.offset}`;
      chains.set(chain, [...(chains.get(chain) ?? []), record]);
    }
    const queue = [...chains.values()];
    let failed: { offset: bigint; error: unknown } | undefined;
    // The group rebalances: the heartbeat says so, and the group waits for this member to rejoin, so no further
    // record is taken (each would send another heartbeat, answered the same). What is not handled is left from here.
    let rejoin: { error: unknown } | undefined;
    let left: bigint | undefined;
    const leave = (record: IncomingRecord) => {
      const offset = BigInt(record.offset);
      if (left === undefined || offset < left) left = offset;
    };
    const lane = async () => {
      for (let chain = queue.shift(); chain; chain = rejoin ? undefined : queue.shift()) {
        for (const record of chain) {
          if (rejoin) {
            leave(record);
            break;
          }
          const context = keepingAlive(heartbeat);
          try {
            await options.eachRecord(record, context);
          } catch (error) {
            // Given up because the group rebalances (keepAlive said so): left for whoever holds the partition next.
            if (context.rebalance) {
              rejoin ??= { error: context.rebalance };
              leave(record);
              break;
            }
            const offset = BigInt(record.offset);
            if (!failed || offset < failed.offset) failed = { offset, error };
            break;
          }
          await heartbeat().catch((error) => {
            if (isRebalancing(error)) rejoin ??= { error };
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, lane));
    for (const chain of queue) leave(chain[0]!);
    if (options.commit !== false) {
      // The whole fetch handled: past its last offset, a commit marker or aborted record after the last record too.
      let next = failed ? failed.offset : BigInt(batch.lastOffset()) + 1n;
      if (left !== undefined && left < next) next = left;
      if (next > BigInt(messages[0]!.offset)) this.commits.add(topic, partition, next);
      // kafkajs reads a failed partition again from its committed offset (and every partition after it rejoined):
      // what was handled goes first.
      if (failed || rejoin) await this.commits.flush();
    }
    if (failed) throw failed.error;
    // kafkajs rejoins the group when a fetch's handler ends with the heartbeat's rebalance error.
    if (rejoin) throw rejoin.error;
  }

  private async handleAndCommit(
    options: ConsumeOptions,
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const context = keepingAlive(heartbeat);
    try {
      await options.eachRecord(toIncoming(topic, partition, message), context);
    } catch (error) {
      // kafkajs reads the partition again from its committed offset: the records handled before go first.
      if (options.commit !== false) await this.commits.flush();
      // Given up because the group rebalances: kafkajs rejoins on the heartbeat's own error.
      throw context.rebalance ?? error;
    }
    // Commit only what was handled: the next offset to read.
    if (options.commit !== false) this.commits.add(topic, partition, BigInt(message.offset) + 1n);
  }
}

class KafkajsAdmin implements TransportAdmin {
  private readonly admin: Admin;
  private readonly kafka: Kafka;
  constructor(kafka: Kafka) {
    this.kafka = kafka;
    this.admin = kafka.admin();
  }
  connect() {
    return this.admin.connect();
  }
  disconnect() {
    return this.admin.disconnect();
  }
  async describeCluster() {
    const cluster = await this.admin.describeCluster();
    return { brokers: cluster.brokers.length, controller: cluster.controller, clusterId: cluster.clusterId };
  }
  async describeGroup(groupId: string) {
    const [group] = await this.describeGroups([groupId]);
    return { groupId, state: group?.state ?? 'Unknown' };
  }
  async describeGroups(groupIds: string[]) {
    if (groupIds.length === 0) return [];
    const { groups } = await this.admin.describeGroups(groupIds);
    return groupIds.map((groupId) => {
      const group = groups.find((g) => g.groupId === groupId);
      // A consumer member's metadata is its subscription (Kafka's ConsumerProtocolSubscription); another
      // protocol's (Connect's workers) names no topics.
      const topics = new Set<string>();
      for (const member of group?.members ?? []) {
        if (group?.protocolType !== 'consumer') break;
        try {
          for (const topic of AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.topics ?? [])
            topics.add(topic);
        } catch {
          // Not a subscription kafkajs can read: the member's topics stay unknown.
        }
      }
      return {
        groupId,
        state: group?.state ?? 'Unknown',
        members: group?.members.length ?? 0,
        topics: [...topics].sort(),
      };
    });
  }
  listTopics() {
    return this.admin.listTopics();
  }
  async createTopics(topics: TopicSpec[]): Promise<string[]> {
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return [];
    await this.admin.createTopics({
      // kafkajs's own wait gives up on the UNKNOWN_TOPIC_OR_PARTITION a broker answers while the new topic's
      // metadata propagates (seen in CI); the wait below tolerates it.
      waitForLeaders: false,
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor ?? 1,
        configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
    await this.waitForLeaders(missing.map((t) => t.topic));
    return missing.map((t) => t.topic);
  }
  /** Until every partition of the topics has a leader; a broker may not know a topic it just created for a moment. */
  private async waitForLeaders(topics: string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const { topics: described } = await this.admin.fetchTopicMetadata({ topics });
        if (described.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)))
          return;
      } catch (error) {
        const type = (error as { type?: string }).type;
        if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw error;
      }
      if (Date.now() > deadline) {
        throw new RetriableError(
          `topics ${topics.join(', ')} have no partition leaders after ${timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  async describeTopicConfig(topic: string): Promise<Record<string, string>> {
    const result = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: topic }],
    });
    const entries = result.resources[0]?.configEntries ?? [];
    return Object.fromEntries(entries.map((e) => [e.configName, e.configValue]));
  }
  async alterTopicConfig(topic: string, changes: Record<string, string>): Promise<void> {
    // kafkajs speaks only the non-incremental AlterConfigs, which resets every dynamic config it is not given: the
    // topic's own (DYNAMIC_TOPIC_CONFIG, source 1) go along with the changes.
    const described = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: topic }],
    });
    const own = (described.resources[0]?.configEntries ?? []).filter(
      (e) => (e as { configSource?: number }).configSource === 1 && !e.isSensitive,
    );
    const entries = new Map(own.map((e) => [e.configName, e.configValue]));
    for (const [name, value] of Object.entries(changes)) entries.set(name, value);
    await this.admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: 2, name: topic, configEntries: [...entries].map(([name, value]) => ({ name, value })) },
      ],
    });
    // The controller takes the change at once; the broker that answers describeConfigs (and takes the next produce)
    // applies it when its metadata catches up. Return once it has, so a caller reads and uses what it wrote.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const now = await this.describeTopicConfig(topic);
      if (Object.entries(changes).every(([name, value]) => now[name] === value)) return;
      if (Date.now() > deadline) {
        throw new RetriableError(
          `topic ${topic}: the broker did not apply ${Object.keys(changes).join(', ')} within 10 s`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  async topicOffsets(topic: string) {
    const offsets = await whileLeadersElected(`offsets of topic ${topic}`, () =>
      this.admin.fetchTopicOffsets(topic),
    );
    return offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
  }
  async offsetsAt(topic: string, time: number) {
    const offsets = await whileLeadersElected(`offsets of topic ${topic} at ${time}`, () =>
      this.admin.fetchTopicOffsetsByTimestamp(topic, time),
    );
    return offsets.map((o) => ({ partition: o.partition, offset: o.offset }));
  }
  async groupOffsets(groupId: string, topic: string) {
    const result = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return (result[0]?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset }));
  }
  /**
   * kafkajs's `admin.setOffsets`, step for step (a member of the group joins it, seeks, and leaves once its first
   * fetch has committed the seeks), with a fetch wait of 20 ms instead of the consumer's 5 s: its partitions are
   * paused, so its first fetch loop only sleeps that long. It cost every pinned topic of every group 5 s at start (a
   * hub's router pins four, the demo's sinks ten).
   */
  async setGroupOffsets(
    groupId: string,
    topic: string,
    offsets: Array<{ partition: number; offset: string }>,
  ) {
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 20 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const { state } = await consumer.describeGroup();
      if (state !== 'Empty' && state !== 'Dead')
        throw new NonRetriableError(
          `The consumer group must have no running instances, current state: ${state}`,
        );
      await new Promise<void>((resolve, reject) => {
        consumer.on(consumer.events.FETCH, () => {
          consumer.stop().then(resolve, reject);
        });
        consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => {} }).catch(reject);
        consumer.pause([{ topic }]);
        for (const { partition, offset } of offsets) consumer.seek({ topic, partition, offset });
      });
    } finally {
      await consumer.disconnect();
    }
  }
  async listGroups() {
    return (await this.admin.listGroups()).groups.map((group) => group.groupId);
  }
  async deleteGroup(groupId: string) {
    await this.admin.deleteGroups([groupId]);
  }
  deleteTopics(topics: string[]) {
    return this.admin.deleteTopics({ topics });
  }
}

/**
 * Deletes a throwaway group once its consumer has left it. Best effort: a group the broker still holds (a member
 * not yet gone) stays, and, with no offsets committed, the broker drops it at its next offsets cleanup.
 */
async function deleteGroupQuietly(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin({ retry: { retries: 2 } });
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch {
    // Left to the broker's cleanup (above).
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Reads offset ranges with a throwaway group that never commits (kafkajs has no group-less fetch), deleted after: subscribe, seek
 * each partition to its start, and count a partition done when a batch ends at or past its range's end. Batch ends
 * are taken from kafkajs's batch events, which also fire for batches of transaction markers only, so a range that
 * ends on a marker still finishes.
 */
async function readRanges(kafka: Kafka, options: ReadRangesOptions): Promise<void> {
  const ranges = new Map(
    options.ranges
      .filter((r) => BigInt(r.toOffset) > BigInt(r.fromOffset))
      .map((r) => [r.partition, { from: BigInt(r.fromOffset), to: BigInt(r.toOffset) }]),
  );
  if (ranges.size === 0) return;
  const groupId = `eai-read-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 200,
    retry: { retries: 8 },
  });
  const idleMs = options.idleTimeoutMs ?? 30_000;
  let settle!: (error?: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  let stopped = false;
  let idle: NodeJS.Timeout | undefined;
  const stop = (error?: unknown) => {
    if (stopped) return;
    stopped = true;
    clearTimeout(idle);
    settle(error);
  };
  const progress = () => {
    // Batch events still come in after a stop: no new timer then, or it would hold the process for idleMs.
    if (stopped) return;
    clearTimeout(idle);
    idle = setTimeout(
      () =>
        stop(
          new RetriableError(
            `reading ${options.topic}: nothing came for ${idleMs} ms (partitions left: ${[...ranges.keys()].join(', ')})`,
          ),
        ),
      idleMs,
    );
  };
  const reached = (partition: number, lastOffset: string) => {
    const range = ranges.get(partition);
    if (range && BigInt(lastOffset) + 1n >= range.to) ranges.delete(partition);
    if (ranges.size === 0) stop();
  };
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    progress();
    reached(payload.partition, payload.lastOffset);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => stop(payload.error));
  const abort = () => stop();
  if (options.signal?.aborted) return;
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    progress();
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const range = ranges.get(partition);
        if (stopped || !range) return;
        const offset = BigInt(message.offset);
        if (offset < range.from || offset >= range.to) return;
        progress();
        let more: boolean | undefined;
        try {
          more = await options.eachRecord(toIncoming(options.topic, partition, message));
        } catch (error) {
          // The read ends with the caller's error; thrown to kafkajs, the record would be delivered again.
          stop(error);
          return;
        }
        if (more === false) stop();
        else reached(partition, message.offset);
      },
    });
    for (const [partition, range] of ranges) {
      consumer.seek({ topic: options.topic, partition, offset: range.from.toString() });
    }
    await finished;
  } finally {
    stopped = true;
    clearTimeout(idle);
    options.signal?.removeEventListener('abort', abort);
    await consumer.disconnect();
    await deleteGroupQuietly(kafka, groupId);
  }
}

export function createKafkajsTransport(options: TransportOptions): Transport {
  // The bus's exact-size encoders replace kafkajs's, its request queues stop polling every millisecond, and it reads
  // ZSTD, LZ4 and Snappy batches, here where the transport is made rather than at import.
  encodersInstalled = installKafkajsEncoders();
  installKafkajsCodecs();
  fixKafkajsPendingRequestChecks();
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: options.quiet ? logLevel.NOTHING : logLevel.WARN,
    // No `name` of its own on the given logger (pino would write a second `name` key into the line): kafkajs's lines
    // carry `logger: "kafkajs"` themselves.
    logCreator: logCreatorTo(options.logger ?? kafkaLogger),
    connectionTimeout: 3000,
    retry: { retries: options.quiet ? 0 : 8 },
    ...(options.security ?? kafkaSecurityFromEnv()).kafkajsOptions(),
  });
  cacheTransactionCoordinators(kafka);
  // Every send of every producer below carries it: the produce request encoder compresses each partition's batch.
  const compression = COMPRESSION_TYPE_IDS[options.compression ?? 'none'];
  return {
    producer: (producerOptions) =>
      new KafkajsProducer(kafka, producerOptions?.lingerMs ?? PRODUCE_LINGER_MS, compression),
    transactionalProducer: (transactionalId) =>
      new KafkajsTransactionalProducer(kafka, compression, transactionalId),
    consumer: ({ groupId, sessionTimeoutMs, heartbeatIntervalMs, ephemeral }) =>
      new KafkajsConsumer(kafka, groupId, sessionTimeoutMs ?? 10_000, heartbeatIntervalMs, ephemeral),
    admin: () => new KafkajsAdmin(kafka),
    readRanges: (options) => readRanges(kafka, options),
  };
}
