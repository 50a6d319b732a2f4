import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { OutgoingRecord } from '../../bus/index.ts';
import { NonRetriableError, RetriableError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { asBuffer, packInputs, unpackDocuments } from './mapping-messages.ts';
import type { DocumentInput, PreparedDocument } from './mapping-step.ts';
import type { MappingReply, MappingRequest, MappingWorkerData } from './mapping-worker.ts';
import type { SourceStepConfig } from './source-step.ts';

/**
 * The mapping threads `eai up` runs when not told (`--mapping-threads auto`): one per core the process may use, at
 * most 8, and none on one core, where a thread would only take turns with the event loop. The runtime's own thread
 * then reads the sources and runs the Kafka transactions (about a fifth of a file source's CPU a record), the threads
 * parse, map and encode: on two cores, two threads moved 1.3–1.6× the records a second of none (bench:connectors).
 */
export function defaultMappingThreads(cores = availableParallelism()): number {
  return cores < 2 ? 0 : Math.min(cores, 8);
}

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
 * reading the sources and running the Kafka transactions meanwhile (the source host hands a thread the next batch
 * while the one before is still mapped, so it never waits for the runtime's thread between batches). Inputs and
 * records go to and fro packed (mapping-messages.ts): a few buffers and strings, not thousands of objects. What a
 * document yields is what the runtime's own thread would make of it: the same mapping step, built from the same config.
 */
export class MappingPool {
  private readonly size: number;
  private readonly data: MappingWorkerData;
  private readonly threads: Array<Thread | undefined>;
  private nextId = 0;
  private closed = false;
  /** Buffers of inputs the threads gave back, for the next requests' inputs (packInputs). */
  private readonly spares: ArrayBuffer[] = [];

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
    const results = parts.length === 1 ? parts[0]! : parts.flat();
    // Indexed: once a batch over thousands of documents, mostly before V8 optimizes it (a for-of allocates an iterator
    // per document, dead letters or none).
    for (let i = 0; i < results.length; i++) {
      const lines = results[i]!.deadLettered;
      for (let l = 0; l < lines.length; l++) {
        const line = lines[l]!;
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
    }
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
      const size = inputs.reduce((n, input) => n + input.bytes.byteLength, 0);
      const spare = this.spares.findIndex((buffer) => buffer.byteLength >= size);
      const packed = packInputs(inputs, spare === -1 ? undefined : this.spares.splice(spare, 1)[0]);
      const request: MappingRequest = { id, config, inputs: packed.inputs };
      thread.worker.postMessage(request, packed.transfer);
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
      if (reply.ok) {
        if (reply.spare && this.spares.length < 2 * this.size) this.spares.push(reply.spare);
        if (reply.packed) waiting.resolve(unpackDocuments(reply.packed));
        else {
          const results = reply.results ?? [];
          for (const prepared of results) for (const record of prepared.records) restoreBuffers(record);
          waiting.resolve(results);
        }
      } else {
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

/** Buffers come back from a thread as plain Uint8Arrays; the transport wants Buffers. */
function restoreBuffers(record: OutgoingRecord): void {
  if (record.value) record.value = asBuffer(record.value);
  if (record.key && typeof record.key !== 'string') record.key = asBuffer(record.key);
  if (record.headers)
    for (const [name, value] of Object.entries(record.headers))
      if (typeof value !== 'string') record.headers[name] = asBuffer(value);
}
