/**
 * A golden id stamp a person removes in the system by hand (HubSpot's `eai_golden_id`, Salesforce's
 * `External_Id__c`, Odoo's `ref`), end to end with the three simulators, their real connectors, the matcher and the
 * relay. The relay stamps a record once (`sync_sent` keeps that it sent the id), so the edit that cleared it left
 * the record without its golden id until the golden id changed. Now such an edit (not the hub's echo) has the
 * hub write the id again, once, and the stamp's echo writes nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { startThreeSystems, type ThreeSystems } from './test-support.ts';

describe('a golden id stamp removed by hand', () => {
  let t: ThreeSystems;

  beforeAll(async () => {
    t = await startThreeSystems();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

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
  let sfId = '';
  let odooId = 0;
  let goldenId = '';
  const stamps = async () => ({
    salesforce: (await t.sfContact(sfId)).External_Id__c ?? null,
    hubspot: (await t.hsContact(hsId)).eai_golden_id ?? null,
    odoo: (await t.odooPartner(odooId)).ref || null,
  });

  beforeAll(async () => {
    hsId = (
      await t.ok(
        t.hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: { firstname: 'Ada', lastname: 'Lovelace', email, phone: '+442071234567' },
        }),
        'hs edit',
      )
    ).id;
    sfId = String(
      (
        await t.ok(
          t.sf.json<{ id: string }>('POST', '/sim/edit', {
            type: 'Contact',
            fields: { FirstName: 'Ada', LastName: 'Lovelace', Email: email, Phone: '+442071234567' },
          }),
          'sf edit',
        )
      ).id,
    );
    odooId = await t.odooEdit({ name: 'Ada Lovelace', is_company: false, email, phone: '+442071234567' });
    await waitFor('the three records in one golden record', async () => {
      const ids = await Promise.all([
        t.store.xref('hubspot', hsId),
        t.store.xref('salesforce', sfId),
        t.store.xref('odoo', String(odooId)),
      ]);
      return ids[0] !== null && ids.every((id) => id === ids[0]);
    });
    await t.settle();
    goldenId = (await t.goldenOf('hubspot', hsId)).goldenId;
    expect(await stamps()).toEqual({ salesforce: goldenId, hubspot: goldenId, odoo: goldenId });
  }, 120_000);

  /** A person's edit clears the stamp; the hub writes it again into that record once, and nothing follows. */
  const restamped = async (
    system: 'salesforce' | 'hubspot' | 'odoo',
    record: string,
    clear: () => Promise<unknown>,
  ) => {
    await t.settle();
    const before = await t.hubWrites();
    await clear();
    await waitFor(
      `the golden id back in ${system} ${record}`,
      async () => (await stamps())[system] === goldenId,
    );
    await t.settle();
    const writes = await writesSince(before);
    expect(writes).toEqual({ salesforce: [], hubspot: [], odoo: [], [system]: [record] });
    // The stamp's echo is the hub's own write: no more is sent, and the record holds its golden id again.
    await t.settle();
    expect(await writesSince(before)).toEqual(writes);
    expect(await stamps()).toEqual({ salesforce: goldenId, hubspot: goldenId, odoo: goldenId });
    expect((await t.goldenOf(system, record)).goldenId).toBe(goldenId);
  };

  it('stamps a HubSpot contact again whose eai_golden_id a person cleared, once', async () => {
    await restamped('hubspot', hsId, () =>
      t.ok(t.hs.json('POST', '/sim/edit', { id: hsId, properties: { eai_golden_id: '' } }), 'hs edit'),
    );
  });

  it('stamps an Odoo partner again whose ref a person cleared, once', async () => {
    await restamped('odoo', String(odooId), () => t.odooEdit({ ref: false }, odooId));
  });

  it('stamps a Salesforce contact again whose External_Id__c a person cleared, once', async () => {
    await restamped('salesforce', sfId, () =>
      t.ok(
        t.sf.json('POST', '/sim/edit', { type: 'Contact', id: sfId, fields: { External_Id__c: null } }),
        'sf edit',
      ),
    );
  });

  it('a later edit that does not touch the stamp writes no stamp', async () => {
    await t.settle();
    const before = await t.hubWrites();
    await t.ok(
      t.hs.json('POST', '/sim/edit', { id: hsId, properties: { phone: '+442079999999' } }),
      'hs edit',
    );
    await waitFor('the new phone in Salesforce', async () =>
      String((await t.sfContact(sfId)).Phone ?? '')
        .replace(/\D/g, '')
        .endsWith('2079999999'),
    );
    await t.settle();
    const writes = await writesSince(before);
    // The phone once into Salesforce and Odoo, nothing back into HubSpot (no stamp rides on it).
    expect(writes).toEqual({ salesforce: [sfId], hubspot: [], odoo: [String(odooId)] });
  });
});
