/**
 * A mapping thread (mapping-pool.ts): maps and encodes batches of source documents with the same mapping step the
 * runtime would run in its own thread, one step per connector start, and hands the records back unsent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createBus } from '../../bus/index.ts';
import { errorMessage, isRetriable } from '../../lib/errors.ts';
import { createLogger } from '../../lib/logger.ts';
import type { DocumentInput, MappingStep, PreparedDocument } from './mapping-step.ts';
import { createSourceStep, type SourceStepConfig } from './source-step.ts';

export interface MappingWorkerData {
  brokers: string;
  registryUrl: string;
}

export interface MappingRequest {
  id: number;
  config: SourceStepConfig;
  inputs: DocumentInput[];
}

export type MappingReply =
  | { id: number; ok: true; results: PreparedDocument[] }
  | { id: number; ok: false; error: { name: string; message: string; retriable: boolean } };

const port = parentPort;
if (port) {
  const { brokers, registryUrl } = workerData as MappingWorkerData;
  // Only for the registry lookups of the encoders: this thread never sends (prepare does not).
  const bus = createBus({ brokers, registryUrl, logger: createLogger('mapping-thread') });
  // One step per connector, made again when its config (or its start, after a restart) differs.
  const steps = new Map<string, { key: string; step: MappingStep }>();
  port.on('message', async ({ id, config, inputs }: MappingRequest) => {
    const key = JSON.stringify(config);
    const known = steps.get(config.name);
    let step = known?.key === key ? known.step : undefined;
    if (!step) {
      step = createSourceStep(config, bus);
      steps.set(config.name, { key, step });
    }
    let reply: MappingReply;
    try {
      const results: PreparedDocument[] = [];
      // Buffers arrive as plain Uint8Arrays: viewed as Buffers again, without a copy.
      for (const input of inputs) {
        const prepared = step.prepareEagerly({ ...input, bytes: asBuffer(input.bytes) });
        results.push(prepared instanceof Promise ? await prepared : prepared);
      }
      reply = { id, ok: true, results };
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      reply = { id, ok: false, error: { name, message: errorMessage(error), retriable: isRetriable(error) } };
    }
    port.postMessage(reply);
  });
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
