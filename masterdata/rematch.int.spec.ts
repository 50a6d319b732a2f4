/**
 * Rematch on a real PostgreSQL: records matched under one set of rules, then the rules changed (thresholds, the
 * model), and `rematch` applied them to the stored records. What it must give is what matching the same records
 * from scratch under the new rules gives (the same clusters), with a steward's decision kept, and a rematch that
 * stops going on from where it stopped.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { febrlLike, type LabelledRecord } from '../tests/mdm-data.ts';
import { testStack } from '../tests/stack.ts';
import { defaultMdmConfig, type MdmConfig, parseMdmConfig } from './config.ts';
import { asJsonb } from './jsonb.ts';
import { rematch, rulesChanged } from './rematch.ts';
import { standardise } from './standardise.ts';
import { MasterDataStore } from './store.ts';
import { dropStore, scratchStore } from './test-support.ts';
import { trainByEm, withModel } from './train.ts';

const stores: MasterDataStore[] = [];
afterAll(async () => {
  for (const s of stores) await dropStore(s);
});

const base = defaultMdmConfig();
/** The rules the records end up under: a model trained on the data, the default thresholds. */
const trained: MdmConfig = withModel(
  base,
  trainByEm(febrlLike(7, 600).map((r) => standardise(r.customer, base))).model,
);
/** The rules they were first matched by: the built-in priors and a steward queue so wide that almost nothing merges. */
const strict = parseMdmConfig({ thresholds: { autoMerge: 0.999999999, review: 0.5 } });

const records: LabelledRecord[] = febrlLike(31, 120);

/** The clusters of a store: each golden record's members, as sorted `system/id` lists, sorted. */
async function clusters(store: MasterDataStore): Promise<string[][]> {
  const members = new Map<string, string[]>();
  for await (const x of store.exportXref()) {
    const list = members.get(x.goldenId) ?? [];
    list.push(`${x.system}/${x.sourceId}`);
    members.set(x.goldenId, list);
  }
  return [...members.values()].map((m) => m.sort()).sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

async function loaded(config: MdmConfig, label: string): Promise<MasterDataStore> {
  const store = await scratchStore(testStack().databaseUrl, config, label);
  stores.push(store);
  for (let i = 0; i < records.length; i += 50) {
    // In the form PostgreSQL gives records back (jsonb's key order), as a record read from the store: the same content
    // hash, so only the rematch's force matches it again.
    await store.upsertBatch(
      records.slice(i, i + 50).map((r) => ({ system: r.system, customer: asJsonb(r.customer) })),
    );
  }
  return store;
}

/** The same schema opened with other rules, as a hub restarted with a changed config opens it. */
function reopened(store: MasterDataStore, config: MdmConfig): MasterDataStore {
  const other = new MasterDataStore({
    databaseUrl: (store.pool.options as { connectionString?: string }).connectionString,
    schema: store.schema,
    config,
  });
  stores.push(other);
  return other;
}

describe('rematch', () => {
  it('gives the clusters of matching from scratch under the new rules, resumes where it stopped, and says when the rules changed', async () => {
    const expected = await clusters(await loaded(trained, 'rematch_fresh'));
    const first = await loaded(strict, 'rematch');
    const before = await clusters(first);
    // The strict rules left duplicates apart that the trained ones join: the rematch has work to do.
    expect(before.length).toBeGreaterThan(expected.length + 20);
    expect(await rulesChanged(first)).toBe(false);

    const store = reopened(first, trained);
    await store.migrate();
    expect(await rulesChanged(store)).toBe(true);

    // A dry run says what the rematch will do and keeps nothing.
    const preview = await rematch(store, { batch: 40, dryRun: true });
    expect(preview).toMatchObject({
      dryRun: true,
      records: records.length,
      splits: 0,
      golden: { before: before.length, after: expected.length },
    });
    expect(preview.absorbed).toBe(before.length - expected.length);
    expect(await clusters(store)).toEqual(before);
    expect(await rulesChanged(store)).toBe(true);

    // Stopped after its second batch (Ctrl-C, a crash): those batches are committed with the position.
    const seen: number[] = [];
    await expect(
      rematch(store, {
        batch: 40,
        onProgress: (p) => {
          seen.push(p.records);
          if (p.records >= 80) throw new Error('stopped');
        },
      }),
    ).rejects.toThrow('stopped');
    expect(seen).toEqual([40, 80]);

    const summary = await rematch(store, { batch: 40 });
    expect(summary.resumedFrom).toBe(80);
    expect(summary.records).toBe(records.length);
    expect(summary.total).toBe(records.length);
    // Merges made by the rematch, the earlier run's included (the merge history's entries of actor rematch).
    expect(summary.merges).toBeGreaterThan(20);
    expect(summary.absorbed).toBe(before.length - expected.length);
    expect(summary.splits).toBe(0);
    expect(summary.golden).toEqual({ before: before.length, after: expected.length });
    expect(summary.golden.after).toBe(expected.length);
    expect(await clusters(store)).toEqual(expected);
    expect(await rulesChanged(store)).toBe(false);

    // The same rules again: nothing to do, unless asked.
    const again = await rematch(store, { batch: 40 });
    expect(again.alreadyApplied).toBe(true);
    const forced = await rematch(store, { batch: 40, again: true });
    expect(forced).toMatchObject({
      alreadyApplied: false,
      resumedFrom: 0,
      records: records.length,
      merges: 0,
      splits: 0,
    });
    expect(await clusters(store)).toEqual(expected);
  });

  it("keeps a steward's rejection: a pair the new rules would merge stays apart", async () => {
    const first = await loaded(strict, 'rematch_steward');
    // A pair the trained rules merge (a person and the duplicate made of them), still apart under the strict ones.
    const expected = await clusters(await loaded(trained, 'rematch_steward_fresh'));
    const pair = expected.find((members) => members.length === 2) as string[];
    const [a, b] = pair.map((m) => {
      const [system, sourceId] = m.split('/') as [string, string];
      return { system, sourceId };
    }) as [{ system: string; sourceId: string }, { system: string; sourceId: string }];
    expect(await first.xref(a.system, a.sourceId)).not.toBe(await first.xref(b.system, b.sourceId));
    await first.decide(a, b, 'reject', 'steward');

    const store = reopened(first, trained);
    await rematch(store);
    expect(await store.xref(a.system, a.sourceId)).not.toBe(await store.xref(b.system, b.sourceId));
    // The others of the new rules' pairs did merge.
    const merged = (await clusters(store)).filter((m) => m.length > 1).length;
    expect(merged).toBe(expected.filter((m) => m.length > 1).length - 1);
  });
});
