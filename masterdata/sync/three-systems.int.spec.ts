/**
 * The echo test with three systems (issue 18, Done when), end to end on the real broker, registry and PostgreSQL:
 * the Salesforce, HubSpot and Odoo simulators, each echoing every API write in its own way (Salesforce: a CDC
 * event stamped with the API client; HubSpot: webhooks stamped INTEGRATION + app id; Odoo: the polled record's
 * write_uid is the integration user), their real source and sink connectors, the matcher and the golden sync
 * relay. A person's edit in one system reaches the other two once each, the echoes die out (no write after
 * quiescence), every system ends with the golden values, and a real edit made between a hub write and its echo
 * is not lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { startThreeSystems, type ThreeSystems } from './test-support.ts';

describe('echo test with three systems: Salesforce, HubSpot and Odoo', () => {
  let t: ThreeSystems;
  // The helpers under their old names, so the cases read as before.
  const ok: ThreeSystems['ok'] = (answer, what) => t.ok(answer, what);
  const hubWrites = () => t.hubWrites();
  const settle = () => t.settle();
  const sfContact = (id: string) => t.sfContact(id);
  const hsContact = (id: string) => t.hsContact(id);
  const odooPartner = (id: number) => t.odooPartner(id);
  const goldenOf = (system: string, id: string) => t.goldenOf(system, id);

  beforeAll(async () => {
    t = await startThreeSystems();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  let sfId = '';
  let hsId = '';
  let odooId = 0;

  it('matches one person entered in the three systems into one golden record and settles', async () => {
    const email = `${unique('grace')}@example.org`;
    sfId = String(
      (
        await ok(
          t.sf.json<{ id: string }>('POST', '/sim/edit', {
            type: 'Contact',
            fields: { FirstName: 'Grace', LastName: 'Hopper', Email: email, Phone: '+4930123456' },
          }),
          'sf edit',
        )
      ).id,
    );
    hsId = (
      await ok(
        t.hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: { firstname: 'Grace', lastname: 'Hopper', email, phone: '+4930123456' },
        }),
        'hs edit',
      )
    ).id;
    odooId = await t.odooEdit({ name: 'Grace Hopper', is_company: false, email, phone: '+4930123456' });
    await waitFor('the three records in one golden record', async () => {
      const [a, b, c] = await Promise.all([
        t.store.xref('salesforce', sfId),
        t.store.xref('hubspot', hsId),
        t.store.xref('odoo', String(odooId)),
      ]);
      return a !== null && a === b && b === c;
    });
    await settle();
    const golden = await goldenOf('salesforce', sfId);
    expect(golden.members).toEqual(
      expect.arrayContaining([
        { system: 'salesforce', sourceId: sfId },
        { system: 'hubspot', sourceId: hsId },
        { system: 'odoo', sourceId: String(odooId) },
      ]),
    );
    expect(golden.record?.emails?.[0]?.address).toBe(email);
  });

  it("a person's edit in HubSpot reaches Salesforce and Odoo once each; the echoes die out; all three end with the golden values", async () => {
    const before = await hubWrites();
    const echoes = t.matcher.counts.echo;
    const newEmail = `${unique('grace.hopper')}@navy.example`;
    await ok(t.hs.json('POST', '/sim/edit', { id: hsId, properties: { email: newEmail } }), 'hs edit');
    await waitFor('the new email in Salesforce', async () => (await sfContact(sfId)).Email === newEmail);
    await waitFor('the new email in Odoo', async () => (await odooPartner(odooId)).email === newEmail);
    await settle();

    const after = await hubWrites();
    const sfNew = after.salesforce.slice(before.salesforce.length);
    const hsNew = after.hubspot.slice(before.hubspot.length);
    const odooNew = after.odoo.slice(before.odoo.length);
    // Once into Salesforce and once into Odoo, each by its own id from the xref; nothing back into HubSpot,
    // where the edit was made.
    expect(sfNew.map((e) => [e.entityId, e.operation])).toEqual([[sfId, 'update']]);
    expect(odooNew.map((e) => [e.entityId, e.operation])).toEqual([[String(odooId), 'write']]);
    expect(hsNew).toEqual([]);
    // The write came back as an echo and was recognised as one.
    expect(t.matcher.counts.echo).toBeGreaterThan(echoes);

    const golden = await goldenOf('hubspot', hsId);
    expect(golden.record?.emails?.[0]?.address).toBe(newEmail);
    expect((await sfContact(sfId)).Email).toBe(newEmail);
    expect((await hsContact(hsId)).email).toBe(newEmail);
    expect((await odooPartner(odooId)).email).toBe(newEmail);

    // Quiet means quiet: another settle sees no write at all.
    await settle();
    const later = await hubWrites();
    expect([later.salesforce.length, later.hubspot.length, later.odoo.length]).toEqual([
      after.salesforce.length,
      after.hubspot.length,
      after.odoo.length,
    ]);
  });

  // Each system written the least it must be whatever the timing: Salesforce the last name, HubSpot the phone,
  // Odoo the last name and then the phone (the phone edit comes after the hub sent Odoo the last name). Before the
  // matcher scored records as their systems hold them (sync/sent.ts heldView), the Salesforce record as last
  // received (old last name, new phone) split from the others under load, and the phone went out and back.
  it('a real edit made in Salesforce between the hub write and its echo is not lost', async () => {
    const before = await hubWrites();
    const history = async () =>
      Number(
        (
          await t.store.pool.query<{ n: string }>(
            `select count(*) as n from "${t.store.schema}".merge_history`,
          )
        ).rows[0]?.n,
      );
    const historyBefore = await history();
    // The next CDC delivery (the echo of the hub's write) is held back and overtaken by the one after it.
    await ok(
      t.sf.json('POST', '/sim/faults', {
        faults: [{ kind: 'webhook_reorder', path: `/webhooks/${t.names.sfSource}`, times: 1, holdMs: 5000 }],
      }),
      'sf fault',
    );
    await ok(
      t.hs.json('POST', '/sim/edit', { id: hsId, properties: { lastname: 'Hopper-Murray' } }),
      'hs edit',
    );
    await waitFor('the hub wrote the new last name to Salesforce', async () => {
      return (await sfContact(sfId)).LastName === 'Hopper-Murray';
    });
    // A person edits the phone in Salesforce while the echo of the hub's write is still on its way.
    await ok(
      t.sf.json('POST', '/sim/edit', { type: 'Contact', id: sfId, fields: { Phone: '+4940999888' } }),
      'sf edit',
    );
    await waitFor('the new phone in HubSpot', async () => (await hsContact(hsId)).phone === '+4940999888');
    await waitFor('the new phone in Odoo', async () => (await odooPartner(odooId)).phone === '+4940999888');
    await settle();

    // The echo was indeed overtaken by the person's edit.
    const { deliveries } = await ok(
      t.sf.json<{ deliveries: Array<{ url: string; reordered?: boolean }> }>('GET', '/sim/deliveries'),
      'sf deliveries',
    );
    expect(deliveries.some((d) => d.reordered && d.url.includes(t.names.sfSource))).toBe(true);

    // The three records stayed one golden record all along: no split, no merge.
    expect(await history()).toBe(historyBefore);
    const after = await hubWrites();
    expect(after.salesforce.slice(before.salesforce.length).map((e) => e.entityId)).toEqual([sfId]);
    expect(after.hubspot.slice(before.hubspot.length).map((e) => e.entityId)).toEqual([hsId]);
    // Odoo: the new last name (the name field), then the phone.
    expect(after.odoo.slice(before.odoo.length).map((e) => e.entityId)).toEqual([
      String(odooId),
      String(odooId),
    ]);
    const golden = await goldenOf('salesforce', sfId);
    expect(golden.record?.person?.familyName).toBe('Hopper-Murray');
    expect(golden.record?.phones?.map((p) => p.number)).toContain('+4940999888');
    const [sfNow, hsNow] = await Promise.all([sfContact(sfId), hsContact(hsId)]);
    expect([sfNow.LastName, sfNow.Phone]).toEqual(['Hopper-Murray', '+4940999888']);
    expect([hsNow.lastname, hsNow.phone]).toEqual(['Hopper-Murray', '+4940999888']);
    expect(hsNow.eai_golden_id).toBe(golden.goldenId);
    const odooNow = await odooPartner(odooId);
    expect([odooNow.name, odooNow.phone]).toEqual(['Grace Hopper-Murray', '+4940999888']);
  });
});
