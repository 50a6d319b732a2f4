import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiRoute } from './api-usage.ts';
import { API, type SalesforceHarness, startSalesforce } from './test-support.ts';

let sf: SalesforceHarness;
beforeAll(async () => {
  sf = await startSalesforce();
});
afterAll(() => sf.sim.close());
beforeEach(() => sf.control('POST', '/sim/reset?empty=true'));

const create = async (type: string, fields: Record<string, unknown>) =>
  (await sf.json<{ id: string }>('POST', `${API}/sobjects/${type}`, fields)).body.id;

interface Usage {
  total: number;
  byRoute: Record<string, number>;
}

describe('sObject Collections retrieve', () => {
  it('answers one entry per id in order, null for a deleted, unknown, invalid or other-type id (GET and POST)', async () => {
    const acme = await create('Account', { Name: 'Acme', BillingCity: 'Lyon' });
    const gone = await create('Account', { Name: 'Gone' });
    const contact = await create('Contact', { LastName: 'Lovelace' });
    expect((await sf.call('DELETE', `${API}/sobjects/Account/${gone}`)).status).toBe(204);
    const unknown = `${acme.slice(0, 9)}zzzzzz`; // valid 15-character form, no such record
    const ids = [acme, gone, unknown, 'not-an-id', contact, acme.slice(0, 15)];

    const get = await sf.json<unknown[]>(
      'GET',
      `${API}/composite/sobjects/Account?ids=${ids.join(',')}&fields=id,name,BillingCity`,
    );
    const post = await sf.json<unknown[]>('POST', `${API}/composite/sobjects/Account`, {
      ids,
      fields: ['id', 'name', 'BillingCity'],
    });
    const record = {
      attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${acme}` },
      Id: acme,
      Name: 'Acme',
      BillingCity: 'Lyon',
    };
    for (const answer of [get, post]) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual([record, null, null, null, null, record]);
    }
  });

  it('refuses a request without ids or fields, an unknown field, more than 2,000 ids, and one without a session', async () => {
    const acme = await create('Account', { Name: 'Acme' });
    const post = (body: unknown) => sf.json<unknown>('POST', `${API}/composite/sobjects/Account`, body);
    expect(await post({ ids: [acme] })).toEqual({
      status: 400,
      body: [{ message: 'fields not specified', errorCode: 'MISSING_ARGUMENT' }],
    });
    expect((await post({ fields: ['Name'] })).body).toMatchObject([{ errorCode: 'MISSING_ARGUMENT' }]);
    expect(await post({ ids: [acme], fields: ['Name', 'Nope__c'] })).toEqual({
      status: 400,
      body: [{ message: "No such column 'Nope__c' on sobject of type Account", errorCode: 'INVALID_FIELD' }],
    });
    const tooMany = await post({ ids: Array.from({ length: 2001 }, () => acme), fields: ['Name'] });
    expect(tooMany).toEqual({
      status: 400,
      body: [
        {
          message: 'record limit reached. cannot submit more than 2000 records into this call',
          errorCode: 'EXCEEDED_ID_LIMIT',
        },
      ],
    });
    expect((await post({ ids: Array.from({ length: 2000 }, () => acme), fields: ['Name'] })).status).toBe(
      200,
    );
    const anonymous = await fetch(`${sf.sim.url}${API}/composite/sobjects/Account`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [acme], fields: ['Name'] }),
    });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
  });

  it('describes an object with every field the full record read returns', async () => {
    const acme = await create('Account', { Name: 'Acme' });
    const describe = await sf.json<{ name: string; fields: Array<{ name: string; type: string }> }>(
      'GET',
      `${API}/sobjects/Account/describe`,
    );
    expect(describe.status).toBe(200);
    expect(describe.body.name).toBe('Account');
    const full = (await sf.json<Record<string, unknown>>('GET', `${API}/sobjects/Account/${acme}`)).body;
    const { attributes: _, ...fields } = full;
    expect(describe.body.fields.map((f) => f.name)).toEqual(Object.keys(fields));
    expect(describe.body.fields).toContainEqual(
      expect.objectContaining({ name: 'External_Id__c', externalId: true, type: 'string' }),
    );
  });
});

describe('API usage', () => {
  it('counts each data API call, per kind, and says the count in Sforce-Limit-Info', async () => {
    const acme = await create('Account', { Name: 'Acme' });
    const read = await sf.call('GET', `${API}/sobjects/Account/${acme}`);
    expect(read.headers.get('sforce-limit-info')).toBe('api-usage=2/15000');
    await sf.call('POST', `${API}/composite/sobjects/Account`, { ids: [acme, acme], fields: ['Name'] });
    await fetch(`${sf.sim.url}${API}/sobjects/Account/${acme}`); // no session: not counted
    const usage = await sf.control<Usage & { max: number }>('GET', '/sim/api-usage');
    expect(usage).toEqual({
      max: 15000,
      total: 3,
      byRoute: {
        'POST /services/data/v62.0/sobjects/Account': 1,
        'GET /services/data/v62.0/sobjects/Account/{id}': 1,
        'POST /services/data/v62.0/composite/sobjects/Account': 1,
      },
    });
    await sf.control('POST', '/sim/reset?empty=true');
    expect((await sf.control<Usage>('GET', '/sim/api-usage')).total).toBe(0);
  });

  it('names a call by its kind: ids, external id values and query locators stand for any', () => {
    expect(apiRoute('GET', '/services/data/v62.0/sobjects/Account/001000000000001AAA?fields=Name')).toBe(
      'GET /services/data/v62.0/sobjects/Account/{id}',
    );
    expect(apiRoute('PATCH', '/services/data/v62.0/sobjects/Account/External_Id__c/G-17')).toBe(
      'PATCH /services/data/v62.0/sobjects/Account/External_Id__c/{value}',
    );
    expect(apiRoute('GET', '/services/data/v62.0/query/01gxx0000000001-2000')).toBe(
      'GET /services/data/v62.0/query/{locator}',
    );
    expect(apiRoute('GET', '/services/data/v62.0/query?q=SELECT+Id+FROM+Account')).toBe(
      'GET /services/data/v62.0/query',
    );
  });
});
