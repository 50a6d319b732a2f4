/**
 * Where a deployment's own system (an http-sink's) keeps the golden id is its config's word
 * (`sync.systems.<system>.goldenIdType`): the relay stamps its records there as it does HubSpot's, Salesforce's and
 * Odoo's, once, and a system that names none gets no stamp. It used to be the built-in table alone, so such a
 * system's records never got their golden id. On the real broker, registry and PostgreSQL, with the relay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { quoteSchema } from '../../store/migrate.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { parseMdmConfig } from '../config.ts';
import type { MasterDataStore } from '../store.ts';
import { dropStore, scratchStore } from '../test-support.ts';
import { type GoldenSync, startGoldenSync } from './index.ts';

describe("a system's golden id type from the config", () => {
  const bus = testBus('/eai/tests/mdm-golden-id-type');
  let store: MasterDataStore;
  let sync: GoldenSync;

  beforeAll(async () => {
    const config = parseMdmConfig({
      sync: {
        systems: { crm: { push: true, goldenIdType: 'hub_key' }, erp: { push: true } },
        goldenTopic: unique('golden-id-type-golden'),
        commandTopicPrefix: `${unique('golden-id-type-cmd')}.`,
        pollMs: 3_600_000,
      },
    });
    store = await scratchStore(testStack().databaseUrl, config, 'gidtype');
    sync = await startGoldenSync({ bus, store });
  });
  afterAll(async () => {
    await sync?.stop();
    if (store) await dropStore(store);
  });

  const record = (system: string, id: string, ids: Array<{ id: string; idType: string }> = []) =>
    ({
      customerId: `${system}:${id}`,
      sourceIds: [{ system, id, idType: null }, ...ids.map((i) => ({ system, ...i }))],
      partyType: 'PERSON',
      person: { title: null, givenName: 'Grace', middleName: null, familyName: 'Hopper' },
      emails: [{ address: `${id}@example.org`, use: null, primary: true }],
      phones: [],
      addresses: [],
      updatedAt: '2026-03-01T10:00:00Z',
    }) as unknown as CustomerPartyMaster;
  const sentTo = async (system: string, sourceId: string) =>
    (
      await store.pool.query<{ vals: Record<string, unknown> }>(
        `select vals from ${quoteSchema(store.schema)}.sync_sent where system = $1 and source_id = $2`,
        [system, sourceId],
      )
    ).rows[0]?.vals;

  it('stamps the golden id where the config says, once; a system that names no place gets none', async () => {
    const crm = unique('c').slice(-8);
    const erp = unique('e').slice(-8);
    const { goldenId } = await store.upsert('crm', record('crm', crm));
    expect(
      (await store.upsert('erp', { ...record('erp', erp), emails: record('crm', crm).emails })).goldenId,
    ).toBe(goldenId);
    await sync.flush();
    expect(await sentTo('crm', crm)).toEqual({ customerId: goldenId });
    expect((await sentTo('erp', erp))?.customerId).toBeUndefined();
    const commands = sync.counts.commands.crm;
    // The record comes back holding it (as its system's mapping gives it): nothing more is written.
    await store.upsert('crm', record('crm', crm, [{ id: goldenId, idType: 'hub_key' }]));
    await sync.flush();
    expect(sync.counts.commands.crm).toBe(commands);
  });
});
