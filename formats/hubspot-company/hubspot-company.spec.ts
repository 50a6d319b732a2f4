import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reader as contactReader } from '../hubspot-contact/index.ts';
import { fixtureSupport, itHandlesLargeInputWithin10s, itRefusesBrokenFixtures } from '../test-support.ts';
import { makeLargeDocument } from './fixtures/large.ts';
import { reader } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { one, fixture, refusal } = fixtureSupport(reader, fixtures);

describe('hubspot-company reader', () => {
  it('groups a creation and its property changes per company, in the shape of a contact batch', () => {
    const doc = one('creation-batch.json');
    expect([doc.kind, doc.id, doc.source]).toEqual(['company', '400..410', 'hubspot/portal/62515']);
    expect(doc.tree.companies.map((c) => [c.objectId, c.$loc, c.events.length])).toEqual([
      ['5102', '/0', 11],
    ]);
    expect(
      doc.tree.companies[0]!.events.map((e) => [e.action, e.propertyName, e.propertyValue]),
    ).toContainEqual(['propertyChange', 'domain', 'mueller-maschinenbau.de']);
    expect(doc.tree.otherEvents).toEqual([]);
  });

  it("reads a batch's company events and names the contacts' and deals' beside them, as the contact reader names the company's", () => {
    const doc = one('mixed-subscriptions.json');
    expect(doc.tree.companies.map((c) => [c.objectId, c.events.map((e) => e.action)])).toEqual([
      ['5102', ['deletion']],
    ]);
    expect(doc.tree.otherEvents.map((e) => e.subscriptionType)).toEqual([
      'contact.creation',
      'contact.propertyChange',
      'deal.propertyChange',
    ]);
    // The same batch read as contacts: each reader takes its own object's events only.
    const [contacts] = contactReader.parse(fixture('mixed-subscriptions.json'));
    expect(contacts!.tree.contacts.map((c) => c.objectId)).toEqual(['5103']);
  });

  it("reads a generic subscription's object events of companies (objectTypeId 0-2) and names a contact's", () => {
    const doc = one('generic-object-subscriptions.json');
    expect(doc.tree.companies.map((c) => [c.objectId, c.events.map((e) => e.action)])).toEqual([
      ['7300', ['creation', 'propertyChange']],
    ]);
    expect(doc.tree.otherEvents).toEqual([
      { $loc: '/2', subscriptionType: 'object.creation', objectId: '7301' },
    ]);
  });
});

describe('hubspot-company broken input', () => {
  itRefusesBrokenFixtures(reader, fixtures, {
    'truncated.json': /^line \d+, column \d+$/,
    'non-numeric-object-id.json': { location: /^\/0\/objectId$/, message: /whole-number id/ },
    'wrong-structure.json': /^\/subscriptionType$/,
    'property-change-without-name.json': /^\/0\/propertyName$/,
  });
  itHandlesLargeInputWithin10s(
    'reads a 5 MB batch within 10 s',
    () => makeLargeDocument(5_000_000),
    (input) => expect(reader.parse(input)[0]!.tree.companies).toHaveLength(1000),
  );
  itHandlesLargeInputWithin10s(
    'refuses a 50 MB document within 10 s, before parsing it',
    () => makeLargeDocument(50_000_000),
    (input) => expect(refusal(input).message).toMatch(/limit is 8388608 bytes/),
  );
});
