import {
  type Bus,
  type ConsumedEvent,
  type ConsumerRunner,
  DLQ_TOPICS,
  type EventAttributes,
  fromHeaders,
  groupBacklog,
  type OffsetReset,
  pinGroupStart,
  type ReceiptOutcome,
  receiptRecord,
  type TransportProducer,
  wantsReceipt,
} from '../../bus/index.ts';
import { BatchDecompressionError } from '../../bus/transport/index.ts';
import { errorMessage, NonRetriableError, RetriableError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { type RetryOptions, withRetry } from '../../lib/retry.ts';
import { isSkipped, type SinkRecord, type SinkTask } from '../sdk/index.ts';
import { restartable } from './auto-restart.ts';
import { connectorKey, sinkGroupId, sinkIdempotencyKey } from './connector-ids.ts';
import { connectorMetrics, countSkipped, type TaskCounters } from './connector-metrics.ts';
import { takeOverPreGroupOffsets } from './pre-group-offsets.ts';

export interface SinkHostOptions {
  name: string;
  /** The connect group the sink runs in: its consumer group, receipts and idempotency keys are the group's. */
  group: string;
  task: SinkTask;
  bus: Bus;
  topics: string[];
  counters: TaskCounters;
  logger: Logger;
  /** Tests make it short and bounded; default: retried until applied, or for `retryTimeoutMs`. */
  retry?: Partial<RetryOptions>;
  /** The definition's `retryTimeoutMs`: -1 retries a retriable failure until the record is applied. */
  retryTimeoutMs?: number;
  /** The definition's `startAt`: where a partition without a committed offset starts; default `earliest`. */
  startAt?: OffsetReset;
  /**
   * Called when the sink's consumer stopped for good while it ran (`crashed`): it applies nothing more until the
   * connector is restarted. A crash before the start is over fails the start instead.
   */
  onFailure?(error: Error): void;
}

/**
 * Runs one sink task on a consumer group of its own (`sinkGroupId`: `eai-sink-<connector>` in the default connect
 * group): records arrive decoded, in order per partition and so per key, one at a time (or, for a task that writes in
 * batches, up to its `concurrency` of different keys at once, one key's still in order); a record is committed only
 * once `put` resolved (and those before it on its partition). Retriable failures are retried with backoff until the record is applied (or for the definition's
 * `retryTimeoutMs`), the partition waiting behind it so that its keys stay in order; a record that fails for good goes
 * to `dlq.sink` with the reason and its original bytes, and the sink goes on. A record the task skipped (`skipped(reason)`: not
 * for it) counts as skipped, not out. A new group starts at the beginning of its topics, as Kafka Connect's sinks do,
 * or with `startAt: latest` at their end, committed before it joins (`pinGroupStart`). A record that asks for a
 * receipt (`ce_replyto`, bus/receipts.ts) gets one once applied or dead-lettered, before it is committed; a skipped
 * one gets none.
 */
export class SinkHost {
  private readonly options: SinkHostOptions;
  private runner?: ConsumerRunner;
  /**
   * The records handed to the task and not yet applied or dead-lettered (retries included), by position: their
   * produce times, the age of the backlog's head while one is being applied.
   */
  private readonly applying = new Map<string, number>();
  /** When a record was last applied (wall clock), the bound of the backlog's age while none is being applied. */
  private lastAppliedAt: number | null = null;
  /** Connected on the first receipt: most sinks never write one. */
  private receipts?: Promise<TransportProducer>;
  /**
   * The records handed to the task and not yet applied or dead-lettered (one at a time, or up to the task's
   * `concurrency`), by position, and when each one's last put started: a failed attempt the task reports from inside
   * its put (`attemptFailed`) is its record's, or every one's in hand when it names none.
   */
  private readonly inHand = new Map<string, string>();
  private stopped = false;
  /** The start is over: a crash from now on is the running sink's failure, not its start's. */
  private started = false;
  /** Its consumer's crash, while the start was still under way. */
  private crashedAtStart: Error | undefined;

  constructor(options: SinkHostOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    const { bus, name, group, topics, counters, logger, task } = this.options;
    const startAt = this.options.startAt ?? 'earliest';
    // A hub upgraded from a version whose ids did not carry the group resumes where that version's sink was.
    await takeOverPreGroupOffsets({ bus, name, group, topics, logger });
    if (startAt === 'latest') await this.pinStart();
    this.runner = await bus.consume({
      groupId: sinkGroupId(name, group),
      topics,
      dlqTopic: DLQ_TOPICS.sink,
      fromBeginning: startAt === 'earliest',
      // A task that writes in batches takes several records at once (one key's still in order, one at a time).
      concurrency: task.concurrency,
      onCrash: (error) => this.crashed(error),
      retry: {
        retries: Number.POSITIVE_INFINITY,
        ...this.options.retry,
        retryForMs: this.options.retryTimeoutMs,
      },
      // A put's last attempt failed (its earlier ones, retried inside the put, were reported by `attemptFailed`).
      onRetry: (record, error) => this.failed(positionOf(record), error),
      onDeadLetter: async (record, error) => {
        // A record that could not be decoded never reached the handler: it counts in here.
        this.countIn(record);
        pendingOf(counters).delete(positionOf(record));
        failingOf(counters).delete(positionOf(record));
        this.applying.delete(positionOf(record));
        this.inHand.delete(positionOf(record));
        this.settled();
        counters.recordsFailed += 1;
        counters.lastError = errorMessage(error);
        connectorMetrics.recordsFailed.inc({ connector: name });
        await this.receipt(fromHeaders(record.headers).attributes, 'REFUSED', errorMessage(error));
      },
      handler: async (event: ConsumedEvent) => {
        this.countIn(event.record);
        const position = positionOf(event.record);
        if (!this.applying.has(position)) this.applying.set(position, Number(event.record.timestamp));
        this.inHand.set(position, new Date().toISOString());
        // A put that fails leaves its record in hand: the runtime's retry of it is the same record's failure.
        const outcome = await task.put(toSinkRecord(name, group, event));
        this.inHand.delete(position);
        pendingOf(counters).delete(position);
        failingOf(counters).delete(position);
        this.applying.delete(position);
        this.lastAppliedAt = Date.now();
        counters.lastError = null;
        this.settled();
        // A record not for this sink is handled (committed) but not applied: out counts only what reached the target.
        if (isSkipped(outcome)) {
          countSkipped(name, counters, outcome.skipped);
          return;
        }
        counters.recordsOut += 1;
        counters.lastSuccessAt = new Date().toISOString();
        connectorMetrics.recordsOut.inc({ connector: name });
        connectorMetrics.lastSuccess.set({ connector: name }, Date.now() / 1000);
        await this.receipt(event.attributes, 'APPLIED');
      },
    });
    this.notRetrying();
    // kafkajs's start joins the group behind run(): a join that failed for good is a crash, not a rejection.
    if (this.crashedAtStart) throw this.crashedAtStart;
    this.started = true;
    logger.info({ topics }, 'sink started');
  }

  /**
   * `startAt: latest`: commits the end of each partition its group has no offset for yet, before it joins, so that its
   * start is this moment and stays so (the client's own reset would find the end again at each start until a record
   * was committed: a restart before the first one skipped what came meanwhile). Offsets it has are kept: a restart
   * resumes. A topic not created yet is left to the client's reset (its end when first read); a group another member
   * holds (its previous task not gone yet) to that member's.
   */
  private async pinStart(): Promise<void> {
    const { bus, name, group, topics, logger } = this.options;
    const admin = bus.transport.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const starts = await pinGroupStart(
        admin,
        sinkGroupId(name, group),
        topics.filter((t) => existing.has(t)),
        'latest',
      );
      for (const start of starts.filter((s) => s.from !== 'committed'))
        logger.info(
          { topic: start.topic, pinned: start.pinned },
          start.from === 'active'
            ? 'sink group held by another member: it starts where that member is'
            : 'sink group had no committed offsets: starts at the end of the topic (startAt: latest)',
        );
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Its consumer stopped for good: said in words (which sink, which topics, why), typed by whether a restart can
   * help (`restartable`: a group coordinator not found can, a batch its client cannot decode cannot), and handed to
   * the runtime, which marks the connector FAILED and restarts it by itself when it can.
   */
  private crashed(cause: Error): void {
    if (this.stopped) return;
    const { name, topics, counters, logger } = this.options;
    const message = `sink ${name} stopped reading ${topics.join(', ')}: its Kafka consumer crashed (${errorMessage(cause)})${crashHint(name, cause)}`;
    const error = restartable(cause)
      ? new RetriableError(message, { cause })
      : new NonRetriableError(message, { cause });
    counters.lastError = message;
    // Its retries of a record in hand ended with it: not "retrying" beside FAILED.
    this.inHand.clear();
    this.notRetrying();
    logger.error({ error: message, restartable: error.retriable }, 'sink consumer crashed');
    if (!this.started) {
      this.crashedAtStart = error;
      return;
    }
    this.options.onFailure?.(error);
  }

  /**
   * An attempt of the record in hand failed inside its put, and the task retries it itself (the HTTP sink's retries
   * within a put: four attempts of 10 s against a target that hangs). The status says `retrying` now, not once the
   * put gives up. Ignored when no record is in hand (a task left behind after its stop, say).
   */
  attemptFailed(error: unknown, record?: SinkRecord): void {
    if (this.stopped) return;
    if (record) {
      const position = `${record.topic}/${record.partition}/${record.offset}`;
      if (this.inHand.has(position)) this.failed(position, error);
      return;
    }
    for (const position of [...this.inHand.keys()]) this.failed(position, error);
  }

  /**
   * One more failed attempt of the record at `position`: since it first failed (when the put whose attempt failed
   * first started), and its attempts in all, the task's own retries included. A pause, a restart or a rebalance in
   * between hands it to a new task, which goes on counting.
   */
  private failed(position: string, error: unknown): void {
    const { counters, name } = this.options;
    const failing = failingOf(counters);
    const startedAt = this.inHand.get(position) ?? new Date().toISOString();
    const known = failing.get(position) ?? { since: startedAt, failures: 0 };
    known.failures += 1;
    failing.set(position, known);
    counters.retrying = { since: known.since, attempts: known.failures + 1, error: errorMessage(error) };
    connectorMetrics.retryingSince.set({ connector: name }, Date.parse(known.since) / 1000);
  }

  /**
   * A record in hand was applied or dead-lettered: the status stops saying `retrying` unless another one in hand
   * still fails (a batching task's).
   */
  private settled(): void {
    const failing = failingOf(this.options.counters);
    if ([...this.inHand.keys()].some((position) => failing.has(position))) return;
    this.notRetrying();
  }

  private notRetrying(): void {
    this.options.counters.retrying = null;
    connectorMetrics.retryingSince.set({ connector: this.options.name }, 0);
  }

  /**
   * Once per record, not per attempt: in = out + skipped + failed once the sink caught up. A record in hand when its
   * task stopped (a pause, a restart, during retries) is delivered again to the next task, which shares the counters.
   */
  private countIn(record: ConsumedEvent['record']): void {
    const pending = pendingOf(this.options.counters);
    const position = positionOf(record);
    if (pending.has(position)) return;
    pending.add(position);
    this.options.counters.recordsIn += 1;
    connectorMetrics.recordsIn.inc({ connector: this.options.name });
  }

  /**
   * The receipt a command asked for, retried as the sink's writes are; one that still cannot be written is logged
   * and given up (the sender's wait times out), so that the record is not applied again for its sake.
   */
  private async receipt(command: Partial<EventAttributes>, outcome: ReceiptOutcome, reason?: string) {
    if (!wantsReceipt(command)) return;
    const { bus, name, group, logger } = this.options;
    try {
      await withRetry(
        async () => {
          this.receipts ??= (async () => {
            const producer = bus.transport.producer();
            await producer.connect();
            return producer;
          })().catch((error) => {
            this.receipts = undefined;
            throw error;
          });
          await (await this.receipts).send([
            receiptRecord(command, connectorKey(name, group), outcome, reason),
          ]);
        },
        { ...this.options.retry },
      );
    } catch (error) {
      logger.error({ command: command.id, outcome, error: errorMessage(error) }, 'receipt not written');
    }
  }

  /** The lag query under way: callers while it runs share it (a broker that is down holds one for minutes). */
  private lagging: Promise<{ records: number; seconds: number }> | undefined;

  /**
   * Records on the sink's topics not yet applied, and the oldest one's age: while a record is being applied (or
   * retried), its own age (the records behind it are younger on its partition); while none is, the time since a
   * record was last applied (the backlog then is what came since, or a commit not yet written). Not the time since
   * the last record applied was produced: on a quiet topic that was hours, for a record that came a second ago.
   */
  lag(): Promise<{ records: number; seconds: number }> {
    this.lagging ??= this.queryLag().finally(() => {
      this.lagging = undefined;
    });
    return this.lagging;
  }

  private async queryLag(): Promise<{ records: number; seconds: number }> {
    const admin = this.options.bus.transport.admin();
    await admin.connect();
    try {
      let records = 0;
      for (const topic of this.options.topics) {
        for (const n of (
          await groupBacklog(admin, sinkGroupId(this.options.name, this.options.group), topic)
        ).values())
          records += n;
      }
      // Nothing unapplied anywhere in the group: a record given up here for a rebalance was applied by another member.
      if (records === 0) this.applying.clear();
      const now = Date.now();
      const oldest = this.applying.size > 0 ? Math.min(...this.applying.values()) : this.lastAppliedAt;
      const seconds = records > 0 && oldest !== null ? Math.max(0, (now - oldest) / 1000) : 0;
      const { name } = this.options;
      connectorMetrics.lagRecords.set({ connector: name }, records);
      connectorMetrics.lagSeconds.set({ connector: name }, seconds);
      this.options.counters.lagRecords = records;
      this.options.counters.lagSeconds = seconds;
      return { records, seconds };
    } finally {
      await admin.disconnect();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.runner?.stop();
    this.inHand.clear();
    // Its retries ended with it: a paused or stopped sink is not retrying (sync health would say it goes on by itself).
    this.notRetrying();
    this.applying.clear();
    const receipts = this.receipts;
    this.receipts = undefined;
    await receipts?.then((producer) => producer.disconnect()).catch(() => undefined);
    await this.options.task.stop().catch((error) => {
      this.options.logger.warn({ error: errorMessage(error) }, 'sink task did not stop cleanly');
    });
  }
}

/**
 * Per connector's counters (they outlive its tasks): the records that failed and are retried, by position: since
 * when, and how often.
 */
const failingRecords = new WeakMap<TaskCounters, Map<string, { since: string; failures: number }>>();

function failingOf(counters: TaskCounters): Map<string, { since: string; failures: number }> {
  let failing = failingRecords.get(counters);
  if (!failing) {
    failing = new Map();
    failingRecords.set(counters, failing);
  }
  return failing;
}

/**
 * Per connector's counters (they outlive its tasks): the records counted in and not yet applied, skipped or
 * dead-lettered, by position.
 */
const pendingRecords = new WeakMap<TaskCounters, Set<string>>();

function pendingOf(counters: TaskCounters): Set<string> {
  let pending = pendingRecords.get(counters);
  if (!pending) {
    pending = new Set();
    pendingRecords.set(counters, pending);
  }
  return pending;
}

/**
 * What to do about a crash a restart repeats, where it is known: a record batch whose bytes its codec cannot read
 * (the transport reads GZIP, Snappy, LZ4 and ZSTD, bus/transport/kafkajs-codecs.ts) is fetched again at every
 * restart. Exported for its spec.
 */
export function crashHint(name: string, error: unknown): string {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (e instanceof BatchDecompressionError)
      return `: a record batch on its topics is compressed with ${e.codec} but cannot be decompressed, and a restart reads it again; move the sink past it (eai connectors stop ${name}, eai connectors offsets ${name} --set FILE.json, eai connectors resume ${name})`;
    e = (e as { cause?: unknown }).cause;
  }
  return '';
}

function positionOf(record: ConsumedEvent['record']): string {
  return `${record.topic}/${record.partition}/${record.offset}`;
}

/** Its idempotency key carries the connect group, so that another group's sink of the name is no duplicate. */
function toSinkRecord(name: string, group: string, event: ConsumedEvent): SinkRecord {
  const id = event.attributes.id ?? positionOf(event.record);
  return {
    topic: event.record.topic,
    partition: event.record.partition,
    offset: event.record.offset,
    key: event.key,
    schema: event.schemaName,
    value: event.value,
    attributes: { ...event.attributes },
    idempotencyKey: sinkIdempotencyKey(name, group, id),
  };
}
