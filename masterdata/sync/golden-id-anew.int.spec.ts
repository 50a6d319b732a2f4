/**
 * The golden id a system holds after a merge, for Odoo as for HubSpot and Salesforce (the three simulators, their real
 * connectors, the matcher and the relay, Odoo created in): the hub creates a partner by the golden id it writes into
 * `ref`; when that golden record is merged into another (its echo joining it, a record that matches it on its own, a
 * steward's merge), the partner's `ref` named the id merged away for good, where HubSpot's `eai_golden_id` and
 * Salesforce's `External_Id__c` were written the surviving one. Now the relay's command naming `customerId` is written
 * by every sink mapping the same way (mappings/lib/golden-id.yaml): the partner gets the surviving id, by its id, once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { mergeGolden } from '../steward.ts';
import { startThreeSystems, type ThreeSystems } from './test-support.ts';

describe("Odoo's ref after a merge", () => {
  let t: ThreeSystems;

  beforeAll(async () => {
    t = await startThreeSystems({ create: ['odoo'] });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const ref = async (partner: string) =>
    (
      await t.odoo.call<Array<{ ref: string | false }>>('res.partner', 'read', [[Number(partner)]], {
        fields: ['ref'],
      })
    )[0]?.ref;
  /** The hub's writes into Odoo to `partner` (the integration user's). */
  const odooWrites = async (partner: string) =>
    (await t.hubWrites()).odoo.filter((e) => e.entityId === partner).map((e) => e.detail?.method);

  /** A person entered in Salesforce and created in Odoo by the hub: the Contact's id and the partner's. */
  const createdInOdoo = async (first: string, last: string, email: string, phone: string) => {
    const contactId = String(
      (
        await t.ok(
          t.sf.json<{ id: string }>('POST', '/sim/edit', {
            type: 'Contact',
            fields: { FirstName: first, LastName: last, Email: email, Phone: phone },
          }),
          'sf edit',
        )
      ).id,
    );
    await waitFor('the person created in Odoo and joined', async () => {
      const id = await t.store.xref('salesforce', contactId);
      const golden = id ? await t.store.golden(id) : null;
      return golden?.members.some((m) => m.system === 'odoo') ?? false;
    });
    await t.settle();
    const golden = await t.goldenOf('salesforce', contactId);
    const partner = golden.members.find((m) => m.system === 'odoo')!.sourceId;
    return { contactId, partner };
  };

  /** A record of an ERP the hub does not push to ('erp' sorts before 'odoo' and 'salesforce': its golden id wins). */
  const erpRecord = (values: Partial<CustomerPartyMaster>) => {
    const id = unique('erp').slice(-8);
    return t.store.upsert('erp', {
      customerId: `erp:${id}`,
      sourceIds: [{ system: 'erp', id, idType: null }],
      partyType: 'PERSON',
      emails: [],
      phones: [],
      addresses: [],
      ...values,
    } as unknown as CustomerPartyMaster);
  };

  it('writes the surviving id to the partner the hub created, when its echo joins and when a record merges in on its own', async () => {
    const email = `${unique('ada')}@example.org`;
    const { contactId, partner } = await createdInOdoo('Ada', 'Lovelace', email, '+442071234567');
    const joined = await t.goldenOf('salesforce', contactId);
    // Created by the Contact's golden id; its echo joined, and the golden record took the id of its smallest member
    // key, the partner's ('odoo' before 'salesforce'): the partner holds that id, as HubSpot and Salesforce would.
    expect(await ref(partner)).toBe(joined.goldenId);
    expect(await odooWrites(partner)).toEqual(['create', 'write']);

    // The same person in an ERP, matched and merged automatically: the golden record takes the ERP record's id.
    const erp = await erpRecord({
      person: { title: null, givenName: 'Ada', middleName: null, familyName: 'Lovelace' },
      emails: [{ address: email, use: null, primary: true }],
      phones: [{ number: '+442071234567', use: null, primary: true, isE164: true }],
    });
    expect(erp.goldenId).toBe(await t.store.xref('salesforce', contactId));
    t.sync.kick();
    await t.settle();
    const merged = await t.goldenOf('salesforce', contactId);
    expect(merged.goldenId).not.toBe(joined.goldenId);
    expect(merged.members.map((m) => m.system).sort()).toEqual(['erp', 'odoo', 'salesforce']);
    expect(await ref(partner)).toBe(merged.goldenId);
    // Once: its echo (write_uid the integration user) is the hub's own write, and no more goes there.
    expect(await odooWrites(partner)).toEqual(['create', 'write', 'write']);
    await t.settle();
    expect(await odooWrites(partner)).toEqual(['create', 'write', 'write']);
  });

  it("writes the surviving id to the partner when a steward merges its golden record into another's", async () => {
    const email = `${unique('grace')}@example.org`;
    const { contactId, partner } = await createdInOdoo('Grace', 'Hopper', email, '+4930123456');
    const before = await t.goldenOf('salesforce', contactId);
    expect(await ref(partner)).toBe(before.goldenId);
    const writes = await odooWrites(partner);

    // An ERP record with too little to match on its own (a birth date): a steward merges the two golden records.
    // It holds no name, so Odoo (create: true) is not sent its golden record while it stands alone.
    const erp = await erpRecord({ birthDate: '1906-12-09' } as Partial<CustomerPartyMaster>);
    expect(erp.goldenId).not.toBe(before.goldenId);
    await mergeGolden(t.store, erp.goldenId, before.goldenId, 'steward');
    t.sync.kick();
    await t.settle();
    const after = await t.goldenOf('salesforce', contactId);
    expect(after.goldenId).toBe(erp.goldenId);
    expect(await ref(partner)).toBe(after.goldenId);
    expect(await odooWrites(partner)).toEqual([...writes, 'write']);
    await t.settle();
    expect(await odooWrites(partner)).toEqual([...writes, 'write']);
    // The echo brought the id into the partner's record: nothing stale left to write.
    expect(await t.store.xref('odoo', partner)).toBe(after.goldenId);
  });
});
