import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { topicCatalog } from '../../bus/index.ts';
import { mapBytes } from '../../mappings/index.ts';
import type { CustomerEvent, CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { parseMdmConfig } from '../config.ts';
import { survive } from '../survivorship.ts';
import { sameValue, valueKey } from './changes.ts';
import {
  applyEvent,
  classify,
  DEFAULT_CREATE_WHEN,
  heldView,
  pendingAfterEcho,
  pendingAfterSend,
  planCommand,
  planGoldenEvent,
  satisfies,
  stampedByHub,
} from './index.ts';

const config = parseMdmConfig({
  survivorship: { default: { rule: 'mostRecent' }, fields: { phones: { rule: 'mostFrequent' } } },
  sync: {
    systems: {
      salesforce: { push: true, hubChangeOrigin: ['client=eai-hub'], fingerprint: false },
      hubspot: { push: true, hubChangeOrigin: ['INTEGRATION'], hubChangedBy: ['4242'] },
      odoo: { push: true, hubChangedBy: ['7'], fingerprint: true },
    },
  },
});
const systems = config.sync.systems;

const customer = (
  system: string,
  id: string,
  extra: Partial<CustomerPartyMaster> = {},
): CustomerPartyMaster => ({
  customerId: `${system}:${id}`,
  sourceIds: [{ system, id, idType: null }],
  partyType: 'PERSON',
  person: { title: null, givenName: 'Grace', middleName: null, familyName: 'Hopper' },
  emails: [{ address: 'grace@example.org', use: null, primary: true }],
  phones: [],
  addresses: [],
  updatedAt: new Date('2026-01-01T00:00:00Z'),
  ...extra,
});

const event = (
  system: string,
  c: Partial<CustomerPartyMaster>,
  changedFields: string[],
  origin: Partial<CustomerEvent['origin']> = {},
  occurredAt = '2026-03-01T10:00:00Z',
): CustomerEvent => ({
  changeType: 'UPDATED',
  changedFields,
  clearedFields: [],
  mergedIds: [],
  occurredAt: new Date(occurredAt),
  origin: { system, documentId: null, changeOrigin: null, changedBy: null, ...origin },
  customer: { customerId: `${system}:1`, sourceIds: [{ system, id: '1', idType: null }], ...c },
});

describe('applyEvent', () => {
  it('takes a HubSpot property set to empty as a clear of that item alone, the rest of the record kept', async () => {
    const webhook = {
      eventId: 7,
      subscriptionId: 2901,
      portalId: 62515,
      appId: 1160452,
      occurredAt: Date.parse('2026-03-01T10:00:00Z'),
      attemptNumber: 0,
      objectId: 5101,
      changeSource: 'CRM_UI',
      subscriptionType: 'contact.propertyChange',
      propertyName: 'phone',
      propertyValue: '',
    };
    const [document] = await mapBytes('hubspot-contact', Buffer.from(JSON.stringify([webhook])));
    const cleared = document!.records[0]!.value as unknown as CustomerEvent;
    const held = customer('hubspot', '5101', {
      sourceIds: [
        { system: 'hubspot', id: '5101', idType: 'hs_object_id' },
        { system: 'hubspot', id: 'gc-5d41402abc4b2a76b971', idType: 'eai_golden_id' },
      ],
      phones: [
        { number: '+49301234567', use: 'work', primary: true, isE164: true },
        { number: '+491701234567', use: 'mobile', primary: false, isE164: true },
      ],
    });
    const change = classify(cleared, { record: held, fieldTimes: {} }, null, systems.hubspot);
    expect(change.kind).toBe('edit');
    expect(change.fields).toEqual(['phones']);
    expect(change.record.phones?.map((p) => p.number)).toEqual(['+491701234567']);
    expect(change.record.person).toEqual(held.person);
    expect(change.record.emails).toEqual(held.emails);
    // The webhook names hs_object_id alone: the golden id the hub joined the record by stays.
    expect(change.record.sourceIds).toEqual(held.sourceIds);
  }, 30_000);

  const hubspotEvent = async (webhook: Record<string, unknown>) => {
    const base = { subscriptionId: 2901, portalId: 62515, appId: 1160452, attemptNumber: 0, objectId: 5101 };
    const [document] = await mapBytes(
      'hubspot-contact',
      Buffer.from(JSON.stringify([{ ...base, ...webhook }])),
    );
    return document!.records[0]!.value as unknown as CustomerEvent;
  };
  const withGoldenId = customer('hubspot', '5101', {
    sourceIds: [
      { system: 'hubspot', id: '5101', idType: 'hs_object_id' },
      { system: 'hubspot', id: 'gc-5d41402abc4b2a76b971', idType: 'eai_golden_id' },
    ],
  });

  it("keeps a HubSpot record's golden id through a creation webhook, and drops it when eai_golden_id is cleared", async () => {
    const created = await hubspotEvent({
      eventId: 8,
      occurredAt: Date.parse('2026-03-01T10:00:00Z'),
      changeSource: 'INTEGRATION',
      subscriptionType: 'contact.creation',
    });
    expect(applyEvent(withGoldenId, created).sourceIds).toEqual(withGoldenId.sourceIds);
    const reassigned = await hubspotEvent({
      eventId: 9,
      occurredAt: Date.parse('2026-03-01T10:00:01Z'),
      subscriptionType: 'contact.propertyChange',
      propertyName: 'eai_golden_id',
      propertyValue: 'gc-99aa88bb77cc66dd55ee',
    });
    expect(applyEvent(withGoldenId, reassigned).sourceIds?.map((s) => s.id)).toEqual([
      '5101',
      'gc-99aa88bb77cc66dd55ee',
    ]);
    const cleared = await hubspotEvent({
      eventId: 10,
      occurredAt: Date.parse('2026-03-01T10:00:02Z'),
      subscriptionType: 'contact.propertyChange',
      propertyName: 'eai_golden_id',
      propertyValue: '',
    });
    expect(applyEvent(withGoldenId, cleared).sourceIds?.map((s) => s.id)).toEqual(['5101']);
  }, 30_000);

  it("keeps a Salesforce person account's other ids through a CDC update of its golden id, and sets its SAP number by kind", async () => {
    const held = customer('salesforce', '001ZL000001QS6mYAG', {
      sourceIds: [
        { system: 'salesforce', id: '001ZL000001QS6mYAG', idType: 'AccountId' },
        { system: 'salesforce', id: '003ZL000002PC1aYAG', idType: 'PersonContactId' },
        { system: 'sap', id: '0000100042', idType: 'KUNNR' },
        { system: 'salesforce', id: 'gc-5d41402abc4b2a76b971', idType: 'External_Id__c' },
      ],
    });
    const cdc = async (changed: Record<string, unknown>, cleared: string[] = []) => {
      const names = [...Object.keys(changed), 'LastModifiedDate'];
      const message = {
        id: '4e1b9a20-6c3d-4f7a-8b2e-91d0c5a7f3e8',
        schemaId: 'Jk3RzQ8vT0aPw2mXyL5nBg',
        replayId: 18098341,
        payload: {
          ChangeEventHeader: {
            entityName: 'Account',
            recordIds: ['001ZL000001QS6mYAG'],
            changeType: 'UPDATE',
            changeOrigin: '',
            transactionKey: '000b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4e',
            sequenceNumber: 1,
            commitTimestamp: 1714517497000,
            commitNumber: 71542298111,
            commitUser: '005ZL000000M0x2YAC',
            nulledFields: cleared,
            diffFields: [],
            changedFields: [...names, ...cleared],
          },
          LastModifiedDate: 1714517497000,
          ...Object.fromEntries(cleared.map((f) => [f, null])),
          ...changed,
        },
      };
      const [document] = await mapBytes('salesforce-cdc', Buffer.from(JSON.stringify(message)));
      return document!.records[0]!.value as unknown as CustomerEvent;
    };
    const stamped = applyEvent(held, await cdc({ External_Id__c: 'gc-99aa88bb77cc66dd55ee' }));
    expect(stamped.sourceIds?.map((s) => s.id)).toEqual([
      '001ZL000001QS6mYAG',
      '003ZL000002PC1aYAG',
      '0000100042',
      'gc-99aa88bb77cc66dd55ee',
    ]);
    const sap = applyEvent(held, await cdc({ SAP_Customer_Number__c: '0000100077' }));
    expect(sap.sourceIds?.filter((s) => s.system === 'sap').map((s) => s.id)).toEqual(['0000100077']);
    expect(sap.sourceIds).toHaveLength(4);
    const noSap = applyEvent(held, await cdc({}, ['SAP_Customer_Number__c']));
    expect(noSap.sourceIds?.map((s) => s.system)).toEqual(['salesforce', 'salesforce', 'salesforce']);
  }, 30_000);

  it('sets a field inside a record on its own (one HubSpot property per event) and keeps its siblings', () => {
    const previous = customer('hubspot', '1');
    const next = applyEvent(
      previous,
      event('hubspot', { person: { givenName: null, familyName: 'Hopper-Murray' } }, ['person.familyName']),
    );
    expect(next.person).toEqual({
      title: null,
      givenName: 'Grace',
      middleName: null,
      familyName: 'Hopper-Murray',
    });
    expect(next.emails).toEqual(previous.emails);
    expect(previous.person?.familyName).toBe('Hopper'); // not changed in place
  });
  it('replaces a list as a whole, keeps extension keys with dots whole, and clears what clearedFields names', () => {
    const previous = customer('hubspot', '1', { extensions: { 'hubspot.jobtitle': 'Admiral' } });
    const next = applyEvent(previous, {
      ...event(
        'hubspot',
        {
          emails: [{ address: 'new@example.org', use: null, primary: true }],
          extensions: { 'hubspot.x': '1' },
        },
        ['emails[0].address', 'extensions.hubspot.x'],
      ),
      clearedFields: ['person.givenName'],
    });
    expect(next.emails).toEqual([{ address: 'new@example.org', use: null, primary: true }]);
    expect(next.extensions).toEqual({ 'hubspot.jobtitle': 'Admiral', 'hubspot.x': '1' });
    expect(next.person?.givenName).toBeNull();
  });
});

describe('applyEvent: one HubSpot phone or email property', () => {
  // Seen in a trial: a mobilephone change named the whole list (`phones`), so the contact's phone went; an
  // hs_additional_emails change replaced the primary email.
  const phone = (number: string, use: string) => ({ number, isE164: true, use, primary: false });
  const email = (address: string, primary: boolean) => ({ address, use: null, primary });
  const previous = customer('hubspot', '1', {
    phones: [phone('+493012345', 'work'), phone('+4917011111', 'mobile')] as never,
    emails: [
      email('grace@example.org', true),
      email('old@example.org', false),
      email('x@example.org', false),
    ],
  });
  it('a mobile phone change changes the mobile number and keeps the work one', () => {
    const next = applyEvent(
      previous,
      event('hubspot', { phones: [phone('+4917022222', 'mobile')] as never }, ['phones[mobile]']),
    );
    expect(next.phones).toEqual([phone('+493012345', 'work'), phone('+4917022222', 'mobile')]);
  });
  it('a cleared phone removes the work number alone', () => {
    const next = applyEvent(previous, {
      ...event('hubspot', { phones: [] }, []),
      clearedFields: ['phones[work]'],
    });
    expect(next.phones).toEqual([phone('+4917011111', 'mobile')]);
  });
  it('the additional emails replace every address but the primary one; the primary changes alone', () => {
    const additional = applyEvent(
      previous,
      event('hubspot', { emails: [email('new@example.org', false)] }, ['emails[additional]']),
    );
    expect(additional.emails).toEqual([email('grace@example.org', true), email('new@example.org', false)]);
    const primary = applyEvent(
      previous,
      event('hubspot', { emails: [email('grace@navy.mil', true)] }, ['emails[primary]']),
    );
    expect(primary.emails).toEqual([
      email('grace@navy.mil', true),
      email('old@example.org', false),
      email('x@example.org', false),
    ]);
    const cleared = applyEvent(previous, {
      ...event('hubspot', { emails: [] }, []),
      clearedFields: ['emails[additional]'],
    });
    expect(cleared.emails).toEqual([email('grace@example.org', true)]);
  });
});

describe('applyEvent into lists', () => {
  const address = (use: string, city: string, street: string) => ({
    use,
    lines: [street],
    city,
    region: null,
    postalCode: '10115',
    countryCode: 'DE',
  });
  it("HubSpot's part of its one address (addresses.city) changes that part, keeps the street, stays a list", () => {
    const previous = customer('hubspot', '1', {
      addresses: [address('MAILING', 'Berlin', 'Hauptstr. 1')] as never,
    });
    const next = applyEvent(
      previous,
      event('hubspot', { addresses: [{ ...address('MAILING', 'Potsdam', ''), lines: [] }] as never }, [
        'addresses.city',
      ]),
    );
    expect(next.addresses).toEqual([address('MAILING', 'Potsdam', 'Hauptstr. 1')]);
  });
  it('a part of an address the record does not hold yet adds the address as received', () => {
    const next = applyEvent(
      customer('hubspot', '1'),
      event('hubspot', { addresses: [address('MAILING', 'Potsdam', '')] as never }, ['addresses.city']),
    );
    expect(next.addresses).toEqual([address('MAILING', 'Potsdam', '')]);
  });
  it("Salesforce's addresses[BILLING].city changes the billing city only; the other addresses stay", () => {
    const previous = customer('salesforce', '1', {
      addresses: [
        address('SHIPPING', 'Hamburg', 'Kai 2'),
        address('BILLING', 'Berlin', 'Hauptstr. 1'),
      ] as never,
    });
    const next = applyEvent(
      previous,
      event('salesforce', { addresses: [address('BILLING', 'Köln', '')] as never }, [
        'addresses[BILLING].city',
      ]),
    );
    expect(next.addresses).toEqual([
      address('SHIPPING', 'Hamburg', 'Kai 2'),
      address('BILLING', 'Köln', 'Hauptstr. 1'),
    ]);
    const cleared = applyEvent(previous, {
      ...event('salesforce', { addresses: [] }, []),
      clearedFields: ['addresses[SHIPPING]'],
    });
    expect(cleared.addresses).toEqual([address('BILLING', 'Berlin', 'Hauptstr. 1')]);
  });
});

describe('the echo rule', () => {
  const previous = { record: customer('salesforce', '1'), fieldTimes: {} };
  const newEmail = { emails: [{ address: 'g@navy.example', use: null, primary: true }] };

  it('recognises the stamps: Salesforce changeOrigin client, HubSpot INTEGRATION and the app id, both required', () => {
    const sf = (changeOrigin: string | null) =>
      stampedByHub(event('salesforce', {}, ['emails'], { changeOrigin }), systems.salesforce);
    expect(sf('com/salesforce/api/rest/62.0;client=eai-hub')).toBe(true);
    expect(sf(null)).toBe(false);
    expect(sf('com/salesforce/api/rest/62.0;client=other-tool')).toBe(false);
    const hs = (changeOrigin: string, changedBy: string) =>
      stampedByHub(event('hubspot', {}, ['emails'], { changeOrigin, changedBy }), systems.hubspot);
    expect(hs('INTEGRATION', '4242')).toBe(true);
    expect(hs('INTEGRATION', '999')).toBe(false); // another app's write is a real change
    expect(hs('CRM_UI', 'userId:1')).toBe(false);
    // A system without stamps configured never matches by stamp.
    expect(stampedByHub(event('sap', {}, ['emails']), undefined)).toBe(false);
  });

  it('takes nothing for the hub’s from a system the hub does not write to (push: false, the default)', () => {
    const defaults = parseMdmConfig({}).sync.systems;
    // Another app's write in HubSpot: INTEGRATION, and an app id that is not the hub's.
    const otherApp = event('hubspot', newEmail, ['emails'], {
      changeOrigin: 'INTEGRATION',
      changedBy: '999',
    });
    expect(stampedByHub(otherApp, defaults.hubspot)).toBe(false);
    const change = classify(
      otherApp,
      { record: customer('hubspot', '1'), fieldTimes: {} },
      null,
      defaults.hubspot,
    );
    expect(change.kind).toBe('edit');
    expect(change.fields).toEqual(['emails']);
    expect(change.fieldTimes.emails).toBe('2026-03-01T10:00:00.000Z');
    // Salesforce's default stamp, on a system not pushed to: an edit too.
    const sf = event('salesforce', newEmail, ['emails'], { changeOrigin: 'client=eai-hub' });
    expect(classify(sf, previous, null, defaults.salesforce).kind).toBe('edit');
    // Nor by fingerprint, even where the hub once sent that value (pushed before, not now).
    const sent = { fields: ['emails'], vals: { emails: newEmail.emails } };
    const odoo = { ...systems.odoo!, push: false };
    const odooPrevious = { record: customer('odoo', '1'), fieldTimes: {} };
    expect(classify(event('odoo', newEmail, ['emails']), odooPrevious, sent, odoo).kind).toBe('edit');
    expect(classify(event('odoo', newEmail, ['emails']), odooPrevious, sent, systems.odoo).kind).toBe('echo');
  });

  it('refuses HubSpot pushed to with hubChangeOrigin but no hubChangedBy: any app’s write would be the hub’s', () => {
    expect(() =>
      parseMdmConfig(
        { sync: { systems: { hubspot: { push: true, hubChangeOrigin: ['INTEGRATION'] } } } },
        'mdm.yaml',
      ),
    ).toThrow(/^mdm\.yaml: sync\.systems\.hubspot\.hubChangedBy: missing: .*app id/);
    // Not pushed to (nothing from it is taken for the hub's), or with the app id: accepted.
    expect(() =>
      parseMdmConfig({ sync: { systems: { hubspot: { hubChangeOrigin: ['INTEGRATION'] } } } }),
    ).not.toThrow();
    expect(() =>
      parseMdmConfig({
        sync: {
          systems: { hubspot: { push: true, hubChangeOrigin: ['INTEGRATION'], hubChangedBy: ['4242'] } },
        },
      }),
    ).not.toThrow();
  });

  it('an edit delivered after a later one of the same field leaves the later value and its time', () => {
    const phone = (number: string) => ({ phones: [{ number, use: 'work', primary: true, isE164: true }] });
    const first = classify(
      event('hubspot', phone('+4930111'), ['phones'], { changeOrigin: 'CRM_UI' }, '2026-03-01T10:00:05Z'),
      { record: customer('hubspot', '1'), fieldTimes: {} },
      null,
      systems.hubspot,
    );
    expect(first.fieldTimes.phones).toBe('2026-03-01T10:00:05.000Z');
    // HubSpot retries the earlier property change (and a name change of the same moment) after the later one.
    const late = classify(
      event(
        'hubspot',
        {
          ...phone('+4930000'),
          person: { title: null, givenName: 'Amazing', middleName: null, familyName: 'Grace' },
        },
        ['phones', 'person.givenName'],
        { changeOrigin: 'CRM_UI' },
        '2026-03-01T10:00:01Z',
      ),
      { record: first.record, fieldTimes: first.fieldTimes },
      null,
      systems.hubspot,
      null,
      '2026-03-01T11:00:00.000Z',
    );
    expect(late.kind).toBe('edit');
    expect(late.record.phones?.map((p) => p.number)).toEqual(['+4930111']);
    expect(late.fieldTimes.phones).toBe('2026-03-01T10:00:05.000Z');
    // The field it is the latest change of is taken, with its own time.
    expect(late.fields).toEqual(['person']);
    expect(late.record.person?.givenName).toBe('Amazing');
    expect(late.fieldTimes.person).toBe('2026-03-01T10:00:01.000Z');
  });

  it('takes the values of a record back from the Recycle Bin as older than any change, not as an edit of now', () => {
    const restored: CustomerEvent = {
      ...event('salesforce', customer('salesforce', '1'), []),
      changeType: 'UNDELETED',
      occurredAt: new Date('2026-03-01T10:00:00Z'),
    };
    restored.customer.updatedAt = new Date('2026-03-01T10:00:00Z');
    const change = classify(restored, null, null, systems.salesforce, null, '2026-03-01T10:00:01.000Z');
    expect(change.kind).toBe('edit');
    expect(change.fields).toEqual(expect.arrayContaining(['person', 'emails']));
    expect(change.fieldTimes.person).toBe('1970-01-01T00:00:00.000Z');
    expect(change.fieldTimes.emails).toBe('1970-01-01T00:00:00.000Z');
    expect(change.fieldTimes).not.toHaveProperty('emails@arrival');
    // A created record's values are as new as the event.
    const created = classify({ ...restored, changeType: 'CREATED' }, null, null, systems.salesforce);
    expect(created.fieldTimes.emails).toBe('2026-03-01T10:00:00.000Z');
  });

  it('takes a stamp as a whole part of the change origin, not a substring of another writer’s', () => {
    // The default stamps, on systems the hub writes to.
    const defaults = parseMdmConfig({}).sync.systems;
    const pushed = (system: 'hubspot' | 'salesforce') => ({ ...defaults[system]!, push: true });
    const hs = (changeOrigin: string) =>
      stampedByHub(event('hubspot', {}, ['emails'], { changeOrigin, changedBy: '77' }), pushed('hubspot'));
    expect(hs('INTEGRATION')).toBe(true);
    // HubSpot's data sync and integrations platform write with their own sources: their edits are no echo.
    expect(hs('INTEGRATIONS_SYNC')).toBe(false);
    expect(hs('INTEGRATIONS_PLATFORM')).toBe(false);
    const sf = (changeOrigin: string) =>
      stampedByHub(event('salesforce', {}, ['emails'], { changeOrigin }), pushed('salesforce'));
    expect(sf('com/salesforce/api/rest/62.0;client=eai-hub')).toBe(true);
    expect(sf('client=eai-hub; com/salesforce/api/soap/62.0')).toBe(true);
    expect(sf('com/salesforce/api/rest/62.0;client=eai-hub-staging')).toBe(false);
  });

  it('keeps when an edit reached the bus per field it sets; an echo drops it from the fields it copies', () => {
    const arrived = '2026-03-01T10:00:02.345Z';
    const edit = classify(event('odoo', newEmail, ['emails']), previous, null, systems.odoo, null, arrived);
    expect(edit.fieldTimes['emails@arrival']).toBe(arrived);
    expect(edit.fieldTimes).not.toHaveProperty('person@arrival');
    // The next change of another field keeps it; the echo of a hub write of the email drops it with the time.
    const next = { record: edit.record, fieldTimes: edit.fieldTimes };
    const phone = { phones: [{ number: '+4930123456', isE164: true, use: null, primary: true }] };
    const later = classify(
      event('odoo', phone, ['phones']),
      next,
      null,
      systems.odoo,
      null,
      '2026-03-01T10:01:00.000Z',
    );
    expect(later.fieldTimes['emails@arrival']).toBe(arrived);
    expect(later.fieldTimes['phones@arrival']).toBe('2026-03-01T10:01:00.000Z');
    const echo = classify(
      event('odoo', { emails: [{ address: 'hub@navy.example', use: null, primary: true }] }, ['emails'], {
        changedBy: '7',
      }),
      next,
      null,
      systems.odoo,
      null,
      '2026-03-01T10:02:00.000Z',
    );
    expect(echo.kind).toBe('echo');
    expect(echo.fieldTimes.emails).toBeNull();
    expect(echo.fieldTimes).not.toHaveProperty('emails@arrival');
  });

  it("stores an echo's values as copies and keeps the record's updatedAt; an edit takes the event time per field", () => {
    const stamped = classify(
      event('salesforce', newEmail, ['emails', 'updatedAt'], { changeOrigin: 'x;client=eai-hub' }),
      previous,
      null,
      systems.salesforce,
    );
    expect(stamped.kind).toBe('echo');
    expect(stamped.by).toBe('stamp');
    expect(stamped.fields).toEqual(['emails']);
    expect(stamped.fieldTimes.emails).toBeNull();
    expect(stamped.fieldTimes.person).toBe('2026-01-01T00:00:00.000Z'); // the record's updatedAt stood for it
    expect(stamped.record.updatedAt).toEqual(previous.record.updatedAt);
    expect(stamped.record.emails).toEqual(newEmail.emails);

    const edit = classify(event('salesforce', newEmail, ['emails']), previous, null, systems.salesforce);
    expect(edit.kind).toBe('edit');
    expect(edit.fieldTimes.emails).toBe('2026-03-01T10:00:00.000Z');
    expect(edit.fieldTimes.person).toBe('2026-01-01T00:00:00.000Z');
  });

  it("keeps a person's edit that rides on a stamped whole-record event (Odoo: write_uid names the last writer)", () => {
    const odooPrevious = { record: customer('odoo', '1'), fieldTimes: {} };
    const sent = { fields: ['emails'], vals: { emails: newEmail.emails } };
    const phones = [{ number: '+4940999888', isE164: true, use: null, primary: false }];
    // A full snapshot after the hub's write: the email it sent, and a phone a person changed before it.
    const snapshot = event('odoo', { ...customer('odoo', '1'), ...newEmail, phones }, [], { changedBy: '7' });
    const change = classify(snapshot, odooPrevious, sent, systems.odoo);
    expect([change.kind, change.by, change.fields]).toEqual(['edit', 'stamp', ['phones']]);
    expect(change.fieldTimes.phones).toBe('2026-03-01T10:00:00.000Z');
    expect(change.fieldTimes.emails).toBeNull();
    // A field the hub did not send there but whose content is the golden record's (other flags aside) is no edit.
    const golden = { ...customer('hubspot', '2'), phones: [{ ...phones[0]!, use: 'work', primary: true }] };
    expect(classify(snapshot, odooPrevious, sent, systems.odoo, golden).kind).toBe('echo');
    // Nothing but what the hub sent: a plain echo.
    const echo = classify(
      event('odoo', { ...customer('odoo', '1'), ...newEmail }, [], { changedBy: '7' }),
      odooPrevious,
      sent,
      systems.odoo,
    );
    expect([echo.kind, echo.fields]).toEqual(['echo', ['emails']]);
  });

  it("takes a stamped event that names its fields as an echo, though a person's edit dropped the field from sync_sent", () => {
    // HubSpot: a person set the phone, and the hub's write of the phone (planned before that edit arrived) lands
    // after it; its property change comes back stamped INTEGRATION + the app id. The edit took phones out of what the
    // hub holds as sent there, and the golden record holds the person's number.
    const hsPrevious = {
      record: customer('hubspot', '1', {
        phones: [{ number: '+4930222', isE164: true, use: null, primary: false }],
      }),
      fieldTimes: { phones: '2026-03-01T09:59:59.000Z' },
    };
    const sent = { fields: ['emails'], vals: { emails: newEmail.emails } };
    const golden = { ...customer('odoo', '2'), phones: hsPrevious.record.phones };
    const stale = [{ number: '+4930555', isE164: true, use: null, primary: false }];
    const echo = classify(
      event('hubspot', { phones: stale }, ['phones'], { changeOrigin: 'INTEGRATION', changedBy: '4242' }),
      hsPrevious,
      sent,
      systems.hubspot,
      golden as CustomerPartyMaster,
    );
    // A copy: no time of its own, so the hub's stale value never outvotes the person's newer edit.
    expect([echo.kind, echo.by, echo.fields]).toEqual(['echo', 'stamp', ['phones']]);
    expect(echo.fieldTimes.phones).toBeNull();
  });

  it('takes an unstamped event as an echo when every field it sets holds what the hub last sent there', () => {
    const odooPrevious = { record: customer('odoo', '1'), fieldTimes: {} };
    const sent = { fields: ['emails', 'person'], vals: { emails: newEmail.emails } };
    const echo = classify(event('odoo', newEmail, ['emails']), odooPrevious, sent, systems.odoo);
    expect([echo.kind, echo.by]).toEqual(['echo', 'fingerprint']);
    // Upper case and spaces do not make another value.
    const shouted = { emails: [{ address: ' G@NAVY.example ', use: null, primary: true }] };
    expect(classify(event('odoo', shouted, ['emails']), odooPrevious, sent, systems.odoo).kind).toBe('echo');
    // A person's different value, or a field the hub did not send, is an edit.
    const other = { emails: [{ address: 'other@example.org', use: null, primary: true }] };
    expect(classify(event('odoo', other, ['emails']), odooPrevious, sent, systems.odoo).kind).toBe('edit');
    expect(
      classify(
        event('odoo', { ...newEmail, phones: [] }, ['emails', 'phones']),
        odooPrevious,
        sent,
        systems.odoo,
      ).kind,
    ).toBe('edit');
    // What a system with fewer places holds of what was sent comes back as the echo too: one of two emails, the
    // name without its title and middle name.
    const twoEmails = [
      ...newEmail.emails,
      { address: 'grace.home@example.org', use: 'home', primary: false },
    ];
    const sentMore = {
      fields: ['emails', 'person'],
      vals: {
        emails: twoEmails,
        person: { title: 'Rear Admiral', givenName: 'Grace', middleName: 'Brewster', familyName: 'Hopper' },
      },
    };
    const held = event(
      'odoo',
      { ...newEmail, person: { title: null, givenName: 'Grace', middleName: null, familyName: 'Hopper' } },
      ['emails', 'person'],
    );
    expect([classify(held, odooPrevious, sentMore, systems.odoo).kind]).toEqual(['echo']);
    // Without fingerprints for the system, only stamps count.
    expect(classify(event('salesforce', newEmail, ['emails']), previous, sent, systems.salesforce).kind).toBe(
      'edit',
    );
    // A value the hub sent before the last one, whose echo has not come back yet, is the hub's too; once its echo
    // (or a later one's) came back, it is not on its way any more.
    const first = [{ address: 'first@example.org', use: null, primary: true }];
    const twice = {
      fields: ['emails'],
      vals: { emails: newEmail.emails },
      pending: { emails: [first, newEmail.emails] },
    };
    const early = event('odoo', { emails: first }, ['emails']);
    expect([classify(early, odooPrevious, twice, systems.odoo).kind]).toEqual(['echo']);
    expect(pendingAfterEcho(twice, ['emails'], { emails: first })).toEqual({ emails: [newEmail.emails] });
    expect(pendingAfterEcho(twice, ['emails'], newEmail)).toEqual({});
    const seen = { ...twice, pending: { emails: [newEmail.emails] } };
    expect(classify(early, odooPrevious, seen, systems.odoo).kind).toBe('edit');
    expect(pendingAfterSend(seen.pending, ['emails'], { emails: first })).toEqual({
      emails: [newEmail.emails, first],
    });
  });
});

describe('heldView: a record as its system holds it, for matching', () => {
  const murray = { title: null, givenName: 'Grace', middleName: null, familyName: 'Hopper-Murray' };
  const phone = (number: string, use: string | null = null, primary = false) => [
    { number, isE164: true, use, primary },
  ];

  it("lays the hub's writes whose echo has not come over the record as last received", () => {
    // Salesforce after a person's phone edit that overtook the echo of the hub's new last name.
    const record = customer('salesforce', '003A', { phones: phone('+4940999888') });
    const sent = { fields: ['person', 'emails'], vals: { person: murray, emails: record.emails } };
    const view = heldView(record, sent);
    expect(view?.person).toEqual(murray);
    expect(view?.phones).toEqual(record.phones);
    expect(record.person?.familyName).toBe('Hopper'); // the record itself is not changed
  });

  it('is null once the echo came: the same content, whatever flags the system fills its own way', () => {
    const record = customer('salesforce', '003A', { phones: phone('+4940999888', 'work', true) });
    expect(heldView(record, { fields: ['phones'], vals: { phones: phone('+4940999888') } })).toBeNull();
    expect(heldView(record, null)).toBeNull();
  });

  it('adds nothing the system leaves empty, never takes the party type, and reads only what matching reads', () => {
    const record = customer('hubspot', '101', { partyType: 'UNKNOWN', status: 'ACTIVE' });
    const sent = {
      fields: ['taxId', 'partyType', 'status'],
      vals: { taxId: { value: 'DE123456789', scheme: 'VAT' }, partyType: 'PERSON', status: 'UNKNOWN' },
    };
    expect(heldView(record, sent)).toBeNull();
    // A value the hub cleared, though, is cleared in the view.
    const cleared = heldView(customer('hubspot', '101', { phones: phone('+491') }), {
      fields: ['phones'],
      vals: { phones: null },
    });
    expect(cleared?.phones).toEqual([]);
  });
});

describe('field-level conflict rule (survivorship with field times)', () => {
  const sf = (times: Record<string, string | null>, extra: Partial<CustomerPartyMaster> = {}) => ({
    system: 'salesforce',
    sourceId: '003A',
    record: customer('salesforce', '003A', extra),
    fieldTimes: times,
  });
  const hs = (times: Record<string, string | null>, extra: Partial<CustomerPartyMaster> = {}) => ({
    system: 'hubspot',
    sourceId: '101',
    record: customer('hubspot', '101', extra),
    fieldTimes: times,
  });
  const emails = (address: string) => ({ emails: [{ address, use: null, primary: true }] });

  it('takes each field from the system that changed it last, whatever the records updatedAt says', () => {
    // Salesforce changed the email last; HubSpot changed the name later, which makes its record newer.
    const golden = survive(
      'gc-1',
      [
        sf({ emails: '2026-03-01T10:00:05Z', person: '2026-01-01T00:00:00Z' }, emails('sf@example.org')),
        hs(
          { emails: '2026-03-01T10:00:00Z', person: '2026-03-01T11:00:00Z' },
          { ...emails('hs@example.org'), person: { givenName: 'Grace', familyName: 'Murray' } },
        ),
      ],
      config,
    );
    expect(golden.record.emails?.[0]?.address).toBe('sf@example.org');
    expect(golden.record.person?.familyName).toBe('Murray');
    expect(golden.lineage.emails?.system).toBe('salesforce');
  });

  it('breaks a tie of times by member key (hubspot before salesforce), in any order of the members', () => {
    const at = '2026-03-01T10:00:00Z';
    const a = sf({ emails: at }, emails('sf@example.org'));
    const b = hs({ emails: at }, emails('hs@example.org'));
    expect(survive('gc-1', [a, b], config).record.emails?.[0]?.address).toBe('hs@example.org');
    expect(survive('gc-1', [b, a], config).record.emails?.[0]?.address).toBe('hs@example.org');
  });

  it("never lets a copy win by time, and does not count the hub's copies as votes (mostFrequent)", () => {
    const phone = (n: string) => ({ phones: [{ number: n, isE164: true, use: null, primary: true }] });
    const golden = survive(
      'gc-1',
      [
        sf({ emails: null, phones: null }, { ...emails('old@example.org'), ...phone('+491') }),
        hs(
          { emails: '2026-01-01T00:00:00Z', phones: '2026-03-01T00:00:00Z' },
          {
            ...emails('new@example.org'),
            ...phone('+492'),
          },
        ),
        {
          system: 'odoo',
          sourceId: '9',
          record: customer('odoo', '9', phone('+491')),
          fieldTimes: { phones: null },
        },
      ],
      config,
    );
    expect(golden.record.emails?.[0]?.address).toBe('new@example.org');
    // Two copies of +491 against one own +492: the own value wins.
    expect(golden.record.phones?.[0]?.number).toBe('+492');
  });
});

describe('planning golden events and commands', () => {
  const golden = (record: Partial<CustomerPartyMaster>) => ({
    golden_id: 'gc-1',
    record: { ...customer('hubspot', '101'), customerId: 'gc-1', ...record },
    status: 'active' as const,
    merged_into: null,
    version: 3,
    updated_at: new Date('2026-03-01T10:00:01Z'),
  });
  const before = customer('hubspot', '101');
  const after = { emails: [{ address: 'new@example.org', use: null, primary: true }] };
  const member = (system: string, id: string, record: Partial<CustomerPartyMaster> = {}) => ({
    system,
    source_id: id,
    golden_id: 'gc-1',
    record: { ...customer(system, id), ...record },
  });
  /** A member whose record carries the golden id 'gc-1' where its system keeps it (`idType`), as its echo brought it. */
  const stamped = (system: string, id: string, idType: string, record: Partial<CustomerPartyMaster> = {}) =>
    member(system, id, {
      sourceIds: [
        { system, id, idType: null },
        { system, id: 'gc-1', idType },
      ],
      ...record,
    });

  it('publishes UPDATED with the changed fields, nothing when only updatedAt moved, and MERGED for a merged id', () => {
    const plan = planGoldenEvent(
      'g',
      { before: { ...before, customerId: 'gc-1' }, beforeStatus: 'active' },
      golden(after),
      [],
      [],
    );
    expect(plan.changeType).toBe('UPDATED');
    expect(plan.changed).toEqual(['emails']);
    expect(plan.event?.key).toBe('gc-1');
    expect(plan.event?.value).toMatchObject({ changedFields: ['emails'] });
    const same = planGoldenEvent(
      'g',
      { before: { ...before, customerId: 'gc-1', updatedAt: new Date(0) }, beforeStatus: 'active' },
      golden({}),
      [],
      [],
    );
    expect(same.event).toBeNull();
    const merged = planGoldenEvent(
      'g',
      { before, beforeStatus: 'active' },
      { ...golden({}), status: 'merged', merged_into: 'gc-0' },
      [],
      [],
    );
    expect(merged.event?.value).toMatchObject({
      changeType: 'MERGED',
      mergedIds: ['gc-1'],
      customer: { customerId: 'gc-0' },
    });
    expect(planGoldenEvent('g', { before: null, beforeStatus: null }, golden({}), [], []).changeType).toBe(
      'CREATED',
    );
  });

  it('sends a system the changed fields it does not hold, by its own id; nothing to the system the edit came from', () => {
    const current = golden(after);
    const plan = planGoldenEvent(
      'g',
      { before: { ...before, customerId: 'gc-1' }, beforeStatus: 'active' },
      current,
      [],
      [],
    );
    const sentTo = (system: string, id: string) => ({
      golden_id: 'gc-1',
      system,
      source_id: id,
      fields: [],
      vals: {},
    });
    const toSf = planCommand({
      topic: 'cmd.salesforce',
      system: 'salesforce',
      create: false,
      current,
      plan,
      member: stamped('salesforce', '003A', 'External_Id__c'),
      sent: sentTo('salesforce', '003A'),
    });
    expect(toSf?.fields).toEqual(['emails']);
    expect(toSf?.event?.value).toMatchObject({
      changeType: 'UPDATED',
      changedFields: ['emails', 'updatedAt'],
      origin: { system: 'mdm' },
      customer: {
        customerId: 'gc-1',
        sourceIds: [
          { system: 'salesforce', id: '003A' },
          { system: 'salesforce', id: 'gc-1' },
        ],
      },
    });
    const toHs = planCommand({
      topic: 'cmd.hubspot',
      system: 'hubspot',
      create: false,
      current,
      plan,
      member: stamped('hubspot', '101', 'eai_golden_id', after),
      sent: sentTo('hubspot', '101'),
    });
    expect(toHs?.event).toBeNull();
    // A system that holds no record of the customer gets nothing unless `create` is set.
    const none = { topic: 't', system: 'odoo', current, plan, member: undefined, sent: undefined };
    expect(planCommand({ ...none, create: false })).toBeNull();
    expect(planCommand({ ...none, create: true })?.event?.value).toMatchObject({
      customer: { sourceIds: [] },
    });
    // What the hub already sent counts as held: the same value is not sent twice.
    const again = planCommand({
      topic: 'cmd.salesforce',
      system: 'salesforce',
      create: false,
      current,
      plan,
      member: stamped('salesforce', '003A', 'External_Id__c'),
      sent: { ...sentTo('salesforce', '003A'), fields: ['emails'], vals: { emails: after.emails } },
    });
    expect(again?.event).toBeNull();
  });

  it('writes the golden id anew to a record that carries a merged one, though it holds every value', () => {
    const id = 'gc-0000000000000000000a';
    const current = { ...golden({ customerId: id }), golden_id: id };
    const plan = planGoldenEvent(
      'g',
      { before: { ...before, customerId: id }, beforeStatus: 'active' },
      { ...current, record: { ...current.record, emails: after.emails } },
      [],
      [],
    );
    const holding = (goldenId: string, idType: string) =>
      member('salesforce', '003A', {
        sourceIds: [
          { system: 'salesforce', id: '003A', idType: null },
          { system: 'salesforce', id: goldenId, idType },
        ],
      });
    const command = (m: ReturnType<typeof member>, vals?: Record<string, unknown>) =>
      planCommand({
        topic: 't',
        system: m.system,
        create: false,
        current,
        plan,
        member: m,
        sent: vals
          ? { golden_id: id, system: m.system, source_id: m.source_id, fields: [], vals }
          : undefined,
      });
    // The record's stamp names a golden record merged into this one: the command writes its id, with no field.
    const stale = command(holding('gc-00000000000000000007', 'External_Id__c'));
    expect(stale?.fields).toEqual([]);
    expect(stale?.event?.value).toMatchObject({
      changedFields: ['customerId', 'updatedAt'],
      customer: { customerId: id },
    });
    expect(stale?.vals).toEqual({ customerId: id });
    // Sent already, its echo not back yet: not sent again with each change.
    expect(
      command(holding('gc-00000000000000000007', 'External_Id__c'), { customerId: id })?.event,
    ).toBeNull();
    // Its stamp is the golden id now (an echo brought it): nothing to write.
    expect(command(holding(id, 'External_Id__c'))?.event).toBeNull();
  });

  it('stamps the golden id on a record that holds every value but no golden id, once', () => {
    const id = 'gc-0000000000000000000a';
    const current = { ...golden({ customerId: id }), golden_id: id };
    const plan = planGoldenEvent('g', { before: null, beforeStatus: null }, current, [], []);
    const record = (system: string, sourceId: string, ids: Array<{ id: string; idType: string }> = []) =>
      member(system, sourceId, {
        ...current.record,
        sourceIds: [{ system, id: sourceId, idType: null }, ...ids.map((i) => ({ system, ...i }))],
      });
    const command = (m: ReturnType<typeof member>, vals?: Record<string, unknown>) =>
      planCommand({
        topic: 't',
        system: m.system,
        create: false,
        current,
        plan,
        member: m,
        sent: vals
          ? { golden_id: id, system: m.system, source_id: m.source_id, fields: [], vals }
          : undefined,
      });
    // A HubSpot contact or company, a Salesforce record, an Odoo partner a person made: the golden id alone.
    for (const m of [
      record('hubspot', '101'),
      record('hubspot', 'company:7', [{ id: 'company:7', idType: 'company' }]),
      record('salesforce', '003A'),
      record('odoo', '9'),
    ]) {
      const stamp = command(m);
      expect(stamp?.fields, `${m.system} ${m.source_id}`).toEqual([]);
      expect(stamp?.vals).toEqual({ customerId: id });
      expect(stamp?.event?.value).toMatchObject({
        changedFields: ['customerId', 'updatedAt'],
        customer: { customerId: id },
      });
      // Sent, its echo not back yet: not again.
      expect(command(m, { customerId: id })?.event).toBeNull();
    }
    // Its echo brought the id: nothing more.
    expect(command(record('hubspot', '101', [{ id, idType: 'eai_golden_id' }]))?.event).toBeNull();
    expect(command(record('odoo', '9', [{ id, idType: 'ref' }]))?.event).toBeNull();
    // An Odoo ref a person keeps (an ERP number) is no golden id: never written over.
    expect(command(record('odoo', '9', [{ id: 'K-1001', idType: 'ref' }]))?.event).toBeNull();
    // A system that keeps no golden id on its records gets nothing.
    expect(command(record('sap', '0000100200'))?.event).toBeNull();
    // A deployment's own system (an http-sink's) keeps one where its config says (sync.systems.<s>.goldenIdType).
    const crm = (m: ReturnType<typeof member>, goldenIdType: string | null) =>
      planCommand({
        topic: 't',
        system: m.system,
        create: false,
        current,
        plan,
        member: m,
        sent: undefined,
        goldenIdType,
      });
    expect(crm(record('crm', 'C-1'), 'hub_key')?.event?.value).toMatchObject({
      changedFields: ['customerId', 'updatedAt'],
      customer: { customerId: id },
    });
    expect(crm(record('crm', 'C-1', [{ id, idType: 'hub_key' }]), 'hub_key')?.event).toBeNull();
    // A value there that is no golden id is the system's own: never written over.
    expect(crm(record('crm', 'C-1', [{ id: 'K-7', idType: 'hub_key' }]), 'hub_key')?.event).toBeNull();
    // null: the config says a built-in system keeps none.
    expect(crm(record('odoo', '9'), null)?.event).toBeNull();
  });
});

describe('topics', () => {
  it('declares the golden topic in the catalog, compacted, with a bound on how long an erased value stays', () => {
    expect(topicCatalog.find((t) => t.topic === 'mdm.golden-customer')?.config).toEqual({
      'cleanup.policy': 'compact',
      'max.compaction.lag.ms': '86400000',
    });
  });
});

describe('createWhen: what a system needs before the hub creates a record in it', () => {
  const rule = (system: 'salesforce' | 'odoo') => jsonata(DEFAULT_CREATE_WHEN[system] as string);
  const golden = (value: Record<string, unknown>) => ({ partyType: 'UNKNOWN', status: 'UNKNOWN', ...value });

  it('Salesforce: a person needs a family name (Contact.LastName), an organization its name (Account.Name)', async () => {
    const sf = rule('salesforce');
    expect(await satisfies(sf, golden({ emails: [{ address: 'a@example.org' }] }))).toBe(false);
    expect(await satisfies(sf, golden({ person: { givenName: 'Grace' } }))).toBe(false);
    expect(await satisfies(sf, golden({ person: { givenName: 'Grace', familyName: 'Hopper' } }))).toBe(true);
    expect(await satisfies(sf, golden({ person: { familyName: '' } }))).toBe(false);
    expect(await satisfies(sf, golden({ organizationName: 'Acme' }))).toBe(true);
    // A person at a company is a Contact in the mapping: the company's name does not stand in for LastName.
    expect(
      await satisfies(
        sf,
        golden({ partyType: 'PERSON', organizationName: 'Acme', person: { givenName: 'G' } }),
      ),
    ).toBe(false);
  });

  it('Odoo: any name the partner can be called by', async () => {
    const odoo = rule('odoo');
    expect(await satisfies(odoo, golden({ emails: [{ address: 'a@example.org' }] }))).toBe(false);
    expect(await satisfies(odoo, golden({ person: { givenName: 'Grace' } }))).toBe(true);
    expect(await satisfies(odoo, golden({ organizationName: 'Acme' }))).toBe(true);
  });

  it('a rule that is not JSONata is refused at load, naming the field', () => {
    expect(() =>
      parseMdmConfig({
        sync: { systems: { salesforce: { push: true, create: true, createWhen: '$has(' } } },
      }),
    ).toThrow(/sync\.systems\.salesforce\.createWhen.*not a JSONata expression/);
  });
});

describe('sameValue', () => {
  it('is valueKey equality, also where one side is nothing', () => {
    const values: unknown[] = [
      null,
      undefined,
      [],
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '',
      ' ',
      'null',
      0,
      false,
      {},
      { a: null },
      [null],
      [''],
      'Anna',
      ' anna ',
      { b: 'X', a: '' },
      { b: 'x' },
    ];
    for (const a of values)
      for (const b of values)
        expect(sameValue(a, b), `${JSON.stringify(a)} ~ ${JSON.stringify(b)}`).toBe(
          valueKey(a) === valueKey(b),
        );
  });
});
