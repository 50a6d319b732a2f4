import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { itRefusesBrokenFixtures, LOADED_MACHINE_TIMEOUT_MS } from '../test-support.ts';
import type { FormatReader } from '../types.ts';

setFlagsFromString('--expose-gc');
/** A real collection before each reading, so heap figures are what the result retains, not garbage. */
const collectGarbage = runInNewContext('gc') as () => void;

/** EDI errors point at a segment, a byte or the end of the file. */
const EDI_LOCATION = /segment \d+|byte \d+|end of file/;

/** Shared by the X12 and EDIFACT specs: each broken fixture must fail with a located FormatError saying why. */
export function itRefusesBrokenEdiFixtures(
  reader: FormatReader,
  fixturesDir: string,
  messages: Record<string, RegExp>,
): void {
  itRefusesBrokenFixtures(
    reader,
    fixturesDir,
    Object.fromEntries(
      Object.entries(messages).map(([name, message]) => [name, { location: EDI_LOCATION, message }]),
    ),
  );
}

/**
 * The 50 MB document is refused at once (over the per-document limit) and the largest accepted size parses
 * in seconds; both runs report heap growth so the bound is visible in the test output.
 */
/**
 * This process's CPU time in ms (every thread: the garbage collector's too). The bounds below are on the work a
 * document costs, which CPU time measures whatever else the shared machine runs; wall time at load 15 on two
 * cores was 1.2× of it and failed a 10 s bound the work itself met.
 */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export function itHandlesLargeDocuments(
  reader: FormatReader,
  createReader: (options: { maxBytes?: number }) => FormatReader,
  makeLargeDocument: (bytes: number) => Buffer,
): void {
  it('refuses a 50 MB document within 10 s and without growing the heap', () => {
    const input = makeLargeDocument(50 * 1024 * 1024);
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = cpuMs();
    expect(() => reader.parse(input)).toThrow(/over the \d+-byte limit/);
    const elapsed = cpuMs() - started;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    console.info(
      `${reader.name}: 50 MB refused in ${elapsed.toFixed(1)} ms CPU, heap +${(heapGrowth / 1e6).toFixed(1)} MB`,
    );
    expect(elapsed).toBeLessThan(10_000);
    expect(heapGrowth).toBeLessThan(50e6);
  });

  it(
    'parses a document just under the limit in linear time (per byte at 7/8 MB and 7 MB) and bounded heap',
    () => {
      const input = makeLargeDocument(7 * 1024 * 1024);
      // An eighth of the size first (twice: the first run pays for the JIT), as the baseline cost per byte.
      const small = makeLargeDocument((7 * 1024 * 1024) / 8);
      createReader({}).parse(small);
      const smallStarted = cpuMs();
      createReader({}).parse(small);
      const smallPerByte = (cpuMs() - smallStarted) / small.length;
      collectGarbage();
      const heapBefore = process.memoryUsage().heapUsed;
      const started = cpuMs();
      const documents = createReader({}).parse(input);
      const elapsed = cpuMs() - started;
      collectGarbage();
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
      console.info(
        `${reader.name}: ${(input.length / 1e6).toFixed(1)} MB, ${documents.length} documents in ${elapsed.toFixed(0)} ms CPU, heap +${(heapGrowth / 1e6).toFixed(0)} MB`,
      );
      expect(documents.length).toBeGreaterThan(100);
      expect(elapsed).toBeLessThan(10_000);
      // Linear: about the same cost per byte at 8 times the size (quadratic: 8 times as much). Loose: shared machine.
      const ratio = elapsed / input.length / smallPerByte;
      console.info(`${reader.name}: cost per byte at 7 MB / at 7/8 MB = ${ratio.toFixed(2)}`);
      expect(ratio).toBeLessThan(3);
      expect(heapGrowth).toBeLessThan(80 * input.length);
    },
    LOADED_MACHINE_TIMEOUT_MS,
  );
}
