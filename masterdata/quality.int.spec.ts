/**
 * Matching quality on labelled data, one record at a time through the PostgreSQL store: the simulators' generated
 * customers (four systems, drifted copies, the generator's truth) and a FEBRL-like person set. The model is
 * trained by EM on the same records without their labels; precision, recall and F1 are pairwise over clusters.
 * Thresholds below were set from measurement (masterdata/README.md gives the figures).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { febrlLike, generatedCustomers, type LabelledRecord, pairwiseQuality } from '../tests/mdm-data.ts';
import { testStack } from '../tests/stack.ts';
import { blockingKeys } from './block.ts';
import { defaultMdmConfig, type MdmConfig } from './config.ts';
import { standardise } from './standardise.ts';
import type { MasterDataStore } from './store.ts';
import { dropStore, scratchStore } from './test-support.ts';
import { trainByEm, withModel } from './train.ts';

const stores: MasterDataStore[] = [];
afterAll(async () => {
  for (const s of stores) await dropStore(s);
});

const keyOf = (system: string, id: string) => `${system}/${id}`;

function trainedConfig(records: LabelledRecord[]): MdmConfig {
  const base = defaultMdmConfig();
  const std = records.map((r) => standardise(r.customer, base));
  return withModel(base, trainByEm(std).model);
}

/** Share of true pairs that share at least one blocking key. */
function blockingRecall(records: LabelledRecord[], config: MdmConfig): number {
  const keys = records.map((r) => new Set(blockingKeys(standardise(r.customer, config))));
  const byEntity = new Map<string, number[]>();
  records.forEach((r, i) => {
    byEntity.set(r.entityId, [...(byEntity.get(r.entityId) ?? []), i]);
  });
  let pairs = 0;
  let found = 0;
  for (const list of byEntity.values()) {
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        pairs++;
        const a = keys[list[x] ?? 0];
        const b = keys[list[y] ?? 0];
        if (a && b && [...a].some((k) => b.has(k))) found++;
      }
    }
  }
  return pairs ? found / pairs : 1;
}

async function loadAndMeasure(records: LabelledRecord[], config: MdmConfig) {
  const store = await scratchStore(testStack().databaseUrl, config);
  stores.push(store);
  const started = Date.now();
  let compared = 0;
  for (let i = 0; i < records.length; i += 250) {
    // Matched one record at a time, 250 records to a transaction (as a bulk load does).
    const results = await store.upsertBatch(records.slice(i, i + 250));
    for (const result of results) compared += result.compared;
  }
  const elapsed = (Date.now() - started) / 1000;
  const assigned = new Map<string, string>();
  for await (const x of store.exportXref()) assigned.set(keyOf(x.system, x.sourceId), x.goldenId);
  const truth = new Map(
    records.map((r) => [keyOf(r.system, r.customer.sourceIds?.[0]?.id ?? ''), r.entityId] as const),
  );
  const quality = pairwiseQuality(assigned, truth);
  const stats = await store.stats();
  return {
    ...quality,
    recordsPerSecond: records.length / elapsed,
    comparedPerRecord: compared / records.length,
    stats,
  };
}

describe('matching quality (labelled data, one record at a time, real PostgreSQL)', () => {
  it('finds the generated customers across four systems', async () => {
    const records = generatedCustomers(20261202, 400);
    const config = trainedConfig(records);
    const recall = blockingRecall(records, config);
    const q = await loadAndMeasure(records, config);
    console.log(`generated customers: ${records.length} records, blocking recall ${recall.toFixed(4)}`, q);
    expect(recall).toBeGreaterThanOrEqual(0.998);
    expect(q.precision).toBeGreaterThanOrEqual(0.995);
    expect(q.recall).toBeGreaterThanOrEqual(0.98);
    expect(q.f1).toBeGreaterThanOrEqual(0.99);
  }, 300_000);

  it('finds the duplicates of a FEBRL-like person set', async () => {
    const records = febrlLike(4242, 1500);
    const config = trainedConfig(records);
    const recall = blockingRecall(records, config);
    const q = await loadAndMeasure(records, config);
    console.log(`FEBRL-like: ${records.length} records, blocking recall ${recall.toFixed(4)}`, q);
    expect(recall).toBeGreaterThanOrEqual(0.998);
    expect(q.precision).toBeGreaterThanOrEqual(0.995);
    expect(q.recall).toBeGreaterThanOrEqual(0.995);
    expect(q.f1).toBeGreaterThanOrEqual(0.995);
  }, 300_000);
});
