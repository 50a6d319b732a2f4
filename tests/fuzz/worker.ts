import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { FormatError } from '../../formats/index.ts';
import { MappingError, mapBytes, shippedInboundMapping } from '../../mappings/index.ts';
import { fixtureFiles, mutant } from './mutate.ts';

/**
 * Runs the fuzz cases of one format in a worker thread, so the spec can stop a case that never ends (terminate)
 * and cap the heap (resourceLimits). Posts `start` before and `done` after each case.
 */
export interface FuzzJob {
  format: string;
  seed: number;
  cases: number;
}

export type FuzzMessage =
  | { type: 'start'; index: number; description: string }
  | { type: 'done'; index: number; outcome: 'mapped' | 'refused'; ms: number }
  | { type: 'done'; index: number; outcome: 'raw'; ms: number; error: string }
  | { type: 'finished' };

const formatsDir = join(import.meta.dirname, '..', '..', 'formats');

/**
 * A located refusal: the project's error, its location neither empty nor half-built, and its own words free of
 * `undefined` / `NaN` (a parser's excerpt of the input, after "malformed", may hold anything).
 */
function located(error: unknown): boolean {
  if (error instanceof FormatError) {
    const own = error.message.slice(`${error.format}: ${error.location}: `.length);
    return (
      error.location.trim() !== '' &&
      !/undefined|NaN|^[,:]|[,:] *$/.test(error.location) &&
      (/^malformed/.test(own) || !/\bundefined\b|\bNaN\b/.test(own))
    );
  }
  if (error instanceof MappingError) return !/\bundefined\b|\bNaN\b/.test(error.problem);
  return false;
}

parentPort!.on('message', async (job: FuzzJob) => {
  const dir = join(formatsDir, job.format);
  const files = fixtureFiles(dir);
  // Compiling the mappings takes seconds on a busy machine: done before the first case's deadline starts.
  const mapping = shippedInboundMapping(job.format);
  for (let index = 0; index < job.cases; index++) {
    const { description, input } = mutant(dir, files, job.seed, index);
    parentPort!.postMessage({ type: 'start', index, description } satisfies FuzzMessage);
    const started = performance.now();
    try {
      // mapBytes reads the bytes with the format's reader, then maps every document.
      await mapBytes(job.format, input, { mapping });
      parentPort!.postMessage({ type: 'done', index, outcome: 'mapped', ms: performance.now() - started });
    } catch (error) {
      const ms = performance.now() - started;
      if (located(error)) parentPort!.postMessage({ type: 'done', index, outcome: 'refused', ms });
      else {
        const kind =
          error instanceof FormatError || error instanceof MappingError
            ? 'garbled location or message'
            : 'raw error';
        const text =
          error instanceof Error
            ? `${error.name}: ${error.message}\n${error.stack?.split('\n').slice(1, 4).join('\n')}`
            : String(error);
        parentPort!.postMessage({
          type: 'done',
          index,
          outcome: 'raw',
          ms,
          error: `${kind}: ${text.slice(0, 600)}`,
        });
      }
    }
  }
  parentPort!.postMessage({ type: 'finished' } satisfies FuzzMessage);
});
