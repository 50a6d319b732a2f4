import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findReader, findWriter } from '../../formats/index.ts';
import { shownPath } from '../../lib/shown-path.ts';
import type { CompiledMapping } from './compile.ts';
import { canonicalValues, mapDocument, mapToSystem } from './run.ts';
import { writerOptions } from './spec.ts';

/**
 * The dynamic half of `mappings:check` and `eai map test`: every fixture input of a mapping is run and compared
 * with its expected output (`<expected>/<input file name>.json` for to-canonical, `.out` for from-canonical).
 */
export interface FixtureResult {
  mapping: string;
  input: string;
  ok: boolean;
  /** Differences, one a line (`- path: expected` / `+ path: actual`), or the error. */
  details: string[];
  updated?: boolean;
  /** `--update` removed this expected output: its input is gone (`input` is then the expected file). */
  removed?: boolean;
}

/** Input files of a fixture folder: regular files at its top level (`broken/` and generators excluded). */
export function fixtureInputs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => !name.endsWith('.ts') && !name.endsWith('.md') && !name.startsWith('.'))
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .sort();
}

/** `$doc.receivedAt` in fixture runs: fixed, so expected outputs do not change from run to run. */
export const FIXTURE_RECEIVED_AT = new Date('2000-01-01T00:00:00Z');

/** What a mapping makes of one input file, in the JSON form `eai map` prints (and expected files hold). */
export async function fixtureOutput(mapping: CompiledMapping, input: Buffer): Promise<string> {
  if (mapping.direction === 'to-canonical') {
    const records = [];
    for (const document of findReader(mapping.spec.input).parse(input)) {
      records.push(...(await mapDocument(mapping, document, { receivedAt: FIXTURE_RECEIVED_AT })));
    }
    return `${JSON.stringify(records, null, 2)}\n`;
  }
  const writer = findWriter(mapping.spec.output);
  const trees = await mapToSystem(mapping, canonicalValues(input.toString('utf8')));
  const own = writerOptions(mapping.spec);
  // Numbered documents (X12 interchanges) take control number 1 and the fixed time: expected files stay the same.
  const envelope = writer.controlNumbers ? { controlNumber: 1, at: FIXTURE_RECEIVED_AT } : undefined;
  return `${trees.map((tree) => writer.write(tree, own, envelope).toString('utf8')).join('\n\n')}\n`;
}

function flatten(value: unknown, path: string, out: Map<string, string>): void {
  if (value && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [`[${i}]`, v] as const)
      : Object.entries(value);
    if (entries.length === 0) out.set(path, JSON.stringify(value));
    for (const [key, child] of entries) {
      flatten(child, Array.isArray(value) ? `${path}${key}` : path ? `${path}.${key}` : String(key), out);
    }
  } else out.set(path, JSON.stringify(value));
}

/** Field-by-field differences of two JSON texts (or of two plain texts, line by line). */
export function diff(expected: string, actual: string, limit = 25): string[] {
  let a: Map<string, string>;
  let b: Map<string, string>;
  try {
    a = new Map();
    b = new Map();
    flatten(JSON.parse(expected), '', a);
    flatten(JSON.parse(actual), '', b);
  } catch {
    const lines = (t: string) => new Map(t.split('\n').map((line, i) => [`line ${i + 1}`, line]));
    a = lines(expected);
    b = lines(actual);
  }
  const out: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(key) === b.get(key)) continue;
    if (a.has(key)) out.push(`- ${key}: ${a.get(key)}`);
    if (b.has(key)) out.push(`+ ${key}: ${b.get(key)}`);
  }
  return out.length > limit ? [...out.slice(0, limit), `… ${out.length - limit} more`] : out;
}

export async function runFixtures(
  mapping: CompiledMapping,
  options: { update?: boolean } = {},
): Promise<FixtureResult[]> {
  const results: FixtureResult[] = [];
  const inputs = fixtureInputs(mapping.fixturesDir);
  if (inputs.length === 0) {
    return [
      {
        mapping: mapping.file,
        input: shownPath(mapping.fixturesDir),
        ok: false,
        details: ['no fixture inputs'],
      },
    ];
  }
  const extension = mapping.direction === 'to-canonical' ? '.json' : '.out';
  for (const input of inputs) {
    const expectedFile = join(mapping.expectedDir, `${basename(input)}${extension}`);
    const result: FixtureResult = {
      mapping: mapping.file,
      input: shownPath(input),
      ok: false,
      details: [],
    };
    results.push(result);
    let actual: string;
    try {
      actual = await fixtureOutput(mapping, readFileSync(input));
    } catch (error) {
      result.details = [(error as Error).message];
      continue;
    }
    // An expected output that already says the same (a hand-trimmed final newline, keys in another order) is left
    // as it is, so `--update` after adding one fixture touches that fixture's file and no other.
    if (options.update) {
      const same = existsSync(expectedFile) && diff(readFileSync(expectedFile, 'utf8'), actual).length === 0;
      if (!same) {
        mkdirSync(mapping.expectedDir, { recursive: true });
        writeFileSync(expectedFile, actual);
      }
      Object.assign(result, { ok: true, updated: !same });
      continue;
    }
    if (!existsSync(expectedFile)) {
      result.details = [
        `no expected output ${shownPath(expectedFile)} (write it with: eai map test --update)`,
      ];
      continue;
    }
    result.details = diff(readFileSync(expectedFile, 'utf8'), actual);
    result.ok = result.details.length === 0;
  }
  results.push(...obsoleteOutputs(mapping, inputs, extension, options.update === true));
  return results;
}

/**
 * Expected outputs whose input is gone (renamed or removed): they proved nothing and read as if they did, and a
 * renamed input's new file sat beside its old one for good. As Jest's obsolete snapshots: said, and `--update`
 * removes them.
 */
function obsoleteOutputs(
  mapping: CompiledMapping,
  inputs: string[],
  extension: string,
  update: boolean,
): FixtureResult[] {
  if (!existsSync(mapping.expectedDir)) return [];
  const names = new Set(inputs.map((input) => `${basename(input)}${extension}`));
  const results: FixtureResult[] = [];
  for (const name of readdirSync(mapping.expectedDir).sort()) {
    const file = join(mapping.expectedDir, name);
    if (!name.endsWith(extension) || names.has(name) || !statSync(file).isFile()) continue;
    const input = name.slice(0, -extension.length);
    if (update) {
      rmSync(file);
      results.push({ mapping: mapping.file, input: shownPath(file), ok: true, details: [], removed: true });
      continue;
    }
    results.push({
      mapping: mapping.file,
      input: shownPath(file),
      ok: false,
      details: [
        `obsolete expected output: no fixture input ${input} in ${shownPath(mapping.fixturesDir)} (renamed or removed? eai map test --update removes it)`,
      ],
    });
  }
  return results;
}
