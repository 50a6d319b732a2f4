import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureSupport, itHandlesLargeInputWithin10s, itRefusesBrokenFixtures } from '../test-support.ts';
import { makeLargeDocument } from './fixtures/large.ts';
import { reader, upsertPath, writer } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { one, refusal } = fixtureSupport(reader, fixtures);

describe('salesforce-sobject reader and writer', () => {
  it('reads an upsert body with its upsert key', () => {
    const doc = one('account-upsert.json');
    expect([doc.kind, doc.id]).toEqual(['Account', '0000100001']);
    expect(doc.tree.records[0]).toEqual({
      $loc: '',
      sobjectType: 'Account',
      externalIdField: 'ERP_Id__c',
      externalId: '0000100001',
      fields: { $loc: '', Name: 'Muster GmbH', BillingCity: 'Berlin', BillingCountryCode: 'DE', Phone: null },
    });
    expect(upsertPath(doc.tree.records[0]!)).toBe('/sobjects/Account/ERP_Id__c/0000100001');
    expect(one('contact-upsert-url-encoded-id.json').tree.records[0]!.externalId).toBe('grace@example.com');
    // An Order naming its Account by the Account's external id field (a relationship, not a nested value).
    const order = one('order-upsert-account-by-external-id.json');
    expect([order.kind, order.id]).toEqual(['Order', 'sap:0000004711']);
    expect(order.tree.records[0]!.fields.Account).toEqual({ SAP_Customer_Number__c: '0000104711' });
  });

  it('reads a bare body and composite bodies', () => {
    expect(one('contact-upsert-bare-body.json').tree.records[0]).toMatchObject({
      sobjectType: null,
      fields: { HasOptedOutOfEmail: false },
    });
    const composite = one('composite-accounts.json').tree;
    expect([composite.shape, composite.allOrNone, composite.records.map((r) => r.fields.ERP_Id__c)]).toEqual([
      'composite',
      true,
      ['0000100001', '0000100002'],
    ]);
    expect(one('composite-mixed-types.json').tree.records.map((r) => [r.$loc, r.sobjectType])).toEqual([
      ['/records/0', 'Account'],
      ['/records/1', 'Contact'],
    ]);
    expect(one('composite-without-all-or-none.json').tree.allOrNone).toBeNull();
  });

  it('writes bodies that read back equal', () => {
    for (const name of [
      'account-upsert.json',
      'composite-accounts.json',
      'composite-mixed-types.json',
      'contact-upsert-url-encoded-id.json',
      'order-upsert-account-by-external-id.json',
    ]) {
      const { tree } = one(name);
      expect(reader.parse(writer.write(tree))[0]!.tree).toEqual(tree);
    }
  });
});

describe('salesforce-sobject broken input', () => {
  itRefusesBrokenFixtures(reader, fixtures, {
    'truncated.json': /^line \d+, column \d+$/,
    'invalid-utf8.json': /^byte 11$/,
    'unsupported-type.json': /^\/records\/1\/attributes\/type$/,
    'composite-without-type.json': /^\/records\/0\/attributes$/,
    'nested-field-value.json': /^\/BillingAddress$/,
    'wrong-structure.json': /^\(document root\)$/,
  });
  itHandlesLargeInputWithin10s(
    'refuses a 5 MB body of 20,000 records at once: sObject Collections take 200 per request',
    () => makeLargeDocument(5_000_000),
    (input) => {
      const error = refusal(input);
      expect(error.location).toBe('/records/200');
      expect(error.message).toMatch(/\d{5} records; sObject Collections take at most 200 per request/);
    },
  );

  // Issue 16 §4: each of these mapped to an empty customer upsert.
  it.each([
    ['{}', '(document root)', /an upsert body without fields: nothing to write/],
    ['{"attributes":{"type":"Account"}}', '(document root)', /an upsert body without fields/],
    ['{"allOrNone":true}', '/records', /an sObject Collections body \(it has allOrNone\) without records/],
    ['{"allOrNone":false,"records":[]}', '/records', /records must be a non-empty list/],
  ])('refuses %s, which names nothing to write, at %j', (body, location, message) => {
    const error = refusal(Buffer.from(body));
    expect(error.location).toBe(location);
    expect(error.message).toMatch(message);
  });

  it('reads 200 records and refuses 201', () => {
    const body = (n: number) =>
      Buffer.from(
        JSON.stringify({
          records: Array.from({ length: n }, (_, i) => ({ attributes: { type: 'Account' }, Name: `A${i}` })),
        }),
      );
    expect(reader.parse(body(200))[0]!.tree.records).toHaveLength(200);
    expect(refusal(body(201))).toMatchObject({ location: '/records/200' });
  });
  itHandlesLargeInputWithin10s(
    'refuses a 50 MB document within 10 s, before parsing it',
    () => makeLargeDocument(50_000_000),
    (input) => expect(refusal(input).message).toMatch(/limit is 8388608 bytes/),
  );
});
