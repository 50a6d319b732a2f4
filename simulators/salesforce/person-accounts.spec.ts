import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mapBytes, writeToSystem } from '../../mappings/index.ts';
import { PERSON_ACCOUNT_RECORD_TYPE_ID } from './person-accounts.ts';
import { API, type SalesforceHarness, startSalesforce } from './test-support.ts';

// biome-ignore lint/suspicious/noExplicitAny: records and events read back as plain JSON
type Json = Record<string, any>;

let sf: SalesforceHarness;
beforeAll(async () => {
  sf = await startSalesforce();
});
afterAll(() => sf.sim.close());
afterEach(async () => {
  await sf.control('POST', '/sim/reset?empty=true');
});

const martha = {
  RecordTypeId: PERSON_ACCOUNT_RECORD_TYPE_ID,
  Salutation: 'Ms.',
  FirstName: 'Martha',
  LastName: 'Brown',
  PersonEmail: 'martha.brown@example.com',
  PersonMobilePhone: '+49 170 1234567',
  PersonBirthdate: '1984-02-29',
  PersonMailingCity: 'Berlin',
  PersonMailingPostalCode: '10117',
};

async function events(): Promise<Json[]> {
  return (await sf.control<{ events: Json[] }>('GET', '/sim/cdc-events')).events;
}

async function createMartha(): Promise<string> {
  const created = await sf.json<{ id: string }>('POST', `${API}/sobjects/Account`, martha);
  expect(created.status).toBe(201);
  return created.body.id;
}

describe('person accounts', () => {
  it('an Account created with the person account record type is one: IsPersonAccount, Name "First Last", a hidden Contact', async () => {
    const id = await createMartha();
    const { body } = await sf.json<Json>('GET', `${API}/sobjects/Account/${id}`);
    expect(body).toMatchObject({
      IsPersonAccount: true,
      Name: 'Martha Brown',
      FirstName: 'Martha',
      PersonEmail: 'martha.brown@example.com',
      PersonContactId: expect.stringMatching(/^003\w{15}$/),
    });
    const business = await sf.json<{ id: string }>('POST', `${API}/sobjects/Account`, { Name: 'Acme' });
    const { body: acme } = await sf.json<Json>('GET', `${API}/sobjects/Account/${business.body.id}`);
    expect(acme).toMatchObject({
      IsPersonAccount: false,
      Name: 'Acme',
      FirstName: null,
      PersonContactId: null,
    });
  });

  it('its change event nests the name parts in Name and carries the Person* fields, not IsPersonAccount', async () => {
    await createMartha();
    await sf.json('POST', `${API}/sobjects/Account`, { Name: 'Acme' });
    const [person, business] = (await events()).map((e) => e.payload);
    expect(person).toMatchObject({
      Name: { Salutation: 'Ms.', FirstName: 'Martha', LastName: 'Brown' },
      PersonEmail: 'martha.brown@example.com',
      PersonBirthdate: Date.parse('1984-02-29T00:00:00Z'),
      PersonMailingAddress: { City: 'Berlin', PostalCode: '10117', Street: null, Country: null },
      PersonContactId: expect.stringMatching(/^003/),
    });
    expect(person).not.toHaveProperty('IsPersonAccount');
    expect(business).toMatchObject({ Name: 'Acme', PersonEmail: null, PersonMailingAddress: null });
  });

  it('refuses a Name on a person account, person fields on a business account, a person account without LastName', async () => {
    const id = await createMartha();
    const named = await sf.json<Json[]>('PATCH', `${API}/sobjects/Account/${id}`, { Name: 'M. Brown' });
    expect(named.status).toBe(400);
    expect(named.body[0]).toMatchObject({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['Name'] });
    const business = await sf.json<Json[]>('POST', `${API}/sobjects/Account`, {
      Name: 'Acme',
      PersonEmail: 'x@example.com',
    });
    expect(business.status).toBe(400);
    expect(business.body[0]).toMatchObject({
      errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      fields: ['PersonEmail'],
    });
    const nameless = await sf.json<Json[]>('POST', `${API}/sobjects/Account`, {
      RecordTypeId: PERSON_ACCOUNT_RECORD_TYPE_ID,
      FirstName: 'Martha',
    });
    expect(nameless.body[0]).toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] });
    const wrongType = await sf.json<Json[]>('POST', `${API}/sobjects/Account`, {
      RecordTypeId: '0125g000000XyzWAAS',
      LastName: 'Brown',
    });
    expect(wrongType.body[0]).toMatchObject({
      errorCode: 'INVALID_CROSS_REFERENCE_KEY',
      fields: ['RecordTypeId'],
    });
  });

  it("takes the hub's upsert of a golden person held as a person account, and its change event reads back as that person", async () => {
    const id = await createMartha();
    const golden = JSON.parse(
      readFileSync('mappings/salesforce/fixtures/canonical/person-account-snapshot.json', 'utf8'),
    ).value;
    golden.customer.sourceIds[0].id = id;
    golden.customer.emails[0].address = 'martha@example.org';
    const [upsert] = await writeToSystem('salesforce-sobject', [golden]);
    const body = JSON.parse(upsert!.toString()) as Json;
    const { url } = body.attributes;
    delete body.attributes;
    const written = await sf.json('PATCH', `${API}${url}`, body);
    expect(written.status).toBe(200);

    const update = (await events()).at(-1)!;
    const [mapped] = await mapBytes('salesforce-cdc', Buffer.from(JSON.stringify(update)));
    const event = mapped!.records[0]!.value as Json;
    expect(event.changeType).toBe('UPDATED');
    expect(event.changedFields).toContain('emails');
    expect(event.customer).toMatchObject({
      customerId: `salesforce:${id}`,
      partyType: 'PERSON',
      organizationName: null,
      emails: [{ address: 'martha@example.org' }],
    });
  });
});
