/**
 * Organisations as HubSpot companies, end to end (the three simulators, their real connectors, the matcher and the
 * relay; HubSpot's source and sink with `companies: true`, HubSpot created in): an Account made in Salesforce becomes
 * an ORGANIZATION golden record, which the HubSpot sink creates once as a company (by eai_golden_id); the company's
 * webhook echo (INTEGRATION, the app id) joins that golden record as the hub's write and dies out; a person's edit of
 * the company in HubSpot comes back as an edit and reaches Salesforce. Once that golden record is merged into another,
 * the company is written the surviving golden id (its eai_golden_id named the merged one for good), once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { API } from '../../simulators/salesforce/test-support.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { startThreeSystems, type ThreeSystems } from './test-support.ts';

describe('an organisation golden record and HubSpot companies', () => {
  let t: ThreeSystems;

  beforeAll(async () => {
    t = await startThreeSystems({ create: ['hubspot'], hubspotCompanies: true });
    await t.sfSubscribe('/data/AccountChangeEvent');
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  type Company = { id: string; properties: Record<string, string | null> };
  const companies = async () =>
    (
      await t.ok(
        t.hs.json<{ results: Company[] }>(
          'GET',
          '/crm/v3/objects/companies?properties=name,phone,city,eai_golden_id&limit=100',
        ),
        'hs companies',
      )
    ).results;
  /**
   * The hub's writes into HubSpot (its sink's idempotency keys) for golden record `goldenId`, whose company is
   * `companyId`: to that company, and to contacts by that golden id. (The Salesforce simulator's own seed records
   * are golden records too, and created in HubSpot beside it.)
   */
  const hubWrites = async (goldenId: string, companyId: string) => {
    const all = (await t.hubWrites()).hubspot as Array<{
      entityType?: string;
      entityId: string;
      operation: string;
      detail?: { id?: string };
    }>;
    return {
      companies: all
        .filter((e) => e.entityType === 'company' && e.entityId === companyId)
        .map((e) => e.operation),
      contacts: all.filter((e) => e.entityType === 'contact' && e.detail?.id === goldenId).length,
    };
  };

  /** A Salesforce Account a person creates, once its company is in HubSpot: the Account's id. */
  const accountInHubSpot = async (name: string, phone: string) => {
    const accountId = String(
      (
        await t.ok(
          t.sf.json<{ id: string }>('POST', '/sim/edit', {
            type: 'Account',
            fields: { Name: name, Phone: phone, BillingCity: 'Hamburg', BillingCountry: 'Germany' },
          }),
          'sf account edit',
        )
      ).id,
    );
    await waitFor(
      'the company in HubSpot',
      async () => (await companies()).some((c) => c.properties.name === name),
      60_000,
    );
    return accountId;
  };

  it('creates the company once, its echo joins the golden record and dies out, and an edit there comes back', async () => {
    const name = `Nordwind Handel ${unique('gmbh').slice(-6)}`;
    const accountId = await accountInHubSpot(name, '+49401234567');
    await t.settle();
    const golden = await t.goldenOf('salesforce', accountId);
    expect(golden.record?.partyType).toBe('ORGANIZATION');
    const [company, ...others] = (await companies()).filter((c) => c.properties.name === name);
    expect(others).toEqual([]);
    expect(company!.properties).toMatchObject({ name, city: 'Hamburg' });
    // Created by the golden id it had then; joined by its echo, the golden record took the id of its smallest
    // member key, the company's ('hubspot' sorts before 'salesforce'), and the hub wrote that id there: HubSpot
    // holds the golden id the hub knows the customer by, not one merged away.
    expect(company!.properties.eai_golden_id).toBe(golden.goldenId);
    // Created once, its golden id written once, nothing after: the echoes (company.creation, a propertyChange per
    // property, INTEGRATION + app id) are the hub's own writes, and no contact was made of the organisation.
    const created = (await t.hubWrites()).hubspot.find(
      (e) => e.operation === 'create' && e.entityId === company!.id,
    ) as { detail?: { id?: string } } | undefined;
    expect(created?.detail?.id).toMatch(/^gc-/);
    expect((await hubWrites(created!.detail!.id!, company!.id)).contacts).toBe(0);
    expect(await hubWrites(company!.properties.eai_golden_id!, company!.id)).toEqual({
      companies: ['create', 'update'],
      contacts: 0,
    });
    // The echo joined the golden record as its HubSpot member, by the golden id it names.
    expect(await t.store.xref('hubspot', `company:${company!.id}`)).toBe(golden.goldenId);
    expect(golden.members).toContainEqual({ system: 'hubspot', sourceId: `company:${company!.id}` });
    await t.settle();
    expect(await hubWrites(company!.properties.eai_golden_id!, company!.id)).toEqual({
      companies: ['create', 'update'],
      contacts: 0,
    });

    // A person changes the company's phone in HubSpot: an edit, not an echo.
    await t.ok(
      t.hs.json('POST', '/sim/companies', { id: company!.id, properties: { phone: '+49 40 9998877' } }),
      'hs company edit',
    );
    await waitFor(
      "the company's new phone in Salesforce",
      async () =>
        (
          await t.ok(
            t.sf.json<Record<string, string | null>>('GET', `${API}/sobjects/Account/${accountId}`),
            'sf account',
          )
        ).Phone?.replace(/\D/g, '') === '49409998877',
      60_000,
    );
    await t.settle();
    const after = await t.goldenOf('salesforce', accountId);
    expect(after.goldenId).toBe(golden.goldenId);
    expect(after.record?.phones?.map((p) => p.number.replace(/\D/g, ''))).toContain('49409998877');
    // HubSpot, where the edit was made, holds it already: nothing goes back there.
    expect(await hubWrites(company!.properties.eai_golden_id!, company!.id)).toEqual({
      companies: ['create', 'update'],
      contacts: 0,
    });
  });

  it('writes the surviving golden id to the company when its golden record is merged into another, once', async () => {
    const name = `Seewind Handel ${unique('gmbh').slice(-6)}`;
    const accountId = await accountInHubSpot(name, '+49401234500');
    await t.settle();
    const before = await t.goldenOf('salesforce', accountId);
    const company = (await companies()).find((c) => c.properties.name === name)!;
    expect(await t.store.xref('hubspot', `company:${company.id}`)).toBe(before.goldenId);
    const stamped = company.properties.eai_golden_id!;
    const writesBefore = (await hubWrites(stamped, company.id)).companies;

    // The same company known to an ERP the hub does not push to, under a key that sorts first ('erp' before
    // 'hubspot' and 'salesforce'): merged with it, the golden record takes the ERP record's golden id. The ERP
    // record holds nothing HubSpot lacks, so no value of the company changes with the merge.
    const erpId = unique('erp').slice(-8);
    const record = {
      customerId: `erp:${erpId}`,
      sourceIds: [{ system: 'erp', id: erpId, idType: null }],
      partyType: 'ORGANIZATION',
      organizationName: name,
      emails: [],
      phones: [],
      addresses: [],
    } as unknown as CustomerPartyMaster;
    // Linked by a steward as it is stored, in one transaction: stored first and merged after, the ERP record stood
    // alone as a golden record in between, which the relay (HubSpot created in) could send HubSpot as a second company.
    await t.store.transaction((client) =>
      t.store.upsertIn(client, 'erp', record, undefined, null, {
        system: 'salesforce',
        sourceId: accountId,
        goldenId: before.goldenId,
        actor: 'steward',
      }),
    );
    t.sync.kick();
    await t.settle();
    const after = await t.goldenOf('salesforce', accountId);
    expect(after.goldenId).not.toBe(before.goldenId);
    expect(after.members).toContainEqual({ system: 'hubspot', sourceId: `company:${company.id}` });
    expect(stamped).not.toBe(after.goldenId);

    // HubSpot holds the surviving id on the company now, written by the company's id (an update), once: its echo
    // (the eai_golden_id change, INTEGRATION + app id) is the hub's own write and changes nothing.
    await waitFor(
      "the surviving golden id on HubSpot's company",
      async () =>
        (await companies()).find((c) => c.id === company.id)?.properties.eai_golden_id === after.goldenId,
      60_000,
    );
    await t.settle();
    expect((await hubWrites(stamped, company.id)).companies).toEqual([...writesBefore, 'update']);
    expect((await companies()).filter((c) => c.properties.name === name)).toHaveLength(1);
    expect(await t.store.xref('hubspot', `company:${company.id}`)).toBe(after.goldenId);
    await t.settle();
    expect((await hubWrites(stamped, company.id)).companies).toEqual([...writesBefore, 'update']);
  });
});
