import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { readers } from '../../formats/index.ts';
import type { FuzzJob, FuzzMessage } from './worker.ts';

/**
 * Issue 16: a seeded fuzz run of every reader in the suite. For each format, CASES mutants of its own fixtures
 * (tests/fuzz/mutate.ts) are read and mapped in a worker thread with a capped heap; each must be mapped or refused
 * with the project's located error (FormatError / MappingError), never a raw TypeError or RangeError, and within
 * CASE_DEADLINE_MS (a case that runs longer is stopped and fails). A failure names the seed, the case and what was
 * mutated; replay it with `EAI_FUZZ_SEED=<seed> npx vitest run tests/fuzz`. EAI_FUZZ_CASES runs more.
 */
const SEED = Number(process.env.EAI_FUZZ_SEED ?? 16);
const CASES = Number(process.env.EAI_FUZZ_CASES ?? 200);
/** One document's deadline: the budget is 10 s for the largest; these mutants are small, a shared CI core slow. */
const CASE_DEADLINE_MS = 5_000;
const HEAP_MB = 512;

let worker: Worker | undefined;
function fuzzWorker(): Worker {
  worker ??= new Worker(join(import.meta.dirname, 'worker.ts'), {
    resourceLimits: { maxOldGenerationSizeMb: HEAP_MB },
  });
  return worker;
}
afterAll(async () => {
  await worker?.terminate();
});

interface Finding {
  index: number;
  description: string;
  problem: string;
}

/** Runs one format's cases; resolves with the findings (raw errors, too slow, a stopped or crashed worker). */
function runFormat(
  format: string,
): Promise<{ findings: Finding[]; mapped: number; refused: number; slowestMs: number }> {
  const current = fuzzWorker();
  const findings: Finding[] = [];
  let mapped = 0;
  let refused = 0;
  let slowestMs = 0;
  let description = '';
  let index = -1;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      current.off('message', onMessage);
      current.off('error', onError);
      resolve({ findings, mapped, refused, slowestMs });
    };
    const stop = (problem: string) => {
      findings.push({ index, description, problem });
      worker = undefined;
      void current.terminate();
      finish();
    };
    const onError = (error: Error) => stop(`the worker died: ${error.message}`);
    const onMessage = (message: FuzzMessage) => {
      if (message.type === 'start') {
        index = message.index;
        description = message.description;
        clearTimeout(timer);
        timer = setTimeout(() => stop(`no answer within ${CASE_DEADLINE_MS} ms: stopped`), CASE_DEADLINE_MS);
      } else if (message.type === 'done') {
        clearTimeout(timer);
        slowestMs = Math.max(slowestMs, message.ms);
        if (message.outcome === 'mapped') mapped++;
        else if (message.outcome === 'refused') refused++;
        else if ('error' in message) findings.push({ index, description, problem: message.error });
      } else finish();
    };
    current.on('message', onMessage);
    current.on('error', onError);
    current.postMessage({ format, seed: SEED, cases: CASES } satisfies FuzzJob);
  });
}

describe(`fuzz: ${CASES} seeded mutants per reader (seed ${SEED})`, () => {
  for (const reader of readers) {
    it(`${reader.name}: each mutant is mapped or refused with a location, in time`, async () => {
      const result = await runFormat(reader.name);
      const report = result.findings
        .map((f) => `  case ${f.index} (${f.description}): ${f.problem}`)
        .join('\n');
      expect(
        result.findings,
        `seed ${SEED}, ${reader.name}; replay: EAI_FUZZ_SEED=${SEED} npx vitest run tests/fuzz\n${report}`,
      ).toEqual([]);
      expect(result.mapped + result.refused).toBe(CASES);
      // A fuzz run that maps nothing (or refuses nothing) tests one side only.
      expect(result.refused).toBeGreaterThan(0);
    }, 120_000);
  }
});
