/**
 * A create waits for the steward (sync config `createInReview`, false by default): a golden record with a record in
 * the steward queue beside a record of another golden record is not created in a system with `create: true` until
 * the steward decides. Created at once, a merge would leave HubSpot two contacts of one customer. On the real
 * broker, registry and PostgreSQL, the relay fed by the store.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { quoteSchema } from '../../store/migrate.ts';
import { readDecoded } from '../../tests/decode-raw.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { parseMdmConfig } from '../config.ts';
import { decidePair } from '../steward.ts';
import type { MasterDataStore } from '../store.ts';
import { dropStore, scratchStore } from '../test-support.ts';
import { type GoldenSync, startGoldenSync } from './index.ts';

/** Jana Schulz on one street: house numbers 12 and 123 are a pair held for the steward (store.int.spec.ts). */
const jana = (system: string, id: string, line: string) => ({
  system,
  customer: {
    customerId: `${system}:${id}`,
    sourceIds: [{ system, id, idType: null }],
    partyType: 'PERSON',
    person: { givenName: 'Jana', familyName: 'Schulz' },
    emails: [{ address: `${id}@example.org`, use: null, primary: true }],
    addresses: [{ use: 'BILLING', lines: [line], city: 'Berlin', postalCode: '10117', countryCode: 'DE' }],
  } as unknown as CustomerPartyMaster,
});

type Command = { customer: { customerId: string; sourceIds: Array<{ system: string; id: string }> } };

describe('a create in a system while the golden record waits in the steward queue', () => {
  const bus = testBus('/eai/tests/mdm-create-review');
  const prefix = 'mdm-create-review-cmd';
  const stores: MasterDataStore[] = [];
  const syncs: GoldenSync[] = [];

  async function start(createInReview: boolean) {
    const config = parseMdmConfig({
      sync: {
        systems: { hubspot: { push: true, create: true, createInReview }, salesforce: { push: true } },
        goldenTopic: unique('mdm-create-review-golden'),
        commandTopicPrefix: `${unique(prefix)}.`,
        pollMs: 100,
      },
    });
    const store = await scratchStore(testStack().databaseUrl, config, 'mdmheld');
    stores.push(store);
    const sync = await startGoldenSync({ bus, store });
    syncs.push(sync);
    const creates = async () =>
      (
        await readDecoded<Command>(
          `${config.sync.commandTopicPrefix}hubspot`,
          sync.counts.commands.hubspot ?? 0,
        )
      ).filter((m) => m.decoded.customer.sourceIds.length === 0);
    const held = async () =>
      (
        await store.pool.query<{ golden_id: string; system: string }>(
          `select golden_id, system from ${quoteSchema(store.schema)}.sync_held_create`,
        )
      ).rows;
    return { store, sync, creates, held };
  }

  afterAll(async () => {
    for (const sync of syncs) await sync.stop();
    for (const store of stores) await dropStore(store);
  });

  it('is held until the steward rejects the pair, then made once', async () => {
    const { store, sync, creates, held } = await start(false);
    await store.upsertBatch([jana('hubspot', 'hs-12', 'Friedrichstr. 12')]);
    const [sf] = await store.upsertBatch([jana('salesforce', 'sf-123', 'Friedrichstr. 123')]);
    expect(sf?.outcome).toBe('review');
    await sync.flush();
    // The Salesforce record's golden record is not created in HubSpot: the steward may make it the contact's.
    expect(await creates()).toEqual([]);
    expect(await held()).toEqual([{ golden_id: sf?.goldenId, system: 'hubspot' }]);
    // A pass with nothing new keeps holding it.
    await sync.flush();
    expect(await creates()).toEqual([]);

    await decidePair(
      store,
      { system: 'hubspot', sourceId: 'hs-12' },
      { system: 'salesforce', sourceId: 'sf-123' },
      'reject',
      'steward:test',
    );
    await sync.flush();
    const made = await creates();
    expect(made.map((m) => m.decoded.customer.customerId)).toEqual([sf?.goldenId]);
    expect(await held()).toEqual([]);
    await sync.flush();
    expect(await creates()).toHaveLength(1);
  });

  it('is never made when the steward merges the two golden records: the system holds the customer already', async () => {
    const { store, sync, creates, held } = await start(false);
    const [hs] = await store.upsertBatch([jana('hubspot', 'hs-12', 'Friedrichstr. 12')]);
    const [sf] = await store.upsertBatch([jana('salesforce', 'sf-123', 'Friedrichstr. 123')]);
    await sync.flush();
    expect(await held()).toHaveLength(1);
    const decided = await decidePair(
      store,
      { system: 'hubspot', sourceId: 'hs-12' },
      { system: 'salesforce', sourceId: 'sf-123' },
      'accept',
      'steward:test',
    );
    expect(decided.a).toBe(decided.b);
    expect([hs?.goldenId, sf?.goldenId]).toContain(decided.a);
    await sync.flush();
    expect(await held()).toEqual([]);
    expect(await creates()).toEqual([]);
  });

  it('with createInReview: true, is made at once', async () => {
    const { store, sync, creates, held } = await start(true);
    await store.upsertBatch([jana('hubspot', 'hs-12', 'Friedrichstr. 12')]);
    const [sf] = await store.upsertBatch([jana('salesforce', 'sf-123', 'Friedrichstr. 123')]);
    expect(sf?.outcome).toBe('review');
    await sync.flush();
    expect((await creates()).map((m) => m.decoded.customer.customerId)).toEqual([sf?.goldenId]);
    expect(await held()).toEqual([]);
  });
});
