import { describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { defaultMdmConfig, parseMdmConfig } from './config.ts';
import { standardise } from './standardise.ts';
import { survive } from './survivorship.ts';

const customer = (country: string | null, ...numbers: string[]): CustomerPartyMaster => ({
  customerId: 'crm:1',
  sourceIds: [{ system: 'crm', id: '1' }],
  partyType: 'PERSON',
  person: { givenName: 'Anna', familyName: 'Petrova' },
  phones: numbers.map((number) => ({ number, use: 'work' })),
  addresses: country ? [{ use: 'BILLING', lines: ['Tverskaya 1'], city: 'X', countryCode: country }] : [],
});

const goldenPhones = (record: CustomerPartyMaster, config = defaultMdmConfig()) =>
  survive('gc-1', [{ system: 'crm', sourceId: '1', record }], config).record.phones;

describe('golden phones', () => {
  it('are E.164, national forms read in the country of the record’s address', () => {
    expect(goldenPhones(customer('RU', '8 (495) 123-45-67'))).toEqual([
      { number: '+74951234567', isE164: true, use: 'work' },
    ]);
    expect(goldenPhones(customer('DE', '030 1234567'))?.[0]?.number).toBe('+49301234567');
    expect(goldenPhones(customer('GB', '020 7946 0000'))?.[0]?.number).toBe('+442079460000');
    // A country name, as some sources send it, is read as the matcher reads it.
    expect(goldenPhones(customer('Deutschland', '030 1234567'))?.[0]?.number).toBe('+49301234567');
    expect(goldenPhones(customer('DE', '+49 (0)30 123 4567'))?.[0]?.number).toBe('+49301234567');
  });

  it('read national forms in defaultCountry when the record has no address country', () => {
    const config = parseMdmConfig({ defaultCountry: 'DE' });
    expect(goldenPhones(customer(null, '030 1234567'), config)?.[0]?.number).toBe('+49301234567');
  });

  it('keep a number libphonenumber cannot read as written', () => {
    expect(goldenPhones(customer(null, '030 1234567'))).toEqual([{ number: '030 1234567', use: 'work' }]);
    expect(goldenPhones(customer('DE', 'ext. 42'))).toEqual([{ number: 'ext. 42', use: 'work' }]);
  });

  it('match the E.164 form: a national number and the international one compare equal', () => {
    const config = defaultMdmConfig();
    expect(standardise(customer('RU', '8 (495) 123-45-67'), config).phones).toEqual(
      standardise(customer(null, '+7 495 123-45-67'), config).phones,
    );
  });
});

describe('golden addresses', () => {
  it('carry the ISO code of a country a source sent by name, and keep one it cannot read as written', () => {
    const golden = (country: string) =>
      survive('gc-1', [{ system: 'crm', sourceId: '1', record: customer(country) }], defaultMdmConfig())
        .record.addresses?.[0]?.countryCode;
    expect(['Polska', 'United Kingdom', 'Schweiz', 'DE', 'Atlantis'].map(golden)).toEqual([
      'PL',
      'GB',
      'CH',
      'DE',
      'Atlantis',
    ]);
  });
});
