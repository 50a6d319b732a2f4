import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import type { SourceDocument, SourceTask } from '../sdk/index.ts';
import { createTestContext, type TestContext } from '../transports/test-support.ts';
import { hubspotV3Signature } from '../transports/webhook-signatures.ts';
import { createHubspotContactWebhookSource, hubspotContactWebhookConfig } from './contact-webhook-source.ts';
import { redactedChangeOf } from './sensitive-reread.ts';

const URL = 'http://127.0.0.1:8080/webhooks/hs/';
let hs: HubSpotHarness;
let nextEventId = 7_000;

beforeAll(async () => {
  hs = await startHubSpot();
});
afterAll(async () => {
  await hs?.sim.close();
});
afterEach(async () => {
  await hs.json('DELETE', '/sim/faults');
});

/** A contact.propertyChange as HubSpot sends it; a Sensitive Data property's value as "REDACTED". */
const change = (objectId: string | number, propertyName: string, propertyValue: string, extra = {}) => ({
  eventId: nextEventId++,
  subscriptionId: 1001,
  portalId: hs?.app.portalId ?? 62515,
  appId: hs?.app.appId ?? 1160452,
  occurredAt: Date.now(),
  subscriptionType: 'contact.propertyChange',
  attemptNumber: 0,
  objectId: Number(objectId),
  changeSource: 'CRM_UI',
  sourceId: 'userId:7',
  propertyName,
  propertyValue,
  ...extra,
});

function signed(events: unknown[]) {
  const body = JSON.stringify(events);
  const timestamp = String(Date.now());
  return {
    method: 'POST',
    path: '/',
    url: URL,
    rawBody: Buffer.from(body),
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': hubspotV3Signature(hs.app.clientSecret, 'POST', URL, body, timestamp),
      'x-hubspot-request-timestamp': timestamp,
    },
  };
}

async function started(config: Record<string, unknown>): Promise<{ test: TestContext; source: SourceTask }> {
  const test = createTestContext('hs');
  const parsed = hubspotContactWebhookConfig.parse({
    clientSecret: hs.app.clientSecret,
    pollWaitMs: 10,
    ...config,
  });
  const source = createHubspotContactWebhookSource(parsed, test.context);
  await source.start(new Map());
  return { test, source };
}

const withToken = () => ({ baseUrl: hs.sim.url, accessToken: hs.app.accessTokens[0]! });

/** A contact a person created in HubSpot, with a passport number (a Sensitive Data property in the simulator). */
async function contact(passport: string): Promise<string> {
  const made = await hs.json<{ id: string }>('POST', '/sim/edit', {
    properties: { email: `p${nextEventId}@example.org`, firstname: 'Ingrid', passport_number: passport },
  });
  expect(made.status).toBe(200);
  return made.body.id;
}

/** Polls until the webhook requests' documents are handed out (the handler queues them asynchronously). */
async function pollAll(source: SourceTask, count: number): Promise<SourceDocument[]> {
  const documents: SourceDocument[] = [];
  while (documents.length < count) documents.push(...(await source.poll()));
  return documents;
}

const json = (document: SourceDocument) => JSON.parse(document.bytes.toString('utf8'));

describe('re-read of a HubSpot Sensitive Data change', () => {
  it('knows a redacted propertyChange, but not a plain one, another type, or the echo of the hub’s own write', () => {
    const bytes = (e: unknown) => Buffer.from(JSON.stringify(e));
    const redacted = change(847297356, 'passport_number', 'REDACTED');
    expect(redactedChangeOf(bytes(redacted))).toEqual({
      eventId: String(redacted.eventId),
      subscriptionId: '1001',
      contactId: '847297356',
      propertyName: 'passport_number',
    });
    expect(redactedChangeOf(bytes(change(1, 'firstname', 'Ada')))).toBeUndefined();
    expect(
      redactedChangeOf(bytes({ ...redacted, subscriptionType: 'contact.creation', propertyName: undefined })),
    ).toBeUndefined();
    const echo = { ...redacted, changeSource: 'INTEGRATION', sourceId: String(redacted.appId) };
    expect(redactedChangeOf(bytes(echo))).toBeUndefined();
    expect(redactedChangeOf(bytes({ ...echo, sourceId: '999' }))).toMatchObject({ contactId: '847297356' });
    expect(redactedChangeOf(Buffer.from('not json'))).toBeUndefined();
  });

  it('replaces the event by the contact read over the CRM API, the changed property with it', async () => {
    const id = await contact('X1234567');
    const { test, source } = await started(withToken());
    const redacted = change(id, 'passport_number', 'REDACTED');
    const answer = test.handler()(signed([redacted, change(id, 'firstname', 'Inga')]));
    const documents = await pollAll(source, 2);
    expect(documents.map((d) => d.format)).toEqual(['hubspot-crm-object', 'hubspot-contact']);
    const read = json(documents[0]!);
    expect(read).toMatchObject({ id, properties: { passport_number: 'X1234567', firstname: 'Ingrid' } });
    // Every property the crm-object mapping reads was asked for, so the read is a full one.
    expect(Object.keys(read.properties)).toEqual(
      expect.arrayContaining(['email', 'lastname', 'date_of_birth']),
    );
    expect(documents[0]!.id).toBe(`${redacted.subscriptionId}:${redacted.eventId}:reread`);
    await source.commit(documents, { ok: true, published: 2, deadLettered: 0 });
    expect(await answer).toMatchObject({ status: 200, body: { accepted: 2 } });
    await source.stop();
  });

  it('drops the event of a contact gone by then (404), logged, and answers its request 200', async () => {
    const id = await contact('Y7654321');
    await hs.json('POST', '/sim/edit', { id, action: 'delete' });
    const { test, source } = await started(withToken());
    const answer = test.handler()(signed([change(id, 'passport_number', 'REDACTED')]));
    const documents = await pollAll(source, 1);
    expect(documents.map((d) => d.positionOnly)).toEqual([true]);
    await source.commit(documents, { ok: true, published: 0, deadLettered: 0 });
    expect(await answer).toMatchObject({ status: 200 });
    expect(test.logs.map((l) => l.msg)).toContain(
      'contact of a Sensitive Data change is gone (404); the event is dropped',
    );
    // The log names ids, never the value.
    expect(JSON.stringify(test.logs)).not.toContain('Y7654321');
    await source.stop();
  });

  it('retries a 429 and a 500 and then reads the contact', async () => {
    const id = await contact('Z1111111');
    const faults = await hs.json('POST', '/sim/faults', {
      faults: [
        {
          kind: 'rate_limit',
          method: 'GET',
          path: '/crm/v3/objects/contacts/*',
          times: 1,
          retryAfterSeconds: 0,
        },
        { kind: 'error', status: 500, method: 'GET', path: '/crm/v3/objects/contacts/*', times: 1 },
      ],
    });
    expect(faults.status).toBe(201);
    const { test, source } = await started({ ...withToken(), rereadRetries: 2 });
    const answer = test.handler()(signed([change(id, 'passport_number', 'REDACTED')]));
    const documents = await pollAll(source, 1);
    expect(json(documents[0]!).properties.passport_number).toBe('Z1111111');
    expect((await hs.json<{ faults: unknown[] }>('GET', '/sim/faults')).body.faults).toEqual([]);
    await source.commit(documents, { ok: true, published: 1, deadLettered: 0 });
    expect(await answer).toMatchObject({ status: 200 });
    await source.stop();
  });

  it('answers 503 once the retries are spent, so HubSpot sends the event again; the other requests go on', async () => {
    const id = await contact('W2222222');
    await hs.json('POST', '/sim/faults', {
      faults: [{ kind: 'error', status: 502, method: 'GET', path: '/crm/v3/objects/contacts/*', times: 3 }],
    });
    const { test, source } = await started({ ...withToken(), rereadRetries: 2 });
    const redacted = change(id, 'passport_number', 'REDACTED');
    const refused = test.handler()(signed([redacted]));
    const plain = test.handler()(signed([change(id, 'firstname', 'Inge')]));
    let refusedAnswer: unknown;
    void refused.then((a) => {
      refusedAnswer = a;
    });
    // The two requests may come in one poll or two: poll until the plain one is handed out and the other answered.
    const batches: SourceDocument[][] = [];
    while (batches.flat().length < 1 || refusedAnswer === undefined) batches.push(await source.poll());
    expect(refusedAnswer).toMatchObject({ status: 503 });
    const handed = batches.flat();
    expect(handed.map((d) => [d.format, json(d).propertyName])).toEqual([['hubspot-contact', 'firstname']]);
    for (const batch of batches)
      if (batch.length > 0)
        await source.commit(batch, { ok: true, published: batch.length, deadLettered: 0 });
    expect(await plain).toMatchObject({ status: 200 });
    expect(
      test.logs.find(
        (l) => l.msg === 're-read of a Sensitive Data change failed; the event is refused for redelivery',
      ),
    ).toMatchObject({ contactId: id, property: 'passport_number' });
    // HubSpot's redelivery, once HubSpot answers again, is read.
    const again = test.handler()(signed([redacted]));
    const redelivered = await pollAll(source, 1);
    expect(json(redelivered[0]!).properties.passport_number).toBe('W2222222');
    await source.commit(redelivered, { ok: true, published: 1, deadLettered: 0 });
    expect(await again).toMatchObject({ status: 200 });
    await source.stop();
  });

  it('without accessToken warns at start and lets the redacted change go on as it came (RESYNC_REQUESTED)', async () => {
    const { test, source } = await started({});
    expect(test.logs.map((l) => l.msg)).toContain(
      'no accessToken: a change of a Sensitive Data property (sent as "REDACTED") cannot be re-read from HubSpot and is published as RESYNC_REQUESTED only',
    );
    const answer = test.handler()(signed([change(5, 'passport_number', 'REDACTED')]));
    const documents = await pollAll(source, 1);
    expect(documents.map((d) => [d.format, json(d).propertyValue])).toEqual([
      ['hubspot-contact', 'REDACTED'],
    ]);
    await source.commit(documents, { ok: true, published: 1, deadLettered: 0 });
    expect(await answer).toMatchObject({ status: 200 });
    await source.stop();
  });
});
