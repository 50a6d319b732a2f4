import { describe, expect, it } from 'vitest';
import { mapBytes } from '../index.ts';

/**
 * Webhook cases the format's fixtures do not cover: properties read into canonical form (countries, states, dates,
 * phones, lifecycle stages), properties kept as extensions, and the merge / privacy / association events.
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

let nextEventId = 900;

function event(fields: Json): Json {
  return {
    eventId: nextEventId++,
    subscriptionId: 2901,
    portalId: 62515,
    appId: 1160452,
    occurredAt: 1710236400000,
    attemptNumber: 0,
    objectId: 5101,
    changeSource: 'CRM_UI',
    ...fields,
  };
}

const change = (propertyName: string, propertyValue: string) =>
  event({ subscriptionType: 'contact.propertyChange', propertyName, propertyValue });

async function mapped(...events: Json[]): Promise<Json[]> {
  const [document] = await mapBytes('hubspot-contact', Buffer.from(JSON.stringify(events)));
  return document!.records.map((r) => JSON.parse(JSON.stringify(r.value)) as Json);
}

async function one(...events: Json[]): Promise<Json> {
  const records = await mapped(...events);
  expect(records).toHaveLength(1);
  return records[0]!;
}

describe('hubspot-contact → CustomerEvent', () => {
  it('reads a country name into its ISO code and names only that address part as changed', async () => {
    const record = await one(change('country', ' deutschland '));
    expect(record.changedFields).toEqual(['addresses.countryCode']);
    expect(record.customer.addresses).toEqual([
      { use: 'MAILING', lines: [], city: null, region: null, postalCode: null, countryCode: 'DE' },
    ]);
  });

  it('reads a country written in its own language (Polska, Россия) into its ISO code', async () => {
    const records = await mapped(change('country', 'Polska'), change('country', 'Россия'));
    expect(records.map((r) => r.customer.addresses[0].countryCode)).toEqual(['PL', 'RU']);
  });

  it('keeps a country it cannot read as an extension instead of guessing', async () => {
    const record = await one(change('country', 'Atlantis'));
    expect(record.changedFields).toEqual(['addresses.countryCode', 'extensions.hubspot.country']);
    expect(record.customer.addresses[0].countryCode).toBeNull();
    expect(record.customer.extensions).toEqual({ 'hubspot.country': 'Atlantis' });
  });

  it('reads a birth date given as epoch ms of midnight UTC, and keeps an impossible date as an extension', async () => {
    const [epoch, impossible] = await mapped(
      change('date_of_birth', '642902400000'),
      change('date_of_birth', '1990-02-30'),
    );
    expect(epoch!.customer.birthDate).toBe('1990-05-17');
    expect(epoch!.changedFields).toEqual(['birthDate']);
    expect(impossible!.customer.birthDate).toBeNull();
    expect(impossible!.changedFields).toEqual(['extensions.hubspot.date_of_birth']);
    expect(impossible!.customer.extensions).toEqual({ 'hubspot.date_of_birth': '1990-02-30' });
  });

  it('normalizes internationally written phones to E.164 and keeps others as written', async () => {
    const [mobile, local] = await mapped(
      change('mobilephone', '0049 (170) 123-4567'),
      change('phone', '030 1234567'),
    );
    expect(mobile!.customer.phones).toEqual([
      { number: '+491701234567', isE164: true, use: 'mobile', primary: false },
    ]);
    expect(local!.customer.phones).toEqual([
      { number: '030 1234567', isE164: false, use: 'work', primary: false },
    ]);
  });

  it('maps the lifecycle stage to a status and keeps the stage itself', async () => {
    const record = await one(change('lifecyclestage', 'marketingqualifiedlead'));
    expect(record.customer.status).toBe('PROSPECT');
    expect(record.changedFields).toEqual(['status', 'extensions.hubspot.lifecyclestage']);
    expect(record.customer.extensions).toEqual({ 'hubspot.lifecyclestage': 'marketingqualifiedlead' });
  });

  it('keeps a property without a canonical place as an extension, and a cleared one as cleared', async () => {
    const [set, cleared] = await mapped(change('jobtitle', 'Engineer'), change('jobtitle', ''));
    expect(set!.changedFields).toEqual(['extensions.hubspot.jobtitle']);
    expect(set!.customer.extensions).toEqual({ 'hubspot.jobtitle': 'Engineer' });
    expect(cleared!.clearedFields).toEqual(['extensions.hubspot.jobtitle']);
    expect(cleared!.customer.extensions).toEqual({ 'hubspot.jobtitle': '' });
  });

  it('names a property set to empty as cleared only, as Salesforce CDC does, and never lists no field', async () => {
    const [phone, number] = await mapped(change('phone', ''), change('phone', '+49 30 1234567'));
    expect(phone!.clearedFields).toEqual(['phones[work]']);
    // Not also changed: one path both set and cleared said two things; an empty list would declare a snapshot.
    expect(phone!.changedFields).toEqual(['sourceIds']);
    expect(number!.changedFields).toEqual(['phones[work]']);
    expect(number!.clearedFields).toEqual([]);
  });

  it('keys a merge by the new record and lists every other id as merged', async () => {
    const record = await one(
      event({
        subscriptionType: 'contact.merge',
        objectId: 5101,
        mergedObjectIds: [5101, 5104],
        primaryObjectId: 5101,
        newObjectId: 5200,
      }),
    );
    expect(record.changeType).toBe('MERGED');
    expect(record.customer.customerId).toBe('hubspot:5200');
    expect(record.mergedIds).toEqual(['hubspot:5101', 'hubspot:5104']);
  });

  it('maps a privacy deletion to DELETED and skips association changes', async () => {
    const records = await mapped(
      event({ subscriptionType: 'contact.associationChange' }),
      event({ subscriptionType: 'contact.privacyDeletion', objectId: 5102 }),
    );
    expect(records.map((r) => [r.changeType, r.customer.customerId, r.customer.status])).toEqual([
      ['DELETED', 'hubspot:5102', 'DELETED'],
    ]);
  });

  it('keeps the echo marks of an API write exactly as HubSpot sent them', async () => {
    const record = await one({
      ...change('email', 'a@example.com'),
      changeSource: 'API',
      sourceId: '1160452',
    });
    expect(record.origin).toEqual({
      system: 'hubspot',
      documentId: `2901:${nextEventId - 1}`,
      changeOrigin: 'API',
      changedBy: '1160452',
    });
  });
});
