import { describe, expect, it } from 'vitest';
import { mapBytes } from '../index.ts';

/**
 * A HubSpot company's webhook events as an ORGANIZATION customer, keyed apart from the contact of the same number
 * (HubSpot's company and contact ids share one range). The format's fixtures hold the documented properties.
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

const event = (fields: Json): Json => ({
  eventId: 950,
  subscriptionId: 3102,
  portalId: 62515,
  appId: 1160452,
  occurredAt: 1710236400000,
  attemptNumber: 0,
  objectId: 5102,
  changeSource: 'CRM_UI',
  ...fields,
});

async function mapped(format: string, ...events: Json[]): Promise<Json[]> {
  const [document] = await mapBytes(format, Buffer.from(JSON.stringify(events)));
  return document!.records.map((r) => ({ key: r.key, ...(JSON.parse(JSON.stringify(r.value)) as Json) }));
}

describe('hubspot company webhook → CustomerEvent', () => {
  it('keys a company apart from the contact with the same id: another customerId, source id and idType', async () => {
    const [company] = await mapped(
      'hubspot-company',
      event({
        subscriptionType: 'company.propertyChange',
        propertyName: 'name',
        propertyValue: 'Nordwind Handel GmbH',
      }),
    );
    const [contact] = await mapped(
      'hubspot-contact',
      event({ subscriptionType: 'contact.propertyChange', propertyName: 'firstname', propertyValue: 'Jane' }),
    );
    expect(company!.key).toBe('hubspot:company:5102');
    expect(company!.customer.customerId).toBe('hubspot:company:5102');
    expect(company!.customer.sourceIds).toEqual([
      { system: 'hubspot', id: 'company:5102', idType: 'company' },
    ]);
    expect(contact!.customer.customerId).toBe('hubspot:5102');
    expect(contact!.customer.sourceIds[0]).toEqual({ system: 'hubspot', id: '5102', idType: 'hs_object_id' });
  });

  it('reads the name as the organization name and says the party is an ORGANIZATION', async () => {
    const [record] = await mapped(
      'hubspot-company',
      event({
        subscriptionType: 'company.propertyChange',
        propertyName: 'name',
        propertyValue: 'Nordwind Handel GmbH',
      }),
    );
    expect(record!.changeType).toBe('UPDATED');
    expect(record!.changedFields).toEqual(['organizationName', 'partyType']);
    expect(record!.customer).toMatchObject({
      partyType: 'ORGANIZATION',
      organizationName: 'Nordwind Handel GmbH',
      person: null,
    });
  });

  it('reads the address parts into the one REGISTERED address, the phone as E.164, the domain, website and industry as extensions', async () => {
    const records = await mapped(
      'hubspot-company',
      ...(
        [
          ['address', 'Industriestraße 12'],
          ['city', 'Berlin'],
          ['zip', ' 10115 '],
          ['country', 'Germany'],
          ['phone', '+49 30 1234567'],
          ['domain', 'mueller-maschinenbau.de'],
          ['website', 'https://www.mueller-maschinenbau.de'],
          ['industry', 'MACHINERY'],
        ] as const
      ).map(([propertyName, propertyValue], i) =>
        event({ eventId: 960 + i, subscriptionType: 'company.propertyChange', propertyName, propertyValue }),
      ),
    );
    expect(records.map((r) => r.changedFields[0])).toEqual([
      'addresses.lines',
      'addresses.city',
      'addresses.postalCode',
      'addresses.countryCode',
      'phones[work]',
      'extensions.hubspot.domain',
      'extensions.hubspot.website',
      'extensions.hubspot.industry',
    ]);
    expect(records.slice(0, 4).map((r) => r.customer.addresses[0])).toMatchObject([
      { use: 'REGISTERED', lines: ['Industriestraße 12'] },
      { use: 'REGISTERED', city: 'Berlin' },
      { use: 'REGISTERED', postalCode: '10115' },
      { use: 'REGISTERED', countryCode: 'DE' },
    ]);
    expect(records[4]!.customer.phones).toEqual([
      { number: '+49301234567', isE164: true, use: 'work', primary: false },
    ]);
    expect(records.slice(5).map((r) => r.customer.extensions)).toEqual([
      { 'hubspot.domain': 'mueller-maschinenbau.de' },
      { 'hubspot.website': 'https://www.mueller-maschinenbau.de' },
      { 'hubspot.industry': 'MACHINERY' },
    ]);
  });

  it('reads a deletion as DELETED of the company, a merge naming the companies merged away by their company keys', async () => {
    const [deleted] = await mapped('hubspot-company', event({ subscriptionType: 'company.deletion' }));
    expect([deleted!.changeType, deleted!.customer.status, deleted!.key]).toEqual([
      'DELETED',
      'DELETED',
      'hubspot:company:5102',
    ]);
    const [merged] = await mapped(
      'hubspot-company',
      event({
        subscriptionType: 'company.merge',
        primaryObjectId: 5102,
        mergedObjectIds: [5102, 5104],
        newObjectId: 5102,
      }),
    );
    expect([merged!.changeType, merged!.mergedIds, merged!.customer.customerId]).toEqual([
      'MERGED',
      ['hubspot:company:5104'],
      'hubspot:company:5102',
    ]);
  });

  it('publishes a redacted change as RESYNC_REQUESTED with ids only, never the word REDACTED', async () => {
    const [record] = await mapped(
      'hubspot-company',
      event({
        subscriptionType: 'company.propertyChange',
        propertyName: 'annualrevenue',
        propertyValue: 'REDACTED',
      }),
    );
    expect([record!.changeType, record!.changedFields, record!.customer.extensions]).toEqual([
      'RESYNC_REQUESTED',
      [],
      {},
    ]);
  });
});

describe('hubspot company read over REST (the snapshot) → CustomerEvent', () => {
  const read = (id: string, objectTypeId?: string): Buffer =>
    Buffer.from(
      JSON.stringify({
        id,
        ...(objectTypeId ? { objectTypeId } : {}),
        properties: {
          name: 'Nordwind Handel GmbH',
          phone: '+49 40 1234567',
          city: 'Hamburg',
          country: 'DE',
          domain: 'nordwind.example',
          hs_object_id: id,
          hs_lastmodifieddate: '2024-03-12T10:00:00.000Z',
          createdate: '2023-01-01T00:00:00.000Z',
        },
        createdAt: '2023-01-01T00:00:00.000Z',
        updatedAt: '2024-03-12T10:00:00.000Z',
        archived: false,
      }),
    );
  const mappedRead = async (bytes: Buffer): Promise<Json> => {
    const [document] = await mapBytes('hubspot-crm-object', bytes);
    const [record] = document!.records;
    return { key: record!.key, ...(JSON.parse(JSON.stringify(record!.value)) as Json) };
  };

  it("gives the key and ids of the same company's webhook events, and reads its properties as they do", async () => {
    const snapshot = await mappedRead(read('5102', '0-2'));
    const [webhook] = await mapped(
      'hubspot-company',
      event({ subscriptionType: 'company.propertyChange', propertyName: 'city', propertyValue: 'Hamburg' }),
    );
    expect([snapshot.key, snapshot.customer.customerId, snapshot.customer.sourceIds]).toEqual([
      webhook!.key,
      webhook!.customer.customerId,
      webhook!.customer.sourceIds,
    ]);
    expect(snapshot.key).toBe('hubspot:company:5102');
    expect(snapshot.origin.documentId).toBe('company:5102@2024-03-12T10:00:00.000Z');
    expect(snapshot.customer).toMatchObject({
      partyType: 'ORGANIZATION',
      organizationName: 'Nordwind Handel GmbH',
      person: null,
      emails: [],
      phones: [{ number: '+49401234567', use: 'work' }],
      addresses: [{ use: 'REGISTERED', city: 'Hamburg', countryCode: 'DE' }],
      extensions: { 'hubspot.domain': 'nordwind.example' },
    });
    expect(snapshot.changedFields).toEqual(
      expect.arrayContaining(['partyType', 'organizationName', 'phones[work]', 'addresses']),
    );
    expect(snapshot.changedFields).not.toContain('extensions.hubspot.hs_lastmodifieddate');
    // The same object read as a contact (no objectTypeId): the contact of that number, not the company.
    const contact = await mappedRead(read('5102'));
    expect([contact.key, contact.customer.sourceIds]).toEqual([
      'hubspot:5102',
      [{ system: 'hubspot', id: '5102', idType: 'hs_object_id' }],
    ]);
  });
});
