import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidId } from './ids.ts';
import { API, type SalesforceHarness, startSalesforce } from './test-support.ts';

let sf: SalesforceHarness;
beforeAll(async () => {
  sf = await startSalesforce();
});
afterAll(() => sf.sim.close());

describe('OAuth and sessions', () => {
  it('issues a client-credentials token shaped like Salesforce', async () => {
    const response = await fetch(`${sf.sim.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=other&client_secret=s3',
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'api', instance_url: sf.sim.url });
    expect(body.access_token).toMatch(/^00D\w{12}!/);
    expect(body.issued_at).toMatch(/^\d{13}$/);
    expect(body.id).toMatch(/\/id\/00D\w{15}\/005\w{15}$/);
  });

  it('rejects a wrong secret and an unsupported grant with OAuth error bodies', async () => {
    const post = (body: string) =>
      fetch(`${sf.sim.url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    const wrong = await post('grant_type=client_credentials&client_id=eai-hub&client_secret=nope');
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({
      error: 'invalid_client',
      error_description: 'invalid client credentials',
    });
    const grant = await post('grant_type=password&client_id=eai-hub&client_secret=secret');
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('answers 401 INVALID_SESSION_ID without a valid bearer token', async () => {
    for (const authorization of [undefined, 'Bearer not-a-token']) {
      const response = await fetch(`${sf.sim.url}${API}/sobjects/Account`, {
        headers: authorization ? { authorization } : {},
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual([
        { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
      ]);
    }
  });
});

describe('sObject rows', () => {
  it('creates, reads, updates and deletes an Account', async () => {
    const created = await sf.json<{ id: string; success: boolean; errors: unknown[] }>(
      'POST',
      `${API}/sobjects/Account`,
      {
        Name: 'Acme Logistics GmbH',
        BillingCity: 'Hamburg',
        External_Id__c: 'ERP-1',
      },
    );
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^001\w{15}$/), success: true, errors: [] });
    const id = created.body.id;
    expect(isValidId(id)).toBe(true);

    const read = await sf.json<Record<string, unknown>>('GET', `${API}/sobjects/Account/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      attributes: { type: 'Account', url: `${API}/sobjects/Account/${id}` },
      Id: id,
      Name: 'Acme Logistics GmbH',
      BillingCity: 'Hamburg',
      Phone: null,
      IsDeleted: false,
      CreatedById: expect.stringMatching(/^005/),
    });
    expect(read.body.CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    expect(read.body.SystemModstamp).toBe(read.body.LastModifiedDate);

    // A 15-character id reaches the same record.
    const short = await sf.json('GET', `${API}/sobjects/Account/${id.slice(0, 15)}?fields=Name`);
    expect(short.body).toEqual({ attributes: expect.any(Object), Name: 'Acme Logistics GmbH' });

    const patched = await sf.call('PATCH', `${API}/sobjects/Account/${id}`, { Phone: '+49 40 123' });
    expect(patched.status).toBe(204);
    expect((await sf.json<{ Phone: string }>('GET', `${API}/sobjects/Account/${id}`)).body.Phone).toBe(
      '+49 40 123',
    );

    expect((await sf.call('DELETE', `${API}/sobjects/Account/${id}`)).status).toBe(204);
    const gone = await sf.json('GET', `${API}/sobjects/Account/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual([{ message: 'entity is deleted', errorCode: 'ENTITY_IS_DELETED' }]);
  });

  it('answers validation errors in the Salesforce error shape', async () => {
    const missing = await sf.json('POST', `${API}/sobjects/Contact`, { FirstName: 'Ana' });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual([
      {
        message: 'Required fields are missing: [LastName]',
        errorCode: 'REQUIRED_FIELD_MISSING',
        fields: ['LastName'],
      },
    ]);
    const unknown = await sf.json<Array<{ errorCode: string }>>('POST', `${API}/sobjects/Account`, {
      Name: 'x',
      Colour__c: 'red',
    });
    expect(unknown.body[0]).toMatchObject({ errorCode: 'INVALID_FIELD', fields: ['Colour__c'] });
    const readOnly = await sf.json<Array<{ errorCode: string }>>('POST', `${API}/sobjects/Account`, {
      Name: 'x',
      CreatedDate: 'now',
    });
    expect(readOnly.body[0]?.errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    const wrongType = await sf.json<Array<{ errorCode: string }>>('POST', `${API}/sobjects/Account`, {
      Name: { first: 'x' },
    });
    expect(wrongType.body[0]?.errorCode).toBe('JSON_PARSER_ERROR');
    const badEmail = await sf.json<Array<{ errorCode: string }>>('POST', `${API}/sobjects/Contact`, {
      LastName: 'x',
      Email: 'no-at',
    });
    expect(badEmail.body[0]?.errorCode).toBe('INVALID_EMAIL_ADDRESS');
    const badReference = await sf.json<Array<{ errorCode: string }>>('POST', `${API}/sobjects/Contact`, {
      LastName: 'x',
      AccountId: '003000000000000',
    });
    expect(badReference.body[0]?.errorCode).toBe('MALFORMED_ID');
  });

  it('answers malformed JSON, unknown routes and unknown objects without crashing', async () => {
    const badJson = await sf.json<Array<{ errorCode: string }>>(
      'POST',
      `${API}/sobjects/Account`,
      '{"Name": ',
    );
    expect(badJson.status).toBe(400);
    expect(badJson.body).toEqual([{ message: expect.any(String), errorCode: 'JSON_PARSER_ERROR' }]);
    const route = await sf.json('GET', '/services/nothing-here');
    expect(route.status).toBe(404);
    expect(route.body).toEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
    expect((await sf.json('GET', `${API}/sobjects/Opportunity`)).status).toBe(404);
    expect((await sf.json('GET', '/services/data/v99.0/sobjects/Account')).status).toBe(404);
    const array = await sf.json<Array<{ errorCode: string }>>('POST', `${API}/sobjects/Account`, [
      { Name: 'x' },
    ]);
    expect(array.body[0]?.errorCode).toBe('JSON_PARSER_ERROR');
  });
});

describe('upsert by external id', () => {
  it('creates with 201, updates with 200 created:false (204 before v46.0), reports duplicates with 300', async () => {
    const path = `${API}/sobjects/Account/External_Id__c/SAP-100`;
    const created = await sf.json('PATCH', path, { Name: 'Nordwind AG' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^001\w{15}$/),
      success: true,
      errors: [],
      created: true,
    });
    const updated = await sf.json('PATCH', path, { Name: 'Nordwind AG (renamed)' });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({
      id: (created.body as { id: string }).id,
      success: true,
      errors: [],
      created: false,
    });
    const old = await sf.call('PATCH', '/services/data/v45.0/sobjects/Account/External_Id__c/SAP-100', {
      Industry: 'Retail',
    });
    expect(old.status).toBe(204);
    expect(await old.text()).toBe('');

    const byExternal = await sf.json<{ Name: string; Industry: string }>('GET', path);
    expect(byExternal.body).toMatchObject({ Name: 'Nordwind AG (renamed)', Industry: 'Retail' });

    await sf.json('POST', `${API}/sobjects/Account`, { Name: 'Twin 1', Eai_Golden_Id__c: 'G-1' });
    await sf.json('POST', `${API}/sobjects/Account`, { Name: 'Twin 2', Eai_Golden_Id__c: 'G-1' });
    const ambiguous = await sf.json<string[]>('PATCH', `${API}/sobjects/Account/Eai_Golden_Id__c/G-1`, {
      Name: 'x',
    });
    expect(ambiguous.status).toBe(300);
    expect(ambiguous.body).toHaveLength(2);
    expect(ambiguous.body[0]).toMatch(/^\/services\/data\/v62\.0\/sobjects\/Account\/001\w{15}$/);

    const notExternal = await sf.json('PATCH', `${API}/sobjects/Account/Phone/123`, { Name: 'x' });
    expect(notExternal.status).toBe(404);
    expect(notExternal.body).toEqual([
      {
        message: 'Provided external ID field does not exist or is not accessible: Phone',
        errorCode: 'NOT_FOUND',
      },
    ]);
  });
});

describe('Order', () => {
  it("upserts an Order by External_Id__c, its Account named by the Account's external id; OrderNumber and StatusCode are the platform's", async () => {
    const account = await sf.json<{ id: string }>('POST', `${API}/sobjects/Account`, {
      Name: 'Müller Maschinenbau GmbH',
      SAP_Customer_Number__c: '0000104711',
    });
    const path = `${API}/sobjects/Order/External_Id__c/sap:0000004711`;
    const created = await sf.json<{ id: string; created: boolean }>('PATCH', path, {
      Account: { SAP_Customer_Number__c: '0000104711' },
      EffectiveDate: '2026-11-21',
      Status: 'Confirmed',
    });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^801\w{15}$/);
    const updated = await sf.json('PATCH', path, {
      Status: 'Shipped',
      Tracking_Number__c: '1Z999AA10123456784',
    });
    expect(updated.status).toBe(200);
    const order = await sf.json<Record<string, unknown>>('GET', `${API}/sobjects/Order/${created.body.id}`);
    expect(order.body).toMatchObject({
      AccountId: account.body.id,
      External_Id__c: 'sap:0000004711',
      Status: 'Shipped',
      StatusCode: 'Draft',
      EffectiveDate: '2026-11-21',
      Tracking_Number__c: '1Z999AA10123456784',
      OrderNumber: expect.stringMatching(/^\d{8}$/),
    });
    const effects = await sf.control<{ effects: Array<{ entityId: string; operation: string }> }>(
      'GET',
      '/sim/effects?entityType=Order',
    );
    expect(effects.effects.filter((e) => e.entityId === created.body.id).map((e) => e.operation)).toEqual([
      'create',
      'update',
    ]);
  });

  it("refuses an unknown parent, a status not in the org's picklist, a missing account and a written OrderNumber", async () => {
    const path = `${API}/sobjects/Order/External_Id__c/sap:0000004712`;
    const unknown = await sf.json('PATCH', path, {
      Account: { SAP_Customer_Number__c: '0000999999' },
      EffectiveDate: '2026-11-21',
      Status: 'Confirmed',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual([
      {
        message:
          'Foreign key external ID: 0000999999 not found for field SAP_Customer_Number__c in entity Account',
        errorCode: 'INVALID_FIELD',
        fields: ['AccountId'],
      },
    ]);
    const notExternal = await sf.json('PATCH', path, {
      Account: { Phone: '123' },
      EffectiveDate: '2026-11-21',
      Status: 'Confirmed',
    });
    expect(notExternal.body).toMatchObject([{ errorCode: 'INVALID_FIELD', fields: ['AccountId'] }]);
    const account = await sf.json<{ id: string }>('POST', `${API}/sobjects/Account`, { Name: 'Nordwind AG' });
    const badStatus = await sf.json('PATCH', path, {
      AccountId: account.body.id,
      EffectiveDate: '2026-11-21',
      Status: 'Lost in transit',
    });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body).toEqual([
      {
        message: 'Status: bad value for restricted picklist field: Lost in transit',
        errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        fields: ['Status'],
      },
    ]);
    const noAccount = await sf.json('PATCH', path, { EffectiveDate: '2026-11-21', Status: 'Confirmed' });
    expect(noAccount.body).toMatchObject([{ errorCode: 'REQUIRED_FIELD_MISSING', fields: ['AccountId'] }]);
    const numbered = await sf.json('PATCH', path, {
      AccountId: account.body.id,
      EffectiveDate: '2026-11-21',
      Status: 'Confirmed',
      OrderNumber: '00000001',
    });
    expect(numbered.body).toMatchObject([{ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' }]);
  });
});

describe('delete and the Recycle Bin', () => {
  const soap = (ids: string[], session = sf.token) =>
    fetch(`${sf.sim.url}/services/Soap/u/62.0`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=UTF-8', soapaction: '""' },
      body: `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Header><urn:SessionHeader><urn:sessionId>${session}</urn:sessionId></urn:SessionHeader></soapenv:Header><soapenv:Body><urn:emptyRecycleBin>${ids.map((id) => `<urn:ids>${id}</urn:ids>`).join('')}</urn:emptyRecycleBin></soapenv:Body></soapenv:Envelope>`,
    });
  const cdcOf = async (id: string) =>
    (
      await sf.control<{ events: Array<{ payload: { ChangeEventHeader: { recordIds: string[] } } }> }>(
        'GET',
        '/sim/cdc-events',
      )
    ).events.filter((e) => e.payload.ChangeEventHeader.recordIds.includes(id));

  it('a deleted record waits in the Recycle Bin; emptyRecycleBin (SOAP) removes it and its change events for good', async () => {
    const created = await sf.json<{ id: string }>('POST', `${API}/sobjects/Contact`, {
      FirstName: 'Rita',
      LastName: 'Recycle',
      Email: 'rita@example.com',
    });
    const id = created.body.id;
    expect((await sf.call('DELETE', `${API}/sobjects/Contact/${id}`)).status).toBe(204);
    const inBin = await sf.json<Array<{ errorCode: string }>>('GET', `${API}/sobjects/Contact/${id}`);
    expect(inBin.body[0]?.errorCode).toBe('ENTITY_IS_DELETED');
    expect((await cdcOf(id)).length).toBe(2);

    const purged = await soap([id]);
    expect(purged.status).toBe(200);
    const text = await purged.text();
    expect(text).toContain(`<result><id>${id}</id><success>true</success></result>`);
    const gone = await sf.json<Array<{ errorCode: string }>>('GET', `${API}/sobjects/Contact/${id}`);
    expect(gone.body[0]?.errorCode).toBe('NOT_FOUND');
    expect(await cdcOf(id)).toEqual([]);

    // Not in the bin (any more, or never deleted): an error per id, the call itself succeeds.
    const live = await sf.json<{ id: string }>('POST', `${API}/sobjects/Contact`, { LastName: 'Live' });
    const again = await (await soap([id, live.body.id])).text();
    expect(again.match(/<statusCode>INVALID_ID_FIELD<\/statusCode>/g)).toHaveLength(2);
    expect((await sf.call('GET', `${API}/sobjects/Contact/${live.body.id}`)).status).toBe(200);
  });

  it('answers a bad session and an unknown call with SOAP faults (HTTP 500)', async () => {
    const bad = await soap(['003000000000000AAA'], 'nope');
    expect(bad.status).toBe(500);
    expect(await bad.text()).toContain('<faultcode>sf:INVALID_SESSION_ID</faultcode>');
    const other = await fetch(`${sf.sim.url}/services/Soap/u/62.0`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: `<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Header><SessionHeader><sessionId>${sf.token}</sessionId></SessionHeader></Header><Body><query/></Body></Envelope>`,
    });
    expect(other.status).toBe(500);
    expect(await other.text()).toContain('sf:INVALID_OPERATION');
  });
});
