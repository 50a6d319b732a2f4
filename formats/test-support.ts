import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FormatError, type FormatReader, type ParsedDocument } from './types.ts';

/**
 * Reading a format's own fixtures (`<format>/fixtures/*`), shared by the format specs so each spec is only
 * its expectations.
 */
export function fixtureSupport<Tree>(reader: FormatReader<Tree>, fixturesDir: string) {
  const fixture = (name: string): Buffer => readFileSync(join(fixturesDir, name));
  const parse = (name: string): ParsedDocument<Tree>[] => reader.parse(fixture(name));
  /** The one document a fixture holds; a fixture with more or fewer fails the test. */
  const one = (name: string): ParsedDocument<Tree> => {
    const documents = parse(name);
    expect(documents).toHaveLength(1);
    return documents[0]!;
  };
  /** The FormatError the reader throws; any other error, or none, fails the test. */
  const refusal = (input: Buffer): FormatError => {
    try {
      reader.parse(input);
    } catch (error) {
      if (error instanceof FormatError) return error;
      throw error;
    }
    throw new Error(`expected ${reader.name} to refuse the input with a FormatError`);
  };
  return { fixture, parse, one, refusal };
}

/** Where a refusal must point (a RegExp alone), or where and why. */
export type ExpectedRefusal = RegExp | { location: RegExp; message: RegExp };

/**
 * Every file in `<fixturesDir>/broken` must be refused with a FormatError of this format whose location (and
 * message, when given) matches; a broken fixture without an expectation fails, so none goes untested.
 */
export function itRefusesBrokenFixtures<Tree>(
  reader: FormatReader<Tree>,
  fixturesDir: string,
  expected: Record<string, ExpectedRefusal>,
): void {
  const { fixture, refusal } = fixtureSupport(reader, fixturesDir);
  it('has an expectation for every broken fixture', () => {
    expect(readdirSync(join(fixturesDir, 'broken')).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [name, expectation] of Object.entries(expected)) {
    it(`refuses broken/${name} with a located FormatError`, () => {
      const error = refusal(fixture(join('broken', name)));
      expect(error.format).toBe(reader.name);
      if (expectation instanceof RegExp) {
        expect(error.location).toMatch(expectation);
      } else {
        expect(error.location).toMatch(expectation.location);
        expect(error.message).toMatch(expectation.message);
      }
    });
  }
}

/**
 * Building the large input is not timed; `handle` (reading it, or being refused, with its own assertions)
 * must finish within 10 s of this process's CPU time. CPU, not wall time: on a shared machine at load 12 a 5 MB read
 * of 3 s CPU took 10.5–11.3 s of wall time and failed, telling nothing about the reader; a reader gone quadratic
 * still takes minutes of CPU. The test's own timeout leaves room for the wall time of a loaded machine.
 */
export function itHandlesLargeInputWithin10s(
  title: string,
  makeInput: () => Buffer,
  handle: (input: Buffer) => void,
): void {
  it(
    title,
    () => {
      const input = makeInput();
      const before = process.cpuUsage();
      handle(input);
      const used = process.cpuUsage(before);
      expect((used.user + used.system) / 1000).toBeLessThan(10_000);
    },
    LOADED_MACHINE_TIMEOUT_MS,
  );
}

/**
 * The timeout of a test that reads a large input and bounds its CPU time or memory, not its wall time: two minutes,
 * for a CI run on a machine shared with other work (20 s, the unit default, was exceeded at load 12 by tests whose
 * CPU time was well inside their bounds).
 */
export const LOADED_MACHINE_TIMEOUT_MS = 120_000;

/**
 * Milliseconds per unit of `run(size)` at a small and at a large size (the fastest of `repeats` runs each), and
 * their ratio. Linear code keeps the ratio near 1 (fixed costs make the small size, if anything, dearer per unit);
 * quadratic code makes it about large / small. Assert it loosely: the machine is shared and noisy.
 */
export function perUnitCost(
  run: (size: number) => void,
  sizes: { small: number; large: number },
  repeats = 2,
): { small: number; large: number; ratio: number } {
  const fastest = (size: number) => {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < repeats; i++) {
      const started = performance.now();
      run(size);
      best = Math.min(best, performance.now() - started);
    }
    return best / size;
  };
  run(sizes.small); // warm-up: the JIT's first compile is not the code's cost
  const small = fastest(sizes.small);
  const large = fastest(sizes.large);
  return { small, large, ratio: large / small };
}
