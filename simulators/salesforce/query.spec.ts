import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, type SalesforceHarness, startSalesforce } from './test-support.ts';

interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Array<Record<string, unknown>>;
}
interface UpsertResult {
  id?: string;
  success: boolean;
  created?: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
}

let sf: SalesforceHarness;
const compositePath = `${API}/composite/sobjects/Account/External_Id__c`;
const accounts = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    attributes: { type: 'Account' },
    External_Id__c: `CRM-${from + i}`,
    Name: `Company ${from + i}`,
    Industry: (from + i) % 2 === 0 ? 'Retail' : 'Energy',
  }));

beforeAll(async () => {
  sf = await startSalesforce();
  for (const from of [0, 150, 300]) {
    const response = await sf.json<UpsertResult[]>('PATCH', compositePath, {
      allOrNone: false,
      records: accounts(from, 150),
    });
    expect(response.status).toBe(200);
  }
});
afterAll(() => sf.sim.close());

const query = (soql: string) => sf.json<QueryPage>('GET', `${API}/query?q=${encodeURIComponent(soql)}`);

describe('composite upsert', () => {
  it('returns one result per record in order, created or updated, with per-record errors', async () => {
    const records = [
      { attributes: { type: 'Account' }, External_Id__c: 'CRM-1', Name: 'Company 1 renamed' },
      { attributes: { type: 'Account' }, External_Id__c: 'NEW-1', Name: 'Brand new' },
      { attributes: { type: 'Account' }, External_Id__c: 'NEW-2' },
      { attributes: { type: 'Account' }, Name: 'no key' },
    ];
    const response = await sf.json<UpsertResult[]>('PATCH', compositePath, { allOrNone: false, records });
    expect(response.status).toBe(200);
    const [updated, created, missingName, missingKey] = response.body;
    expect(updated).toEqual({ id: expect.stringMatching(/^001/), success: true, errors: [], created: false });
    expect(created).toEqual({ id: expect.stringMatching(/^001/), success: true, errors: [], created: true });
    expect(missingName).toEqual({
      success: false,
      errors: [
        {
          statusCode: 'REQUIRED_FIELD_MISSING',
          message: 'Required fields are missing: [Name]',
          fields: ['Name'],
        },
      ],
    });
    expect(missingKey?.errors[0]?.statusCode).toBe('MISSING_ARGUMENT');
  });

  it('rolls everything back with allOrNone and refuses more than 200 records', async () => {
    const rolledBack = await sf.json<UpsertResult[]>('PATCH', compositePath, {
      allOrNone: true,
      records: [
        { attributes: { type: 'Account' }, External_Id__c: 'AON-1', Name: 'ok' },
        { attributes: { type: 'Account' }, External_Id__c: 'AON-2', Name: 'x'.repeat(300) },
      ],
    });
    expect(rolledBack.body.map((r) => r.errors[0]?.statusCode)).toEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'STRING_TOO_LONG',
    ]);
    expect((await sf.json('GET', `${API}/sobjects/Account/External_Id__c/AON-1`)).status).toBe(404);

    const tooMany = await sf.json<Array<{ errorCode: string }>>('PATCH', compositePath, {
      records: accounts(1000, 201),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body[0]?.errorCode).toBe('EXCEEDED_ID_LIMIT');
  });
});

describe('SOQL subset', () => {
  it('filters, orders and limits', async () => {
    const result = await query(
      "SELECT Id, Name, Industry FROM Account WHERE LastModifiedDate > 2024-01-01T00:00:00Z AND Industry = 'retail' AND Name LIKE 'Company 1%' ORDER BY Name DESC LIMIT 3",
    );
    expect(result.status).toBe(200);
    expect(result.body.totalSize).toBe(3);
    expect(result.body.done).toBe(true);
    expect(result.body.records.map((r) => r.Name)).toEqual(['Company 198', 'Company 196', 'Company 194']);
    expect(Object.keys(result.body.records[0]!)).toEqual(['attributes', 'Id', 'Name', 'Industry']);
    expect(result.body.records[0]!.attributes).toEqual({
      type: 'Account',
      url: `${API}/sobjects/Account/${result.body.records[0]!.Id}`,
    });

    const none = await query('SELECT Id FROM Account WHERE LastModifiedDate > 2999-01-01T00:00:00Z');
    expect(none.body).toEqual({ totalSize: 0, done: true, records: [] });
  });

  it('pages with nextRecordsUrl until done, every record once', async () => {
    const soql =
      'SELECT Id, External_Id__c FROM Account WHERE LastModifiedDate > 2024-01-01T00:00:00Z ORDER BY LastModifiedDate ASC';
    const first = await sf.call('GET', `${API}/query?q=${encodeURIComponent(soql)}`, undefined, {
      'sforce-query-options': 'batchSize=200',
    });
    let page = (await first.json()) as QueryPage;
    const seen: unknown[] = [...page.records.map((r) => r.External_Id__c)];
    const total = page.totalSize;
    let pages = 1;
    while (!page.done) {
      expect(page.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g\w+-\d+$/);
      page = (await sf.json<QueryPage>('GET', page.nextRecordsUrl!)).body;
      seen.push(...page.records.map((r) => r.External_Id__c));
      pages++;
    }
    expect(total).toBeGreaterThanOrEqual(451);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 200));
    expect(page.nextRecordsUrl).toBeUndefined();
  });

  it('reads the records changed since a time by SystemModstamp, in Id order, resuming after an Id', async () => {
    const all = (await query('SELECT Id FROM Account ORDER BY Id')).body.records.map((r) => String(r.Id));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const since = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const changed = [all[5]!, all[17]!, all[3]!];
    const edited = await sf.json('POST', '/sim/bulk-edit', {
      type: 'Account',
      ids: changed,
      fields: { Industry: 'Media' },
    });
    expect(edited.status).toBe(200);
    const recent = await query(
      `SELECT Id, Industry, SystemModstamp FROM Account WHERE SystemModstamp >= ${since} ORDER BY Id`,
    );
    expect(recent.body.records.map((r) => r.Id)).toEqual([all[3], all[5], all[17]]);
    expect(recent.body.records.every((r) => r.Industry === 'Media')).toBe(true);
    const rest = await query(
      `SELECT Id FROM Account WHERE SystemModstamp >= ${since} AND Id > '${all[3]}' ORDER BY Id`,
    );
    expect(rest.body.records.map((r) => r.Id)).toEqual([all[5], all[17]]);
  });

  it('answers query errors as Salesforce does', async () => {
    const malformed = await query('SELECT Id FORM Account');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual([
      { message: expect.stringContaining('unexpected token'), errorCode: 'MALFORMED_QUERY' },
    ]);
    const field = await query('SELECT Colour__c FROM Account');
    expect((field.body as unknown as Array<{ errorCode: string }>)[0]?.errorCode).toBe('INVALID_FIELD');
    const quoted = await query("SELECT Id FROM Account WHERE LastModifiedDate > '2024-01-01T00:00:00Z'");
    expect((quoted.body as unknown as Array<{ message: string }>)[0]?.message).toContain(
      'should not be enclosed in quotes',
    );
    const type = await query('SELECT Id FROM Opportunity');
    expect((type.body as unknown as Array<{ errorCode: string }>)[0]?.errorCode).toBe('INVALID_TYPE');
    const locator = await sf.json('GET', `${API}/query/01gXX00000abcdef-2000`);
    expect(locator.body).toEqual([{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }]);
  });
});
