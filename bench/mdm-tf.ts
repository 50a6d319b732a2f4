// Master data: would Splink's term-frequency adjustment help? In memory (no database), on the bench's people
// (tests/mdm-data.ts, same seed as bench/mdm.ts): the originals and a uniform sample of their duplicates, every
// record compared with the earlier ones it shares a live blocking key with (each key's final holder count decides,
// as the store's stops do with only inserts), scored by the trained model as the matcher does, and again with the
// u of an exact agreement on a value taken as that value's frequency among the records (Splink's term-frequency
// adjustment, over the whole set, floored as the model's u is). Reported per variant: pairwise precision, recall
// and F1 of the pairs at auto-merge (pairs, not clusters: no transitive merges).
// Usage: npx node bench/mdm-tf.ts [--records 200000] [--duplicates 3000]

import { parseArgs } from 'node:util';
import { blockingKeys, blockLimit } from '../masterdata/block.ts';
import { defaultMdmConfig } from '../masterdata/config.ts';
import { COMPARISONS, Scorer } from '../masterdata/score.ts';
import { type StandardCustomer, standardise } from '../masterdata/standardise.ts';
import { trainByEm, withModel } from '../masterdata/train.ts';
import { createRng } from '../simulators/generator/prng.ts';
import { febrlLike, febrlLikePeople } from '../tests/mdm-data.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    duplicates: { type: 'string', default: '3000' },
  },
});
const N = Number(args.records);
const DUPLICATES = Number(args.duplicates);
const base = defaultMdmConfig();
const model = trainByEm(febrlLike(7, 2500).map((r) => standardise(r.customer, base))).model;
const config = withModel(base, model);
const scorer = Scorer.fromConfig(config);
const U_FLOOR = 1e-4;

const records: Array<{ std: StandardCustomer; entity: number }> = [];
const people = febrlLikePeople(createRng(20261202));
const pick = createRng(99);
for (let i = 0; i < N; i++) {
  const p = people.next().value as { original: { customer: never }; duplicate: { customer: never } };
  records.push({ std: standardise(p.original.customer, config), entity: i });
  if (pick.int(0, N - 1) < DUPLICATES)
    records.push({ std: standardise(p.duplicate.customer, config), entity: i });
}

/** The fields whose exact agreement can be adjusted, with the value a record has. */
const FIELDS = {
  givenName: (s: StandardCustomer) => s.givenName,
  familyName: (s: StandardCustomer) => s.familyName,
  city: (s: StandardCustomer) => s.city,
  birthDate: (s: StandardCustomer) => s.birthDate,
} as const;
type Field = keyof typeof FIELDS;
const frequency = new Map<Field, { counts: Map<string, number>; total: number }>();
for (const field of Object.keys(FIELDS) as Field[]) {
  const counts = new Map<string, number>();
  let total = 0;
  for (const r of records) {
    const v = FIELDS[field](r.std);
    if (!v) continue;
    counts.set(v, (counts.get(v) ?? 0) + 1);
    total++;
  }
  frequency.set(field, { counts, total });
}
const holders = new Map<string, number[]>();
const counts = new Map<string, number>();
records.forEach((r, i) => {
  for (const k of blockingKeys(r.std)) {
    counts.set(k, (counts.get(k) ?? 0) + 1);
    const list = holders.get(k);
    if (!list) holders.set(k, [i]);
    else if (list.length <= config.blocking.maxBlockSize) list.push(i);
  }
});

const at = Object.fromEntries(COMPARISONS.map((c, i) => [c.name, i]));
/** The value two records agree on exactly (names in either order, as the comparisons read them), else null. */
function agreed(field: Field, a: StandardCustomer, b: StandardCustomer): string | null {
  const v = FIELDS[field](a);
  if (!v) return null;
  if (field === 'givenName') return v === b.givenName || v === b.familyName ? v : null;
  if (field === 'familyName') return v === b.familyName || v === b.givenName ? v : null;
  return v === FIELDS[field](b) ? v : null;
}
function adjusted(a: StandardCustomer, b: StandardCustomer, levels: number[], fields: Field[]): number {
  let weight = scorer.weightOf(levels);
  for (const field of fields) {
    const value = agreed(field, a, b);
    if (value === null || levels[at[field] ?? -1] !== 0) continue;
    const f = frequency.get(field);
    const tf = Math.max((f?.counts.get(value) ?? 1) / Math.max(f?.total ?? 1, 1), U_FLOOR);
    weight += Math.log2((model[field]?.u[0] ?? tf) / tf);
  }
  return weight;
}

const variants: Record<string, Field[]> = {
  'no adjustment': [],
  names: ['givenName', 'familyName'],
  'names, city': ['givenName', 'familyName', 'city'],
  'names, city, birth date': ['givenName', 'familyName', 'city', 'birthDate'],
};
const found = Object.fromEntries(Object.keys(variants).map((v) => [v, { tp: 0, fp: 0 }]));
const perEntity = new Map<number, number>();
for (const r of records) perEntity.set(r.entity, (perEntity.get(r.entity) ?? 0) + 1);
let truePairs = 0;
for (const n of perEntity.values()) truePairs += (n * (n - 1)) / 2;
let compared = 0;
records.forEach((r, i) => {
  const candidates = new Set<number>();
  for (const k of blockingKeys(r.std)) {
    if ((counts.get(k) ?? 0) > blockLimit(k, config.blocking)) continue;
    for (const h of holders.get(k) ?? []) if (h < i) candidates.add(h);
  }
  compared += candidates.size;
  for (const c of candidates) {
    const other = records[c] as (typeof records)[number];
    const score = scorer.score(r.std, other.std);
    if (!Number.isFinite(score.weight)) continue;
    for (const [name, fields] of Object.entries(variants)) {
      const p = scorer.probabilityOf(adjusted(r.std, other.std, score.levels, fields));
      if (p < config.thresholds.autoMerge) continue;
      const tally = found[name] as { tp: number; fp: number };
      if (other.entity === r.entity) tally.tp++;
      else tally.fp++;
    }
  }
});
console.log(
  `${records.length.toLocaleString('en')} records (${N.toLocaleString('en')} originals), ${truePairs} true pairs, ${(compared / records.length).toFixed(2)} pairs compared per record`,
);
for (const [name, { tp, fp }] of Object.entries(found)) {
  const precision = tp / Math.max(tp + fp, 1);
  const recall = tp / Math.max(truePairs, 1);
  const f1 = (2 * precision * recall) / Math.max(precision + recall, 1e-9);
  console.log(
    `${name.padEnd(26)} at auto-merge: ${tp} true, ${fp} false; precision ${precision.toFixed(4)}, recall ${recall.toFixed(4)}, F1 ${f1.toFixed(4)}`,
  );
}
