import { Worker } from 'node:worker_threads';
import type { OutgoingRecord } from '../../bus/index.ts';
import { NonRetriableError, RetriableError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { DocumentInput, PreparedDocument } from './mapping-step.ts';
import {
  asBuffer,
  type MappingReply,
  type MappingRequest,
  type MappingWorkerData,
} from './mapping-worker.ts';
import type { SourceStepConfig } from './source-step.ts';

/** A mapping thread's failure, as the thread said it: retriable or not, as the original error was. */
class MappingThreadError extends RetriableError {}
class MappingThreadRefusal extends NonRetriableError {}

interface Thread {
  worker: Worker;
  pending: Map<number, { resolve(results: PreparedDocument[]): void; reject(error: Error): void }>;
}

/**
 * Mapping threads for the source connectors of one runtime: a polled batch is cut into as many runs of documents
 * as there are threads, each thread parses, maps and encodes its run (mapping-worker.ts), and the records come back
 * in the batch's order, unsent. Parsing and mapping are most of a source's work; the runtime's own thread keeps
 * reading the sources and running the Kafka transactions meanwhile. What a document yields is what the runtime's
 * own thread would make of it: the same mapping step, built from the same config.
 */
export class MappingPool {
  private readonly size: number;
  private readonly data: MappingWorkerData;
  private readonly threads: Array<Thread | undefined>;
  private nextId = 0;
  private closed = false;

  constructor(options: { threads: number; brokers: string; registryUrl: string }) {
    this.size = options.threads;
    this.data = { brokers: options.brokers, registryUrl: options.registryUrl };
    this.threads = new Array(options.threads).fill(undefined);
  }

  /** Maps the documents in order; a bus failure in any thread rejects the whole batch, as the step would throw. */
  async prepareAll(
    config: SourceStepConfig,
    inputs: DocumentInput[],
    logger?: Logger,
  ): Promise<PreparedDocument[]> {
    if (this.closed) throw new RetriableError('the mapping threads are stopped');
    const runs = Math.min(this.size, inputs.length);
    const per = Math.ceil(inputs.length / runs);
    const parts = await Promise.all(
      Array.from({ length: runs }, (_, i) => this.request(i, config, inputs.slice(i * per, (i + 1) * per))),
    );
    const results = parts.flat();
    results.forEach((prepared, i) => {
      for (const record of prepared.records) restoreBuffers(record);
      for (const line of prepared.deadLettered) {
        const input = inputs[i]!;
        logger?.warn(
          {
            format: input.format,
            document: input.name,
            ...(line.record === undefined ? {} : { record: line.record }),
            error: line.error,
            location: line.location,
          },
          line.record === undefined ? 'document dead-lettered' : 'record dead-lettered',
        );
      }
    });
    return results;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.threads.map((thread, i) => {
        this.threads[i] = undefined;
        return thread?.worker.terminate();
      }),
    );
  }

  private request(index: number, config: SourceStepConfig, inputs: DocumentInput[]) {
    const thread = this.thread(index);
    const id = ++this.nextId;
    return new Promise<PreparedDocument[]>((resolve, reject) => {
      if (thread.pending.size === 0) thread.worker.ref();
      thread.pending.set(id, { resolve, reject });
      const { packed, transfer } = packInputs(inputs);
      const request: MappingRequest = { id, config, inputs: packed };
      thread.worker.postMessage(request, transfer);
    });
  }

  private thread(index: number): Thread {
    const known = this.threads[index];
    if (known) return known;
    const worker = new Worker(new URL('./mapping-worker.ts', import.meta.url), { workerData: this.data });
    // Holds the process open only while a request waits on it.
    worker.unref();
    const thread: Thread = { worker, pending: new Map() };
    worker.on('message', (reply: MappingReply) => {
      const waiting = thread.pending.get(reply.id);
      if (!waiting) return;
      thread.pending.delete(reply.id);
      if (thread.pending.size === 0) worker.unref();
      if (reply.ok) waiting.resolve(reply.results);
      else {
        const Failure = reply.error.retriable ? MappingThreadError : MappingThreadRefusal;
        waiting.reject(new Failure(`${reply.error.name}: ${reply.error.message}`));
      }
    });
    const fail = (error: Error) => {
      if (this.threads[index] === thread) this.threads[index] = undefined;
      for (const { reject } of thread.pending.values()) reject(error);
      thread.pending.clear();
    };
    worker.on('error', (error) => fail(new MappingThreadError(`mapping thread failed: ${error.message}`)));
    worker.on('exit', (code) => fail(new MappingThreadError(`mapping thread exited with ${code}`)));
    this.threads[index] = thread;
    return thread;
  }
}

/**
 * The inputs with their bytes copied side by side into one new buffer, which is handed over to the thread (no
 * second copy). Posted as they are, each input's bytes would be cloned with the whole buffer they are a view of: a
 * webhook body is a view into the socket's 64 KB read buffer (64 KB cloned for a 650-byte request, 12 % of the main
 * thread's time in bench:webhooks with a mapping thread), a file's documents into the whole file.
 */
export function packInputs(inputs: DocumentInput[]): { packed: DocumentInput[]; transfer: ArrayBuffer[] } {
  const buffer = new ArrayBuffer(inputs.reduce((n, input) => n + input.bytes.byteLength, 0));
  const all = new Uint8Array(buffer);
  let at = 0;
  const packed = inputs.map((input) => {
    all.set(input.bytes, at);
    const bytes = Buffer.from(buffer, at, input.bytes.byteLength);
    at += input.bytes.byteLength;
    return { ...input, bytes };
  });
  return { packed, transfer: [buffer] };
}

/** Buffers come back from a thread as plain Uint8Arrays; the transport wants Buffers. */
function restoreBuffers(record: OutgoingRecord): void {
  if (record.value) record.value = asBuffer(record.value);
  if (record.key && typeof record.key !== 'string') record.key = asBuffer(record.key);
  if (record.headers)
    for (const [name, value] of Object.entries(record.headers))
      if (typeof value !== 'string') record.headers[name] = asBuffer(value);
}
