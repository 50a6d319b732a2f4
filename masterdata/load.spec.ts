import { describe, expect, it } from 'vitest';
import { avroType } from '../schemas/catalog.ts';
import { undeclaredFields } from './load.ts';

describe('undeclaredFields', () => {
  const customer = avroType('CustomerPartyMaster.avsc');

  it('names the fields a canonical Customer does not have, nested ones by their path', () => {
    expect(
      undeclaredFields(customer, {
        customerId: 'crm:1',
        partyType: 'PERSON',
        person: { givenName: 'Robert', familyName: 'Smith', suffix: 'Jr.' },
        emial: [{ address: 'bob@example.com' }],
        phones: [{ number: '+14155550132' }, { number: '+14155550100', ext: '22' }],
        addresses: [{ use: 'BILLING', lines: ['PO Box 1234'], zip: '94103' }],
      }),
    ).toEqual(['person.suffix', 'emial', 'phones[1].ext', 'addresses[0].zip']);
  });

  it('takes every declared field, extensions of any name and nulls', () => {
    expect(
      undeclaredFields(customer, {
        customerId: 'crm:1',
        partyType: 'ORGANIZATION',
        organizationName: 'Acme Widgets, Inc.',
        person: null,
        taxId: { scheme: 'EIN', value: '12-3456789' },
        credit: { limit: { amount: '1000', currency: 'USD' }, exposure: null, rating: null },
        extensions: { anything: 'kept', 'Lead Source': 'Web' },
      }),
    ).toEqual([]);
  });
});
