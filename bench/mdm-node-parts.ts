// The master-data matcher's Node parts on their own (no database): standardising, blocking keys, the stored form
// (jsonb order), scoring and survivorship, in microseconds per item, on FEBRL-like people as bench/mdm.ts makes
// them. Each round takes people not seen before (the memos of names, streets and phones carry over between
// rounds, as they do in the matcher), so a round is what the matcher does with a window of new records:
// - standardise: per record (originals and duplicates);
// - indexKeys: per record;
// - asJsonb: per record (the record and its field times, as #prepareItem stores them);
// - score: per pair, the pairs being each record against the earlier records sharing a key with it (at most 30
//   per key, as maxBlockSize), each pair once;
// - survive: per golden record of two members (an original and its duplicate, read back as jsonb gives them).
// Prints the median of the rounds and each round's figures; `--json` for a machine.
// Usage: npx node bench/mdm-node-parts.ts [--people 10000 --rounds 5]

import { indexKeys } from '../masterdata/block.ts';
import { defaultMdmConfig } from '../masterdata/config.ts';
import { asJsonb } from '../masterdata/jsonb.ts';
import { Scorer } from '../masterdata/score.ts';
import { type StandardCustomer, standardise } from '../masterdata/standardise.ts';
import { survive } from '../masterdata/survivorship.ts';
import { createRng } from '../simulators/generator/prng.ts';
import { febrlLikePeople, type LabelledRecord } from '../tests/mdm-data.ts';
import { benchArgs } from './args.ts';

const { values: args } = benchArgs('npx node bench/mdm-node-parts.ts', {
  options: {
    people: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    json: { type: 'boolean' },
  },
});
const PEOPLE = Number(args.people);
const ROUNDS = Number(args.rounds);
const config = defaultMdmConfig();
const scorer = Scorer.fromConfig(config);
const people = febrlLikePeople(createRng(20261202));

type Part = 'standardise' | 'indexKeys' | 'asJsonb' | 'score' | 'survive';
const PARTS: Part[] = ['standardise', 'indexKeys', 'asJsonb', 'score', 'survive'];
const rounds: Array<Record<Part, number> & { pairs: number }> = [];
let checksum = 0;

/**
 * CPU microseconds per item of `fn` over `items` (this process's CPU time, not the clock's: on a machine shared
 * with other work, waiting for a core is not the code's cost; garbage collection running meanwhile counts).
 */
function timed<T>(items: T[], fn: (item: T) => void): number {
  const t0 = process.cpuUsage();
  for (const item of items) fn(item);
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / Math.max(items.length, 1);
}

for (let round = 0; round < ROUNDS; round++) {
  const pairsOfPeople: Array<{ original: LabelledRecord; duplicate: LabelledRecord }> = [];
  for (let i = 0; i < PEOPLE; i++) pairsOfPeople.push(people.next().value as (typeof pairsOfPeople)[number]);
  const records = pairsOfPeople.flatMap((p) => [p.original, p.duplicate]);
  const stds: StandardCustomer[] = [];
  const standardiseUs = timed(records, (r) => {
    stds.push(standardise(r.customer, config));
  });
  const keys: string[][] = [];
  const indexKeysUs = timed(stds, (s) => {
    keys.push(indexKeys(s));
  });
  const stored: unknown[] = [];
  const asJsonbUs = timed(records, (r) => {
    stored.push(asJsonb(r.customer), asJsonb({}));
  });
  // Candidate pairs: each record against the earlier holders of its keys (at most 30 a key), each pair once.
  const holders = new Map<string, number[]>();
  const pairs: Array<[StandardCustomer, StandardCustomer]> = [];
  stds.forEach((s, i) => {
    const seen = new Set<number>();
    for (const k of keys[i] ?? []) {
      const list = holders.get(k) ?? [];
      for (const j of list) {
        if (seen.has(j)) continue;
        seen.add(j);
        pairs.push([s, stds[j] as StandardCustomer]);
      }
      if (list.length < 30) list.push(i);
      holders.set(k, list);
    }
  });
  const scoreUs = timed(pairs, ([a, b]) => {
    checksum += scorer.score(a, b).weight;
  });
  const clusters = pairsOfPeople.map((p, i) => ({
    id: `g-${round}-${i}`,
    members: [p.original, p.duplicate].map((r) => ({
      system: r.system,
      sourceId: r.customer.sourceIds?.[0]?.id ?? '',
      record: asJsonb(r.customer),
      fieldTimes: {},
    })),
  }));
  const surviveUs = timed(clusters, (c) => {
    checksum += Object.keys(survive(c.id, c.members, config).record).length;
  });
  rounds.push({
    standardise: standardiseUs,
    indexKeys: indexKeysUs,
    asJsonb: asJsonbUs,
    score: scoreUs,
    survive: surviveUs,
    pairs: pairs.length,
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] ?? 0)
    : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};
const result = Object.fromEntries(PARTS.map((p) => [p, median(rounds.map((r) => r[p]))])) as Record<
  Part,
  number
>;
if (args.json)
  process.stdout.write(`${JSON.stringify({ people: PEOPLE, median: result, rounds, checksum })}\n`);
else {
  process.stdout.write(
    `mdm Node parts, ${PEOPLE.toLocaleString('en')} new people (${(PEOPLE * 2).toLocaleString('en')} records) a round, ${ROUNDS} rounds; CPU µs per item, median (each round)\n`,
  );
  for (const p of PARTS)
    process.stdout.write(
      `  ${p.padEnd(12)} ${result[p].toFixed(2).padStart(7)}  (${rounds.map((r) => r[p].toFixed(2)).join(', ')})${p === 'score' ? `  per pair, ${(rounds.reduce((n, r) => n + r.pairs, 0) / ROUNDS / (PEOPLE * 2)).toFixed(1)} pairs per record` : p === 'survive' ? '  per golden record of 2' : '  per record'}\n`,
    );
  process.stdout.write(
    `  checksum ${checksum.toFixed(6)} (the same in two trees: the same scores and golden records)\n`,
  );
}
