/**
 * Rematch: applies the current matching rules to every stored record. A record is standardised, keyed, scored and
 * clustered by the rules in force when it arrives; after the config changes (thresholds, the email policy, the
 * blocking limits, the model, conflicts, survivorship) the records stored before keep their old forms and clusters
 * until they arrive again. A rematch matches each of them again as if it arrived now (in key order, a batch a
 * transaction under the matcher's lock, so the live matcher goes on between batches): its comparison forms and keys
 * are made anew, its pairs scored again (those that no longer hold go, a steward's decisions stay), its cluster and
 * golden values recomputed; golden records that change go out to the systems as any change does.
 *
 * Resumable: the position is committed with each batch (setting `rematch`), so a rematch that stops goes on from
 * there when it is started again under the same rules; under other rules it starts over. The rules a finished
 * rematch applied are kept (setting `matched-rules`): `rulesChanged` tells a hub at start whether the stored
 * records were matched by other rules than the ones it runs.
 */
import { rulesDigest } from './config.ts';
import type { MasterDataStore } from './store.ts';

export interface RematchCounts {
  /** Records matched again. */
  records: number;
  /** Of them, those whose golden id changed (joined another golden record, or split off). */
  moved: number;
}

export interface RematchProgress extends RematchCounts {
  /** Stored records when the rematch began (records arriving meanwhile may add a few). */
  total: number;
}

export interface RematchSummary extends RematchProgress {
  rules: string;
  /** Records an earlier run under the same rules had matched again (this run went on after them). */
  resumedFrom: number;
  /** The same rules had been applied to every record by an earlier run: nothing was done (`again` redoes it). */
  alreadyApplied: boolean;
  golden: { before: number; after: number };
  review: { before: number; after: number };
  seconds: number;
}

interface Position {
  rules: string;
  after: { system: string; sourceId: string } | null;
  counts: RematchCounts;
  done: boolean;
}

export interface RematchOptions {
  /** Records per transaction (default 500). */
  batch?: number;
  /** Start from the first record even if these rules were applied or a run under them stopped. */
  again?: boolean;
  /** Called after every batch. */
  onProgress?: (progress: RematchProgress) => void;
}

/**
 * Whether the stored records were matched by other rules than the store's config: those a finished rematch applied,
 * or, before any, those the schema was first opened with (store.migrate keeps them).
 */
export async function rulesChanged(store: MasterDataStore): Promise<boolean> {
  const matched = await store.setting<string>('matched-rules');
  return matched !== undefined && matched !== rulesDigest(store.config);
}

export async function rematch(store: MasterDataStore, options: RematchOptions = {}): Promise<RematchSummary> {
  const started = Date.now();
  const size = options.batch ?? 500;
  const rules = rulesDigest(store.config);
  const before = await store.stats();
  const saved = await store.setting<Position>('rematch');
  const previous = !options.again && saved?.rules === rules ? saved : undefined;
  const summary = (counts: RematchCounts, after: typeof before, resumedFrom: number) => ({
    rules,
    total: before.sources,
    ...counts,
    resumedFrom,
    alreadyApplied: false,
    golden: { before: before.golden, after: after.golden },
    review: { before: before.review, after: after.review },
    seconds: (Date.now() - started) / 1000,
  });
  if (previous?.done) return { ...summary(previous.counts, before, 0), alreadyApplied: true };

  const counts: RematchCounts = { ...(previous?.counts ?? { records: 0, moved: 0 }) };
  const resumedFrom = counts.records;
  let after = previous?.after ?? null;
  // Each page is read under the matcher's lock, in the transaction that matches it: a record the live matcher
  // deletes or changes meanwhile is matched as it is then, never brought back.
  for (let more = true; more; ) {
    more = await store.transaction(async (client) => {
      const page = await store.storedPage(after, size, client);
      const last = page.at(-1);
      if (!last) return false;
      const results = await store.matchIn(
        client,
        page.map((r) => ({ ...r, force: true })),
      );
      counts.records += results.length;
      results.forEach((result, i) => {
        const was = page[i]?.goldenId;
        if (was && result.goldenId !== was) counts.moved += 1;
      });
      after = { system: last.system, sourceId: last.sourceId };
      await store.saveSetting('rematch', { rules, after, counts, done: false } satisfies Position, client);
      return page.length === size;
    });
    options.onProgress?.({ total: before.sources, ...counts });
  }
  await store.saveSetting('rematch', { rules, after, counts, done: true } satisfies Position);
  await store.saveSetting('matched-rules', rules);
  return summary(counts, await store.stats(), resumedFrom);
}
