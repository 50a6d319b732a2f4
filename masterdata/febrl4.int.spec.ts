/**
 * Matching quality on the real FEBRL4 (tests/febrl4.ts), loaded as a user loads a customer table: `eai mdm load`'s
 * path (loadTable) with the shipped CSV mapping as it is, whose columns table reads FEBRL's headers (rec_id,
 * given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id). Then
 * as `eai mdm train` and `eai mdm rematch` would: the model learnt by EM from the stored records, applied to them.
 * Thresholds from measurement (masterdata/README.md gives the figures).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { findMapping } from '../mappings/index.ts';
import { febrl4, febrlEntity, febrlIds } from '../tests/febrl4.ts';
import { pairwiseQuality } from '../tests/mdm-data.ts';
import { testStack } from '../tests/stack.ts';
import { defaultMdmConfig } from './config.ts';
import { loadTable } from './load.ts';
import { rematch } from './rematch.ts';
import { MasterDataStore } from './store.ts';
import { dropStore, scratchStore } from './test-support.ts';
import { withModel } from './train.ts';
import { trainOnStored } from './train-stored.ts';

const stores: MasterDataStore[] = [];
afterAll(async () => {
  for (const s of stores.reverse()) await dropStore(s).catch(() => undefined);
});

async function quality(store: MasterDataStore, truth: Map<string, string>) {
  const assigned = new Map<string, string>();
  for await (const x of store.exportXref()) assigned.set(`${x.system}/${x.sourceId}`, x.goldenId);
  return { ...pairwiseQuality(assigned, truth), stats: await store.stats() };
}

describe('matching quality on FEBRL4 (5,000 people and a duplicate of each, real PostgreSQL)', () => {
  it('loaded with the shipped CSV mapping: no false merge, F1 ≥ 0.99; trained by EM and rematched: F1 ≥ 0.992, possible twins held for the steward', async () => {
    const { originals, duplicates } = await febrl4();
    const truth = new Map<string, string>();
    for (const id of febrlIds(originals)) truth.set(`febrl-a/${id}`, febrlEntity(id));
    for (const id of febrlIds(duplicates)) truth.set(`febrl-b/${id}`, febrlEntity(id));
    expect(truth.size).toBe(10_000);

    const config = defaultMdmConfig();
    const store = await scratchStore(testStack().databaseUrl, config, 'febrl4');
    stores.push(store);
    const mapping = findMapping('csv/customer-table.to-canonical.yaml');
    const a = await loadTable(store, 'febrl-a', originals, mapping);
    const b = await loadTable(store, 'febrl-b', duplicates, mapping);
    expect(a.counts.rejected + b.counts.rejected).toBe(0);
    const loaded = await quality(store, truth);
    console.log('FEBRL4, default model', loaded);
    expect(loaded.precision).toBeGreaterThanOrEqual(0.999);
    expect(loaded.recall).toBeGreaterThanOrEqual(0.98);
    expect(loaded.f1).toBeGreaterThanOrEqual(0.99);

    // eai mdm train, then eai mdm rematch under the config with the model.
    const trained = await trainOnStored(store);
    expect(trained.method).toBe('em');
    const retrained = new MasterDataStore({
      databaseUrl: testStack().databaseUrl,
      schema: store.schema,
      config: withModel(config, trained.model),
    });
    stores.push(retrained);
    await rematch(retrained);
    const rematched = await quality(retrained, truth);
    console.log('FEBRL4, trained by EM and rematched', rematched);
    expect(rematched.precision).toBeGreaterThanOrEqual(0.999);
    // FEBRL's generator gave some duplicates another given name at the same address and birth date (Adam and Stella
    // Cordingley): the twins case, which the default conflict `givenNames` holds for the steward instead of merging
    // (masterdata/README.md). Measured: recall 0.9870, F1 0.9935 (0.9936 and 0.9968 without that conflict).
    expect(rematched.recall).toBeGreaterThanOrEqual(0.985);
    expect(rematched.f1).toBeGreaterThanOrEqual(0.992);
    expect(rematched.f1).toBeGreaterThan(loaded.f1);
    // Those pairs are found, not lost: each waits in the steward queue as a conflict. Merged or held together, the
    // true pairs found are at least 0.995 of all.
    const held = (await retrained.reviewQueue(10_000)).filter(
      (p) =>
        p.reason === 'conflict' &&
        truth.get(`${p.a.system}/${p.a.sourceId}`) === truth.get(`${p.b.system}/${p.b.sourceId}`),
    );
    console.log('FEBRL4, true pairs held for the steward as conflicts', held.length);
    expect((rematched.truePositives + held.length) / rematched.truePairs).toBeGreaterThanOrEqual(0.995);
  }, 300_000);
});
