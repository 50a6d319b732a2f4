import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../lib/seeded-random.ts';

/**
 * Seeded mutants of a format's own fixtures (good and broken): byte flips, truncation, deleted and repeated
 * segments or lines, wrong delimiters, invalid UTF-8, huge and odd numbers, impossible dates, deep nesting and
 * splices of two fixtures. The same seed gives the same mutants, so a failure replays exactly.
 */

/** A small seeded PRNG (lib/seeded-random.ts); `next()` is uniform in [0, 1). */
export function prng(seed: number): {
  next(): number;
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
} {
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)]! };
}

type Rng = ReturnType<typeof prng>;

export interface Mutant {
  /** What was done, for the failure message: `truncate at 312 of broken/missing-bgm.edi`. */
  description: string;
  input: Buffer;
}

/** Every fixture file of a format (the `*.ts` generators left out), good ones and those under broken/. */
export function fixtureFiles(formatDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else if (!name.endsWith('.ts')) out.push(`${prefix}${name}`);
    }
  };
  walk(join(formatDir, 'fixtures'), '');
  return out;
}

const ODD_NUMBERS = [
  '99999999999999999999999',
  '1e400',
  '-1e-400',
  '0.30000000000000004',
  '9007199254740993',
  '-0',
  '1E+308',
  '-99999999999999',
  '00000000',
  '.5',
];
const ODD_DATES = ['20240230', '20231301', '20230229', '00000000', '99999999'];
const ODD_TIMES = ['2400', '2460', '9999', '235960'];

function units(text: string): { separator: string; parts: string[] } {
  // EDI segments end with ~ or ' (X12 / EDIFACT, the usual terminators); everything else splits by line.
  for (const separator of ['~', "'\n", "'", '\n']) {
    const parts = text.split(separator);
    if (parts.length > 3) return { separator, parts };
  }
  return { separator: '\n', parts: text.split('\n') };
}

function nesting(text: string, rng: Rng): string {
  const depth = rng.pick([65, 100, 1000, 50_000]);
  if (text.trimStart().startsWith('<')) return `${'<E1X>'.repeat(depth)}${'</E1X>'.repeat(depth)}`;
  if (text.trimStart().startsWith('{') || text.trimStart().startsWith('['))
    return rng.next() < 0.5
      ? `${'['.repeat(depth)}${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return `${"HL*1*1*I~LIN+1'".repeat(Math.min(depth, 2000))}`;
}

const MUTATIONS: Record<string, (bytes: Buffer, rng: Rng, other: Buffer) => [string, Buffer]> = {
  flip(bytes, rng) {
    const out = Buffer.from(bytes);
    const n = 1 + rng.int(8);
    for (let k = 0; k < n && out.length > 0; k++) out[rng.int(out.length)] = rng.int(256);
    return [`${n} byte flips`, out];
  },
  truncate(bytes, rng) {
    const at = rng.int(bytes.length + 1);
    return [`truncate at ${at}`, bytes.subarray(0, at)];
  },
  deleteUnit(bytes, rng) {
    const { separator, parts } = units(bytes.toString('utf8'));
    const at = rng.int(parts.length);
    parts.splice(at, 1);
    return [`delete unit ${at}`, Buffer.from(parts.join(separator))];
  },
  repeatUnit(bytes, rng) {
    const { separator, parts } = units(bytes.toString('utf8'));
    const at = rng.int(parts.length);
    const times = rng.pick([1, 2, 50]);
    parts.splice(at, 0, ...Array.from({ length: times }, () => parts[at]!));
    return [`repeat unit ${at} ${times}x`, Buffer.from(parts.join(separator))];
  },
  wrongDelimiter(bytes, rng) {
    const text = bytes.toString('utf8');
    const from = rng.pick(['*', '~', '+', "'", ':', ',', '"', '<', '>', '\n', '{', '[']);
    const to = rng.pick(['|', '^', ';', '\n', '', '*', "'"]);
    return [`${JSON.stringify(from)} → ${JSON.stringify(to)}`, Buffer.from(text.split(from).join(to))];
  },
  invalidUtf8(bytes, rng) {
    const at = rng.int(bytes.length + 1);
    const bad = rng.pick([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]);
    return [
      `invalid UTF-8 at ${at}`,
      Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]),
    ];
  },
  oddNumber(bytes, rng) {
    const text = bytes.toString('utf8');
    const runs = [...text.matchAll(/\d+(?:\.\d+)?/g)];
    if (runs.length === 0) return ['no number to change', bytes];
    const run = rng.pick(runs);
    const value = rng.pick(ODD_NUMBERS);
    return [
      `number ${run[0]} at ${run.index} → ${value}`,
      Buffer.from(text.slice(0, run.index) + value + text.slice(run.index + run[0].length)),
    ];
  },
  oddDate(bytes, rng) {
    const text = bytes.toString('utf8');
    const runs = [...text.matchAll(/(?<!\d)(?:\d{8}|\d{4})(?!\d)|\d{4}-\d{2}-\d{2}/g)];
    if (runs.length === 0) return ['no date to change', bytes];
    const run = rng.pick(runs);
    const value =
      run[0].length === 4
        ? rng.pick(ODD_TIMES)
        : run[0].includes('-')
          ? rng.pick(['2024-02-30', '2023-13-01', '2023-02-29'])
          : rng.pick(ODD_DATES);
    return [
      `date ${run[0]} at ${run.index} → ${value}`,
      Buffer.from(text.slice(0, run.index) + value + text.slice(run.index + run[0].length)),
    ];
  },
  deepNesting(bytes, rng) {
    const text = bytes.toString('utf8');
    const at = rng.int(text.length + 1);
    const inserted = nesting(text, rng);
    return [
      `${inserted.length} characters of nesting at ${at}`,
      Buffer.from(text.slice(0, at) + inserted + text.slice(at)),
    ];
  },
  splice(bytes, rng, other) {
    const a = rng.int(bytes.length + 1);
    const b = rng.int(other.length + 1);
    return [
      `first ${a} bytes + another fixture from ${b}`,
      Buffer.concat([bytes.subarray(0, a), other.subarray(b)]),
    ];
  },
};

/** Mutant number `index` of the run `seed` for one format: the same arguments always give the same bytes. */
export function mutant(formatDir: string, files: string[], seed: number, index: number): Mutant {
  const rng = prng((seed * 1_000_003 + index * 7919) >>> 0);
  const file = rng.pick(files);
  let bytes: Buffer = readFileSync(join(formatDir, 'fixtures', file));
  const other = readFileSync(join(formatDir, 'fixtures', rng.pick(files)));
  const steps: string[] = [];
  const count = 1 + rng.int(3);
  for (let k = 0; k < count; k++) {
    const name = rng.pick(Object.keys(MUTATIONS));
    const [what, next] = MUTATIONS[name]!(bytes, rng, other);
    steps.push(`${name} (${what})`);
    bytes = next;
  }
  return { description: `${file}: ${steps.join(', ')}`, input: bytes };
}
