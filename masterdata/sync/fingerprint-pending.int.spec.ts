/**
 * The echo of a system that stamps nothing, recognised by what the hub sent there (`fingerprint`), when the hub writes
 * a field twice before the first write's echo comes back: that echo is the hub's own as well, stored as a copy, and
 * never takes the golden record back to the older value. It used to be compared with the last value sent alone, taken
 * for a person's edit, and, newer than the change it came from, written into every other system. A person's edit
 * made between a write and its echo still wins. On the real broker, registry and PostgreSQL, with the relay; the
 * systems' events are handed to the matcher's transaction (match-events.ts) as its consumer does.
 */
import { describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { unique } from '../../tests/stack.ts';
import { erpAndFingerprintedCrm } from './test-support.ts';

describe('fingerprints of several writes on their way', () => {
  const t = erpAndFingerprintedCrm('fp-pending', 'fppend');
  const { arrive, phone, goldenPhone } = t;

  it("takes the echo of an earlier write as the hub's, and a person's edit between a write and its echo wins", async () => {
    const erp = unique('e').slice(-8);
    const crm = unique('c').slice(-8);
    const person = (number: string) =>
      ({
        partyType: 'PERSON',
        person: { title: null, givenName: 'Sophie', middleName: null, familyName: 'Germain' },
        emails: [{ address: `${erp}.germain@example.org`, use: null, primary: true }],
        phones: phone(number),
        addresses: [],
        updatedAt: '2026-03-01T10:00:00Z',
      }) as unknown as Partial<CustomerPartyMaster>;
    await arrive('erp', erp, person('+33140000000'), [], '2026-03-01T10:00:00Z');
    await arrive('crm', crm, person('+33140000000'), [], '2026-03-01T10:00:00Z');
    const goldenId = (await t.store.xref('erp', erp)) as string;
    expect(await t.store.xref('crm', crm)).toBe(goldenId);
    const toErp = () => t.sync.counts.commands.erp ?? 0;
    const toCrm = () => t.sync.counts.commands.crm ?? 0;

    // Two edits in the ERP, each written into the CRM before either write comes back.
    const crmBefore = toCrm();
    await arrive('erp', erp, { phones: phone('+33140000001') }, ['phones'], '2026-03-01T10:01:00Z');
    await arrive('erp', erp, { phones: phone('+33140000002') }, ['phones'], '2026-03-01T10:02:00Z');
    expect(toCrm()).toBe(crmBefore + 2);
    const erpBefore = toErp();

    // The first write's echo: the hub's own, a copy; the golden record keeps the newer value, nothing goes out.
    expect(
      (await arrive('crm', crm, { phones: phone('+33140000001') }, ['phones'], '2026-03-01T10:03:00Z')).kind,
    ).toBe('echo');
    expect(await goldenPhone(goldenId)).toEqual(['+33140000002']);
    // The second's: the hub's too.
    expect(
      (await arrive('crm', crm, { phones: phone('+33140000002') }, ['phones'], '2026-03-01T10:04:00Z')).kind,
    ).toBe('echo');
    expect(await goldenPhone(goldenId)).toEqual(['+33140000002']);
    expect([toErp(), toCrm()]).toEqual([erpBefore, crmBefore + 2]);
    // Seen, the first write's value is no echo any more: a person setting it again is an edit.
    expect(
      (await arrive('crm', crm, { phones: phone('+33140000001') }, ['phones'], '2026-03-01T10:04:30Z')).kind,
    ).toBe('edit');
    expect(await goldenPhone(goldenId)).toEqual(['+33140000001']);
    expect(toErp()).toBe(erpBefore + 1);

    // A write into the CRM, a person's edit there before its echo, then the echo: the person's value stands.
    await arrive('erp', erp, { phones: phone('+33140000003') }, ['phones'], '2026-03-01T10:05:00Z');
    expect(
      (await arrive('crm', crm, { phones: phone('+33140000004') }, ['phones'], '2026-03-01T10:06:00Z')).kind,
    ).toBe('edit');
    expect(await goldenPhone(goldenId)).toEqual(['+33140000004']);
    const erpAfterEdit = toErp();
    await arrive('crm', crm, { phones: phone('+33140000003') }, ['phones'], '2026-03-01T10:05:30Z');
    expect(await goldenPhone(goldenId)).toEqual(['+33140000004']);
    expect(toErp()).toBe(erpAfterEdit);
  });
});
