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
import type { Client, MasterDataStore } from './store.ts';

export interface RematchCounts {
  /** Records matched again. */
  records: number;
  /** Golden records that took in others (the merge history's entries, actor `rematch`)… */
  merges: number;
  /** …and the golden records they took in. */
  absorbed: number;
  /** Golden records whose members parted (the new rules keep them apart). */
  splits: number;
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
  /** What it would have done: nothing was kept. */
  dryRun: boolean;
  /** Active golden records and steward-queue pairs when the rematch began (its first run) and now. */
  golden: { before: number; after: number };
  review: { before: number; after: number };
  seconds: number;
}

/** Kept in setting `rematch`, committed with each batch. */
interface Position {
  rules: string;
  after: { system: string; sourceId: string } | null;
  records: number;
  total: number;
  /** The merge history's newest entry when the rematch began: what it merged and split is counted after it. */
  historyFrom: number;
  before: { golden: number; review: number };
  done: boolean;
}

/** The merge history's actor of a rematch's merges and splits (the matcher's are `matcher`). */
export const REMATCH_ACTOR = 'rematch';

export interface RematchOptions {
  /** Records per transaction (default 500). */
  batch?: number;
  /** Start from the first record even if these rules were applied or a run under them stopped. */
  again?: boolean;
  /** Called after every batch. */
  onProgress?: (progress: RematchProgress) => void;
  /** Say what it would do, keep nothing (`preview`). */
  dryRun?: boolean;
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
  if (options.dryRun) return preview(store, options);
  const started = Date.now();
  const size = options.batch ?? 500;
  const rules = rulesDigest(store.config);
  const saved = await store.setting<Position>('rematch');
  const previous = !options.again && saved?.rules === rules ? saved : undefined;
  if (previous?.done) return summaryOf(store, previous, 0, true, started);

  const position: Position = previous ?? (await startPosition(store, rules));
  const resumedFrom = position.records;
  // Each page is read under the matcher's lock, in the transaction that matches it: a record the live matcher
  // deletes or changes meanwhile is matched as it is then, never brought back.
  for (let more = true; more; ) {
    more = await store.transaction(async (client) => {
      const more = await rematchPage(store, client, position, size);
      await store.saveSetting('rematch', position, client);
      return more;
    });
    await progress(store, position, options);
  }
  position.done = true;
  await store.saveSetting('rematch', position);
  await store.saveSetting('matched-rules', rules);
  return summaryOf(store, position, resumedFrom, false, started);
}

/**
 * What a rematch would do, done in one transaction that is rolled back: the same merges, splits and counts, nothing
 * kept, nothing sent (the golden outbox's rows go with it). The live matcher waits for it meanwhile (it holds the
 * matcher's lock throughout), so it is for trying rules, not for a million records at a busy hour.
 */
async function preview(store: MasterDataStore, options: RematchOptions): Promise<RematchSummary> {
  const started = Date.now();
  const rules = rulesDigest(store.config);
  let result: RematchSummary | undefined;
  await store
    .transaction(async (client) => {
      const position = await startPosition(store, rules, client);
      while (await rematchPage(store, client, position, options.batch ?? 500))
        await progress(store, position, options, client);
      await progress(store, position, options, client);
      result = { ...(await summaryOf(store, position, 0, false, started, client)), dryRun: true };
      throw ROLLED_BACK;
    })
    .catch((error: unknown) => {
      if (error !== ROLLED_BACK) throw error;
    });
  return result as RematchSummary;
}

const ROLLED_BACK = new Error('rematch preview rolled back');

async function startPosition(store: MasterDataStore, rules: string, client?: Client): Promise<Position> {
  const stats = await store.stats(client);
  return {
    rules,
    after: null,
    records: 0,
    total: stats.sources,
    before: { golden: stats.golden, review: stats.review },
    historyFrom: await store.lastHistoryId(client),
    done: false,
  };
}

/** Matches the page after the position again and moves it on; whether a page may follow. */
async function rematchPage(
  store: MasterDataStore,
  client: Client,
  position: Position,
  size: number,
): Promise<boolean> {
  const page = await store.storedPage(position.after, size, client);
  const last = page.at(-1);
  if (!last) return false;
  await store.matchIn(
    client,
    // Matched again, not received: each record's last received stays.
    page.map((r) => ({ ...r, force: true, receivedAt: null })),
    REMATCH_ACTOR,
  );
  position.records += page.length;
  position.after = { system: last.system, sourceId: last.sourceId };
  return page.length === size;
}

async function progress(
  store: MasterDataStore,
  position: Position,
  options: RematchOptions,
  client?: Client,
): Promise<void> {
  options.onProgress?.({
    total: position.total,
    records: position.records,
    ...(await store.historyAfter(position.historyFrom, REMATCH_ACTOR, client)),
  });
}

async function summaryOf(
  store: MasterDataStore,
  position: Position,
  resumedFrom: number,
  alreadyApplied: boolean,
  started: number,
  client?: Client,
): Promise<RematchSummary> {
  const now = await store.stats(client);
  return {
    rules: position.rules,
    total: position.total,
    records: position.records,
    ...(await store.historyAfter(position.historyFrom, REMATCH_ACTOR, client)),
    resumedFrom,
    alreadyApplied,
    dryRun: false,
    golden: { before: position.before.golden, after: now.golden },
    review: { before: position.before.review, after: now.review },
    seconds: (Date.now() - started) / 1000,
  };
}
