/**
 * `eai mdm train` on a real PostgreSQL: a model learnt from the records a schema holds (EM, or labels), written
 * into a config file, and applied by `rematch`: the chain a deployment follows once its own data is loaded.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { febrlLike, pairwiseQuality } from '../tests/mdm-data.ts';
import { testStack } from '../tests/stack.ts';
import { loadMdmConfig, parseMdmConfig } from './config.ts';
import { rematch } from './rematch.ts';
import { DEFAULT_MODEL } from './score.ts';
import { MasterDataStore } from './store.ts';
import { dropStore, scratchStore } from './test-support.ts';
import { readLabels, trainOnStored, writeModel } from './train-stored.ts';

const stores: MasterDataStore[] = [];
afterAll(async () => {
  for (const s of stores) await dropStore(s);
});
const dir = mkdtempSync(join(tmpdir(), 'mdm-train-'));

const records = febrlLike(77, 300);
const truth = new Map(records.map((r) => [`${r.system}/${r.customer.customerId}`, r.entityId]));

async function quality(store: MasterDataStore) {
  const assigned = new Map<string, string>();
  for await (const x of store.exportXref()) assigned.set(`${x.system}/${x.system}:${x.sourceId}`, x.goldenId);
  return pairwiseQuality(assigned, truth);
}

describe('eai mdm train', () => {
  it('learns m and u from the stored records by EM; written into a config, rematch applies it', async () => {
    // Matched first by a model that knows little: every comparison's m and u as the priors, but the names' and the
    // birth date's agreement made weak (as a deployment's first guess may be).
    const weak = parseMdmConfig({
      model: {
        ...DEFAULT_MODEL,
        familyName: { m: [0.3, 0.2, 0.2, 0.3], u: [0.1, 0.1, 0.2, 0.6] },
        givenName: { m: [0.3, 0.2, 0.2, 0.3], u: [0.1, 0.1, 0.2, 0.6] },
        birthDate: { m: [0.4, 0.3, 0.3], u: [0.1, 0.2, 0.7] },
      },
    });
    const store = await scratchStore(testStack().databaseUrl, weak, 'mdm_train');
    stores.push(store);
    for (let i = 0; i < records.length; i += 100) await store.upsertBatch(records.slice(i, i + 100));
    const before = await quality(store);

    const summary = await trainOnStored(store);
    expect(summary).toMatchObject({ method: 'em', records: records.length });
    expect(summary.pairs).toBeGreaterThan(records.length / 2);
    // What the records tell: agreeing on the family name or the birth date is common among matches, rare by chance.
    const family = summary.model.familyName!;
    expect(family.m[0]! / family.u[0]!).toBeGreaterThan(50);
    const birth = summary.model.birthDate!;
    expect(birth.m[0]! / birth.u[0]!).toBeGreaterThan(50);
    // The people have no organisation: its comparisons keep what the config had, not m = u.
    expect(summary.kept).toContain('orgName');
    expect(summary.model.orgName).toEqual(weak.model?.orgName);

    const file = join(dir, 'rules.yaml');
    writeFileSync(file, '# our rules\nthresholds:\n  autoMerge: 0.99 # as the steward wants\n');
    writeModel(file, summary.model);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^# our rules\nthresholds:\n {2}autoMerge: 0.99 # as the steward wants\nmodel:\n/);
    expect(text).toMatch(/\n {2}familyName:\n {4}m: \[ [0-9.e-]+, [0-9.e-]+, [0-9.e-]+, [0-9.e-]+ \]\n/);
    const trained = loadMdmConfig(file);
    expect(trained.model?.familyName).toEqual(family);

    const applied = new MasterDataStore({
      databaseUrl: (store.pool.options as { connectionString?: string }).connectionString,
      schema: store.schema,
      config: trained,
    });
    stores.push(applied);
    await rematch(applied);
    const after = await quality(applied);
    console.log('train: before', before, 'after', after);
    expect(before.recall).toBeLessThan(0.9);
    expect(after.recall).toBeGreaterThan(0.97);
    expect(after.precision).toBeGreaterThan(0.99);
  }, 120_000);

  it('learns from labels (system,source_id,entity), names labelled records the schema lacks, refuses labels without a pair', async () => {
    const store = await scratchStore(testStack().databaseUrl, parseMdmConfig({}), 'mdm_train_labels');
    stores.push(store);
    await store.upsertBatch(records);
    const file = join(dir, 'labels.csv');
    writeFileSync(
      file,
      `system,source_id,entity\n${records.map((r) => `${r.system},${r.customer.customerId?.split(':')[1]},${r.entityId}`).join('\n')}\nfebrl,nobody-1,x\n`,
    );
    const summary = await trainOnStored(store, { labels: readLabels(file) });
    expect(summary).toMatchObject({
      method: 'labels',
      records: records.length,
      pairs: records.length / 2,
      missing: ['febrl/nobody-1'],
      missingCount: 1,
    });
    const birth = summary.model.birthDate!;
    expect(birth.m[0]!).toBeGreaterThan(0.7);
    expect(birth.u[0]!).toBeLessThan(0.01);

    writeFileSync(
      file,
      `system,source_id,entity\n${records.map((r, i) => `${r.system},${r.customer.customerId?.split(':')[1]},e${i}`).join('\n')}\n`,
    );
    await expect(trainOnStored(store, { labels: readLabels(file) })).rejects.toThrow(
      /^too few labels to learn from: 0 pairs of one customer among 600 labelled records schema \S+ holds \(600 labelled; at least 20 pairs and 100 records\)/,
    );
    // One pair among six records (an export of a small trial load): refused too, not a model learnt from one pair.
    const few = records.slice(0, 6);
    writeFileSync(
      file,
      `system,source_id,entity\n${few.map((r, i) => `${r.system},${r.customer.customerId?.split(':')[1]},${i < 2 ? 'same' : `e${i}`}`).join('\n')}\n`,
    );
    await expect(trainOnStored(store, { labels: readLabels(file) })).rejects.toThrow(
      /^too few labels to learn from: 1 pair of one customer among 6 labelled records/,
    );
    writeFileSync(file, 'system,id\nfebrl,1\n');
    expect(() => readLabels(file)).toThrow(
      `${file}: line 1: the header needs the columns system, source_id and entity (or entity_id, cluster, cluster_id, truth, label, golden_id); it has system, id`,
    );
    writeFileSync(file, 'system,source_id,entity\nfebrl,,x\n');
    expect(() => readLabels(file)).toThrow(
      `${file}: line 2: system, source_id and entity must each have a value`,
    );
  });

  it('refuses to train on too few records, and a config file that is not YAML, naming it', async () => {
    const store = await scratchStore(testStack().databaseUrl, parseMdmConfig({}), 'mdm_train_few');
    stores.push(store);
    await store.upsertBatch(records.slice(0, 10));
    await expect(trainOnStored(store)).rejects.toThrow(
      /^too few records to train on \(10 in schema mdm_train_few_/,
    );
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'thresholds: [unclosed\n');
    expect(() => writeModel(bad, DEFAULT_MODEL)).toThrow(new RegExp(`^${bad}: not YAML`));
    expect(readFileSync(bad, 'utf8')).toBe('thresholds: [unclosed\n');
    const nowhere = join(dir, 'no-such-folder', 'rules.yaml');
    expect(() => writeModel(nowhere, DEFAULT_MODEL)).toThrow(
      new RegExp(`^${nowhere}: cannot write \\(ENOENT`),
    );
  });
});
