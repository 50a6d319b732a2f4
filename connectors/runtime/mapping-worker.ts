/**
 * A mapping thread (mapping-pool.ts): maps and encodes batches of source documents with the same mapping step the
 * runtime would run in its own thread, one step per connector start, and hands the records back unsent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createBus } from '../../bus/index.ts';
import { errorMessage, isRetriable } from '../../lib/errors.ts';
import { createLogger } from '../../lib/logger.ts';
import { tierUpForMapping } from './jit-tiering.ts';
import { type PackedDocuments, type PackedInputs, packDocuments, unpackInputs } from './mapping-messages.ts';
import type { DocumentInput, MappingStep, PreparedDocument } from './mapping-step.ts';
import { createSourceStep, type SourceStepConfig } from './source-step.ts';

export interface MappingWorkerData {
  brokers: string;
  registryUrl: string;
}

export interface MappingRequest {
  id: number;
  config: SourceStepConfig;
  /** Packed (mapping-messages.ts), else as objects (an input the packing does not hold). */
  inputs: PackedInputs | DocumentInput[];
}

export type MappingReply =
  | {
      id: number;
      ok: true;
      /** The documents packed (mapping-messages.ts), else as they are (a record the packing does not hold). */
      packed?: PackedDocuments;
      results?: PreparedDocument[];
      /** The request's buffer of inputs, given back for a next request once nothing points into it. */
      spare?: ArrayBuffer;
    }
  | { id: number; ok: false; error: { name: string; message: string; retriable: boolean } };

const port = parentPort;
if (port) {
  // The thread's work is the mapping's generated code: optimized sooner (jit-tiering.ts).
  tierUpForMapping();
  const { brokers, registryUrl } = workerData as MappingWorkerData;
  // Only for the registry lookups of the encoders: this thread never sends (prepare does not).
  const bus = createBus({ brokers, registryUrl, logger: createLogger('mapping-thread') });
  // One step per connector, made again when its config (or its start, after a restart) differs.
  const steps = new Map<string, { key: string; step: MappingStep }>();
  port.on('message', async ({ id, config, inputs: posted }: MappingRequest) => {
    const key = JSON.stringify(config);
    const known = steps.get(config.name);
    let step = known?.key === key ? known.step : undefined;
    if (!step) {
      step = createSourceStep(config, bus);
      steps.set(config.name, { key, step });
    }
    let reply: MappingReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const results: PreparedDocument[] = [];
      const inputs = unpackInputs(posted);
      for (const input of inputs) {
        const prepared = step.prepareEagerly(input);
        results.push(prepared instanceof Promise ? await prepared : prepared);
      }
      const packed = packDocuments(results);
      if (packed) {
        // Everything is copied into the packed buffer: the inputs' own can go back.
        const spare = Array.isArray(posted)
          ? (inputs[0]?.bytes.buffer as ArrayBuffer | undefined)
          : posted.bytes;
        reply = { id, ok: true, packed, spare };
        transfer = [packed.bytes, packed.table.buffer as ArrayBuffer, ...(spare ? [spare] : [])];
      } else reply = { id, ok: true, results };
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      reply = { id, ok: false, error: { name, message: errorMessage(error), retriable: isRetriable(error) } };
    }
    port.postMessage(reply, transfer);
  });
}
