import { describe, expect, it } from 'vitest';
import { mapBytes } from '../../mappings/index.ts';
import { createTestContext } from '../transports/test-support.ts';
import { hubspotV3Signature } from '../transports/webhook-signatures.ts';
import { createHubspotContactWebhookSource, hubspotContactWebhookConfig } from './contact-webhook-source.ts';

const SECRET = 'client-secret-123';
const URL = 'http://127.0.0.1:8080/webhooks/hs/';

function signed(body: string, secret = SECRET) {
  const timestamp = String(Date.now());
  return {
    method: 'POST',
    path: '/',
    url: URL,
    rawBody: Buffer.from(body),
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': hubspotV3Signature(secret, 'POST', URL, body, timestamp),
      'x-hubspot-request-timestamp': timestamp,
    },
  };
}

const event = (eventId: number, objectId: number) => ({
  eventId,
  subscriptionId: 1001,
  portalId: 62515,
  appId: 1160452,
  occurredAt: 1710236700000,
  subscriptionType: 'contact.propertyChange',
  attemptNumber: 0,
  objectId,
  changeSource: 'CRM_UI',
  sourceId: 'userId:7',
  propertyName: 'firstname',
  propertyValue: 'Ada',
});

function started(options: { companies?: boolean } = {}) {
  const test = createTestContext('hs');
  const config = hubspotContactWebhookConfig.parse({ clientSecret: SECRET, pollWaitMs: 10, ...options });
  const source = createHubspotContactWebhookSource(config, test.context);
  return { test, source };
}

/** As the simulator sends them (HubSpot's payloads): a contact's association change, a company's three events, a contact's change. */
function associationAndCompanyBatch() {
  const common = { portalId: 62515, appId: 1160452, occurredAt: 1710236700000, attemptNumber: 0 };
  const person = { changeSource: 'CRM_UI', sourceId: 'userId:7' };
  // An association names its two ends and no objectId.
  const batch = [
    {
      ...common,
      ...person,
      eventId: 701,
      subscriptionId: 1006,
      subscriptionType: 'contact.associationChange',
      associationType: 'CONTACT_TO_COMPANY',
      fromObjectId: 11,
      toObjectId: 9001,
      associationRemoved: false,
      isPrimaryAssociation: true,
    },
    {
      ...common,
      ...person,
      eventId: 702,
      subscriptionId: 1007,
      subscriptionType: 'company.creation',
      objectId: 9001,
      changeFlag: 'CREATED',
    },
    {
      ...common,
      ...person,
      eventId: 703,
      subscriptionId: 1008,
      subscriptionType: 'company.propertyChange',
      objectId: 9001,
      changeFlag: 'PROPERTY_CHANGED',
      propertyName: 'name',
      propertyValue: 'Analytical Engines',
    },
    {
      ...common,
      ...person,
      eventId: 704,
      subscriptionId: 1009,
      subscriptionType: 'company.deletion',
      objectId: 9001,
      changeFlag: 'DELETED',
    },
    event(705, 11),
  ];
  return batch;
}

describe('hubspot-contact-webhook-source', () => {
  it('cuts a signed batch into one hubspot-contact document per event, named by its subscription and event ids', async () => {
    const { test, source } = started();
    await source.start(new Map());
    const pending = test.handler()(signed(JSON.stringify([event(501, 7), event(502, 8)])));
    const documents = await source.poll();
    expect(documents.map((d) => [d.format, d.id, d.deliveryId])).toEqual([
      ['hubspot-contact', '1001:501', 'hubspot:62515:1001:501'],
      ['hubspot-contact', '1001:502', 'hubspot:62515:1001:502'],
    ]);
    expect(JSON.parse(documents[0]!.bytes.toString())).toEqual(event(501, 7));
    await source.commit(documents, { ok: true, published: 2, deadLettered: 0 });
    expect(await pending).toMatchObject({ status: 200, body: { accepted: 2, published: 2 } });
    await source.stop();
  });

  it('refuses a signature made with another secret (401) and a body that is not an event array (400, path)', async () => {
    const { test, source } = started();
    await source.start(new Map());
    const body = JSON.stringify([event(503, 9)]);
    expect(await test.handler()(signed(body, 'another-secret'))).toMatchObject({ status: 401 });
    expect(await test.handler()(signed(JSON.stringify({ eventId: 1 })))).toMatchObject({
      status: 400,
      body: { path: '$' },
    });
    expect(
      await test.handler()(signed(JSON.stringify([{ portalId: 1, subscriptionType: 'x' }]))),
    ).toMatchObject({ status: 400, body: { path: '$[0].eventId' } });
    expect(
      await test.handler()(signed(JSON.stringify([{ eventId: 2, subscriptionId: 3, portalId: 1 }]))),
    ).toMatchObject({
      status: 400,
      body: {
        path: '$[0].subscriptionType',
        error: 'the event names no type (subscriptionType or eventType)',
      },
    });
    await source.stop();
  });

  it("takes the batch of HubSpot's webhook docs, which names the type eventType", async () => {
    const { test, source } = started();
    await source.start(new Map());
    const { subscriptionType, ...rest } = event(504, 10);
    const pending = test.handler()(signed(JSON.stringify([{ ...rest, eventType: subscriptionType }])));
    const documents = await source.poll();
    expect(documents.map((d) => d.deliveryId)).toEqual(['hubspot:62515:1001:504']);
    await source.commit(documents, { ok: true, published: 1, deadLettered: 0 });
    expect(await pending).toMatchObject({ status: 200 });
    await source.stop();
  });

  it("keeps two subscriptions' events of one event id apart, and drops a retried delivery (attemptNumber 1) of either", async () => {
    // HubSpot: eventId "is not guaranteed to be unique"; the subscription that sent it tells them apart.
    const { test, source } = started();
    await source.start(new Map());
    const firstname = event(601, 11);
    const lastname = {
      ...event(601, 11),
      subscriptionId: 1002,
      propertyName: 'lastname',
      propertyValue: 'Lovelace',
    };
    const pending = test.handler()(signed(JSON.stringify([firstname, lastname])));
    const documents = await source.poll();
    expect(documents.map((d) => JSON.parse(d.bytes.toString()).propertyName)).toEqual([
      'firstname',
      'lastname',
    ]);
    expect(new Set(documents.map((d) => d.id)).size).toBe(2);
    await source.commit(documents, { ok: true, published: 2, deadLettered: 0 });
    expect(await pending).toMatchObject({ status: 200, body: { accepted: 2, published: 2 } });
    // HubSpot retries the lastname event alone, batched with a new one.
    const retried = { ...lastname, attemptNumber: 1 };
    const next = test.handler()(signed(JSON.stringify([retried, event(602, 11)])));
    const again = await source.poll();
    expect(again.map((d) => d.deliveryId)).toEqual(['hubspot:62515:1001:602']);
    await source.commit(again, { ok: true, published: 1, deadLettered: 0 });
    expect(await next).toMatchObject({ status: 200 });
    // A retried delivery alone is answered without a document.
    expect(await test.handler()(signed(JSON.stringify([{ ...firstname, attemptNumber: 2 }])))).toMatchObject({
      status: 200,
    });
    expect(await source.poll()).toEqual([]);
    await source.stop();
  });

  it('refuses an event without its subscriptionId (400, path): its eventId alone names no event', async () => {
    const { test, source } = started();
    await source.start(new Map());
    const { subscriptionId: _s, ...rest } = event(603, 12);
    expect(await test.handler()(signed(JSON.stringify([rest])))).toMatchObject({
      status: 400,
      body: { path: '$[0].subscriptionId', error: 'missing' },
    });
    await source.stop();
  });

  it("acknowledges a contact's association change and a company's events, maps no customer from them, and logs each at debug", async () => {
    const { test, source } = started();
    test.context.logger.level = 'debug';
    await source.start(new Map());
    const batch = associationAndCompanyBatch();
    const pending = test.handler()(signed(JSON.stringify(batch)));
    const documents = await source.poll();
    // Off by default: every event stays a hubspot-contact document, as before the option.
    expect(documents.map((d) => d.format)).toEqual(Array(5).fill('hubspot-contact'));
    const records = await Promise.all(
      documents.map(async (d) => (await mapBytes('hubspot-contact', d.bytes)).flatMap((m) => m.records)),
    );
    // Nothing from the four (the runtime counts a document that maps to nothing as skipped), the contact's change.
    expect(records.map((r) => r.length)).toEqual([0, 0, 0, 0, 1]);
    await source.commit(documents, { ok: true, published: 1, deadLettered: 0 });
    expect(await pending).toMatchObject({ status: 200, body: { accepted: 5 } });
    const debug = test.logs.filter((line) => line.level === 20);
    expect(debug.map((line) => line.msg)).toEqual([
      'HubSpot association change skipped: it changes no customer the contact mapping reads',
      'HubSpot company.creation event skipped: this source reads contacts (companies: true reads companies too)',
      'HubSpot company.propertyChange event skipped: this source reads contacts (companies: true reads companies too)',
      'HubSpot company.deletion event skipped: this source reads contacts (companies: true reads companies too)',
    ]);
    expect(debug[0]).toMatchObject({
      associationType: 'CONTACT_TO_COMPANY',
      fromObjectId: 11,
      toObjectId: 9001,
    });
    await source.stop();
  });

  it('with companies: true, makes a hubspot-company document of each company event, mapped to an ORGANIZATION keyed apart from contacts', async () => {
    const { test, source } = started({ companies: true });
    test.context.logger.level = 'debug';
    await source.start(new Map());
    const pending = test.handler()(signed(JSON.stringify(associationAndCompanyBatch())));
    const documents = await source.poll();
    expect(documents.map((d) => [d.format, d.id])).toEqual([
      ['hubspot-contact', '1006:701'],
      ['hubspot-company', '1007:702'],
      ['hubspot-company', '1008:703'],
      ['hubspot-company', '1009:704'],
      ['hubspot-contact', '1001:705'],
    ]);
    const records = await Promise.all(
      documents.map(async (d) => (await mapBytes(d.format!, d.bytes)).flatMap((m) => m.records)),
    );
    expect(
      records.flat().map((r) => {
        const value = r.value as {
          changeType: string;
          customer: { partyType: string; organizationName?: string };
        };
        return [r.key, value.changeType, value.customer.partyType, value.customer.organizationName ?? null];
      }),
    ).toEqual([
      ['hubspot:company:9001', 'CREATED', 'ORGANIZATION', null],
      ['hubspot:company:9001', 'UPDATED', 'ORGANIZATION', 'Analytical Engines'],
      ['hubspot:company:9001', 'DELETED', 'ORGANIZATION', null],
      ['hubspot:11', 'UPDATED', 'UNKNOWN', null],
    ]);
    await source.commit(documents, { ok: true, published: 4, deadLettered: 0 });
    expect(await pending).toMatchObject({ status: 200, body: { accepted: 5 } });
    // Only the association change is skipped now.
    expect(test.logs.filter((line) => line.level === 20).map((line) => line.msg)).toEqual([
      'HubSpot association change skipped: it changes no customer the contact mapping reads',
    ]);
    await source.stop();
  });

  it('names the missing client secret in its config error', () => {
    const parsed = hubspotContactWebhookConfig.safeParse({});
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(['clientSecret']);
  });
});
