/**
 * Echoes of a system that stamps nothing (`fingerprint`) coming back out of order: the hub writes a field twice (A,
 * then B), and B's echo comes first, which takes A off what is on its way (overtaken). A's echo, coming after, used to
 * be taken for a person's edit: newer than B's golden field time, it took the golden record back to A and had A written
 * into every other system. It is the hub's own as long as the system changed the field no later than the echo that
 * overtook it; a person who sets A after that is making an edit, and wins. On the real broker, registry and
 * PostgreSQL, with the relay; the systems' events are handed to the matcher's transaction (match-events.ts) as its
 * consumer does.
 */
import { describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { unique } from '../../tests/stack.ts';
import { erpAndFingerprintedCrm } from './test-support.ts';

describe('echoes coming back out of order', () => {
  const t = erpAndFingerprintedCrm('echo-order', 'echoord');
  const { arrive, phone, goldenPhone, heldPhone } = t;

  /**
   * One customer in both systems (phones `<prefix>0`), and the ERP's two phone edits written into the CRM: A
   * (`<prefix>1`), then B (`<prefix>2`).
   */
  const twoWrites = async (given: string, family: string, prefix: string) => {
    const erp = unique('e').slice(-8);
    const crm = unique('c').slice(-8);
    const person = (number: string) =>
      ({
        partyType: 'PERSON',
        person: { title: null, givenName: given, middleName: null, familyName: family },
        emails: [{ address: `${erp}.${family.toLowerCase()}@example.org`, use: null, primary: true }],
        phones: phone(number),
        addresses: [],
        updatedAt: '2026-03-01T10:00:00Z',
      }) as unknown as Partial<CustomerPartyMaster>;
    await arrive('erp', erp, person(`${prefix}0`), [], '2026-03-01T10:00:00Z');
    await arrive('crm', crm, person(`${prefix}0`), [], '2026-03-01T10:00:00Z');
    const goldenId = (await t.store.xref('erp', erp)) as string;
    expect(await t.store.xref('crm', crm)).toBe(goldenId);
    const crmBefore = t.sync.counts.commands.crm ?? 0;
    await arrive('erp', erp, { phones: phone(`${prefix}1`) }, ['phones'], '2026-03-01T10:01:00Z');
    await arrive('erp', erp, { phones: phone(`${prefix}2`) }, ['phones'], '2026-03-01T10:02:00Z');
    expect(t.sync.counts.commands.crm ?? 0).toBe(crmBefore + 2);
    return { erp, crm, goldenId };
  };
  const toErp = () => t.sync.counts.commands.erp ?? 0;
  const toCrm = () => t.sync.counts.commands.crm ?? 0;

  it("takes the late echo of an overtaken write for the hub's: the golden record keeps the later value", async () => {
    const { crm, goldenId } = await twoWrites('Emmy', 'Noether', '+4955100000');
    const [erpBefore, crmBefore] = [toErp(), toCrm()];
    // The CRM applied A at 10:03:10 and B at 10:03:20; B's echo comes first.
    expect(
      (await arrive('crm', crm, { phones: phone('+49551000002') }, ['phones'], '2026-03-01T10:03:20Z')).kind,
    ).toBe('echo');
    expect(await goldenPhone(goldenId)).toEqual(['+49551000002']);
    // A's echo after it: the hub's own, not a person's edit; the golden record keeps B, and A goes nowhere.
    const late = await arrive(
      'crm',
      crm,
      { phones: phone('+49551000001') },
      ['phones'],
      '2026-03-01T10:03:10Z',
    );
    expect(await goldenPhone(goldenId)).toEqual(['+49551000002']);
    expect([toErp(), toCrm()]).toEqual([erpBefore, crmBefore]);
    expect(late.kind).toBe('echo');
    // The CRM holds B (it applied A before B): the hub's record of it says so.
    expect(await heldPhone('crm', crm)).toEqual(['+49551000002']);
    // Delivered again (at least once), it is the same late echo.
    expect(
      (await arrive('crm', crm, { phones: phone('+49551000001') }, ['phones'], '2026-03-01T10:03:10Z')).kind,
    ).toBe('echo');
    expect(await goldenPhone(goldenId)).toEqual(['+49551000002']);
    expect([toErp(), toCrm()]).toEqual([erpBefore, crmBefore]);
  });

  it('takes a person setting the overtaken value after the later write landed for an edit, which wins', async () => {
    const { crm, goldenId } = await twoWrites('Sophie', 'Germain', '+3314000000');
    const erpBefore = toErp();
    expect(
      (await arrive('crm', crm, { phones: phone('+33140000002') }, ['phones'], '2026-03-01T10:03:20Z')).kind,
    ).toBe('echo');
    // A person sets A again in the CRM after B landed there: an edit, newer than B, so it is golden and goes to the ERP.
    expect(
      (await arrive('crm', crm, { phones: phone('+33140000001') }, ['phones'], '2026-03-01T10:04:00Z')).kind,
    ).toBe('edit');
    expect(await goldenPhone(goldenId)).toEqual(['+33140000001']);
    expect(await heldPhone('crm', crm)).toEqual(['+33140000001']);
    expect(toErp()).toBe(erpBefore + 1);
  });
});
