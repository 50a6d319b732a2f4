import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSample } from '../../tests/samples.ts';
import { fixtureSupport, itHandlesLargeInputWithin10s, itRefusesBrokenFixtures } from '../test-support.ts';
import type { RefusedDocument } from '../types.ts';
import { makeLargeDocument } from './fixtures/large.ts';
import { reader } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { parse, one, refusal } = fixtureSupport(reader, fixtures);

describe('salesforce-cdc reader', () => {
  it('reads a CometD update with only its changed fields and an exact commit number', () => {
    const doc = one('cometd-account-update.json');
    expect([doc.kind, doc.id, doc.source]).toEqual([
      'Account',
      '0002343d-9d90-e395-ed20-cf416ba652ad:1',
      '/data/AccountChangeEvent',
    ]);
    expect(doc.tree.shape).toBe('cometd');
    expect(doc.tree.replayId).toBe('6');
    expect(doc.tree.header.commitNumber).toBe('10734894738237652131');
    expect(doc.tree.header.commitTimestamp).toBe('2024-03-12T09:40:00.000Z');
    expect(doc.tree.records).toEqual([
      {
        $loc: '/data/payload/ChangeEventHeader/recordIds/0',
        recordId: '001RM000003Y8kRYAS',
        action: 'upsert',
        changedFields: ['Name', 'Phone', 'LastModifiedDate'],
        clearedFields: [],
        values: {
          Name: 'Acme Holdings',
          Phone: '+1 415 555 0100',
          LastModifiedDate: '2024-03-12T09:40:00.000Z',
        },
      },
    ]);
  });

  it('reads a Pub/Sub create: nulls are not data, epoch dates become ISO', () => {
    const { tree } = one('pubsub-account-create-with-nulls.json');
    expect(tree.shape).toBe('pubsub');
    expect(tree.records[0]!.changedFields).toEqual([
      'Name',
      'BillingAddress.Street',
      'BillingAddress.City',
      'BillingAddress.PostalCode',
      'BillingAddress.Country',
      'AnnualRevenue',
      'CreatedDate',
      'LastModifiedDate',
    ]);
    expect(tree.records[0]!.values).toMatchObject({
      Name: 'Globex',
      BillingAddress: {
        $loc: '/payload/BillingAddress',
        Street: '1 Main St',
        City: 'Springfield',
        PostalCode: '12345',
        Country: 'US',
      },
      CreatedDate: '2023-10-04T18:36:40.000Z',
    });
    expect(tree.records[0]!.values).not.toHaveProperty('Phone');
  });

  // The two shapes of Salesforce's "Data Differences in Event Fields" (Change Data Capture Developer Guide): a
  // Description of 1,000+ characters updated is sent as a unified diff of its old value, never the value.
  it('never reads a large text field sent as a diff as its value (Pub/Sub diffFields, CometD {diff})', () => {
    for (const file of ['pubsub-description-diff.json', 'cometd-description-diff.json']) {
      const { tree } = one(file);
      expect(tree.header.diffFields).toEqual(['Description']);
      expect(tree.records[0]!.changedFields).toEqual(['LastModifiedDate']);
      expect(tree.records[0]!.clearedFields).toEqual([]);
      expect(tree.records[0]!.values).not.toHaveProperty('Description');
    }
  });

  it('applies a multi-record event to each record', () => {
    const { tree } = one('multi-record-update.json');
    expect(tree.records.map((r) => [r.recordId, r.values.Rating, r.$loc])).toEqual([
      ['001RM000003Y8kRYAS', 'Hot', '/data/payload/ChangeEventHeader/recordIds/0'],
      ['001RM000003Y8kSYAS', 'Hot', '/data/payload/ChangeEventHeader/recordIds/1'],
      ['001RM000003Y8kTYAS', 'Hot', '/data/payload/ChangeEventHeader/recordIds/2'],
    ]);
  });

  it('turns GAP events into re-read requests and flags overflow', () => {
    const gap = one('gap-update.json');
    expect(gap.kind).toBe('Contact');
    expect(gap.tree.records).toMatchObject([
      { recordId: '003RM000004aBcDYAU', action: 'reread', changedFields: [], values: {} },
    ]);
    const overflow = one('gap-overflow.json');
    expect([overflow.tree.overflow, overflow.tree.records.length, overflow.tree.header.changeType]).toEqual([
      true,
      0,
      'GAP_OVERFLOW',
    ]);
  });

  it('nests compound field changes and separates cleared sub-fields', () => {
    const { tree } = one('compound-address-change.json');
    expect(tree.records[0]!.changedFields).toEqual(['BillingAddress.Street', 'BillingAddress.City']);
    expect(tree.records[0]!.clearedFields).toEqual(['BillingAddress.PostalCode']);
    expect(tree.records[0]!.values).toEqual({
      BillingAddress: {
        $loc: '/data/payload/BillingAddress',
        Street: '500 Market St',
        City: 'San Francisco',
      },
    });
  });

  it('reads cleared fields of a bare Pub/Sub payload without taking unchanged nulls as cleared', () => {
    const { tree } = one('pubsub-nulled-fields.json');
    expect(tree.records[0]!.clearedFields).toEqual(['Phone', 'Website']);
    expect(tree.records[0]!.changedFields).toEqual(['Industry', 'LastModifiedDate']);
    expect(tree.records[0]!.values).toEqual({
      Industry: 'Energy',
      LastModifiedDate: '2023-10-04T18:35:13.000Z',
    });
  });

  it('decodes hex bitmaps against the payload field order and flags what it cannot decode', () => {
    const { tree } = one('pubsub-bitmap-fields.json');
    expect(tree.header.changedFields).toEqual([
      'Fax',
      'LastModifiedDate',
      'BillingAddress.City',
      'BillingAddress.State',
    ]);
    expect(tree.header.nulledFields).toEqual(['Fax']);
    expect([tree.header.fieldsDecoded, tree.header.undecodedBitmaps]).toEqual([false, ['9-0x01']]);
    expect(tree.records[0]!.clearedFields).toEqual(['Fax']);
    expect(tree.records[0]!.values).toMatchObject({ BillingAddress: { City: 'Oakland', State: 'CA' } });
  });

  it('reads Contact events as JSON lines', () => {
    const docs = parse('contact-events.jsonl');
    expect(docs.map((d) => [d.kind, d.tree.header.changeType, d.tree.$loc])).toEqual([
      ['Contact', 'CREATE', '/0'],
      ['Contact', 'DELETE', '/1'],
      ['Contact', 'UNDELETE', '/2'],
    ]);
    expect(docs[0]!.tree.records[0]!.values).toMatchObject({
      Name: { FirstName: 'Ada', LastName: 'Lovelace' },
      Birthdate: '1815-12-10',
    });
    expect(docs[1]!.tree.records[0]!.action).toBe('delete');
    expect(docs[2]!.tree.records[0]!.values).toMatchObject({
      Birthdate: '1907-05-08',
      CreatedDate: '2024-03-12T14:33:20.000Z',
    });
  });

  it('reads the shared Pub/Sub sample', () => {
    const [doc] = reader.parse(readSample('salesforce-cdc/pozil-README-AccountChangeEvent-excerpt.json'));
    expect(doc!.tree.header.commitNumber).toBe('11657372702432');
    expect(doc!.tree.records[0]!.changedFields).toEqual([
      'LastModifiedDate',
      'BillingAddress.City',
      'BillingAddress.State',
    ]);
    expect(doc!.tree.records[0]!.clearedFields).toEqual([]);
  });
});

describe('salesforce-cdc broken input', () => {
  itRefusesBrokenFixtures(reader, fixtures, {
    'truncated.json': /^line \d+, column \d+$/,
    'invalid-utf8.json': /^byte 218$/,
    'missing-change-event-header.json': /^\/data\/payload$/,
    'unsupported-entity.json': /^\/data\/payload\/ChangeEventHeader\/entityName$/,
    'wrong-structure.json': /^\/0$/,
    'unknown-change-type.json': /ChangeEventHeader\/changeType$/,
    'non-numeric-sequence-number.json': /ChangeEventHeader\/sequenceNumber$/,
    // Salesforce's documentation sample keeps `<record_ID>`: it keyed a customer salesforce:<record_ID>.
    'placeholder-record-id.json': {
      location: /^\/payload\/ChangeEventHeader\/recordIds\/1$/,
      message: /record id .?"<record_ID>".? is not a Salesforce id \(15 or 18 letters and digits/,
    },
    'broken-json-line.jsonl': /^line 2, column \d+$/,
    // An Opportunity change beside a Contact's: refused alone, the Contact's read (below).
    'entity-without-mapping.jsonl': {
      location: /^\/1\/data\/payload\/ChangeEventHeader\/entityName$/,
      message: /entity .?"Opportunity".?: no mapping reads its change events/,
    },
    // A shipped fixture's commitUser had 19 characters: the canonical event's changedBy carried it unchecked.
    'commit-user-not-an-id.json': {
      location: /^\/payload\/ChangeEventHeader\/commitUser$/,
      message: /commitUser .?"0055g00000IntUsrAAC".? is not a Salesforce id \(15 or 18 letters and digits/,
    },
  });
  it('reads each event on its own: an entity no mapping reads refuses its event alone, named by its id', () => {
    const results = reader.parseEach!(readFileSync(join(fixtures, 'broken/entity-without-mapping.jsonl')));
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ kind: 'Contact', id: '0007dd00-0000-0000-0000-000000000004:1' });
    expect(results[1]).toMatchObject({ id: '0007dd00-0000-0000-0000-000000000009:1' });
    expect((results[1] as RefusedDocument).refused.location).toBe(
      '/1/data/payload/ChangeEventHeader/entityName',
    );
  });
  itHandlesLargeInputWithin10s(
    'reads 5 MB of events within 10 s',
    () => makeLargeDocument(5_000_000),
    (input) => {
      const docs = reader.parse(input);
      expect(docs.length).toBeGreaterThan(5_000);
      expect(docs[docs.length - 1]!.tree.header.commitNumber).toMatch(/^1073489473823765\d{4}$/);
    },
  );
  itHandlesLargeInputWithin10s(
    'refuses a 50 MB document within 10 s, before parsing it',
    () => makeLargeDocument(50_000_000),
    (input) => expect(refusal(input).message).toMatch(/limit is 8388608 bytes/),
  );
});
