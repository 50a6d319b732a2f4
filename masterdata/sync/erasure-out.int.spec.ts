/**
 * Which systems an erasure commands is the word of the sync config that publishes it (the hub's relay), not of
 * whoever asked for it: `eai mdm erase` without the hub's config publishes the golden topic's tombstones and leaves
 * the systems' commands pending; the relay's config sends them to the systems it pushes to and marks the others
 * `no-sink`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedCustomers } from '../../tests/mdm-data.ts';
import { readToEnd } from '../../tests/read-to-end.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { parseMdmConfig } from '../config.ts';
import { eraseCustomer, erasureById } from '../erasure.ts';
import type { MasterDataStore } from '../store.ts';
import { dropStore, scratchStore } from '../test-support.ts';
import { publishErasure } from './erasure-out.ts';

describe('erasure commands follow the publishing config', () => {
  const prefix = `${unique('erase-cmd')}.`;
  const goldenTopic = unique('erase-golden');
  let store: MasterDataStore;
  let erasureId: string;
  /** The erased customer's systems: the hub pushes to the first only. */
  let pushed: string;
  let unpushed: string[];

  beforeAll(async () => {
    // The CLI's store: the default config, which knows nothing of the hub's sinks.
    store = await scratchStore(testStack().databaseUrl, parseMdmConfig({ sync: { goldenTopic } }));
    const results = await store.upsertBatch(generatedCustomers(11, 40));
    const systemsOf = new Map<string, Set<string>>();
    for (const r of results)
      systemsOf.set(r.goldenId, (systemsOf.get(r.goldenId) ?? new Set()).add(r.system));
    const [goldenId, systems] = [...systemsOf].find(([, s]) => s.size >= 2) ?? [];
    if (!goldenId || !systems) throw new Error('no golden record of two systems in the generated customers');
    [pushed, ...unpushed] = [...systems].sort() as [string, ...string[]];
    const erasure = await eraseCustomer(store, { goldenId, requestedBy: 'dpo' });
    erasureId = erasure.erasureId;
    for (const system of systems) expect(erasure.systems[system]?.status).toBe('pending');
  });
  afterAll(async () => {
    if (store) await dropStore(store);
  });

  it('without the hub config: the tombstones go out, the commands wait, no system is written off', async () => {
    const bus = testBus();
    const published = await publishErasure({ bus, store, erasureId, goldenOnly: true });
    const after = await erasureById(store, erasureId);
    // One row per golden id (the ids merged into it too), no command.
    expect(published).toBe(after?.goldenIds.length);
    expect(after?.status).toBe('pending');
    for (const system of Object.values(after?.systems ?? {})) expect(system.status).toBe('pending');
    const golden = await readToEnd(goldenTopic, () => true);
    // Per golden id its DELETED event, then its tombstone.
    expect(golden.map((m) => m.value.length === 0)).toEqual(after?.goldenIds.flatMap(() => [false, true]));
  });

  it("with the hub's config: the pushed system's commands are sent, the other is marked no-sink, all published", async () => {
    // The config the hub runs: it pushes to one of the two systems.
    const hubConfig = parseMdmConfig({
      sync: {
        goldenTopic,
        commandTopicPrefix: prefix,
        systems: { [pushed]: { push: true }, ...Object.fromEntries(unpushed.map((u) => [u, {}])) },
      },
    });
    const bus = testBus();
    const published = await publishErasure({ bus, store, erasureId, config: hubConfig.sync });
    const after = await erasureById(store, erasureId);
    // The two systems' command rows: sent or marked, none left.
    expect(published).toBe(Object.values(after?.systems ?? {}).reduce((n, system) => n + system.records, 0));
    expect(after?.status).toBe('published');
    expect(after?.systems[pushed]?.status).toBe('sent');
    for (const system of unpushed) expect(after?.systems[system]?.status).toBe('no-sink');
    const commands = await readToEnd(`${prefix}${pushed}`, () => true);
    expect(commands).toHaveLength(after?.systems[pushed]?.records ?? -1);
    expect(commands[0]?.key?.toString()).toBe(after?.goldenId);
  });
});
