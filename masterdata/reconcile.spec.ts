/**
 * `behindFields` (pure): what a system's record lacks of its golden record, beside what that system can hold of it
 * (HubSpot's contact: one email, a phone and a mobile, one address, the given and family name).
 */
import { describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { behindFields } from './reconcile.ts';

const golden: CustomerPartyMaster = {
  customerId: 'gc-00000000000000000001',
  sourceIds: [],
  partyType: 'PERSON',
  person: { title: 'Dr.', givenName: 'Ada', middleName: 'Augusta', familyName: 'Lovelace' },
  emails: [
    { address: 'ada@example.org', use: 'work', primary: true },
    { address: 'ada.home@example.org', use: 'home', primary: false },
  ],
  phones: [
    { number: '+442071234567', isE164: true, use: 'work', primary: true },
    { number: '+442071234568', isE164: true, use: 'work', primary: false },
    { number: '+447700900123', isE164: true, use: 'mobile', primary: false },
  ],
  addresses: [],
  updatedAt: new Date('2026-01-01T00:00:00Z'),
};

/** The golden record as HubSpot's contact holds it after the hub wrote it: the first email, a phone and a mobile. */
const inHubspot = (extra: Partial<CustomerPartyMaster> = {}): CustomerPartyMaster => ({
  ...golden,
  customerId: 'hubspot:101',
  sourceIds: [{ system: 'hubspot', id: '101', idType: null }],
  person: { title: null, givenName: 'Ada', middleName: null, familyName: 'Lovelace' },
  emails: [{ address: 'Ada@Example.org', use: null, primary: true }],
  phones: [
    { number: '+442071234567', isE164: true, use: null, primary: false },
    { number: '+447700900123', isE164: true, use: 'mobile', primary: false },
  ],
  ...extra,
});

describe('behindFields', () => {
  it('counts the emails, phones and name a one-email system holds of those sent as held, not behind', () => {
    expect(behindFields(inHubspot(), golden)).toEqual([]);
  });

  it('names an email or phone the golden record does not hold, or none where it holds some, as behind', () => {
    const otherEmail = inHubspot({ emails: [{ address: 'old@example.org', use: null, primary: true }] });
    expect(behindFields(otherEmail, golden)).toEqual(['emails']);
    const otherPhone = inHubspot({
      phones: [{ number: '+441111111111', isE164: true, use: null, primary: false }],
    });
    expect(behindFields(otherPhone, golden)).toEqual(['phones']);
    expect(behindFields(inHubspot({ emails: [], phones: [] }), golden)).toEqual(['emails', 'phones']);
    const renamed = inHubspot({
      person: { title: null, givenName: 'Ada', middleName: null, familyName: 'King' },
    });
    expect(behindFields(renamed, golden)).toEqual(['person.familyName']);
  });
});
