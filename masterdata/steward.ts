/**
 * A steward's actions on top of the store's own operations, for callers that need to tell "not there" from
 * "not possible now" (the admin API answers 404 and 409): a pair decision on known records, a merge of two
 * golden records (an accepted pair between their founding records, so it is undone like any other merge), and
 * unmerge by merge number. Each ends in `MasterDataStore.decide` or `unmerge`: one way to do each thing.
 */
import { NonRetriableError } from '../lib/errors.ts';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { quoteSchema } from '../store/migrate.ts';
import type { MasterDataStore } from './store.ts';

/** The record, golden record or merge named does not exist. */
export class MasterDataNotFoundError extends NonRetriableError {}
/** The action does not fit the current state (already undone, records moved since, the same golden record). */
export class MasterDataConflictError extends NonRetriableError {}

interface Key {
  system: string;
  sourceId: string;
}

async function requireRecord(store: MasterDataStore, key: Key): Promise<CustomerPartyMaster> {
  const record = await store.sourceRecord(key.system, key.sourceId);
  if (!record)
    throw new MasterDataNotFoundError(`no ${key.system} customer ${key.sourceId} in the master data`);
  return record;
}

const PARTIES = new Set(['PERSON', 'ORGANIZATION']);

/**
 * A person and an organisation are never one customer (the matcher never pairs them, score.ts): merged by a
 * steward, the golden record would be a PERSON carrying a company's name, sent to every system that takes it. A
 * record whose type is UNKNOWN may join either.
 */
function refuseMixedParties(a: [string, string | undefined], b: [string, string | undefined]): void {
  const [nameA, typeA] = a;
  const [nameB, typeB] = b;
  if (typeA && typeB && typeA !== typeB && PARTIES.has(typeA) && PARTIES.has(typeB)) {
    throw new MasterDataConflictError(
      `${nameA} is ${article(typeA)} and ${nameB} ${article(typeB)}: a person and an organization are not merged`,
    );
  }
}

const article = (type: string) => (type === 'PERSON' ? 'a person' : 'an organization');

/**
 * accept links the two records (their golden records merge), reject keeps them apart. Returns their golden ids and
 * the records of their golden records that now stand apart from both (`splitOff`: a conflict with a record of the
 * other side held the link that kept them, so they left the cluster; their pair waits in the steward queue).
 */
export async function decidePair(
  store: MasterDataStore,
  a: Key,
  b: Key,
  decision: 'accept' | 'reject',
  actor: string,
): Promise<{ a: string | null; b: string | null; splitOff: Array<Key & { goldenId: string }> }> {
  // One record in two forms of its id (SAP's 0000100001 and 100001) is no pair.
  const same =
    a.system === b.system &&
    (a.sourceId === b.sourceId ||
      (await store.storedId(a.system, a.sourceId)) === (await store.storedId(b.system, b.sourceId)));
  if (same) throw new MasterDataConflictError('a pair needs two different records');
  const recordA = await requireRecord(store, a);
  const recordB = await requireRecord(store, b);
  if (decision === 'accept') {
    refuseMixedParties(
      [`${a.system} ${a.sourceId}`, recordA.partyType],
      [`${b.system} ${b.sourceId}`, recordB.partyType],
    );
  }
  const { splitOff } = await store.decide(a, b, decision, actor);
  return { a: await store.xref(a.system, a.sourceId), b: await store.xref(b.system, b.sourceId), splitOff };
}

async function founding(
  store: MasterDataStore,
  goldenId: string,
): Promise<{ id: string; key: Key; partyType: string | undefined }> {
  const resolved = await store.resolve(goldenId);
  if (!resolved) throw new MasterDataNotFoundError(`no golden record ${goldenId}`);
  const row = (
    await store.pool.query<{ founding_system: string; founding_id: string; party_type: string | null }>(
      `select founding_system, founding_id, record ->> 'partyType' as party_type
       from ${quoteSchema(store.schema)}.golden where golden_id = $1`,
      [resolved],
    )
  ).rows[0];
  if (!row) throw new MasterDataNotFoundError(`no golden record ${goldenId}`);
  return {
    id: resolved,
    key: { system: row.founding_system, sourceId: row.founding_id },
    partyType: row.party_type ?? undefined,
  };
}

/**
 * Merges two golden records by accepting the pair of their founding records; returns the survivor's id, the ids merged
 * into it and the records a conflict split off (as `decidePair`).
 */
export async function mergeGolden(
  store: MasterDataStore,
  goldenId: string,
  other: string,
  actor: string,
): Promise<{ goldenId: string; merged: string[]; splitOff: Array<Key & { goldenId: string }> }> {
  const a = await founding(store, goldenId);
  const b = await founding(store, other);
  if (a.id === b.id)
    throw new MasterDataConflictError(`${goldenId} and ${other} are one golden record already`);
  refuseMixedParties([goldenId, a.partyType], [other, b.partyType]);
  // As an accept: a record of either that conflicts with the other's is split off, and said (`splitOff`).
  const { splitOff } = await store.decide(a.key, b.key, 'accept', actor);
  const survivor = (await store.xref(a.key.system, a.key.sourceId)) ?? a.id;
  return { goldenId: survivor, merged: [a.id, b.id].filter((id) => id !== survivor), splitOff };
}

/** Undoes merge `mergeId`; returns the golden ids restored. */
export async function unmergeById(store: MasterDataStore, mergeId: number, actor: string): Promise<string[]> {
  const row = (
    await store.pool.query<{ kind: string; undone_by: string | null }>(
      `select kind, undone_by from ${quoteSchema(store.schema)}.merge_history where id = $1`,
      [mergeId],
    )
  ).rows[0];
  // The entry exists, so not a 404: it is one that cannot be undone this way (a state conflict, as an undone one is).
  if (row && row.kind !== 'merge')
    throw new MasterDataConflictError(
      `#${mergeId} in the merge history is a ${row.kind}, not a merge: only a merge can be undone (a split is undone by accepting the pair it separated, eai mdm decide accept)`,
    );
  if (!row) throw new MasterDataNotFoundError(`no merge ${mergeId} in the merge history`);
  if (row.undone_by)
    throw new MasterDataConflictError(`merge ${mergeId} was already undone by #${row.undone_by}`);
  try {
    return await store.unmerge(mergeId, actor);
  } catch (error) {
    // The store refuses when the records moved since (or a concurrent unmerge won): a state conflict.
    if (error instanceof NonRetriableError)
      throw new MasterDataConflictError(error.message, { cause: error });
    throw error;
  }
}
