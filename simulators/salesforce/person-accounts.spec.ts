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
    const [person, business] = (await events())
      .map((e) => e.payload)
      .filter((p) => p.ChangeEventHeader.entityName === 'Account');
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

    const update = (await events()).findLast((e) => e.payload.ChangeEventHeader.entityName === 'Account')!;
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

  it('its hidden Contact is a record of its own, created with it and sent as a Contact event after its own', async () => {
    const id = await createMartha();
    const { body: account } = await sf.json<Json>('GET', `${API}/sobjects/Account/${id}`);
    const { body: contact } = await sf.json<Json>(
      'GET',
      `${API}/sobjects/Contact/${account.PersonContactId}`,
    );
    expect(contact).toMatchObject({
      IsPersonAccount: true,
      AccountId: id,
      Salutation: 'Ms.',
      FirstName: 'Martha',
      LastName: 'Brown',
      Name: 'Martha Brown',
      Email: 'martha.brown@example.com',
      MobilePhone: '+49 170 1234567',
      Birthdate: '1984-02-29',
      MailingCity: 'Berlin',
    });
    const query = await sf.json<Json>(
      'GET',
      `${API}/query?q=${encodeURIComponent('SELECT Id FROM Contact WHERE IsPersonAccount = true')}`,
    );
    expect(query.body.records.map((r: Json) => r.Id)).toEqual([account.PersonContactId]);

    const [onAccount, onContact] = (await events()).map((e) => e.payload);
    expect(onAccount.ChangeEventHeader).toMatchObject({
      entityName: 'Account',
      recordIds: [id],
      sequenceNumber: 1,
    });
    expect(onContact.ChangeEventHeader).toMatchObject({
      entityName: 'Contact',
      changeType: 'CREATE',
      recordIds: [account.PersonContactId],
      sequenceNumber: 2,
      transactionKey: onAccount.ChangeEventHeader.transactionKey,
    });
    expect(onContact).toMatchObject({
      Name: { Salutation: 'Ms.', FirstName: 'Martha', LastName: 'Brown' },
      Email: 'martha.brown@example.com',
      AccountId: id,
      MailingAddress: expect.objectContaining({ City: 'Berlin', PostalCode: '10117' }),
    });
  });

  it('a change to the account changes its Contact too: the Contact event holds the person fields that changed, else only LastModifiedDate; a delete deletes both', async () => {
    const id = await createMartha();
    await sf.json('PATCH', `${API}/sobjects/Account/${id}`, { PersonEmail: 'martha@example.org' });
    await sf.json('PATCH', `${API}/sobjects/Account/${id}`, { Phone: '+49 30 1234567' });
    const { body: account } = await sf.json<Json>('GET', `${API}/sobjects/Account/${id}`);
    const contactEvents = (await events())
      .map((e) => e.payload)
      .filter((p) => p.ChangeEventHeader.entityName === 'Contact');
    expect(contactEvents.map((p) => p.ChangeEventHeader.changeType)).toEqual(['CREATE', 'UPDATE', 'UPDATE']);
    expect(contactEvents[1].ChangeEventHeader.changedFields).toEqual(['Email', 'LastModifiedDate']);
    expect(contactEvents[1].Email).toBe('martha@example.org');
    expect(contactEvents[2].ChangeEventHeader.changedFields).toEqual(['LastModifiedDate']);

    // Written through the Contact API: refused (the simulator keeps it in step with its Account only).
    const written = await sf.json<Json[]>('PATCH', `${API}/sobjects/Contact/${account.PersonContactId}`, {
      Email: 'x@example.com',
    });
    expect(written.status).toBe(400);
    expect(written.body[0]!.errorCode).toBe('INSUFFICIENT_ACCESS_OR_READONLY');

    expect((await sf.json('DELETE', `${API}/sobjects/Account/${id}`)).status).toBe(204);
    const deletes = (await events()).slice(-2).map((e) => e.payload.ChangeEventHeader);
    expect(deletes.map((h) => [h.entityName, h.changeType])).toEqual([
      ['Account', 'DELETE'],
      ['Contact', 'DELETE'],
    ]);
    expect((await sf.json('GET', `${API}/sobjects/Contact/${account.PersonContactId}`)).status).toBe(404);
  });
});
