// Master data blocking, in memory (no database): pairs compared per record and blocking recall at a size, for
// limits on the person's wide keys (block.ts isWideKey). The bench's people (tests/mdm-data.ts, same seed as
// bench/mdm.ts): originals loaded, a window of duplicates of loaded people (a uniform sample) and as many new
// people; each key's final holder count decides whether it is live, as the store's stops do with only inserts.
// Reported per limit: candidates per window record, share of duplicates sharing a live key with their original,
// how many of those reach auto-merge with it (of all that would), and stranger pairs at auto-merge. Key families'
// share of the pairs at maxBlockSize alone show where they come from.
// Usage: npx node bench/mdm-blocking.ts [--records 100000] [--window 1000] [--wide 1,3,5,8,10]

import { parseArgs } from 'node:util';
import { blockingKeys, isWideKey } from '../masterdata/block.ts';
import { defaultMdmConfig } from '../masterdata/config.ts';
import { Scorer } from '../masterdata/score.ts';
import { type StandardCustomer, standardise } from '../masterdata/standardise.ts';
import { trainByEm, withModel } from '../masterdata/train.ts';
import { createRng } from '../simulators/generator/prng.ts';
import { febrlLike, febrlLikePeople } from '../tests/mdm-data.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    window: { type: 'string', default: '1000' },
    wide: { type: 'string', default: '1,3,5,8,10' },
  },
});
const N = Number(args.records);
const WINDOW = Number(args.window);
const base = defaultMdmConfig();
const config = withModel(base, trainByEm(febrlLike(7, 2500).map((r) => standardise(r.customer, base))).model);
const scorer = Scorer.fromConfig(config);
const { maxBlockSize } = config.blocking;
/** Holders beyond any limit tried are not needed: the key is stopped then. */
const KEEP = maxBlockSize + 1;

interface Probe {
  std: StandardCustomer;
  keys: string[];
  /** Index of its original (duplicates). */
  original?: number;
}
const stds: StandardCustomer[] = [];
const counts = new Map<string, number>();
const holders = new Map<string, number[]>();
const count = (keys: string[], index?: number) => {
  for (const k of keys) {
    counts.set(k, (counts.get(k) ?? 0) + 1);
    if (index === undefined) continue;
    const list = holders.get(k);
    if (!list) holders.set(k, [index]);
    else if (list.length < KEEP) list.push(index);
  }
};
const people = febrlLikePeople(createRng(20261202));
const pick = createRng(99);
const probes: Probe[] = [];
for (let i = 0; i < N; i++) {
  const p = people.next().value as { original: { customer: never }; duplicate: { customer: never } };
  const std = standardise(p.original.customer, config);
  stds.push(std);
  count(blockingKeys(std), i);
  if (pick.int(0, N - 1) < WINDOW) {
    const d = standardise(p.duplicate.customer, config);
    probes.push({ std: d, keys: blockingKeys(d), original: i });
  }
}
const duplicates = probes.length;
for (let i = 0; i < WINDOW; i++) {
  const std = standardise(
    (people.next().value as { original: { customer: never } }).original.customer,
    config,
  );
  probes.push({ std, keys: blockingKeys(std) });
}
for (const p of probes) count(p.keys);

const auto = config.thresholds.autoMerge;
function measure(label: string, limit: (key: string) => number) {
  let pairs = 0;
  let blocked = 0;
  let found = 0;
  let matchable = 0;
  let falseAuto = 0;
  for (const p of probes) {
    const candidates = new Set<number>();
    for (const k of p.keys) {
      if ((counts.get(k) ?? 0) > limit(k)) continue;
      for (const h of holders.get(k) ?? []) candidates.add(h);
    }
    pairs += candidates.size;
    for (const c of candidates) {
      if (c !== p.original && scorer.score(p.std, stds[c] as StandardCustomer).probability >= auto)
        falseAuto++;
    }
    if (p.original === undefined) continue;
    const reaches = scorer.score(p.std, stds[p.original] as StandardCustomer).probability >= auto;
    if (reaches) matchable++;
    if (candidates.has(p.original)) {
      blocked++;
      if (reaches) found++;
    }
  }
  console.log(
    `${label.padEnd(24)} ${(pairs / probes.length).toFixed(2).padStart(6)} pairs/record  blocking recall ${(blocked / duplicates).toFixed(4)}  at auto-merge ${found} / ${matchable}  stranger pairs at auto-merge ${falseAuto}`,
  );
}

console.log(
  `${N.toLocaleString('en')} people loaded, window ${duplicates} duplicates + ${WINDOW} new, maxBlockSize ${maxBlockSize}`,
);
measure('wide keys as any', () => maxBlockSize);
for (const wide of args.wide.split(',').map(Number)) {
  measure(`wide keys at ${wide}`, (k) => (isWideKey(k) ? Math.min(wide, maxBlockSize) : maxBlockSize));
}
// Where the pairs come from at maxBlockSize alone: other holders of each live key, by family (n / b wide, n:4
// name + month, b:3 birth date + initial, …).
const families = new Map<string, number>();
for (const p of probes) {
  for (const k of p.keys) {
    const n = counts.get(k) ?? 0;
    if (n > maxBlockSize) continue;
    const family = isWideKey(k) ? `${k.split(':')[0]} (wide)` : `${k.split(':')[0]}:${k.split(':').length}`;
    families.set(family, (families.get(family) ?? 0) + n - 1);
  }
}
console.log(
  `other holders per record by key family (live keys, wide as any): ${[...families]
    .sort((a, b) => b[1] - a[1])
    .map(([f, n]) => `${f} ${(n / probes.length).toFixed(2)}`)
    .join(', ')}`,
);
