/**
 * A Salesforce record restored from the Recycle Bin, end to end on the real broker, registry and PostgreSQL with the
 * simulators and their real connectors (test-support.ts): a delete removes the record from the xref and its golden
 * record is recomputed from the others (README, Deletes); the UNDELETE (a CDC event carrying every field, as a
 * create's) is matched again: the record comes back into the xref, in the golden record it left, and a golden
 * record it was the last member of, tombstoned by the delete, is revived (UNDELETED on the golden topic). What it
 * brings back is older than what the others changed meanwhile: it is sent the golden values, not taken for an edit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRaw } from '../../tests/decode-raw.ts';
import { readToEnd } from '../../tests/read-to-end.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { decidePair } from '../steward.ts';
import { startThreeSystems, type ThreeSystems } from './test-support.ts';

describe('a Salesforce contact deleted and undeleted', () => {
  let t: ThreeSystems;

  beforeAll(async () => {
    t = await startThreeSystems();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const sfContact = async (fields: Record<string, string>) =>
    (await t.ok(t.sf.json<{ id: string }>('POST', '/sim/edit', { type: 'Contact', fields }), 'sf edit')).id;
  const sfDelete = (id: string) =>
    t.ok(
      t.sf.json('POST', '/sim/bulk-edit', { type: 'Contact', ids: [], fields: {}, deleteIds: [id] }),
      'sf delete',
    );
  const sfUndelete = (id: string) =>
    t.ok(t.sf.json('POST', '/sim/undelete', { type: 'Contact', ids: [id] }), 'sf undelete');

  it('leaves the xref on delete and comes back into the same golden record, with its values, on undelete', async () => {
    const email = `${unique('ada')}@example.org`;
    const sfId = await sfContact({
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Email: email,
      Phone: '+44 20 7946 0000',
    });
    const hsId = (
      await t.ok(
        t.hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: { firstname: 'Ada', lastname: 'Lovelace', email },
        }),
        'hs edit',
      )
    ).id;
    await waitFor('the two records in one golden record', async () => {
      const [a, b] = await Promise.all([t.store.xref('salesforce', sfId), t.store.xref('hubspot', hsId)]);
      return a !== null && a === b;
    });
    await t.settle();

    await sfDelete(sfId);
    await waitFor(
      'the deleted contact out of the xref',
      async () => (await t.store.xref('salesforce', sfId)) === null,
    );
    await t.settle();
    const without = await t.goldenOf('hubspot', hsId);
    expect(without.members).toEqual([{ system: 'hubspot', sourceId: hsId }]);
    expect(without.status).toBe('active');

    await sfUndelete(sfId);
    await waitFor(
      'the undeleted contact back in the xref',
      async () => (await t.store.xref('salesforce', sfId)) !== null,
    );
    await t.settle();
    const back = await t.goldenOf('salesforce', sfId);
    expect(await t.store.xref('salesforce', sfId)).toBe(await t.store.xref('hubspot', hsId));
    expect(back.members).toEqual(
      expect.arrayContaining([
        { system: 'salesforce', sourceId: sfId },
        { system: 'hubspot', sourceId: hsId },
      ]),
    );
    expect(back.members).toHaveLength(2);
    expect(back.record?.person?.familyName).toBe('Lovelace');
    expect(back.record?.emails?.map((e) => e.address.toLowerCase())).toContain(email.toLowerCase());
    // The golden id follows the smallest member key, HubSpot's here: the one it kept while Salesforce's was away.
    expect(back.goldenId).toBe(without.goldenId);
  }, 120_000);

  it('is sent what changed in the golden record while it was in the Recycle Bin', async () => {
    const email = `${unique('emmy')}@example.org`;
    const sfId = await sfContact({
      FirstName: 'Emmy',
      LastName: 'Noether',
      Email: email,
      Phone: '+49 551 100000',
    });
    const hsId = (
      await t.ok(
        t.hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: { firstname: 'Emmy', lastname: 'Noether', email, phone: '+49 551 100000' },
        }),
        'hs edit',
      )
    ).id;
    await waitFor('the two records in one golden record', async () => {
      const [a, b] = await Promise.all([t.store.xref('salesforce', sfId), t.store.xref('hubspot', hsId)]);
      return a !== null && a === b;
    });
    await t.settle();
    await sfDelete(sfId);
    await waitFor(
      'the contact out of the xref',
      async () => (await t.store.xref('salesforce', sfId)) === null,
    );
    await t.settle();
    // A person changes the phone in HubSpot meanwhile: the golden record takes it; Salesforce holds no member.
    await t.ok(
      t.hs.json('POST', '/sim/edit', { id: hsId, properties: { phone: '+49 551 200000' } }),
      'hs phone',
    );
    await waitFor(
      'the new phone in the golden record',
      async () =>
        (await t.goldenOf('hubspot', hsId)).record?.phones?.some((p) => p.number.endsWith('200000')) === true,
    );
    await t.settle();
    await sfUndelete(sfId);
    await waitFor(
      'the contact back in the xref',
      async () => (await t.store.xref('salesforce', sfId)) !== null,
    );
    await t.settle();
    const golden = await t.goldenOf('salesforce', sfId);
    expect(golden.record?.phones?.map((p) => p.number)).toEqual(['+49551200000']);
    // Its older phone lost to HubSpot's newer one: the golden phone is written to it.
    expect((await t.sfContact(sfId)).Phone?.replace(/\D/g, '')).toBe('49551200000');
  }, 120_000);

  it("comes back by a steward's accepted link that its score alone would not make", async () => {
    // Two records of one person that do not score an auto-merge (other email, other phone, a married name).
    const sfId = await sfContact({
      FirstName: 'Mary',
      LastName: 'Somerville',
      Email: `${unique('mary')}@example.org`,
      Phone: '+44 131 496 0000',
    });
    const hsId = (
      await t.ok(
        t.hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: { firstname: 'Mary', lastname: 'Fairfax', email: `${unique('fairfax')}@example.com` },
        }),
        'hs edit',
      )
    ).id;
    await waitFor('both records matched', async () => {
      const [a, b] = await Promise.all([t.store.xref('salesforce', sfId), t.store.xref('hubspot', hsId)]);
      return a !== null && b !== null;
    });
    await t.settle();
    expect(await t.store.xref('salesforce', sfId)).not.toBe(await t.store.xref('hubspot', hsId));
    const steward = 'steward@example.org';
    await decidePair(
      t.store,
      { system: 'salesforce', sourceId: sfId },
      { system: 'hubspot', sourceId: hsId },
      'accept',
      steward,
    );
    await t.settle();
    expect(await t.store.xref('salesforce', sfId)).toBe(await t.store.xref('hubspot', hsId));

    await sfDelete(sfId);
    await waitFor(
      'the contact out of the xref',
      async () => (await t.store.xref('salesforce', sfId)) === null,
    );
    await t.settle();
    await sfUndelete(sfId);
    await waitFor(
      'the contact back in the xref',
      async () => (await t.store.xref('salesforce', sfId)) !== null,
    );
    await t.settle();
    // The steward's decision stayed for this: the record is back with the HubSpot one, not a customer of its own.
    expect(await t.store.xref('salesforce', sfId)).toBe(await t.store.xref('hubspot', hsId));
    const back = await t.goldenOf('salesforce', sfId);
    expect(back.links).toEqual([expect.objectContaining({ status: 'accepted', decidedBy: steward })]);
  }, 120_000);

  it('revives the golden record its delete tombstoned, published as UNDELETED', async () => {
    const email = `${unique('grace')}@example.org`;
    const sfId = await sfContact({ FirstName: 'Grace', LastName: 'Hopper', Email: email });
    await waitFor('the contact in the xref', async () => (await t.store.xref('salesforce', sfId)) !== null);
    await t.settle();
    const goldenId = (await t.store.xref('salesforce', sfId)) as string;

    await sfDelete(sfId);
    await waitFor(
      'the contact out of the xref',
      async () => (await t.store.xref('salesforce', sfId)) === null,
    );
    await t.settle();
    expect((await t.store.golden(goldenId))?.status).toBe('deleted');

    await sfUndelete(sfId);
    await waitFor(
      'the contact back in the xref',
      async () => (await t.store.xref('salesforce', sfId)) !== null,
    );
    await t.settle();
    const back = await t.goldenOf('salesforce', sfId);
    expect(back.goldenId).toBe(goldenId);
    expect(back.status).toBe('active');
    expect(back.members).toEqual([{ system: 'salesforce', sourceId: sfId }]);
    expect(back.record?.person?.familyName).toBe('Hopper');
    const raw = await readToEnd(t.names.goldenTopic, (m) => m.key === goldenId);
    const events = await Promise.all(raw.map((m) => decodeRaw<{ changeType: string }>(m)));
    expect(events.map((m) => m.decoded.changeType)).toEqual(['CREATED', 'DELETED', 'UNDELETED']);
  }, 120_000);
});
