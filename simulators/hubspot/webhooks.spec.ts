import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTACTS,
  type ContactObject,
  type HubSpotHarness,
  startHubSpot,
  upsertBody,
} from './test-support.ts';

interface Delivery {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
type HsEvent = Record<string, unknown> & {
  subscriptionType: string;
  objectId: number;
  changeSource: string;
  sourceId: string;
};

/** A receiver that keeps raw requests, so the signature can be checked over the exact bytes. */
async function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hubspot/events?app=eai`,
    deliveries,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Written from HubSpot's documentation, independent of the simulator's code. */
function expectedSignature(
  secret: string,
  method: string,
  uri: string,
  body: string,
  timestamp: string,
): string {
  return createHmac('sha256', secret)
    .update(method + uri + body + timestamp, 'utf8')
    .digest('base64');
}

let hs: HubSpotHarness;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  hs = await startHubSpot();
});
afterAll(() => hs.sim.close());
afterEach(async () => {
  await receiver?.close();
  await fetch(`${hs.sim.url}/sim/reset?empty=true`, { method: 'POST' });
});

async function subscribe(channel?: string): Promise<void> {
  receiver = await startReceiver();
  const response = await fetch(`${hs.sim.url}/sim/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url, ...(channel ? { channel } : {}) }),
  });
  expect(response.status).toBe(201);
}
const settle = () =>
  fetch(`${hs.sim.url}/sim/deliveries?wait=true`).then(
    (r) => r.json() as Promise<{ deliveries: Array<{ duplicate?: boolean }> }>,
  );
const events = () => receiver.deliveries.flatMap((d) => JSON.parse(d.body) as HsEvent[]);

describe('webhooks', () => {
  it('signs every batch with the v3 signature over method, full URI, body and timestamp', async () => {
    await subscribe();
    await hs.json('POST', `${CONTACTS}/batch/upsert`, upsertBody([{ email: 's@example.com', city: 'Graz' }]));
    await settle();
    expect(receiver.deliveries.length).toBeGreaterThan(0);
    for (const delivery of receiver.deliveries) {
      const timestamp = String(delivery.headers['x-hubspot-request-timestamp']);
      expect(Math.abs(Date.now() - Number(timestamp))).toBeLessThan(60_000);
      expect(delivery.headers['x-hubspot-signature-v3']).toBe(
        expectedSignature(hs.app.clientSecret, 'POST', receiver.url, delivery.body, timestamp),
      );
      expect(delivery.headers['x-hubspot-signature-v3']).not.toBe(
        expectedSignature('other-secret', 'POST', receiver.url, delivery.body, timestamp),
      );
    }
  });

  it('sends a Sensitive Data property as "REDACTED" and hands its value only to a read with the token', async () => {
    await subscribe('contact.propertyChange');
    const definition = await hs.json<{ name: string; dataSensitivity: string; hubspotDefined: boolean }>(
      'GET',
      '/crm/v3/properties/contacts/passport_number',
    );
    expect(definition.body).toMatchObject({ dataSensitivity: 'sensitive', hubspotDefined: false });
    const list = await hs.json<{ results: Array<{ name: string; dataSensitivity: string }> }>(
      'GET',
      '/crm/v3/properties/contacts',
    );
    expect(list.body.results.find((p) => p.name === 'firstname')?.dataSensitivity).toBe('non_sensitive');
    expect((await fetch(`${hs.sim.url}/crm/v3/properties/contacts/passport_number`)).status).toBe(401);

    const made = await hs.json<{ id: string }>('POST', '/sim/edit', {
      properties: { email: 'p@example.com', passport_number: 'C01X00T47' },
    });
    await hs.json('POST', '/sim/edit', { id: made.body.id, properties: { passport_number: 'C02X00T48' } });
    await settle();
    const changes = events().map((e) => [e.propertyName, e.propertyValue]);
    expect(changes).toEqual([
      ['email', 'p@example.com'],
      ['passport_number', 'REDACTED'],
      ['passport_number', 'REDACTED'],
    ]);
    expect(receiver.deliveries.map((d) => d.body).join('')).not.toContain('C0');
    const read = await hs.json<ContactObject>(
      'GET',
      `${CONTACTS}/${made.body.id}?properties=passport_number,email`,
    );
    expect(read.body.properties.passport_number).toBe('C02X00T48');

    // A portal's own choice: passport_number no longer sensitive, its webhooks carry the value again.
    const app = await hs.json('POST', '/sim/app', { sensitiveProperties: [] });
    expect(app.body).toMatchObject({ sensitiveProperties: [] });
    await hs.json('POST', '/sim/edit', { id: made.body.id, properties: { passport_number: 'C03X00T49' } });
    await settle();
    expect(events().at(-1)).toMatchObject({ propertyName: 'passport_number', propertyValue: 'C03X00T49' });
    expect((await hs.json('POST', '/sim/app', { sensitiveProperties: ['hs_object_id'] })).status).toBe(400);
    await hs.json('POST', '/sim/app', { sensitiveProperties: ['passport_number'] });
  });

  it('marks API writes as the integration own (INTEGRATION + app id) and UI edits as CRM_UI', async () => {
    await subscribe();
    const made = await hs.json<{ results: ContactObject[] }>(
      'POST',
      `${CONTACTS}/batch/upsert`,
      upsertBody([{ email: 'e@example.com', firstname: 'Eve' }]),
    );
    const id = made.body.results[0]!.id;
    await fetch(`${hs.sim.url}/sim/edit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, properties: { firstname: 'Evelyn' } }),
    });
    await hs.call('DELETE', `${CONTACTS}/${id}`);
    await fetch(`${hs.sim.url}/sim/edit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, action: 'restore' }),
    });
    await settle();
    const all = events();
    const summary = all.map((e) => [e.subscriptionType, e.propertyName ?? null, e.changeSource]);
    expect(summary).toEqual([
      ['contact.creation', null, 'INTEGRATION'],
      ['contact.propertyChange', 'email', 'INTEGRATION'],
      ['contact.propertyChange', 'firstname', 'INTEGRATION'],
      ['contact.propertyChange', 'firstname', 'CRM_UI'],
      ['contact.deletion', null, 'INTEGRATION'],
      ['contact.restore', null, 'CRM_UI'],
    ]);
    for (const event of all) {
      expect(event).toMatchObject({
        objectId: Number(id),
        portalId: hs.app.portalId,
        appId: hs.app.appId,
        attemptNumber: 0,
      });
      expect(typeof event.eventId).toBe('number');
      expect(typeof event.occurredAt).toBe('number');
      expect(event.sourceId).toBe(
        event.changeSource === 'INTEGRATION' ? String(hs.app.appId) : `userId:${hs.app.uiUserId}`,
      );
    }
    expect(all[3]).toMatchObject({ propertyValue: 'Evelyn' });
  });

  it('a GDPR delete sends contact.privacyDeletion and contact.deletion, stamped as the integration', async () => {
    await subscribe();
    const made = await hs.json<{ results: ContactObject[] }>(
      'POST',
      `${CONTACTS}/batch/upsert`,
      upsertBody([{ email: 'g@example.com', firstname: 'Gina' }]),
    );
    const id = made.body.results[0]!.id;
    await settle();
    receiver.deliveries.length = 0;
    expect((await hs.call('POST', `${CONTACTS}/gdpr-delete`, { objectId: id })).status).toBe(204);
    await settle();
    expect(events().map((e) => [e.subscriptionType, e.objectId, e.changeSource])).toEqual([
      ['contact.privacyDeletion', Number(id), 'INTEGRATION'],
      ['contact.deletion', Number(id), 'INTEGRATION'],
    ]);
  });

  it('batches up to 100 events per request and filters by subscription type', async () => {
    await subscribe('contact.creation');
    const people = Array.from({ length: 100 }, (_, i) => ({ email: `m${i}@example.com` }));
    await hs.json('POST', `${CONTACTS}/batch/upsert`, upsertBody(people));
    await hs.json('POST', `${CONTACTS}/batch/upsert`, upsertBody([{ email: 'late@example.com' }]));
    await settle();
    expect(receiver.deliveries.map((d) => (JSON.parse(d.body) as unknown[]).length)).toEqual([100, 1]);
    expect(new Set(events().map((e) => e.subscriptionType))).toEqual(new Set(['contact.creation']));
  });

  it('sends contact.merge with the merged ids', async () => {
    await subscribe('contact.merge');
    const a = await hs.json<ContactObject>('POST', CONTACTS, { properties: { email: 'p@example.com' } });
    const b = await hs.json<ContactObject>('POST', CONTACTS, { properties: { email: 'q@example.com' } });
    await hs.json('POST', `${CONTACTS}/merge`, { primaryObjectId: a.body.id, objectIdToMerge: b.body.id });
    await settle();
    expect(events()).toMatchObject([
      {
        subscriptionType: 'contact.merge',
        primaryObjectId: Number(a.body.id),
        mergedObjectIds: [Number(b.body.id)],
        newObjectId: Number(a.body.id),
        changeSource: 'INTEGRATION',
      },
    ]);
  });

  it('sends company.merge with the merged ids, marked as the integration', async () => {
    await subscribe('company.merge');
    const companies = '/crm/v3/objects/companies';
    const a = await hs.json<ContactObject>('POST', companies, { properties: { name: 'Nordwind Handel' } });
    const b = await hs.json<ContactObject>('POST', companies, { properties: { name: 'Nordwind GmbH' } });
    await hs.json('POST', `${companies}/merge`, { primaryObjectId: a.body.id, objectIdToMerge: b.body.id });
    await settle();
    expect(events()).toMatchObject([
      {
        subscriptionType: 'company.merge',
        objectId: Number(a.body.id),
        changeFlag: 'MERGED',
        primaryObjectId: Number(a.body.id),
        mergedObjectIds: [Number(b.body.id)],
        newObjectId: Number(a.body.id),
        changeSource: 'INTEGRATION',
      },
    ]);
  });

  it('a duplicated delivery reaches the subscriber twice; the write was applied once', async () => {
    await subscribe('contact.creation');
    await fetch(`${hs.sim.url}/sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ kind: 'webhook_duplicate', times: 1 }]),
    });
    await hs.json('POST', `${CONTACTS}/batch/upsert`, upsertBody([{ email: 'twice@example.com' }]));
    const log = await settle();
    expect(receiver.deliveries).toHaveLength(2);
    expect(receiver.deliveries[0]?.body).toBe(receiver.deliveries[1]?.body);
    expect(log.deliveries.filter((d) => d.duplicate)).toHaveLength(1);
    const ledger = (await (await fetch(`${hs.sim.url}/sim/effects?operation=create`)).json()) as {
      count: number;
    };
    expect(ledger.count).toBe(1);
  });
});

describe('webhooks of companies and associations', () => {
  it("sends a person's company edits as company.* events and a contact's link to a company as contact.associationChange", async () => {
    await subscribe();
    const company = await hs.json<{ id: string }>('POST', '/sim/companies', {
      properties: { name: 'Analytical Engines Ltd', domain: 'engines.example' },
    });
    expect(company.status).toBe(200);
    await hs.json('POST', '/sim/companies', {
      id: company.body.id,
      properties: { name: 'Analytical Engines' },
    });
    const contact = await hs.json<{ id: string }>('POST', '/sim/edit', { properties: { firstname: 'Ada' } });
    await hs.json('POST', '/sim/associations', { contactId: contact.body.id, companyId: company.body.id });
    await hs.json('POST', '/sim/associations', {
      contactId: contact.body.id,
      companyId: company.body.id,
      removed: true,
    });
    await hs.json('POST', '/sim/companies', { id: company.body.id, action: 'delete' });
    await settle();
    const person = {
      changeSource: 'CRM_UI',
      sourceId: `userId:${(await hs.json<{ uiUserId: number }>('GET', '/sim/app')).body.uiUserId}`,
    };
    const all = events();
    const ofCompany = all.filter((e) => e.subscriptionType.startsWith('company.'));
    expect(ofCompany.map((e) => [e.subscriptionType, e.changeFlag, e.propertyName, e.propertyValue])).toEqual(
      [
        ['company.creation', 'CREATED', undefined, undefined],
        ['company.propertyChange', 'PROPERTY_CHANGED', 'name', 'Analytical Engines Ltd'],
        ['company.propertyChange', 'PROPERTY_CHANGED', 'domain', 'engines.example'],
        ['company.propertyChange', 'PROPERTY_CHANGED', 'name', 'Analytical Engines'],
        ['company.deletion', 'DELETED', undefined, undefined],
      ],
    );
    for (const e of ofCompany) {
      expect(e).toMatchObject({
        objectId: Number(company.body.id),
        portalId: hs.app.portalId,
        appId: hs.app.appId,
        ...person,
      });
      expect(e.subscriptionId).not.toBe(
        all.find((c) => c.subscriptionType === 'contact.creation')!.subscriptionId,
      );
    }
    const links = all.filter((e) => e.subscriptionType === 'contact.associationChange');
    // HubSpot's association change payload: its two ends, no objectId.
    expect(links).toEqual([
      expect.objectContaining({
        associationType: 'CONTACT_TO_COMPANY',
        fromObjectId: Number(contact.body.id),
        toObjectId: Number(company.body.id),
        associationRemoved: false,
        isPrimaryAssociation: true,
        attemptNumber: 0,
        ...person,
      }),
      expect.objectContaining({ associationRemoved: true, fromObjectId: Number(contact.body.id) }),
    ]);
    expect(links.every((e) => !('objectId' in e))).toBe(true);
    // Unknown ends are refused; an association already as asked sends nothing.
    expect(
      (await hs.json('POST', '/sim/associations', { contactId: contact.body.id, companyId: '1' })).status,
    ).toBe(404);
  });

  it("sends the companies API's writes as company.* events of the app (INTEGRATION, the app id): the echo to recognise", async () => {
    await subscribe();
    const upsert = await hs.json<{ results: Array<{ id: string }> }>(
      'POST',
      '/crm/v3/objects/companies/batch/upsert',
      { inputs: [{ idProperty: 'eai_golden_id', id: 'G-9', properties: { name: 'Nordwind' } }] },
    );
    expect(upsert.status).toBe(200);
    await settle();
    const id = Number(upsert.body.results[0]!.id);
    expect(
      events().map((e) => [e.subscriptionType, e.objectId, e.propertyName, e.changeSource, e.sourceId]),
    ).toEqual([
      ['company.creation', id, undefined, 'INTEGRATION', String(hs.app.appId)],
      ['company.propertyChange', id, 'name', 'INTEGRATION', String(hs.app.appId)],
      ['company.propertyChange', id, 'eai_golden_id', 'INTEGRATION', String(hs.app.appId)],
    ]);
  });

  it('subscribes to one company channel alone', async () => {
    await subscribe('company.creation');
    await hs.json('POST', '/sim/companies', { properties: { name: 'Difference Engines' } });
    await settle();
    expect(events().map((e) => e.subscriptionType)).toEqual(['company.creation']);
  });
});
