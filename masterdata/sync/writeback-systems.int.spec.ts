/**
 * An edit that loses survivorship, end to end with the Salesforce, HubSpot and Odoo simulators and their real
 * connectors: a person changes the phone in HubSpot, Salesforce's phone is trusted more, and HubSpot is written the
 * golden phone back (once, and nothing to the others); its echo is recognised and the systems go quiet, all three
 * holding the golden phone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { startThreeSystems, type ThreeSystems } from './test-support.ts';

describe('an edit that loses survivorship, with Salesforce, HubSpot and Odoo', () => {
  let t: ThreeSystems;
  beforeAll(async () => {
    t = await startThreeSystems({
      fields: { phones: { rule: 'sourcePriority', priority: ['salesforce', 'odoo', 'hubspot'] } },
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('writes the golden phone back to HubSpot only; the echo dies out', async () => {
    const email = `${unique('ada')}@example.org`;
    const sfId = String(
      (
        await t.ok(
          t.sf.json<{ id: string }>('POST', '/sim/edit', {
            type: 'Contact',
            fields: { FirstName: 'Ada', LastName: 'Lovelace', Email: email, Phone: '+4930123456' },
          }),
          'sf edit',
        )
      ).id,
    );
    const hsId = (
      await t.ok(
        t.hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: { firstname: 'Ada', lastname: 'Lovelace', email, phone: '+4930123456' },
        }),
        'hs edit',
      )
    ).id;
    const odooId = await t.odooEdit({ name: 'Ada Lovelace', is_company: false, email, phone: '+4930123456' });
    await waitFor('the three records in one golden record', async () => {
      const [a, b, c] = await Promise.all([
        t.store.xref('salesforce', sfId),
        t.store.xref('hubspot', hsId),
        t.store.xref('odoo', String(odooId)),
      ]);
      return a !== null && a === b && b === c;
    });
    await t.settle();
    const before = await t.hubWrites();
    const writebacks = t.sync.counts.writebacks.hubspot ?? 0;

    // A person changes the phone in HubSpot: Salesforce's phone survives.
    await t.ok(t.hs.json('POST', '/sim/edit', { id: hsId, properties: { phone: '+4940777666' } }), 'hs edit');
    await waitFor(
      'the golden phone back in HubSpot',
      async () => (await t.hsContact(hsId)).phone === '+4930123456',
    );
    await t.settle();

    const golden = await t.goldenOf('hubspot', hsId);
    expect(golden.record?.phones?.map((p) => p.number)).toEqual(['+4930123456']);
    const after = await t.hubWrites();
    expect(after.hubspot.slice(before.hubspot.length).map((e) => e.entityId)).toEqual([hsId]);
    expect(after.salesforce.slice(before.salesforce.length)).toEqual([]);
    expect(after.odoo.slice(before.odoo.length)).toEqual([]);
    expect(t.sync.counts.writebacks.hubspot).toBe(writebacks + 1);
    expect((await t.sfContact(sfId)).Phone).toBe('+4930123456');
    expect((await t.odooPartner(odooId)).phone).toBe('+4930123456');

    // Quiet means quiet: the write-back's echo changed nothing and wrote nothing.
    await t.settle();
    const later = await t.hubWrites();
    expect([later.salesforce.length, later.hubspot.length, later.odoo.length]).toEqual([
      after.salesforce.length,
      after.hubspot.length,
      after.odoo.length,
    ]);
  });
});
