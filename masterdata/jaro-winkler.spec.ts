import { readFileSync } from 'node:fs';
import talismanJaroWinkler from 'talisman/metrics/jaro-winkler.js';
import { describe, expect, it } from 'vitest';
import { createRng } from '../simulators/generator/prng.ts';
import { febrlLike } from '../tests/mdm-data.ts';
import { defaultMdmConfig } from './config.ts';
import { jaroWinkler } from './jaro-winkler.ts';
import { fold, standardise } from './standardise.ts';

/** Pairs on which the two differ, as `a | b: ours vs talisman's` (empty when every score is the same double). */
function differences(pairs: Array<[string, string]>): string[] {
  const out: string[] = [];
  for (const [a, b] of pairs) {
    const ours = jaroWinkler(a, b);
    const theirs = talismanJaroWinkler(a, b);
    if (!Object.is(ours, theirs)) out.push(`${a} | ${b}: ${ours} vs ${theirs}`);
  }
  return out;
}

describe('jaroWinkler', () => {
  it('gives the known values of the literature', () => {
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler('dwayne', 'duane')).toBeCloseTo(0.84, 4);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.8133, 4);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', '')).toBe(1);
    expect(jaroWinkler('', 'a')).toBe(0);
    expect(jaroWinkler('a', 'a')).toBe(1);
  });

  it('is talisman’s to the bit on random strings of a small alphabet, of every length up to 40', () => {
    const rng = createRng(18);
    const word = (alphabet: string) => {
      const length = rng.int(0, 40);
      let s = '';
      for (let i = 0; i < length; i++) s += alphabet[rng.int(0, alphabet.length - 1)];
      return s;
    };
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < 20_000; i++) pairs.push([word('abcde'), word('abcde')]);
    // Near misses (one edit apart) reach the Winkler boost, where the prefix counts.
    for (let i = 0; i < 5_000; i++) {
      const a = word('abcdefgh');
      const at = rng.int(0, a.length);
      pairs.push([a, `${a.slice(0, at)}${'xyz'[rng.int(0, 2)]}${a.slice(at + 1)}`]);
      pairs.push([a, `${a.slice(0, at)}${a.slice(at + 1, at + 2)}${a.slice(at, at + 1)}${a.slice(at + 2)}`]);
    }
    expect(pairs.length).toBe(30_000);
    expect(differences(pairs)).toEqual([]);
  });

  it('is talisman’s to the bit on real names (census) and on the forms the matcher compares', () => {
    const names = ['surnames', 'male-given', 'female-given'].flatMap((file) =>
      readFileSync(new URL(`../tests/data/census-1990/${file}.tsv`, import.meta.url), 'utf8')
        .split('\n')
        .map((line) => fold(line.split('\t')[0] ?? ''))
        .filter(Boolean)
        .slice(0, 400),
    );
    const rng = createRng(47);
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < 20_000; i++)
      pairs.push([names[rng.int(0, names.length - 1)] ?? '', names[rng.int(0, names.length - 1)] ?? '']);
    // FEBRL-like originals against their duplicates (typos, swaps): names, streets and cities as scored.
    const config = defaultMdmConfig();
    const records = febrlLike(3, 1000).map((r) => standardise(r.customer, config));
    const fields = ['givenName', 'familyName', 'street', 'city'] as const;
    for (let i = 0; i + 1 < records.length; i++) {
      for (const f of fields) {
        const a = records[i]?.[f];
        const b = records[i + 1]?.[f];
        const c = records[rng.int(0, records.length - 1)]?.[f];
        if (a && b) pairs.push([a, b]);
        if (a && c) pairs.push([a, c]);
      }
    }
    // Beyond Latin-1: accents kept, and characters outside the BMP (two code units each, as talisman counts).
    pairs.push(
      ['müller', 'mueller'],
      ['straße', 'strasse'],
      ['日本語', '日本人'],
      ['a😀b', 'a😀c'],
      ['😀', '😁'],
    );
    expect(pairs.length).toBeGreaterThan(25_000);
    expect(differences(pairs)).toEqual([]);
  });

  it('keeps no state between calls: a long pair, then short ones, then the long pair again', () => {
    const long = 'x'.repeat(300);
    const first = jaroWinkler(long, `${long}y`);
    expect(jaroWinkler('ab', 'ba')).toBe(talismanJaroWinkler('ab', 'ba'));
    expect(jaroWinkler(long, `${long}y`)).toBe(first);
    expect(first).toBe(talismanJaroWinkler(long, `${long}y`));
  });
});
