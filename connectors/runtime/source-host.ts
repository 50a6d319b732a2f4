import { type Bus, type CompactedLog, countPublished, type OutgoingRecord } from '../../bus/index.ts';
import { errorMessage, isRetriable, NonRetriableError, RetriableError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { RepeatedFailure } from '../../lib/repeated-failure.ts';
import { withRetry } from '../../lib/retry.ts';
import type { ConnectorContext, Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import { sourceTransactionalIds } from './connector-ids.ts';
import { connectorMetrics, countSkipped, type TaskCounters } from './connector-metrics.ts';
import type { DocumentInput, MappingStep, PreparedDocument } from './mapping-step.ts';
import { ProducerTurns } from './producer-turns.ts';

/**
 * Source positions live in the compacted `eai.connector-offsets` topic, as Kafka Connect keeps them: key
 * `["<connector>","<partition>"]`, value the position as JSON, `null` once reset.
 */
export function positionKey(connector: string, partition: string): string {
  return JSON.stringify([connector, partition]);
}

export function positionsOf(log: CompactedLog, connector: string): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const [key, value] of log.entries()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(key);
    } catch {
      continue;
    }
    if (Array.isArray(parsed) && parsed[0] === connector && typeof parsed[1] === 'string') {
      out.set(parsed[1], JSON.parse(value) as Json);
    }
  }
  return out;
}

/**
 * Transactional ids a task that polls ahead takes turns with, one transaction at a time as before. A transaction begun
 * on the id whose transaction just committed is answered CONCURRENT_TRANSACTIONS until the broker has written that
 * one's commit markers (2-8 ms on loopback, more on a busy broker), which every back-to-back transaction of a busy
 * webhook source waited for; the other id's last transaction ended a whole transaction earlier. Flink's Kafka sink keeps
 * a pool of transactional ids in the same way. Every id is connected (fencing an earlier instance's producer with that
 * id and aborting what it left open) before the positions are read; the second closes its connections when idle and
 * is connected again, with its producer id and epoch, once transactions come back to back (producer-turns.ts).
 */
const TRANSACTIONAL_IDS_POLLING_AHEAD = 2;

/** A transaction longer than this has its topics checked (then again each time this passes), by default. */
const TOPIC_CHECK_MS = 5000;

/** Documents gathered behind one transaction, at most (a task that polls ahead); then the host waits for it. */
const MAX_GROUPED_DOCUMENTS = 1000;

/** How long a batch is mapped on the runtime's own thread before other work gets a turn. */
const YIELD_EVERY_MS = 2;

/** Why a source's document counts as skipped: it mapped to no record and no dead letter (`eai map` shows it). */
const selectsNothing = (mapping: string | undefined) =>
  `${mapping ?? 'the mapping'} selects no record from it`;

type Prepared =
  | {
      ok: true;
      records: OutgoingRecord[];
      published: number;
      deadLettered: number;
      /** Documents that mapped to no record and no dead letter, by why (their mapping selects nothing from them). */
      skipped: Map<string, number>;
      /** Documents that went to the dead-letter topic whole, with the first reason. */
      refused: Map<SourceDocument, string>;
      canonical: Array<{ topic: string }>;
    }
  | { ok: false; error: unknown };

/** One polled batch and its encoded records. */
interface Batch {
  documents: SourceDocument[];
  /** A promise while the mapping threads map it (`mapAll`): awaited by its transaction, not by the loop. */
  prepared: Prepared | Promise<Prepared>;
  /** The host's `generation` when the batch's poll started. */
  generation: number;
}

export interface SourceHostOptions {
  name: string;
  /** The connect group it runs in: its transactional ids are the group's (`sourceTransactionalIds`). */
  group: string;
  task: SourceTask;
  context: ConnectorContext;
  bus: Bus;
  step: MappingStep;
  /** Maps a whole batch elsewhere (the runtime's mapping threads), in order; default: `step`, here. */
  mapAll?: (inputs: DocumentInput[]) => Promise<PreparedDocument[]>;
  offsets: CompactedLog;
  /** The connector's default format. */
  format?: string;
  counters: TaskCounters;
  logger: Logger;
  /** Called when the task fails for good (a fenced producer: another instance took over). */
  onFailure(error: Error): void;
  /** A transaction longer than this has its topics checked, again each time it passes; default TOPIC_CHECK_MS. */
  topicCheckMs?: number;
  /** How long a task that polls ahead keeps its second producer connected with no transaction on it (producer-turns.ts). */
  spareProducerIdleMs?: number;
}

/**
 * Runs one source task: poll → map → one Kafka transaction holding the canonical records, the dead letters and
 * the batch's last position per partition → commit back to the task. After a crash the task resumes from the
 * positions of the last committed transaction, so a `read_committed` consumer sees each document's records once
 * (the idea of KIP-618). The transactional ids are the connector's in its connect group (`sourceTransactionalIds`), so
 * a newer instance of the group fences an older one, and another group's connector of the same name fences neither.
 */
export class SourceHost {
  private readonly options: SourceHostOptions;
  /** One, or for a task that polls ahead TRANSACTIONAL_IDS_POLLING_AHEAD taken in turn. */
  private producers?: ProducerTurns;
  private loop?: Promise<void>;
  private stopping = false;
  /**
   * Failed transactions the task has heard of (its `commit` calls with ok: false returned). A batch whose poll
   * started before the latest one may build on what failed (a webhook's remembered ids, a file's next lines): it is
   * failed back too, and no new poll starts until all such batches are.
   */
  private generation = 0;

  constructor(options: SourceHostOptions) {
    this.options = options;
    this.pollFailures = new RepeatedFailure(options.logger, {
      failed: 'source poll failed',
      healed: 'source poll works again',
      level: 'error',
    });
  }

  async start(): Promise<void> {
    const { bus, name, group, offsets, task } = this.options;
    this.readsWork();
    const ids = sourceTransactionalIds(name, group, task.pollsAhead ? TRANSACTIONAL_IDS_POLLING_AHEAD : 1);
    this.producers = new ProducerTurns(
      ids.map((id) => bus.transport.transactionalProducer(id)),
      { logger: this.options.logger, idleMs: this.options.spareProducerIdleMs },
    );
    // Connecting fences the connector's previous producers and aborts a transaction they left open, so the positions
    // read next are the committed ones, at once.
    await this.producers.connect();
    await offsets.sync();
    await task.start(positionsOf(offsets, name));
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const { task, context } = this.options;
    /** The transaction under way (a task that polls ahead): resolves true once committed. */
    let previous: Promise<boolean> = Promise.resolve(true);
    let previousDone = true;
    /** The transaction under way first fails back batches polled before a failure (see `generation`). */
    let skippingStale = false;
    /** A poll that a committed transaction interrupted: its documents are taken next time round. */
    let polling: { documents: Promise<SourceDocument[] | 'failed'>; generation: number } | undefined;
    /**
     * Batches polled and mapped while the previous transaction was under way, in poll order: they go to Kafka in the
     * next transaction together, so the requests that arrive during one transaction share the next.
     */
    let group: Batch[] = [];
    const stale = (batch: { generation: number }) => batch.generation < this.generation;
    const startPoll = () => ({
      generation: this.generation,
      documents: task.poll().then(
        (documents) => {
          this.pollSucceeded();
          return documents;
        },
        (error) => {
          this.pollFailed(error);
          return 'failed' as const;
        },
      ),
    });
    while (!this.stopping && !context.signal.aborted) {
      if (group.length > 0 && previousDone) {
        const sending = group;
        group = [];
        previousDone = false;
        // Batches polled before the task heard of a failure may build on what failed: failed back, never sent.
        const failedBack = sending.filter(stale);
        const fresh = sending.filter((batch) => !stale(batch));
        skippingStale = failedBack.length > 0;
        previous = (async () => {
          if (failedBack.length > 0) await this.skip(failedBack);
          skippingStale = false;
          return fresh.length > 0 ? this.deliver(fresh) : true;
        })().then((ok) => {
          previousDone = true;
          return ok;
        });
        if (!task.pollsAhead) await previous;
        continue;
      }
      if (!polling && (skippingStale || group.some(stale))) {
        // No new poll until every batch polled before a failure is failed back: the task then hands out again
        // what failed, in order, before anything new.
        await previous;
        continue;
      }
      polling ??= startPoll();
      const next =
        group.length > 0
          ? await Promise.race([polling.documents, previous.then(() => 'sent' as const)])
          : await polling.documents;
      if (next === 'sent') continue;
      const { generation } = polling;
      polling = undefined;
      if (next === 'failed') {
        // A poll that says asking again cannot help (a revoked key, a model the user may not read: a NonRetriableError)
        // fails the connector, as Kafka Connect fails a task whose poll throws: FAILED with its trace, for an operator
        // (auto-restart leaves such an error alone), instead of RUNNING and polling for ever with a lastError.
        if (this.pollGaveUp) {
          this.stopping = true;
          this.options.onFailure(this.pollGaveUp);
          break;
        }
        await sleep(1000, context.signal);
        continue;
      }
      if (next.length === 0) continue;
      // A task that polls ahead reads its next batch (a file's next lines: I/O mostly) while this one is mapped,
      // unless a failure is to be failed back first (as above).
      const failing = skippingStale || generation < this.generation || group.some(stale);
      if (task.pollsAhead && !failing && !this.stopping && !context.signal.aborted) polling = startPoll();
      // A stale batch is only failed back: not worth mapping. Mapped in the runtime's mapping threads, a batch is not
      // waited for here: the loop goes on to read the next one and hand it to the threads too, so they map batch N+1
      // (queued behind N) while this thread sends N, and never wait between batches for a transaction to end.
      const prepared =
        generation < this.generation
          ? { ok: false as const, error: null }
          : this.options.mapAll
            ? this.prepare(next)
            : await this.prepare(next);
      group.push({ documents: next, prepared, generation });
      const gathered = group.reduce((n, batch) => n + batch.documents.length, 0);
      if (!task.pollsAhead || gathered >= MAX_GROUPED_DOCUMENTS) await previous;
    }
    await previous;
    // Stopping: what was gathered or polled is not on Kafka; the task hears so (a webhook answers 503).
    const left = polling ? await polling.documents : [];
    if (left !== 'failed' && left.length > 0)
      group.push({ documents: left, prepared: { ok: false, error: null }, generation: this.generation });
    for (const { documents } of group)
      await task
        .commit(documents, { ok: false, error: new RetriableError('stopping') })
        .catch(() => undefined);
  }

  /** The log of polls that fail in a row. */
  private readonly pollFailures: RepeatedFailure;
  /** The error of the last poll that failed, while polls fail. */
  private pollError: string | null = null;

  /**
   * A poll that failed (a folder missing, a system down): the task is polled again a second later. Logged when it
   * starts failing, then at most once a minute while it goes on, with the count, whichever error it gives (a source
   * that polls two entities fails with two in turn: each logged every time, before, was a line per failed poll), and
   * once when it works again (lib/repeated-failure.ts); the status's lastError says it meanwhile.
   */
  /** The poll's error when it said that asking again cannot help (not retriable): the connector fails with it. */
  private pollGaveUp: Error | null = null;

  private pollFailed(error: unknown): void {
    if (!isRetriable(error)) this.pollGaveUp = error instanceof Error ? error : new Error(String(error));
    const message = errorMessage(error);
    // The first failure in a row: since then the system's changes wait (the gauge an alert reads; the log said it).
    if (!this.pollFailures.failing)
      connectorMetrics.readFailingSince.set({ connector: this.options.name }, Date.now() / 1000);
    this.pollFailures.failed(message);
    this.pollError = message;
    this.options.counters.lastError = message;
  }

  private pollSucceeded(): void {
    if (!this.pollFailures.healed()) return;
    this.readsWork();
    if (this.options.counters.lastError === this.pollError) this.options.counters.lastError = null;
    this.pollError = null;
  }

  private readsWork(): void {
    connectorMetrics.readFailingSince.set({ connector: this.options.name }, 0);
  }

  /** Maps the batch and encodes its records (the CPU work, done while the previous batch is on its way). */
  private async prepare(documents: SourceDocument[]): Promise<Prepared> {
    const { name, counters, step, mapAll } = this.options;
    const mapped = documents.filter((document) => !document.positionOnly);
    counters.recordsIn += mapped.length;
    connectorMetrics.recordsIn.inc({ connector: name }, mapped.length);
    try {
      const records: OutgoingRecord[] = [];
      let published = 0;
      let deadLettered = 0;
      const skipped = new Map<string, number>();
      const refused = new Map<SourceDocument, string>();
      const canonical: Array<{ topic: string }> = [];
      let all: PreparedDocument[] | undefined;
      if (mapAll) {
        const inputs: DocumentInput[] = [];
        // Indexed loops here and below: this runs once a batch, over thousands of documents and records, mostly before
        // V8 optimizes it, and a for-of allocated an iterator result per element (~50 bytes a record).
        for (let i = 0; i < mapped.length; i++)
          if (mapped[i]!.refused === undefined) inputs.push(this.input(mapped[i]!));
        all = await mapAll(inputs);
      }
      let since = performance.now();
      let next = 0;
      for (let i = 0; i < mapped.length; i++) {
        const document = mapped[i]!;
        // Mapping is synchronous work: a batch of thousands would hold the event loop for seconds, and the
        // runtime's group heartbeats (6 s session) and HTTP API with it. Other work gets a turn every 2 ms: the
        // poll ahead reads one chunk of a file a turn (then 64 KiB: a batch of 2,000 Shopify orders needed 37), so
        // with turns 20 ms apart it was still reading when the batch was mapped (bench:connectors 14,040 → ~15,300/s).
        if (!all && performance.now() - since > YIELD_EVERY_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          since = performance.now();
        }
        // Prepared without a promise when nothing needs one (the usual case once the first document met the registry);
        // one the source refused whole is dead-lettered with its reason, never mapped.
        let prepared =
          document.refused !== undefined
            ? step.refuse(this.input(document), new SourceRefusal(document.refused))
            : all
              ? all[next++]!
              : step.prepareEagerly(this.input(document));
        if (prepared instanceof Promise) prepared = await prepared;
        const made = prepared.records;
        for (let r = 0; r < made.length; r++) {
          records.push(made[r]!);
          if (!made[r]!.topic.startsWith('dlq.')) canonical.push(made[r]!);
        }
        published += prepared.published;
        deadLettered += prepared.deadLettered.length;
        const why = prepared.deadLettered[0];
        if (prepared.published === 0 && why) refused.set(document, `${why.error}: ${why.message}`);
        else if (prepared.published === 0 && made.length === 0) {
          const why = selectsNothing(prepared.selectedNothing);
          skipped.set(why, (skipped.get(why) ?? 0) + 1);
        }
      }
      return { ok: true, records, published, deadLettered, skipped, refused, canonical };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /**
   * One Kafka transaction: the batches' records and their last position per partition; then the task's commit of
   * each batch, in poll order. True when committed.
   */
  private async deliver(batches: Batch[]): Promise<boolean> {
    const { task, name, counters, logger } = this.options;
    // Batches still in the mapping threads are waited for (prepare never rejects: a failure is its `ok: false`).
    const all = await Promise.all(batches.map((batch) => batch.prepared));
    const failed = all.find((prepared) => !prepared.ok);
    if (failed && !failed.ok) return this.fail(batches, failed.error);
    const records: OutgoingRecord[] = [];
    const canonical: Array<{ topic: string }> = [];
    let published = 0;
    let deadLettered = 0;
    const skipped = new Map<string, number>();
    for (const prepared of all) {
      if (!prepared.ok) continue;
      records.push(...prepared.records);
      canonical.push(...prepared.canonical);
      published += prepared.published;
      deadLettered += prepared.deadLettered;
      for (const [why, n] of prepared.skipped) skipped.set(why, (skipped.get(why) ?? 0) + n);
    }
    const refused = new Map(all.flatMap((prepared) => (prepared.ok ? [...prepared.refused] : [])));
    records.push(
      ...this.positionRecords(
        batches.flatMap((batch) => batch.documents),
        refused,
      ),
    );
    const sent = performance.now();
    const producers = this.producers!;
    const producer = producers.take();
    try {
      await this.unlessTopicGone(
        withRetry(() => producer.sendTransaction(records), {
          retries: 5,
          onRetry: (error, attempt) =>
            logger.warn({ attempt, error: errorMessage(error) }, 'source transaction failed, retrying'),
        }),
        records,
      );
    } catch (error) {
      producers.ended();
      return this.fail(batches, error);
    }
    producers.ended();
    connectorMetrics.transactionSeconds.observe({ connector: name }, (performance.now() - sent) / 1000);
    connectorMetrics.transactionDocuments.observe(
      { connector: name },
      batches.reduce((n, batch) => n + batch.documents.length, 0),
    );
    countPublished(canonical);
    counters.recordsOut += published;
    counters.recordsFailed += deadLettered;
    counters.lastSuccessAt = new Date().toISOString();
    counters.lastError = null;
    connectorMetrics.recordsOut.inc({ connector: name }, published);
    if (deadLettered) connectorMetrics.recordsFailed.inc({ connector: name }, deadLettered);
    for (const [why, n] of skipped) {
      countSkipped(name, counters, why, n);
      // Not an error (a mapping may leave documents it is not for), but never without a word: `eai map` says why.
      logger.debug(
        { skipped: n, why },
        'documents mapped to no record (their mapping selects nothing from them)',
      );
    }
    connectorMetrics.lastSuccess.set({ connector: name }, Date.now() / 1000);
    for (const [i, { documents }] of batches.entries()) {
      const prepared = all[i]!;
      if (!prepared.ok) continue;
      try {
        await task.commit(documents, {
          ok: true,
          published: prepared.published,
          deadLettered: prepared.deadLettered,
          refused: prepared.refused,
        });
      } catch (error) {
        // On Kafka already: the source's own acknowledgement failed, which the next batches do not depend on.
        logger.error({ error: errorMessage(error) }, 'source task commit failed');
      }
    }
    return true;
  }

  /**
   * The transaction, unless one of its topics is gone: the Kafka client waits for a topic that does not exist for
   * ever (UNKNOWN_TOPIC_OR_PARTITION is retriable to it), so a connector whose output topic was deleted would read on
   * and publish nothing, without a word. While a transaction takes longer than `topicCheckMs` the cluster's topics
   * are listed, each time that passes; one missing fails the batch for good (the connector FAILED, the topic named in
   * its lastError), and the send still under way ends with the producer.
   */
  private async unlessTopicGone(sending: Promise<void>, records: OutgoingRecord[]): Promise<void> {
    const every = this.options.topicCheckMs ?? TOPIC_CHECK_MS;
    const sent = sending.then(() => 'sent' as const);
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        sent,
        new Promise<'check'>((resolve) => {
          timer = setTimeout(() => resolve('check'), every);
        }),
      ]).finally(() => clearTimeout(timer));
      if (outcome === 'sent') return;
      const missing = await this.missingTopics([...new Set(records.map((r) => r.topic))]);
      if (missing.length > 0)
        throw new NonRetriableError(
          `output topic ${missing.map((t) => `"${t}"`).join(', ')} does not exist (deleted, or never created): nothing can be published; create it (npx eai bus create-topic ${missing[0]}) and restart the connector, or change its outputTopics`,
        );
    }
  }

  /** The topics of `topics` the cluster does not have; none when it cannot say (the send goes on waiting). */
  private async missingTopics(topics: string[]): Promise<string[]> {
    const admin = this.options.bus.transport.admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      return topics.filter((topic) => !existing.has(topic));
    } catch (error) {
      this.options.logger.warn(
        { error: errorMessage(error) },
        'the topics of a slow transaction could not be listed',
      );
      return [];
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Batches gathered behind a transaction that failed: their positions may build on it, so they are never sent. */
  private async skip(batches: Batch[]): Promise<boolean> {
    const error = new RetriableError('the batch before it was not committed');
    for (const { documents } of batches)
      await this.options.task.commit(documents, { ok: false, error }).catch(() => undefined);
    return true;
  }

  /** The batches are not on Kafka: the task hears so; a fenced or refused producer stops the host. Always false. */
  private async fail(batches: Batch[], error: unknown): Promise<false> {
    const { task, counters, logger } = this.options;
    const failure = error instanceof Error ? error : new Error(String(error));
    counters.lastError = failure.message;
    const documents = batches.reduce((n, batch) => n + batch.documents.length, 0);
    logger.error({ error: failure.message, documents }, 'source batch not committed');
    for (const batch of batches)
      await task.commit(batch.documents, { ok: false, error: failure }).catch(() => undefined);
    this.generation++;
    if (!isRetriable(error)) {
      // A fenced or refused producer cannot go on: another instance owns this connector now, or Kafka refuses us.
      this.stopping = true;
      this.options.onFailure(failure);
    } else {
      await sleep(1000, this.options.context.signal);
    }
    return false;
  }

  private input(document: SourceDocument): DocumentInput {
    const format = document.format ?? this.options.format;
    if (!format) throw new Error(`${this.options.name}: document ${document.name ?? ''} has no format`);
    const input: DocumentInput = {
      format,
      bytes: document.bytes,
      name: document.name,
      sender: document.sender,
      receivedAt: document.receivedAt,
    };
    if (document.id !== undefined) input.documentId = document.id;
    if (document.where !== undefined) input.where = document.where;
    return input;
  }

  /**
   * The last position per partition in the batch, as records of the offsets topic; the task's `positionOf` each
   * document's, given its fate, when it has one (called for every document, in order).
   */
  private positionRecords(
    documents: SourceDocument[],
    refused: ReadonlyMap<SourceDocument, string>,
  ): OutgoingRecord[] {
    const last = new Map<string, Json>();
    const { task } = this.options;
    for (const d of documents) {
      const position = task.positionOf ? task.positionOf(d, refused.get(d)) : d.position;
      if (position) last.set(position.partition, position.offset);
    }
    return [...last].map(([partition, offset]) => ({
      topic: this.options.offsets.topic,
      key: positionKey(this.options.name, partition),
      value: Buffer.from(JSON.stringify(offset)),
    }));
  }

  /** What the task reports for its connector's status, if anything. */
  taskStatus(): { [key: string]: Json } | undefined {
    try {
      return this.options.task.status?.();
    } catch (error) {
      this.options.logger.warn({ error: errorMessage(error) }, 'source task status failed');
      return undefined;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop?.catch(() => undefined);
    // Its failing reads end with it (a task started again says its own).
    this.readsWork();
    await this.options.task.stop().catch((error) => {
      this.options.logger.warn({ error: errorMessage(error) }, 'source task did not stop cleanly');
    });
    await this.producers?.disconnect();
  }

  /** How many of its transactional producers are connected now: one for an idle source (producer-turns.ts). */
  connectedProducers(): number {
    return this.producers?.connected() ?? 0;
  }
}

/** Why a source refused a document whole (its `refused`), as its dead letter's exception says it. */
class SourceRefusal extends NonRetriableError {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
