import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureSupport, itHandlesLargeInputWithin10s, itRefusesBrokenFixtures } from '../test-support.ts';
import { makeDocumentWithLines, makeLargeDocument } from './fixtures/large.ts';
import { reader } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { one, parse, refusal } = fixtureSupport(reader, fixtures);

describe('hubspot-crm-object reader', () => {
  it('reads one object with its version as the document id', () => {
    const doc = one('contact-person.json');
    expect([doc.kind, doc.id, doc.source]).toEqual([
      'crm-object',
      '10000000417@2024-05-02T16:45:12.345Z',
      'hubspot',
    ]);
    expect(doc.tree).toMatchObject({
      $loc: '',
      id: '10000000417',
      createdAt: '2023-02-14T08:30:00.000Z',
      updatedAt: '2024-05-02T16:45:12.345Z',
      archived: false,
    });
    expect(doc.tree.properties).toMatchObject({ $loc: '/properties', firstname: 'Jana', phone: null });
    expect(one('archived-contact.json').tree.archived).toBe(true);
  });

  it('reads each result of a list answer as a document of its own; an empty list is none', () => {
    const docs = parse('list-page.json');
    expect(docs.map((d) => [d.id, d.tree.$loc, d.tree.properties.$loc])).toEqual([
      ['101@2024-03-02T11:00:00.000Z', '/results/0', '/results/0/properties'],
      ['102@2024-03-01T10:05:00.000Z', '/results/1', '/results/1/properties'],
    ]);
    expect(parse('empty-list-page.json')).toEqual([]);
  });

  it('reads a company by its objectTypeId, on the object or on the list, its version apart from a contact of the same id', () => {
    const company = one('company.json');
    expect([company.id, company.tree.objectType, company.tree.properties.name]).toEqual([
      'company:10000000988@2024-01-09T09:12:00.000Z',
      'company',
      'Lumière Conseil SAS',
    ]);
    expect(one('contact-organization.json').tree.objectType).toBe('contact');
    expect(parse('company-list-page.json').map((d) => [d.id, d.tree.objectType])).toEqual([
      ['company:201@2024-02-01T12:00:00.000Z', 'company'],
      ['company:202@2024-02-02T12:00:00.000Z', 'company'],
    ]);
    const contact = reader.parse(
      Buffer.from(
        '{"objectTypeId":"0-1","id":"10000000988","properties":{},"createdAt":"2024-01-09T09:12:00Z","updatedAt":"2024-01-09T09:12:00Z"}',
      ),
    );
    expect(contact.map((d) => [d.id, d.tree.objectType])).toEqual([
      ['10000000988@2024-01-09T09:12:00.000Z', 'contact'],
    ]);
  });

  it('keeps numbers as text and ids past 2^53 as their digits', () => {
    const [doc] = reader.parse(
      Buffer.from(
        '{"id":12345678901234567890,"properties":{"numemployees":250,"hs_marketable_status":true},' +
          '"createdAt":"2024-01-01T00:00:00+01:00","updatedAt":"2024-01-01T00:00:00Z"}',
      ),
    );
    expect(doc!.tree.id).toBe('12345678901234567890');
    expect(doc!.tree.properties).toMatchObject({ numemployees: '250', hs_marketable_status: 'true' });
    expect(doc!.tree.createdAt).toBe('2023-12-31T23:00:00.000Z');
  });

  it('refuses an impossible date at its pointer', () => {
    const text =
      '{"id":"1","properties":{},"createdAt":"2024-02-30T10:00:00Z","updatedAt":"2024-03-01T00:00:00Z"}';
    const error = refusal(Buffer.from(text));
    expect(error.location).toBe('/createdAt');
    expect(error.message).toMatch(/createdAt .?"2024-02-30T10:00:00Z".?: .*day/i);
  });

  it('has one object of many properties for the per-line benchmark', () => {
    expect(Object.keys(reader.parse(makeDocumentWithLines(50))[0]!.tree.properties)).toHaveLength(54);
  });
});

describe('hubspot-crm-object broken input', () => {
  itRefusesBrokenFixtures(reader, fixtures, {
    'truncated.json': /^line \d+, column \d+$/,
    'invalid-utf8.json': /^byte 37$/,
    'missing-id.json': /^\/id$/,
    'nested-property-value.json': /^\/properties\/address$/,
    'wrong-structure.json': { location: /^\(document root\)$/, message: /CRM object/ },
    'updated-at-without-zone.json': /^\/results\/0\/updatedAt$/,
    'unknown-object-type.json': {
      location: /^\/results\/0\/objectTypeId$/,
      message: /objectTypeId must be 0-1 \(contacts\) or 0-2 \(companies\).*"0-3"/,
    },
  });
  itHandlesLargeInputWithin10s(
    'reads a 5 MB list answer within 10 s',
    () => makeLargeDocument(5_000_000),
    (input) => expect(reader.parse(input)).toHaveLength(100),
  );
  itHandlesLargeInputWithin10s(
    'refuses a 50 MB document within 10 s, before parsing it',
    () => makeLargeDocument(50_000_000),
    (input) => expect(refusal(input).message).toMatch(/limit is 8388608 bytes/),
  );
});
