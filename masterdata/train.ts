/**
 * Training: m and u for every comparison from a sample of records, without labels (EM over the pairs blocking
 * proposes, u from random pairs) or with them (counting). The result goes into the config's `model`; matching
 * then uses fixed parameters, so a pair's score never depends on what else was loaded.
 */
import { mulberry32 } from '../lib/seeded-random.ts';
import { blockingKeys } from './block.ts';
import type { MdmConfig } from './config.ts';
import {
  comparable,
  comparisonVector,
  DEFAULT_MODEL,
  estimateByEm,
  estimateFromLabels,
  estimateU,
  type Model,
} from './score.ts';
import type { StandardCustomer } from './standardise.ts';

/**
 * No level's u goes below 1 in 10,000: a sample of random pairs cannot tell rarer agreement apart, and the
 * overconfident weights of a smaller u merged household members (same family name, same address).
 */
const MIN_U = 1e-4;

/** Seeded, so training on the same sample gives the same model. */
const seeded = mulberry32;

/** Blocking key families and the comparisons that agree by construction among the pairs they propose. */
const KEY_FAMILIES: Record<string, string[]> = {
  n: ['familyName', 'givenName'],
  c: ['familyName', 'givenName', 'orgName'],
  b: ['birthDate'],
  e: ['email'],
  p: ['phone'],
  a: ['postalCode', 'street'],
  s: ['street', 'city'],
  t: ['taxId'],
  d: ['domain'],
  o1: ['orgName'],
  o2: ['orgName'],
  o3: ['orgName'],
};

/** Every pair of records that share a blocking key (of one family, when given), as index pairs (i < j). */
export function candidatePairs(records: StandardCustomer[], family?: string): Array<[number, number]> {
  const byKey = new Map<string, number[]>();
  records.forEach((r, i) => {
    for (const key of blockingKeys(r)) {
      if (family && key.slice(0, key.indexOf(':')) !== family) continue;
      const list = byKey.get(key) ?? [];
      list.push(i);
      byKey.set(key, list);
    }
  });
  const seen = new Set<number>();
  const pairs: Array<[number, number]> = [];
  const n = records.length;
  for (const list of byKey.values()) {
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        const i = list[x] ?? 0;
        const j = list[y] ?? 0;
        const id = i * n + j;
        if (seen.has(id)) continue;
        seen.add(id);
        pairs.push([i, j]);
      }
    }
  }
  return pairs;
}

export function randomPairs(records: StandardCustomer[], count: number, seed = 1): number[][] {
  const rand = seeded(seed);
  const out: number[][] = [];
  const n = records.length;
  for (let k = 0; k < count * 4 && out.length < count && n > 1; k++) {
    const i = Math.floor(rand() * n);
    const j = Math.floor(rand() * n);
    const a = records[i];
    const b = records[j];
    if (i === j || !a || !b || !comparable(a, b)) continue;
    out.push(comparisonVector(a, b));
  }
  return out;
}

/**
 * EM as Splink trains it: one session per blocking key family, each on the pairs that family proposes, with the
 * comparisons that family blocks on held fixed (they agree by construction there, so EM would read agreement on
 * them as the mark of a match); each comparison's m is the mean over the sessions that estimated it.
 */
export function trainBySessions(records: StandardCustomer[], u: Record<string, number[]>, start: Model) {
  const sums: Record<string, { m: number[]; n: number }> = {};
  for (const [family, blocked] of Object.entries(KEY_FAMILIES)) {
    const vectors: number[][] = [];
    for (const [i, j] of candidatePairs(records, family)) {
      const a = records[i];
      const b = records[j];
      if (a && b && comparable(a, b)) vectors.push(comparisonVector(a, b));
    }
    if (vectors.length < 50) continue;
    const session = estimateByEm(vectors, u, start, 50, new Set(blocked));
    for (const [name, p] of Object.entries(session.model)) {
      if (blocked.includes(name)) continue;
      const acc = sums[name] ?? { m: p.m.map(() => 0), n: 0 };
      acc.m = acc.m.map((x, k) => x + (p.m[k] ?? 0));
      acc.n++;
      sums[name] = acc;
    }
  }
  const model: Model = {};
  for (const [name, p] of Object.entries(start)) {
    const acc = sums[name];
    model[name] = { m: acc ? acc.m.map((x) => x / acc.n) : p.m, u: u[name] ?? p.u };
  }
  return model;
}

/** EM on the candidate pairs of `records`, u from `randomPairCount` random pairs. */
export function trainByEm(
  records: StandardCustomer[],
  options: { randomPairCount?: number; seed?: number } = {},
) {
  const random = randomPairs(records, options.randomPairCount ?? 50_000, options.seed ?? 1);
  const observed = Object.fromEntries(
    Object.entries(estimateU(random)).map(([name, f]) => [name, f.map((x) => Math.max(x, MIN_U))]),
  );
  const vectors: number[][] = [];
  for (const [i, j] of candidatePairs(records)) {
    const a = records[i];
    const b = records[j];
    if (a && b && comparable(a, b)) vectors.push(comparisonVector(a, b));
  }
  const result = estimateByEm(vectors, observed, trainBySessions(records, observed, DEFAULT_MODEL), 0);
  // On a small sample, random pairs hold true matches too (1 in a few hundred here, 1 in a million at scale):
  // take their share out of u (f = λr·m + (1 − λr)·u), with λr from EM's estimate of the matches, and run again.
  const n = records.length;
  const rand = seeded((options.seed ?? 1) + 1);
  let comparablePairs = 0;
  for (let k = 0; k < 10_000; k++) {
    const a = records[Math.floor(rand() * n)];
    const b = records[Math.floor(rand() * n)];
    if (a && b && comparable(a, b)) comparablePairs++;
  }
  const allComparable = ((n * (n - 1)) / 2) * Math.max(comparablePairs / 10_000, 1e-3);
  const lambdaRandom = Math.min((result.lambda * vectors.length) / allComparable, 0.5);
  const corrected: Record<string, number[]> = {};
  for (const [name, f] of Object.entries(observed)) {
    const m = result.model[name]?.m ?? [];
    corrected[name] = f.map((x, l) => Math.max((x - lambdaRandom * (m[l] ?? 0)) / (1 - lambdaRandom), MIN_U));
    const total = corrected[name].reduce((s, x) => s + x, 0);
    corrected[name] = corrected[name].map((x) => x / total);
  }
  const model = trainBySessions(records, corrected, result.model);
  return {
    model,
    lambda: result.lambda,
    iterations: result.iterations,
    candidatePairs: vectors.length,
    lambdaRandom,
  };
}

/** m from labelled true pairs, u from random pairs that are not true pairs. */
export function trainFromLabels(
  records: StandardCustomer[],
  entityOf: (index: number) => string,
  seed = 1,
): Model {
  const matches: number[][] = [];
  const byEntity = new Map<string, number[]>();
  records.forEach((_r, i) => {
    const e = entityOf(i);
    const list = byEntity.get(e) ?? [];
    list.push(i);
    byEntity.set(e, list);
  });
  for (const list of byEntity.values()) {
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        const a = records[list[x] ?? 0];
        const b = records[list[y] ?? 0];
        if (a && b && comparable(a, b)) matches.push(comparisonVector(a, b));
      }
    }
  }
  // Non-matches: random pairs of records of different customers.
  const nonMatches: number[][] = [];
  const rand = seeded(seed);
  const n = records.length;
  for (let k = 0; k < 200_000 && nonMatches.length < 50_000 && n > 1; k++) {
    const i = Math.floor(rand() * n);
    const j = Math.floor(rand() * n);
    const a = records[i];
    const b = records[j];
    if (i === j || !a || !b || entityOf(i) === entityOf(j) || !comparable(a, b)) continue;
    nonMatches.push(comparisonVector(a, b));
  }
  return estimateFromLabels(matches, nonMatches);
}

/** The config with a trained model in it. */
export function withModel(config: MdmConfig, model: Model): MdmConfig {
  return { ...config, model };
}
