import {
  type Bus,
  type CompactedLog,
  countPublished,
  type OutgoingRecord,
  type TransactionalProducer,
} from '../../bus/index.ts';
import { errorMessage, isRetriable, RetriableError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { withRetry } from '../../lib/retry.ts';
import type { ConnectorContext, Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import { connectorMetrics, type TaskCounters } from './connector-metrics.ts';
import type { DocumentInput, MappingStep } from './mapping-step.ts';

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

export interface SourceHostOptions {
  name: string;
  task: SourceTask;
  context: ConnectorContext;
  bus: Bus;
  step: MappingStep;
  offsets: CompactedLog;
  /** The connector's default format. */
  format?: string;
  counters: TaskCounters;
  logger: Logger;
  /** Called when the task fails for good (a fenced producer: another instance took over). */
  onFailure(error: Error): void;
}

/**
 * Runs one source task: poll → map → one Kafka transaction holding the canonical records, the dead letters and
 * the batch's last position per partition → commit back to the task. After a crash the task resumes from the
 * positions of the last committed transaction, so a `read_committed` consumer sees each document's records once
 * (the idea of KIP-618). The transactional id is the connector's, so a newer instance fences an older one.
 */
export class SourceHost {
  private readonly options: SourceHostOptions;
  private producer?: TransactionalProducer;
  private loop?: Promise<void>;
  private stopping = false;

  constructor(options: SourceHostOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    const { bus, name, offsets, task } = this.options;
    this.producer = bus.transport.transactionalProducer(`eai-source-${name}`);
    await this.producer.connect();
    await offsets.sync();
    await task.start(positionsOf(offsets, name));
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const { task, logger, context } = this.options;
    /** The batch whose transaction is under way (a task that polls ahead): resolves true once it committed. */
    let previous: Promise<boolean> = Promise.resolve(true);
    while (!this.stopping && !context.signal.aborted) {
      let documents: SourceDocument[];
      try {
        documents = await task.poll();
      } catch (error) {
        logger.error({ error: errorMessage(error) }, 'source poll failed');
        this.options.counters.lastError = errorMessage(error);
        await sleep(1000, context.signal);
        continue;
      }
      if (documents.length === 0) continue;
      const prepared = await this.prepare(documents);
      if (!(await previous)) {
        // Its positions may build on the batch that failed: never sent, the source reads or receives it again.
        const error = new RetriableError('the batch before it was not committed');
        await task.commit(documents, { ok: false, error }).catch(() => undefined);
        continue;
      }
      previous = prepared.ok ? this.deliver(documents, prepared) : this.fail(documents, prepared.error);
      if (!task.pollsAhead) await previous;
    }
    await previous;
  }

  /** Maps the batch and encodes its records (the CPU work, done while the previous batch is on its way). */
  private async prepare(documents: SourceDocument[]): Promise<
    | {
        ok: true;
        records: OutgoingRecord[];
        published: number;
        deadLettered: number;
        canonical: Array<{ topic: string }>;
      }
    | { ok: false; error: unknown }
  > {
    const { name, counters, step } = this.options;
    counters.recordsIn += documents.length;
    connectorMetrics.recordsIn.inc({ connector: name }, documents.length);
    try {
      const records: OutgoingRecord[] = [];
      let published = 0;
      let deadLettered = 0;
      const canonical: Array<{ topic: string }> = [];
      for (const document of documents) {
        const prepared = await step.prepare(this.input(document));
        records.push(...prepared.records);
        published += prepared.published;
        deadLettered += prepared.deadLettered.length;
        for (const r of prepared.records) if (!r.topic.startsWith('dlq.')) canonical.push(r);
      }
      records.push(...this.positionRecords(documents));
      return { ok: true, records, published, deadLettered, canonical };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** One Kafka transaction: the batch's records and positions; then the task's commit. True when committed. */
  private async deliver(
    documents: SourceDocument[],
    prepared: {
      records: OutgoingRecord[];
      published: number;
      deadLettered: number;
      canonical: Array<{ topic: string }>;
    },
  ): Promise<boolean> {
    const { task, name, counters, logger } = this.options;
    const { records, published, deadLettered, canonical } = prepared;
    try {
      await withRetry(() => this.producer!.sendTransaction(records), {
        retries: 5,
        onRetry: (error, attempt) =>
          logger.warn({ attempt, error: errorMessage(error) }, 'source transaction failed, retrying'),
      });
    } catch (error) {
      return this.fail(documents, error);
    }
    countPublished(canonical);
    counters.recordsOut += published;
    counters.recordsFailed += deadLettered;
    counters.lastSuccessAt = new Date().toISOString();
    counters.lastError = null;
    connectorMetrics.recordsOut.inc({ connector: name }, published);
    if (deadLettered) connectorMetrics.recordsFailed.inc({ connector: name }, deadLettered);
    connectorMetrics.lastSuccess.set({ connector: name }, Date.now() / 1000);
    try {
      await task.commit(documents, { ok: true, published, deadLettered });
    } catch (error) {
      // On Kafka already: the source's own acknowledgement failed, which the next batches do not depend on.
      logger.error({ error: errorMessage(error) }, 'source task commit failed');
    }
    return true;
  }

  /** The batch is not on Kafka: the task hears so; a fenced or refused producer stops the host. Always false. */
  private async fail(documents: SourceDocument[], error: unknown): Promise<false> {
    const { task, counters, logger } = this.options;
    const failure = error instanceof Error ? error : new Error(String(error));
    counters.lastError = failure.message;
    logger.error({ error: failure.message, documents: documents.length }, 'source batch not committed');
    await task.commit(documents, { ok: false, error: failure }).catch(() => undefined);
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
    return {
      format,
      bytes: document.bytes,
      name: document.name,
      sender: document.sender,
      receivedAt: document.receivedAt,
      ...(document.id === undefined ? {} : { documentId: document.id }),
    };
  }

  /** The last position per partition in the batch, as records of the offsets topic. */
  private positionRecords(documents: SourceDocument[]): OutgoingRecord[] {
    const last = new Map<string, Json>();
    for (const d of documents) if (d.position) last.set(d.position.partition, d.position.offset);
    return [...last].map(([partition, offset]) => ({
      topic: this.options.offsets.topic,
      key: positionKey(this.options.name, partition),
      value: Buffer.from(JSON.stringify(offset)),
    }));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop?.catch(() => undefined);
    await this.options.task.stop().catch((error) => {
      this.options.logger.warn({ error: errorMessage(error) }, 'source task did not stop cleanly');
    });
    await this.producer?.disconnect().catch(() => undefined);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
