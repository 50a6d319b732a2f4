/**
 * Addresses of several uses, end to end (the three simulators, their real connectors, the matcher and the relay):
 * a company held as a Salesforce Account (a BILLING and a branch SHIPPING address), a HubSpot contact (one address)
 * and an Odoo partner (its own address; its invoice and delivery addresses are child partners). The golden record
 * keeps the branch's SHIPPING address beside the others; a move of the branch in Salesforce reaches the golden
 * record and nothing loops: HubSpot keeps the one address it can hold, Odoo its own and gets the branch as its
 * delivery child (the billing address, equal to its own, makes no invoice child), and another settle sees no write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API } from '../../simulators/salesforce/test-support.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { startThreeSystems, type ThreeSystems } from './test-support.ts';

describe('addresses of several uses with three systems', () => {
  let t: ThreeSystems;
  let accountId = '';
  let hsId = '';
  let odooId = 0;

  beforeAll(async () => {
    t = await startThreeSystems();
    await t.sfSubscribe('/data/AccountChangeEvent');
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const account = async () =>
    t.ok(
      t.sf.json<Record<string, string | null>>('GET', `${API}/sobjects/Account/${accountId}`),
      'sf account',
    );
  const hsAddress = async () =>
    (
      await t.ok(
        t.hs.json<{ properties: Record<string, string | null> }>(
          'GET',
          `/crm/v3/objects/contacts/${hsId}?properties=address,city,zip`,
        ),
        'hs contact',
      )
    ).properties;
  const odooStreet = async () =>
    (
      await t.odoo.call<Array<Record<string, unknown>>>('res.partner', 'read', [[odooId]], {
        fields: ['street'],
      })
    )[0]?.street;
  /** The Odoo partner's child addresses, as [type, street]. */
  const odooChildren = async () =>
    (
      await t.odoo.call<Array<Record<string, unknown>>>(
        'res.partner',
        'search_read',
        [[['parent_id', '=', odooId]]],
        {
          fields: ['type', 'street'],
          order: 'id asc',
        },
      )
    ).map((child) => [child.type, child.street]);

  it('keeps the Account’s SHIPPING address in the golden record, beside the address HubSpot and Odoo hold', async () => {
    const domain = `${unique('weber')}.example`;
    const email = `einkauf@${domain}`;
    accountId = String(
      (
        await t.ok(
          t.sf.json<{ id: string }>('POST', '/sim/edit', {
            type: 'Account',
            fields: {
              Name: 'Weber Logistik GmbH',
              Phone: '+49407654321',
              Website: `https://${domain}`,
              BillingStreet: 'Ballindamm 1',
              BillingCity: 'Hamburg',
              BillingPostalCode: '20095',
              BillingCountry: 'Germany',
              ShippingStreet: 'Am Lagerhaus 7',
              ShippingCity: 'Bremen',
              ShippingPostalCode: '28197',
              ShippingCountry: 'Germany',
            },
          }),
          'sf account edit',
        )
      ).id,
    );
    hsId = (
      await t.ok(
        t.hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: {
            company: 'Weber Logistik GmbH',
            email,
            phone: '+49407654321',
            address: 'Ballindamm 1',
            city: 'Hamburg',
            zip: '20095',
            country: 'Germany',
          },
        }),
        'hs edit',
      )
    ).id;
    odooId = await t.odooEdit({
      name: 'Weber Logistik GmbH',
      is_company: true,
      email,
      phone: '+49407654321',
      street: 'Ballindamm 1',
      city: 'Hamburg',
      zip: '20095',
    });
    await waitFor('the three records in one golden record', async () => {
      const [a, b, c] = await Promise.all([
        t.store.xref('salesforce', accountId),
        t.store.xref('hubspot', hsId),
        t.store.xref('odoo', String(odooId)),
      ]);
      return a !== null && a === b && b === c;
    });
    await t.settle();
    const golden = await t.goldenOf('salesforce', accountId);
    const shipping = golden.record?.addresses?.find((a) => a.use === 'SHIPPING');
    expect(shipping?.lines).toEqual(['Am Lagerhaus 7']);
    // Whichever record's addresses won (the latest change), the shipping address is the Account's.
    expect(golden.lineage?.['addresses[SHIPPING]'] ?? golden.lineage?.addresses).toMatchObject({
      system: 'salesforce',
      sourceId: accountId,
    });
    expect((await account()).ShippingStreet).toBe('Am Lagerhaus 7');
    expect((await hsAddress()).address).toBe('Ballindamm 1');
    expect(await odooStreet()).toBe('Ballindamm 1');
    expect(await odooChildren()).toEqual([['delivery', 'Am Lagerhaus 7']]);
  });

  it('a move of the branch in Salesforce reaches the golden record; the one-address systems keep theirs; no loop', async () => {
    const before = await t.hubWrites();
    await t.ok(
      t.sf.json('POST', '/sim/edit', {
        type: 'Account',
        id: accountId,
        fields: { ShippingStreet: 'Hafenstraße 3', ShippingCity: 'Kiel', ShippingPostalCode: '24103' },
      }),
      'sf account edit',
    );
    await waitFor('the new shipping address in the golden record', async () => {
      const golden = await t.goldenOf('salesforce', accountId);
      return golden.record?.addresses?.find((a) => a.use === 'SHIPPING')?.city === 'Kiel';
    });
    await t.settle();
    const after = await t.hubWrites();
    // Each system written at most once. Salesforce, where the edit was made, too: the golden record also holds
    // HubSpot's MAILING address, which an Account has no place for, and the relay does not know a system's places
    // (its sink writes the billing and shipping addresses it has, unchanged; the echo is a copy).
    expect(after.salesforce.length - before.salesforce.length).toBeLessThanOrEqual(1);
    expect(after.hubspot.length - before.hubspot.length).toBeLessThanOrEqual(1);
    expect(after.odoo.length - before.odoo.length).toBeLessThanOrEqual(1);
    const golden = await t.goldenOf('salesforce', accountId);
    expect(golden.record?.addresses?.filter((a) => a.use === 'BILLING').map((a) => a.lines)).toEqual([
      ['Ballindamm 1'],
    ]);
    expect((await account()).ShippingStreet).toBe('Hafenstraße 3');
    expect((await hsAddress()).address).toBe('Ballindamm 1');
    expect(await odooStreet()).toBe('Ballindamm 1');
    expect(await odooChildren()).toEqual([['delivery', 'Hafenstraße 3']]);

    // Quiet means quiet: another settle sees no write at all.
    await t.settle();
    const later = await t.hubWrites();
    expect([later.salesforce.length, later.hubspot.length, later.odoo.length]).toEqual([
      after.salesforce.length,
      after.hubspot.length,
      after.odoo.length,
    ]);
  });
});
