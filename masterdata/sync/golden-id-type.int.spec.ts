/**
 * Where a deployment's own system (an http-sink's) keeps the golden id is its config's word
 * (`sync.systems.<system>.goldenIdType`): the relay stamps its records there as it does HubSpot's, Salesforce's and
 * Odoo's, once, and a system that names none gets no stamp. It used to be the built-in table alone, so such a
 * system's records never got their golden id. On the real broker, registry and PostgreSQL, with the relay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerEvent, CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { quoteSchema } from '../../store/migrate.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { parseMdmConfig } from '../config.ts';
import { matchEvents } from '../match-events.ts';
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
        systems: {
          crm: { push: true, goldenIdType: 'hub_key' },
          erp: { push: true },
          // Odoo told it keeps none: its ref is the company's own, whatever it holds.
          odoo: { push: true, goldenIdType: null },
          shop: { push: true, create: true, goldenIdType: 'hub_key', hubChangedBy: ['hub'] },
        },
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

  it('takes a golden id under another idType for no stamp: a system that keeps none is never stamped', async () => {
    const crm = unique('c').slice(-8);
    const erp = unique('e').slice(-8);
    const odoo = unique('o').slice(-8);
    const { goldenId } = await store.upsert('crm', record('crm', crm));
    // Another customer's golden id, copied by a person into a field of the ERP's and into Odoo's ref: no stamp of
    // this record, and neither system keeps the hub's golden id.
    const other = (await store.upsert('crm', { ...record('crm', unique('x').slice(-8)), emails: [] }))
      .goldenId;
    expect(other).not.toBe(goldenId);
    const sameEmails = { emails: record('crm', crm).emails };
    expect(
      (
        await store.upsert('erp', {
          ...record('erp', erp, [{ id: other, idType: 'legacy_customer' }]),
          ...sameEmails,
        })
      ).goldenId,
    ).toBe(goldenId);
    expect(
      (await store.upsert('odoo', { ...record('odoo', odoo, [{ id: other, idType: 'ref' }]), ...sameEmails }))
        .goldenId,
    ).toBe(goldenId);
    await sync.flush();
    expect(await sentTo('crm', crm)).toEqual({ customerId: goldenId });
    expect((await sentTo('erp', erp))?.customerId).toBeUndefined();
    expect((await sentTo('odoo', odoo))?.customerId).toBeUndefined();
  });

  it('joins a record the hub created by the golden id where its system keeps it, not by one elsewhere', async () => {
    const crm = unique('c').slice(-8);
    const { goldenId } = await store.upsert('crm', record('crm', crm));
    await sync.flush();
    const created = await store.pool.query(
      `select 1 from ${quoteSchema(store.schema)}.sync_sent where golden_id = $1 and system = 'shop' and source_id is null`,
      [goldenId],
    );
    expect(created.rowCount).toBe(1);
    /** The shop's echo of a write by the hub (changedBy hub) of a record the hub does not hold. */
    const echo = (id: string, idType: string) =>
      store.transaction(async (client) => {
        const [outcome] = await matchEvents(store, client, [
          {
            system: 'shop',
            sourceId: id,
            event: {
              changeType: 'UPDATED',
              changedFields: [],
              clearedFields: [],
              mergedIds: [],
              occurredAt: new Date('2026-03-01T11:00:00Z'),
              origin: { system: 'shop', documentId: null, changeOrigin: null, changedBy: 'hub' },
              customer: record('shop', id, [{ id: goldenId, idType }]),
            } as unknown as CustomerEvent,
          },
        ]);
        return outcome?.result?.goldenId ?? null;
      });
    // Another record naming that golden id in a field of its own (a referral) is no echo of the hub's create.
    expect(await echo(unique('s').slice(-8), 'referred_by')).toBeNull();
    // The created record's echo, holding it where the shop keeps it, joins.
    expect(await echo(unique('s').slice(-8), 'hub_key')).toBe(goldenId);
  });
});
