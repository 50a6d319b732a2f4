import type { MasterDataStore } from './store.ts';

/**
 * The source ids a system's MERGED event names as merged away into its survivor (`mergedIds`, as customer ids:
 * `hubspot:123`, `hubspot:company:5102`), as the hub keys them (`sourceIdOf`): without the system's prefix, the
 * survivor's own left out.
 */
export function mergedAway(system: string, survivor: string, mergedIds: readonly string[]): string[] {
  const prefix = `${system}:`;
  const ids = mergedIds.map((id) => (id.startsWith(prefix) ? id.slice(prefix.length) : id));
  return [...new Set(ids)].filter((id) => id && id !== survivor);
}

/**
 * A merge a person made in a system (HubSpot's merge of two contacts or companies): the system now holds one
 * record where it held several, so they were one customer. Each record merged away leaves the cross-reference,
 * as a delete does, and the other members of its golden record join the survivor's, as a steward's accepted link
 * would join them (decided by `<system>-merge`, kept in the golden record's links and history; a steward may reject
 * it later). Without this the merged-away record stayed in its golden record, whose commands went to an id the
 * system now answers as the survivor: the survivor took the other golden record's values and id in turn.
 */
export async function applySystemMerge(
  store: MasterDataStore,
  system: string,
  survivor: string,
  merged: readonly string[],
): Promise<{ joined: number; removed: number }> {
  const actor = `${system}-merge`;
  const self = { system, sourceId: await store.storedId(system, survivor) };
  let joined = 0;
  let removed = 0;
  for (const id of merged) {
    const sourceId = await store.storedId(system, id);
    const goldenId = await store.xref(system, sourceId);
    const golden = goldenId ? await store.golden(goldenId) : null;
    for (const member of golden?.members ?? []) {
      const same = (k: { system: string; sourceId: string }) =>
        member.system === k.system && member.sourceId === k.sourceId;
      if (same(self) || same({ system, sourceId })) continue;
      await store.decide(self, member, 'accept', actor);
      joined++;
    }
    const gone = await store.removeSource(system, sourceId, store.config.sync.deletes.lastMember, actor);
    if (gone.outcome !== 'unknown') removed++;
  }
  return { joined, removed };
}
