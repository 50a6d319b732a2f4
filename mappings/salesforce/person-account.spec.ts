import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findMapping, mapBytes, writeToSystem, writeWithMapping } from '../index.ts';

/**
 * Person accounts (IsPersonAccount: an Account holding a consumer, with its hidden Contact's fields as FirstName …
 * and Person*): read as PERSON from change events and records, written back to the Account with the person
 * account's fields. The fixtures' full outputs are in the *.expected folders (npm run mappings:check).
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

const cdcFixture = (name: string) => readFileSync(`formats/salesforce-cdc/fixtures/${name}`);
const canonical = (name: string): Json =>
  JSON.parse(readFileSync(`mappings/salesforce/fixtures/canonical/${name}`, 'utf8')).value;

async function read(format: string, bytes: Buffer): Promise<Json[]> {
  const [mapped] = await mapBytes(format, bytes);
  return mapped!.records.map((r) => JSON.parse(JSON.stringify(r.value)));
}

async function write(value: Json): Promise<Json[]> {
  return (await writeToSystem('salesforce-sobject', [value])).map((b) => JSON.parse(b.toString()));
}

/** A golden person Salesforce does not hold yet (its only id is HubSpot's). */
function newPerson(): Json {
  const value = canonical('person-account-snapshot.json');
  value.customer.sourceIds = value.customer.sourceIds.filter((s: Json) => s.system !== 'salesforce');
  return value;
}

describe('Salesforce person accounts, read', () => {
  it('a person account change event is a PERSON with its name, email, phones, birth date and mailing address', async () => {
    const [event] = await read('salesforce-cdc', cdcFixture('pubsub-person-account-create.json'));
    const customer = event!.customer;
    expect(customer).toMatchObject({
      customerId: 'salesforce:001ZL000001QS6mYAG',
      partyType: 'PERSON',
      organizationName: null,
      person: { title: 'Ms.', givenName: 'Martha', familyName: 'Brown' },
      birthDate: '1984-02-29',
      emails: [{ address: 'martha.brown@example.com', primary: true }],
      addresses: [{ use: 'MAILING', city: 'Berlin', postalCode: '10117', countryCode: 'DE' }],
    });
    expect(customer.phones.map((p: Json) => [p.use, p.number])).toEqual([
      ['work', '(415) 555-1212'],
      ['mobile', '+491701234567'],
      ['home', '030 1234567'],
    ]);
    // The hidden Contact is the same customer (Salesforce sends its own Contact event beside this one).
    expect(customer.sourceIds).toContainEqual({
      system: 'salesforce',
      id: '003ZL000002Xk9PYAS',
      idType: 'PersonContactId',
    });
    expect(Object.keys(customer.extensions)).not.toContain('PersonEmail');
    expect(Object.keys(customer.extensions)).not.toContain('FirstName');
  });

  it('a partial update of a person account sets only what changed', async () => {
    const [event] = await read('salesforce-cdc', cdcFixture('pubsub-person-account-email-update.json'));
    expect(event!.changedFields).toEqual(['updatedAt', 'emails']);
    expect(event!.clearedFields).toEqual([]);
    expect(event!.customer).toMatchObject({
      partyType: 'PERSON',
      organizationName: null,
      person: null,
      emails: [{ address: 'martha.brown@example.org' }],
      phones: [],
      extensions: {},
    });
  });

  it('a business account event stays an ORGANIZATION', async () => {
    const [event] = await read('salesforce-cdc', cdcFixture('pubsub-account-create-with-nulls.json'));
    expect(event!.customer).toMatchObject({
      partyType: 'ORGANIZATION',
      organizationName: 'Globex',
      person: null,
    });
  });

  it('a person account record: its Name ("First Last") is no company name', async () => {
    const bytes = readFileSync('formats/salesforce-sobject/fixtures/person-account-record.json');
    const [event] = await read('salesforce-sobject', bytes);
    expect(event!.customer).toMatchObject({
      partyType: 'PERSON',
      organizationName: null,
      person: { givenName: 'Martha', familyName: 'Brown' },
      emails: [{ address: 'martha.brown@example.com' }],
    });
    expect(event!.changedFields).not.toContain('organizationName');
    // IsPersonAccount: false says a business account even with a name field beside it.
    const business = JSON.parse(bytes.toString());
    business.IsPersonAccount = false;
    const [asBusiness] = await read('salesforce-sobject', Buffer.from(JSON.stringify(business)));
    expect(asBusiness!.customer).toMatchObject({
      partyType: 'ORGANIZATION',
      organizationName: 'Martha Brown',
    });
  });
});

describe('Salesforce person accounts, written back', () => {
  it('a person held as a person account is written to its Account with the person fields, no Name or Contact field', async () => {
    const [body] = await write(canonical('person-account-snapshot.json'));
    expect(body!.attributes).toEqual({ type: 'Account', url: '/sobjects/Account/Id/001ZL000001QS6mYAG' });
    expect(body).toMatchObject({
      FirstName: 'Martha',
      LastName: 'Brown',
      PersonEmail: 'martha.brown@example.com',
      PersonMobilePhone: '+491701234567',
      PersonBirthdate: '1984-02-29',
      PersonMailingCity: 'Berlin',
    });
    for (const field of [
      'Name',
      'Email',
      'MobilePhone',
      'Birthdate',
      'MailingCity',
      'BillingCity',
      'RecordTypeId',
    ]) {
      expect(body).not.toHaveProperty(field);
    }
  });

  it('a partial update writes only its fields, even when the hidden Contact is among the ids', async () => {
    const [body] = await write(canonical('person-account-partial-email.json'));
    expect(body).toEqual({
      attributes: { type: 'Account', url: '/sobjects/Account/Id/001ZL000001QS6mYAG' },
      PersonEmail: 'martha.brown@example.org',
    });
  });

  it("the hidden Contact's own change events (its id as a ContactId) do not make the person a Contact", async () => {
    const value = canonical('person-account-partial-email.json');
    value.customer.sourceIds.push({ system: 'salesforce', id: '003ZL000002Xk9PYAS', idType: 'ContactId' });
    const [body] = await write(value);
    expect(body!.attributes).toEqual({ type: 'Account', url: '/sobjects/Account/Id/001ZL000001QS6mYAG' });
  });

  it('a person held as a Contact stays a Contact', async () => {
    const value = canonical('person-account-snapshot.json');
    value.customer.sourceIds.push({ system: 'salesforce', id: '003ZL000004aBcDYAU', idType: 'ContactId' });
    const [body] = await write(value);
    expect(body!.attributes).toEqual({ type: 'Contact', url: '/sobjects/Contact/Id/003ZL000004aBcDYAU' });
    expect(body).toMatchObject({ Email: 'martha.brown@example.com', MobilePhone: '+491701234567' });
    expect(body).not.toHaveProperty('PersonEmail');
  });

  it('a new person is created as a Contact unless the org names its person account record type', async () => {
    const [byDefault] = await write(newPerson());
    expect(byDefault!.attributes.type).toBe('Contact');

    const dir = mkdtempSync(join(tmpdir(), 'eai-sf-person-accounts-'));
    const file = join(dir, 'sobject.from-canonical.yaml');
    copyFileSync('mappings/salesforce/sobject.from-canonical.yaml', file);
    mkdirSync(join(dir, 'salesforce/lookups'), { recursive: true });
    writeFileSync(join(dir, 'salesforce/lookups/person-accounts.yaml'), 'recordTypeId: 012ZL0000008Td4YAE\n');
    const [created] = (await writeWithMapping(findMapping(file), [newPerson()])).map((b) =>
      JSON.parse(b.toString()),
    );
    expect(created!.attributes).toEqual({
      type: 'Account',
      url: '/sobjects/Account/External_Id__c/golden%3A7f3c9a1e-5b2d-4c8e-9f01-2a6b4d8e0c13',
    });
    expect(created).toMatchObject({
      RecordTypeId: '012ZL0000008Td4YAE',
      LastName: 'Brown',
      PersonEmail: 'martha.brown@example.com',
    });
    expect(created).not.toHaveProperty('Name');
  });
});
