/**
 * A golden record with several records of one system (duplicates a person made in Salesforce and in Odoo), end to
 * end with the three simulators, their real connectors, the matcher and the relay: every record receives the golden
 * values and the golden id, each by its own id, once per change, and each one's echo is recognised (no loop). The
 * relay used to write to the first record of each system only (by system and source id): the others kept their old
 * values, and the stamp of a golden record merged away, for good.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { mergeGolden } from '../steward.ts';
import { startThreeSystems, type ThreeSystems } from './test-support.ts';

describe('every record of a system in one golden record', () => {
  let t: ThreeSystems;

  beforeAll(async () => {
    t = await startThreeSystems();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const digits = (v: unknown) => String(v ?? '').replace(/\D/g, '');
  const sfContact = (id: string) => t.sfContact(id);
  const odooPartner = (id: string) => t.odooPartner(Number(id));
  /** The hub's writes since `before`, per system, as the record ids written to. */
  const writesSince = async (before: Awaited<ReturnType<ThreeSystems['hubWrites']>>) => {
    const after = await t.hubWrites();
    return {
      salesforce: after.salesforce.slice(before.salesforce.length).map((e) => e.entityId),
      hubspot: after.hubspot.slice(before.hubspot.length).map((e) => e.entityId),
      odoo: after.odoo.slice(before.odoo.length).map((e) => e.entityId),
    };
  };

  const email = `${unique('ada')}@example.org`;
  let hsId = '';
  const sfIds: string[] = [];
  const odooIds: string[] = [];
  const newSfContact = async (fields: Record<string, string>) =>
    String(
      (
        await t.ok(
          t.sf.json<{ id: string }>('POST', '/sim/edit', {
            type: 'Contact',
            fields: { FirstName: 'Ada', LastName: 'Lovelace', Email: email, ...fields },
          }),
          'sf edit',
        )
      ).id,
    );

  it('writes the golden values to a second Salesforce contact and a second Odoo partner of the customer', async () => {
    hsId = (
      await t.ok(
        t.hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: { firstname: 'Ada', lastname: 'Lovelace', email, phone: '+442071234567' },
        }),
        'hs edit',
      )
    ).id;
    sfIds.push(await newSfContact({ Phone: '+442071234567' }));
    odooIds.push(
      String(await t.odooEdit({ name: 'Ada Lovelace', is_company: false, email, phone: '+442071234567' })),
    );
    await waitFor('the three records in one golden record', async () => {
      const ids = await Promise.all([
        t.store.xref('hubspot', hsId),
        t.store.xref('salesforce', sfIds[0]!),
        t.store.xref('odoo', odooIds[0]!),
      ]);
      return ids[0] !== null && ids.every((id) => id === ids[0]);
    });
    await t.settle();

    // The same person entered again in Salesforce and in Odoo, without the phone.
    sfIds.push(await newSfContact({}));
    odooIds.push(String(await t.odooEdit({ name: 'Ada Lovelace', is_company: false, email })));
    await waitFor('the duplicates in the xref', async () =>
      (await Promise.all([t.store.xref('salesforce', sfIds[1]!), t.store.xref('odoo', odooIds[1]!)])).every(
        (id) => id !== null,
      ),
    );
    // Matched into the customer's golden record (a steward's merge where the score alone did not).
    for (const [system, id] of [
      ['salesforce', sfIds[1]!],
      ['odoo', odooIds[1]!],
    ] as const) {
      const mine = (await t.store.xref(system, id))!;
      const customer = (await t.store.xref('hubspot', hsId))!;
      if (mine !== customer) await mergeGolden(t.store, customer, mine, 'steward');
    }
    t.sync.kick();
    await t.settle();
    const golden = await t.goldenOf('hubspot', hsId);
    expect(
      golden.members
        .filter((m) => m.system === 'salesforce')
        .map((m) => m.sourceId)
        .sort(),
    ).toEqual([...sfIds].sort());
    expect(
      golden.members
        .filter((m) => m.system === 'odoo')
        .map((m) => m.sourceId)
        .sort(),
    ).toEqual([...odooIds].sort());

    // Both records of each system hold the golden phone, and every record the golden id: those that held every
    // golden value already (the first three) by a write of the id alone, once its echo came back no more.
    for (const id of sfIds)
      expect(digits((await sfContact(id)).Phone), `salesforce ${id}`).toBe('442071234567');
    for (const id of odooIds)
      expect(digits((await odooPartner(id)).phone), `odoo ${id}`).toBe('442071234567');
    await expectStamped(golden.goldenId);
    const before = await t.hubWrites();
    t.sync.kick();
    await t.settle();
    expect(await writesSince(before)).toEqual({ salesforce: [], hubspot: [], odoo: [] });
  });

  /** Every record of the customer carries the golden id where its system keeps it. */
  const expectStamped = async (goldenId: string) => {
    for (const id of sfIds) expect((await sfContact(id)).External_Id__c, `salesforce ${id}`).toBe(goldenId);
    expect((await t.hsContact(hsId)).eai_golden_id, `hubspot ${hsId}`).toBe(goldenId);
    for (const id of odooIds) expect((await odooPartner(id)).ref, `odoo ${id}`).toBe(goldenId);
  };

  it("a person's edit reaches every record of the other systems once, and the echoes die out", async () => {
    await t.settle();
    const before = await t.hubWrites();
    const echoes = t.matcher.counts.echo;
    await t.ok(
      t.hs.json('POST', '/sim/edit', { id: hsId, properties: { phone: '+442079999999' } }),
      'hs edit',
    );
    await waitFor('the new phone in every Salesforce contact and Odoo partner', async () => {
      const sf = await Promise.all(sfIds.map(async (id) => digits((await sfContact(id)).Phone)));
      const odoo = await Promise.all(odooIds.map(async (id) => digits((await odooPartner(id)).phone)));
      return [...sf, ...odoo].every((p) => p === '442079999999');
    });
    await t.settle();
    // Once into each record, by its own id; nothing back into HubSpot, where the edit was made.
    const writes = await writesSince(before);
    expect(writes.salesforce.sort()).toEqual([...sfIds].sort());
    expect(writes.odoo.sort()).toEqual([...odooIds].sort());
    expect(writes.hubspot).toEqual([]);
    // Each record's echo was recognised as the hub's write: no loop.
    expect(t.matcher.counts.echo - echoes).toBeGreaterThanOrEqual(sfIds.length + odooIds.length);
    await t.settle();
    expect(await writesSince(before)).toEqual({
      salesforce: writes.salesforce,
      hubspot: [],
      odoo: writes.odoo,
    });
    const golden = await t.goldenOf('hubspot', hsId);
    expect(golden.members).toHaveLength(5);
    expect(digits(golden.record?.phones?.[0]?.number)).toBe('442079999999');
    for (const id of sfIds)
      expect((await sfContact(id)).External_Id__c, `salesforce ${id}`).toBe(golden.goldenId);
  });

  it('writes the surviving golden id to every record of a system after a merge, once', async () => {
    await t.settle();
    const before = await t.hubWrites();
    const stamped = (await t.goldenOf('hubspot', hsId)).goldenId;
    // The customer known to an ERP the hub does not push to, under a key that sorts first: merged by a steward, the
    // golden record takes the ERP record's id; no value the systems hold changes.
    const erpId = unique('erp').slice(-8);
    const erp = await t.store.upsert('erp', {
      customerId: `erp:${erpId}`,
      sourceIds: [{ system: 'erp', id: erpId, idType: null }],
      partyType: 'PERSON',
      person: { title: null, givenName: 'A.', middleName: null, familyName: 'Lovelace' },
      emails: [],
      phones: [],
      addresses: [],
    } as unknown as CustomerPartyMaster);
    if (erp.goldenId !== stamped) await mergeGolden(t.store, erp.goldenId, stamped, 'steward');
    t.sync.kick();
    await t.settle();
    const after = await t.goldenOf('hubspot', hsId);
    expect(after.goldenId).not.toBe(stamped);
    for (const id of sfIds)
      expect((await sfContact(id)).External_Id__c, `salesforce ${id}`).toBe(after.goldenId);
    expect((await t.hsContact(hsId)).eai_golden_id).toBe(after.goldenId);
    await expectStamped(after.goldenId);
    const writes = await writesSince(before);
    expect(writes.salesforce.sort()).toEqual([...sfIds].sort());
    expect(writes.hubspot).toEqual([hsId]);
    // Odoo's partners' ref held the golden id the hub stamped there: the surviving id, once into each.
    expect(writes.odoo.sort()).toEqual([...odooIds].sort());
    await t.settle();
    expect(await writesSince(before)).toEqual(writes);
  });
});

describe('a HubSpot contact and a HubSpot company in one golden record', () => {
  let t: ThreeSystems;

  beforeAll(async () => {
    t = await startThreeSystems({ hubspotCompanies: true });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const digits = (v: unknown) => String(v ?? '').replace(/\D/g, '');
  const company = async (id: string) =>
    (
      await t.ok(
        t.hs.json<{ properties: Record<string, string | null> }>(
          'GET',
          `/crm/v3/objects/companies/${id}?properties=name,phone,eai_golden_id`,
        ),
        'hs company',
      )
    ).properties;
  /** The hub's writes into HubSpot since `before`: [object type, id, operation]. */
  const hubspotWrites = async (before: number) =>
    ((await t.hubWrites()).hubspot as Array<{ entityType?: string; entityId: string; operation: string }>)
      .slice(before)
      .map((e) => [e.entityType, e.entityId, e.operation]);

  it('writes each by its own id and mapping, both stamped with the golden id, and the echoes die out', async () => {
    const name = `Nordwind Handel ${unique('gmbh').slice(-6)}`;
    const companyId = (
      await t.ok(
        t.hs.json<{ id: string }>('POST', '/sim/companies', { properties: { name, phone: '+49401234567' } }),
        'hs company',
      )
    ).id;
    const email = `${unique('hans')}@nordwind.example`;
    const contactId = (
      await t.ok(
        t.hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: { firstname: 'Hans', lastname: 'Nordwind', email, phone: '+49409998877' },
        }),
        'hs contact',
      )
    ).id;
    await waitFor('both in the xref', async () =>
      (
        await Promise.all([
          t.store.xref('hubspot', `company:${companyId}`),
          t.store.xref('hubspot', contactId),
        ])
      ).every((id) => id !== null),
    );
    await t.settle();
    const before = (await t.hubWrites()).hubspot.length;
    // A steward says the two are one customer.
    const [a, b] = await Promise.all([
      t.store.xref('hubspot', `company:${companyId}`),
      t.store.xref('hubspot', contactId),
    ]);
    if (a !== b) await mergeGolden(t.store, a!, b!, 'steward');
    t.sync.kick();
    await t.settle();
    const golden = await t.goldenOf('hubspot', contactId);
    expect(golden.members).toEqual(
      expect.arrayContaining([
        { system: 'hubspot', sourceId: contactId },
        { system: 'hubspot', sourceId: `company:${companyId}` },
      ]),
    );
    // Each holds the golden values its type can hold, written by its own mapping and API (an update by its id: no
    // contact was made of the company, no company of the contact), and the golden id: the company the contact's
    // newer phone, the contact the company's name.
    const phone = digits(golden.record?.phones?.[0]?.number);
    expect(phone).toBe('49409998877');
    expect(await company(companyId)).toMatchObject({ name, eai_golden_id: golden.goldenId });
    expect(digits((await company(companyId)).phone)).toBe(phone);
    expect(await t.hsContact(contactId)).toMatchObject({ email, eai_golden_id: golden.goldenId });
    expect(digits((await t.hsContact(contactId)).phone)).toBe(phone);
    const { properties: contact } = await t.ok(
      t.hs.json<{ properties: Record<string, string | null> }>(
        'GET',
        `/crm/v3/objects/contacts/${contactId}?properties=company`,
      ),
      'hs contact',
    );
    expect(contact.company).toBe(name);
    const writes = await hubspotWrites(before);
    expect(writes).toEqual(
      expect.arrayContaining([
        ['contact', contactId, 'update'],
        ['company', companyId, 'update'],
      ]),
    );
    expect(writes.every(([, id]) => id === contactId || id === companyId)).toBe(true);
    // Their echoes (INTEGRATION, the app id) are the hub's own writes: nothing follows.
    await t.settle();
    expect(await hubspotWrites(before)).toEqual(writes);
    expect((await t.goldenOf('hubspot', contactId)).goldenId).toBe(golden.goldenId);
  });

  it('stamps the golden id on a company that holds every golden value already, once', async () => {
    const name = `Ostwind Handel ${unique('gmbh').slice(-6)}`;
    const companyId = (
      await t.ok(
        t.hs.json<{ id: string }>('POST', '/sim/companies', { properties: { name, phone: '+49401112233' } }),
        'hs company',
      )
    ).id;
    // The contact has no phone: the company's is the golden one, and the company holds every golden value its
    // type can hold (name, phone). It used to get no write, so no eai_golden_id either.
    const email = `${unique('greta')}@ostwind.example`;
    const contactId = (
      await t.ok(
        t.hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: { firstname: 'Greta', lastname: 'Ostwind', email },
        }),
        'hs contact',
      )
    ).id;
    await waitFor('both in the xref', async () =>
      (
        await Promise.all([
          t.store.xref('hubspot', `company:${companyId}`),
          t.store.xref('hubspot', contactId),
        ])
      ).every((id) => id !== null),
    );
    await t.settle();
    const before = (await t.hubWrites()).hubspot.length;
    const [a, b] = await Promise.all([
      t.store.xref('hubspot', `company:${companyId}`),
      t.store.xref('hubspot', contactId),
    ]);
    if (a !== b) await mergeGolden(t.store, a!, b!, 'steward');
    t.sync.kick();
    await t.settle();
    const golden = await t.goldenOf('hubspot', contactId);
    expect(digits(golden.record?.phones?.[0]?.number)).toBe('49401112233');
    expect(await company(companyId)).toMatchObject({ name, eai_golden_id: golden.goldenId });
    expect(await t.hsContact(contactId)).toMatchObject({ email, eai_golden_id: golden.goldenId });
    expect(digits((await t.hsContact(contactId)).phone)).toBe('49401112233');
    // The company was written its golden id alone, once; its echo is the hub's own: nothing follows.
    const writes = await hubspotWrites(before);
    expect(writes.filter(([, id]) => id === companyId)).toEqual([['company', companyId, 'update']]);
    expect(writes.every(([, id]) => id === contactId || id === companyId)).toBe(true);
    await t.settle();
    expect(await hubspotWrites(before)).toEqual(writes);
  });
});
