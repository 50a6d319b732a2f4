import { describe, expect, it } from 'vitest';
import type { Address, CustomerPartyMaster } from '../schemas/types.generated.ts';
import { defaultMdmConfig, parseMdmConfig } from './config.ts';
import { standardise } from './standardise.ts';
import { type Member, survive } from './survivorship.ts';

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

describe('golden addresses of every use', () => {
  const address = (use: Address['use'], street: string, city = 'Hamburg'): Address => ({
    use,
    lines: [street],
    city,
    postalCode: '20095',
    countryCode: 'DE',
  });
  const company = (system: string, id: string, updatedAt: string, ...addresses: Address[]): Member => ({
    system,
    sourceId: id,
    record: {
      customerId: `${system}:${id}`,
      sourceIds: [{ system, id }],
      partyType: 'ORGANIZATION',
      organizationName: 'Weber Logistik GmbH',
      addresses,
      updatedAt: updatedAt as unknown as Date,
    },
  });
  const sap = company('sap', '0000100001', '2026-03-02T00:00:00Z', address('BILLING', 'Ballindamm 1'));
  const salesforce = company(
    'salesforce',
    '001A',
    '2026-03-01T00:00:00Z',
    address('BILLING', 'Ballindamm 1'),
    address('SHIPPING', 'Am Lagerhaus 7', 'Bremen'),
  );
  const golden = (members: Member[], config = defaultMdmConfig()) => survive('gc-1', members, config);

  it('add the use the winner lacks (the branch SHIPPING address) from the other member, with its lineage', () => {
    const { record, lineage } = golden([sap, salesforce]);
    expect(record.addresses?.map((a) => [a.use, a.lines?.[0]])).toEqual([
      ['BILLING', 'Ballindamm 1'],
      ['SHIPPING', 'Am Lagerhaus 7'],
    ]);
    expect(lineage.addresses).toEqual({ system: 'sap', sourceId: '0000100001', rule: 'mostRecent' });
    expect(lineage['addresses[SHIPPING]']).toEqual({
      system: 'salesforce',
      sourceId: '001A',
      rule: 'mostRecent',
    });
    expect(lineage['addresses[BILLING]']).toBeUndefined();
  });

  it('are the same for the same members in any order', () => {
    const hubspot = company('hubspot', '501', '2026-02-01T00:00:00Z', address('MAILING', 'Postfach 12'));
    const members = [sap, salesforce, hubspot];
    const orders = [members, [...members].reverse(), [hubspot, sap, salesforce]];
    const results = orders.map((order) => golden(order));
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
    expect(results[0]?.record.addresses?.map((a) => a.use)).toEqual(['BILLING', 'SHIPPING', 'MAILING']);
  });

  it('take a use two members hold from the better one by the field rule, a tie by member key', () => {
    const odoo = company('odoo', '7', '2026-02-15T00:00:00Z', address('SHIPPING', 'Hafenstraße 3', 'Kiel'));
    // mostRecent: Salesforce's shipping address (changed 1 March) over Odoo's (15 February).
    expect(golden([sap, salesforce, odoo]).lineage['addresses[SHIPPING]']?.system).toBe('salesforce');
    // Equal times: the smaller member key (odoo < salesforce), whichever comes first.
    const tied = { ...odoo, record: { ...odoo.record, updatedAt: salesforce.record.updatedAt } };
    expect(golden([sap, salesforce, tied]).lineage['addresses[SHIPPING]']?.system).toBe('odoo');
    expect(golden([tied, salesforce, sap]).lineage['addresses[SHIPPING]']?.system).toBe('odoo');
    // sourcePriority: the order of the systems, whatever the times.
    const config = parseMdmConfig({
      survivorship: {
        fields: { addresses: { rule: 'sourcePriority', priority: ['sap', 'odoo', 'salesforce'] } },
      },
    });
    expect(golden([sap, salesforce, odoo], config).lineage['addresses[SHIPPING]']?.system).toBe('odoo');
  });

  it('never replace a use the winner holds, and keep addresses without a use (or OTHER) the winner’s alone', () => {
    const newer = company(
      'salesforce',
      '001A',
      '2026-03-05T00:00:00Z',
      address('BILLING', 'Neuer Wall 9'),
      address(undefined, 'Irgendwo 1'),
    );
    const other = company(
      'odoo',
      '7',
      '2026-02-15T00:00:00Z',
      address('OTHER', 'Elsewhere 2'),
      address(undefined, 'X 1'),
    );
    const { record, lineage } = golden([sap, newer, other]);
    // Salesforce wins (newest) with its billing address and its address without a use; SAP's older billing
    // address is not added beside it, nor Odoo's OTHER or use-less ones.
    expect(record.addresses?.map((a) => [a.use ?? null, a.lines?.[0]])).toEqual([
      ['BILLING', 'Neuer Wall 9'],
      [null, 'Irgendwo 1'],
    ]);
    expect(Object.keys(lineage).filter((k) => k.startsWith('addresses'))).toEqual(['addresses']);
  });

  it('take no use from a copy of the hub’s (an echo read back under the system’s own use), but from a use kept own', () => {
    // HubSpot holds one address: the golden billing address the hub wrote there, read back as MAILING.
    const echoed: Member = {
      ...company('hubspot', '501', '2026-03-03T00:00:00Z', address('MAILING', 'Ballindamm 1')),
      fieldTimes: { addresses: null },
    };
    expect(golden([sap, salesforce, echoed]).record.addresses?.map((a) => a.use)).toEqual([
      'BILLING',
      'SHIPPING',
    ]);
    // Salesforce's addresses a copy since the hub wrote its billing address, its shipping address its own.
    const written: Member = {
      ...salesforce,
      fieldTimes: {
        addresses: null,
        'addresses[BILLING]': null,
        'addresses[SHIPPING]': '2026-03-01T00:00:00Z',
      },
    };
    expect(golden([sap, written]).lineage['addresses[SHIPPING]']?.system).toBe('salesforce');
    const allCopy: Member = { ...salesforce, fieldTimes: { addresses: null } };
    expect(golden([sap, allCopy]).record.addresses?.map((a) => a.use)).toEqual(['BILLING']);
  });

  it('carry the ISO country code on added addresses too', () => {
    const polish = company('salesforce', '001B', '2026-03-01T00:00:00Z', {
      ...address('SHIPPING', 'Marszałkowska 1', 'Warszawa'),
      countryCode: 'Polska',
    });
    expect(golden([sap, polish]).record.addresses?.[1]?.countryCode).toBe('PL');
  });
});
