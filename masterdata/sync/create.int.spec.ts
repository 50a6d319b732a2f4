/**
 * Issue 18 §2, each system's own id in the xref: with `create: true` the hub creates a golden customer in a system
 * that holds no record of it (HubSpot upserts by the unique property eai_golden_id, Odoo by the partner's ref,
 * Salesforce by External_Id__c), and the system's record comes back (HubSpot's contact.creation webhook, Odoo's polled
 * partner, Salesforce's CDC CREATE event) and joins the golden record that made it instead of starting a second one. End to end on the real broker, registry and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { goldenIdFor } from '../store.ts';
import { startThreeSystems, type ThreeSystems } from './test-support.ts';

describe('golden customers created in the systems that lack them', () => {
  let t: ThreeSystems;
  const ok: ThreeSystems['ok'] = (answer, what) => t.ok(answer, what);
  const hubWrites = () => t.hubWrites();
  const settle = () => t.settle();
  const hsContact = (id: string) => t.hsContact(id);
  const odooPartner = (id: number) => t.odooPartner(id);
  const goldenOf = (system: string, id: string) => t.goldenOf(system, id);
  const sfContact = (id: string) => t.sfContact(id);

  beforeAll(async () => {
    t = await startThreeSystems({ create: ['hubspot', 'odoo', 'salesforce'] });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('a person entered only in Salesforce is created once in HubSpot and in Odoo, and their new ids join its golden id', async () => {
    // Odoo's own partners (the company, the admin) are created in HubSpot at start: those writes first.
    await settle();
    const before = await hubWrites();
    const email = `${unique('ada')}@example.org`;
    const adaId = String(
      (
        await ok(
          t.sf.json<{ id: string }>('POST', '/sim/edit', {
            type: 'Contact',
            fields: { FirstName: 'Ada', LastName: 'Lovelace', Email: email, Phone: '+442071234567' },
          }),
          'sf edit',
        )
      ).id,
    );
    await waitFor('the golden record holds a HubSpot and an Odoo record too', async () => {
      const id = await t.store.xref('salesforce', adaId);
      const golden = id ? await t.store.golden(id) : null;
      const systems = new Set(golden?.members.map((m) => m.system));
      return systems.has('hubspot') && systems.has('odoo');
    });
    await settle();

    const golden = await goldenOf('salesforce', adaId);
    const member = (system: string) => golden.members.filter((m) => m.system === system);
    expect(golden.members).toHaveLength(3);
    const [hs] = member('hubspot');
    const [odoo] = member('odoo');
    // Each system's id resolves to the same golden id, the "unique customer id across departments".
    expect(await t.store.xref('hubspot', hs!.sourceId)).toBe(golden.goldenId);
    expect(await t.store.xref('odoo', odoo!.sourceId)).toBe(golden.goldenId);
    expect((await hsContact(hs!.sourceId)).email).toBe(email);
    // HubSpot was created by the golden id of then; once its record joined, the cluster's id is that of its
    // smallest member key (order independence), and the hub wrote that id to the contact: the golden id it holds
    // is the one the hub knows the customer by.
    expect((await hsContact(hs!.sourceId)).eai_golden_id).toBe(golden.goldenId);
    expect((await odooPartner(Number(odoo!.sourceId))).email).toBe(email);
    // Odoo's partner was created by its ref, and given the surviving id there the same way.
    const [partner] = await t.odoo.call<Array<{ ref: string }>>(
      'res.partner',
      'read',
      [[Number(odoo!.sourceId)]],
      {
        fields: ['ref'],
      },
    );
    expect(partner?.ref).toBe(golden.goldenId);
    // One create each, then the golden id written anew by the record's id for each id the golden record took as
    // the created records joined (it follows the smallest member key: once HubSpot's joined, no other; Odoo's may
    // join first, another id before it); into Salesforce the golden id alone the same way (its contact, a
    // person's, held every golden value); and no second golden record of the person.
    const after = await hubWrites();
    const hsWrites = after.hubspot.slice(before.hubspot.length).map((e) => [e.entityId, e.operation]);
    expect(hsWrites.slice(0, 2)).toEqual([
      [hs!.sourceId, 'create'],
      [hs!.sourceId, 'update'],
    ]);
    expect(hsWrites.slice(2)).toEqual(hsWrites.slice(2).map(() => [hs!.sourceId, 'update']));
    const odooWrites = after.odoo.slice(before.odoo.length).map((e) => [e.entityId, e.detail?.method]);
    expect(odooWrites.slice(0, 2)).toEqual([
      [odoo!.sourceId, 'create'],
      [odoo!.sourceId, 'write'],
    ]);
    expect(odooWrites.slice(2)).toEqual(odooWrites.slice(2).map(() => [odoo!.sourceId, 'write']));
    expect(odooWrites.length + hsWrites.length).toBeLessThanOrEqual(6);
    const sfWrites = after.salesforce.slice(before.salesforce.length);
    expect(sfWrites.map((e) => [e.entityId, e.operation])).toEqual(sfWrites.map(() => [adaId, 'update']));
    expect(sfWrites.length).toBeGreaterThan(0);
    expect((await t.sfContact(adaId)).External_Id__c).toBe(golden.goldenId);
    // Once the echoes came back, no write follows.
    await settle();
    const later = await hubWrites();
    expect([later.salesforce.length, later.hubspot.length, later.odoo.length]).toEqual([
      after.salesforce.length,
      after.hubspot.length,
      after.odoo.length,
    ]);
    const goldens = await t.store.pool.query<{ n: string }>(
      `select count(distinct golden_id) as n from "${t.store.schema}".source_record where golden_id in
         (select golden_id from "${t.store.schema}".golden where status = 'active')
         and record -> 'emails' -> 0 ->> 'address' = $1`,
      [email],
    );
    expect(Number(goldens.rows[0]?.n)).toBe(1);
  });

  it('a person entered only in HubSpot is created once in Salesforce, whose CDC event names the golden id, and its Contact id joins', async () => {
    await settle();
    const before = await hubWrites();
    const email = `${unique('grace')}@example.org`;
    const hsId = (
      await ok(
        t.hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: { firstname: 'Grace', lastname: 'Hopper', email, phone: '+4930123456' },
        }),
        'hs edit',
      )
    ).id;
    await waitFor('the golden record holds a Salesforce and an Odoo record too', async () => {
      const id = await t.store.xref('hubspot', hsId);
      const golden = id ? await t.store.golden(id) : null;
      const systems = new Set(golden?.members.map((m) => m.system));
      return systems.has('salesforce') && systems.has('odoo');
    });
    await settle();

    const golden = await goldenOf('hubspot', hsId);
    expect(golden.members).toHaveLength(3);
    const [sf] = golden.members.filter((m) => m.system === 'salesforce');
    // The Contact id, not the golden id it was created by, is Salesforce's member and resolves to the golden id.
    expect(sf!.sourceId).toMatch(/^003/);
    expect(await t.store.xref('salesforce', sf!.sourceId)).toBe(golden.goldenId);
    const contact = await sfContact(sf!.sourceId);
    expect(contact.Email).toBe(email);
    expect(await t.store.resolve(contact.External_Id__c ?? '')).toBe(golden.goldenId);
    // It joined in the transaction that stored it: no golden id was ever issued for the Contact alone (the relay
    // would have created that golden record in HubSpot and Odoo, whose echoes then did the same: no end).
    expect(await t.store.golden(goldenIdFor({ system: 'salesforce', sourceId: sf!.sourceId }))).toBeNull();
    // One create in Salesforce, into HubSpot the golden id alone, once (its contact held every golden value), and
    // one golden record of the person. HubSpot
    // reports a new contact one property per webhook, so the golden record fills up over several events and the
    // values after the first go to the same Contact as updates (a Salesforce person does not arrive so).
    const after = await hubWrites();
    const sfWrites = after.salesforce.slice(before.salesforce.length);
    expect(sfWrites.filter((e) => e.operation === 'create').map((e) => e.entityId)).toEqual([sf!.sourceId]);
    expect(new Set(sfWrites.map((e) => e.entityId))).toEqual(new Set([sf!.sourceId]));
    expect(after.hubspot.slice(before.hubspot.length).map((e) => e.entityId)).toEqual([hsId]);
    expect((await t.hsContact(hsId)).eai_golden_id).toBe(golden.goldenId);
    const goldens = await t.store.pool.query<{ n: string }>(
      `select count(distinct golden_id) as n from "${t.store.schema}".source_record where golden_id in
         (select golden_id from "${t.store.schema}".golden where status = 'active')
         and record -> 'emails' -> 0 ->> 'address' = $1`,
      [email],
    );
    expect(Number(goldens.rows[0]?.n)).toBe(1);
  });
  it('a HubSpot contact with only an email waits for a last name before it is created in Salesforce, then goes there whole', async () => {
    await settle();
    const before = await hubWrites();
    const failed = async () =>
      Promise.all(
        [t.names.sfSink, t.names.odooSink].map(
          async (s) => (await t.runtime.status(s))!.metrics.recordsFailed,
        ),
      );
    const failedBefore = await failed();
    const email = `${unique('barbara')}@example.org`;
    // HubSpot takes a contact with nothing but an email; Salesforce refuses a Contact without LastName
    // (REQUIRED_FIELD_MISSING) and Odoo a partner without a name: creates sent now would be dead letters, and the
    // values sent with them would count as held there.
    const hsId = (
      await ok(t.hs.json<{ id: string }>('POST', '/sim/edit', { properties: { email } }), 'hs edit')
    ).id;
    await waitFor('HubSpot contact in the xref', async () => (await t.store.xref('hubspot', hsId)) !== null);
    await settle();
    let after = await hubWrites();
    expect(after.salesforce.slice(before.salesforce.length)).toEqual([]);
    expect(after.odoo.slice(before.odoo.length)).toEqual([]);
    expect(await failed()).toEqual(failedBefore);

    await ok(
      t.hs.json('POST', '/sim/edit', { id: hsId, properties: { firstname: 'Barbara', lastname: 'Liskov' } }),
      'hs edit',
    );
    await waitFor('the golden record holds a Salesforce and an Odoo record', async () => {
      const golden = await t.store.golden((await t.store.xref('hubspot', hsId)) ?? '');
      const systems = new Set(golden?.members.map((m) => m.system));
      return systems.has('salesforce') && systems.has('odoo');
    });
    await settle();
    const golden = await goldenOf('hubspot', hsId);
    const [sf] = golden.members.filter((m) => m.system === 'salesforce');
    const contact = await sfContact(sf!.sourceId);
    // Created with every value the golden record holds, the email from before the wait included.
    expect(contact).toMatchObject({ Email: email, FirstName: 'Barbara', LastName: 'Liskov' });
    after = await hubWrites();
    const sfWrites = after.salesforce.slice(before.salesforce.length);
    expect(sfWrites.filter((e) => e.operation === 'create').map((e) => e.entityId)).toEqual([sf!.sourceId]);
    const [odoo] = golden.members.filter((m) => m.system === 'odoo');
    expect(await odooPartner(Number(odoo!.sourceId))).toMatchObject({ name: 'Barbara Liskov', email });
    expect(await failed()).toEqual(failedBefore);
  });
});
