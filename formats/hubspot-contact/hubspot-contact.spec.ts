import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureSupport, itHandlesLargeInputWithin10s, itRefusesBrokenFixtures } from '../test-support.ts';
import { makeLargeDocument } from './fixtures/large.ts';
import { reader } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { one, refusal } = fixtureSupport(reader, fixtures);

describe('hubspot-contact reader', () => {
  it('groups a creation batch per contact', () => {
    const doc = one('creation-batch.json');
    expect([doc.kind, doc.id, doc.source]).toEqual(['contact', '100..102', 'hubspot/portal/62515']);
    expect(doc.tree.contacts.map((c) => [c.objectId, c.$loc, c.events.map((e) => e.action)])).toEqual([
      ['5101', '/0', ['creation', 'propertyChange']],
      ['5102', '/1', ['creation']],
    ]);
    expect(doc.tree.contacts[0]!.events[1]).toMatchObject({
      propertyName: 'email',
      propertyValue: 'ada@example.com',
      occurredAt: '2024-03-12T09:40:01.000Z',
    });
  });

  it('marks a Sensitive Data property change, whose value HubSpot sends as "REDACTED", as redacted', () => {
    const [contact] = one('sensitive-property-redacted.json').tree.contacts;
    expect(contact!.events.map((e) => [e.propertyName, e.propertyValue, e.redacted])).toEqual([
      ['passport_number', 'REDACTED', true],
      ['firstname', 'Ingrid', false],
    ]);
  });

  it('orders property changes by occurredAt', () => {
    const { tree } = one('property-changes-out-of-order.json');
    expect(
      tree.contacts.map((c) => [
        c.objectId,
        c.events.map((e) => [e.eventId, e.propertyName, e.propertyValue]),
      ]),
    ).toEqual([
      [
        '5101',
        [
          ['211', 'firstname', 'Ada'],
          ['210', 'lastname', 'Byron'],
        ],
      ],
      ['5103', [['212', 'phone', '']]],
    ]);
    expect(tree.contacts[0]!.$loc).toBe('/1');
  });

  it('reads deletion, merge, API echo and restore events', () => {
    expect(one('deletion.json').tree.contacts[0]!.events[0]).toMatchObject({
      action: 'deletion',
      changeFlag: 'DELETED',
    });
    expect(one('merge.json').tree.contacts[0]!.events[0]).toMatchObject({
      action: 'merge',
      mergedObjectIds: ['5101', '5104'],
      primaryObjectId: '5101',
      newObjectId: '5101',
      numberOfPropertiesMoved: 7,
    });
    expect(one('echo-from-api.json').tree.contacts[0]!.events[0]).toMatchObject({
      changeSource: 'API',
      sourceId: '1160452',
    });
    const restore = one('restore-single-object.json');
    expect([restore.id, restore.tree.contacts[0]!.events[0]!.action, restore.tree.contacts[0]!.$loc]).toEqual(
      ['600', 'restore', ''],
    );
  });
});

describe('hubspot-contact association changes', () => {
  it('reads a real associationChange (fromObjectId / toObjectId, no objectId) beside the creation it came with', () => {
    const doc = one('creation-with-association.json');
    expect(doc.tree.contacts.map((c) => [c.objectId, c.events.map((e) => e.action)])).toEqual([
      ['5101', ['creation', 'associationChange']],
    ]);
  });
});

describe('hubspot-contact batches with other subscriptions', () => {
  it("reads the contact events of a batch that holds other objects' events, and names those", () => {
    // One target URL receives every subscription of the app: a company deletion and a deal change come along.
    const doc = one('mixed-subscriptions.json');
    expect(doc.tree.contacts.map((c) => [c.objectId, c.events.map((e) => e.action)])).toEqual([
      ['5103', ['creation', 'propertyChange']],
    ]);
    expect(doc.tree.otherEvents).toEqual([
      { $loc: '/0', subscriptionType: 'company.deletion', objectId: '5102' },
      { $loc: '/3', subscriptionType: 'deal.propertyChange', objectId: '9001' },
    ]);
  });

  it("reads the type from eventType, as HubSpot's documentation example names it, when subscriptionType is absent", () => {
    const doc = one('event-type-as-in-docs.json');
    expect(
      doc.tree.contacts.map((c) => [c.objectId, c.events.map((e) => [e.subscriptionType, e.action])]),
    ).toEqual([
      [
        '5120',
        [
          ['contact.creation', 'creation'],
          ['contact.propertyChange', 'propertyChange'],
        ],
      ],
      ['5121', [['contact.propertyChange', 'propertyChange']]],
    ]);
    expect(doc.tree.otherEvents).toEqual([
      { $loc: '/3', subscriptionType: 'company.creation', objectId: '7300' },
    ]);
  });

  it("reads a generic subscription's object events of contacts (objectTypeId 0-1) as contact events, and names the others", () => {
    // HubSpot's generic webhook subscriptions (object.creation, object.propertyChange …) name the object type by id.
    const doc = one('generic-object-subscriptions.json');
    expect(
      doc.tree.contacts.map((c) => [c.objectId, c.events.map((e) => [e.subscriptionType, e.action])]),
    ).toEqual([
      [
        '65059681032',
        [
          ['object.creation', 'creation'],
          ['object.propertyChange', 'propertyChange'],
        ],
      ],
    ]);
    expect(doc.tree.contacts[0]!.events[1]).toMatchObject({
      propertyName: 'email',
      propertyValue: 'zoe@example.com',
    });
    expect(doc.tree.otherEvents).toEqual([
      { $loc: '/2', subscriptionType: 'object.creation', objectId: '7300' },
    ]);
  });

  it('reads a batch of other events only as no contacts, not as broken', () => {
    const [doc] = reader.parse(
      Buffer.from(
        '[{"eventId":1,"subscriptionId":2,"portalId":62515,"occurredAt":1710236500000,"subscriptionType":"contact.someFutureAction","objectId":5}]',
      ),
    );
    expect(doc!.tree.contacts).toEqual([]);
    expect(doc!.tree.otherEvents).toEqual([
      { $loc: '/0', subscriptionType: 'contact.someFutureAction', objectId: '5' },
    ]);
  });

  it('reads an empty batch as no documents (nothing to publish or dead-letter), as the CDC and Odoo readers do', () => {
    expect(reader.parse(Buffer.from(' [ ]\n'))).toEqual([]);
  });
});

describe('hubspot-contact broken input', () => {
  itRefusesBrokenFixtures(reader, fixtures, {
    'truncated.json': /^line \d+, column \d+$/,
    'invalid-utf8.json': /^byte 158$/,
    'non-numeric-object-id.json': /^\/0\/objectId$/,
    'wrong-structure.json': /^\/subscriptionType$/,
    'property-change-without-name.json': /^\/0\/propertyName$/,
  });
  itHandlesLargeInputWithin10s(
    'reads a 5 MB batch within 10 s',
    () => makeLargeDocument(5_000_000),
    (input) => expect(reader.parse(input)[0]!.tree.contacts).toHaveLength(1000),
  );
  itHandlesLargeInputWithin10s(
    'refuses a 50 MB document within 10 s, before parsing it',
    () => makeLargeDocument(50_000_000),
    (input) => expect(refusal(input).message).toMatch(/limit is 8388608 bytes/),
  );
});
