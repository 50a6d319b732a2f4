import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import type { Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import { createTestContext, type TestContext } from '../transports/test-support.ts';
import { hubspotV3Signature } from '../transports/webhook-signatures.ts';
import { createHubspotContactWebhookSource, hubspotContactWebhookConfig } from './contact-webhook-source.ts';
import { nextMidnight, RESET_MARGIN_MS } from './daily-limit.ts';
import { PARKED_PARTITION } from './sensitive-reread.ts';

const URL = 'http://127.0.0.1:8080/webhooks/hs-limit/';
const ZONE = 'Asia/Kolkata';
let hs: HubSpotHarness;
let nextEventId = 91_000;

beforeAll(async () => {
  hs = await startHubSpot();
  await hs.json('POST', '/sim/app', { timeZone: ZONE });
});
afterAll(async () => {
  await hs?.sim.close();
});
afterEach(() => hs.json('POST', '/sim/daily-limit', { reached: false }));

const dailyLimit = (reached: boolean) => hs.json('POST', '/sim/daily-limit', { reached });

/** A person's change of a Sensitive Data property, as HubSpot sends it: the value "REDACTED". */
const redacted = (objectId: string) => ({
  eventId: nextEventId++,
  subscriptionId: 1001,
  portalId: hs.app.portalId,
  appId: hs.app.appId,
  occurredAt: Date.now(),
  subscriptionType: 'contact.propertyChange',
  attemptNumber: 0,
  objectId: Number(objectId),
  changeSource: 'CRM_UI',
  sourceId: 'userId:7',
  propertyName: 'passport_number',
  propertyValue: 'REDACTED',
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

async function contact(passport: string): Promise<string> {
  const made = await hs.json<{ id: string }>('POST', '/sim/edit', {
    properties: {
      email: `limit${nextEventId++}@example.org`,
      firstname: 'Ingrid',
      passport_number: passport,
    },
  });
  expect(made.status).toBe(200);
  return made.body.id;
}

/** An injected clock: the test moves it across the account's midnight. */
function clock(start: number) {
  let at = start;
  return { now: () => at, set: (to: number) => (at = to) };
}

async function started(
  now: () => number,
  config: Record<string, unknown> = {},
  positions = new Map<string, Json>(),
): Promise<{ test: TestContext; source: SourceTask }> {
  const test = createTestContext('hs-limit');
  const parsed = hubspotContactWebhookConfig.parse({
    clientSecret: hs.app.clientSecret,
    baseUrl: hs.sim.url,
    accessToken: hs.app.accessTokens[0],
    pollWaitMs: 10,
    rereadRetries: 3,
    ...config,
  });
  const source = createHubspotContactWebhookSource(parsed, test.context, { now });
  await source.start(positions);
  return { test, source };
}

async function pollUntil(source: SourceTask, wanted: (documents: SourceDocument[]) => boolean) {
  for (let i = 0; i < 500; i++) {
    const documents = await source.poll();
    if (wanted(documents)) return documents;
    if (documents.length > 0) await source.commit(documents, { ok: true, published: 0, deadLettered: 0 });
  }
  throw new Error('no such batch polled');
}

const warnings = (test: TestContext) => test.logs.filter((line) => line.level === 40);
const ok = (documents: SourceDocument[]) => ({
  ok: true as const,
  published: documents.filter((d) => !d.positionOnly).length,
  deadLettered: 0,
});

describe('the HubSpot contact source at the daily API limit', () => {
  it('parks a Sensitive Data re-read until midnight in the account’s time zone: the webhook answered 200, the contact read after the reset', async () => {
    const midnight = nextMidnight(Date.now(), ZONE);
    const time = clock(midnight - 60 * 60_000);
    const { test, source } = await started(time.now);
    // Before the limit is spent: a re-read as usual (and the account's time zone, asked at start, is known by then).
    const first = await contact('A0000001');
    const answered = test.handler()(signed([redacted(first)]));
    const read = await pollUntil(source, (d) => d.length > 0);
    expect(read.map((d) => d.format)).toEqual(['hubspot-crm-object']);
    await source.commit(read, ok(read));
    expect((await answered).status).toBe(200);

    await dailyLimit(true);
    const id = await contact('X7654321');
    const event = redacted(id);
    const answer = test.handler()(signed([event]));
    const parked = await pollUntil(source, (d) => d.length > 0);
    // Nothing published: the event's position, and the parked read in the source partition, in one batch.
    expect(parked.every((d) => d.positionOnly)).toBe(true);
    expect(parked.at(-1)!.position).toEqual({
      partition: PARKED_PARTITION,
      offset: { reads: [expect.objectContaining({ eventId: String(event.eventId), contactId: id })] },
    });
    await source.commit(parked, ok(parked));
    // HubSpot is answered at once, not after the reset, nor 503 (its retries may all fall before the reset).
    expect((await answer).status).toBe(200);
    const until = new Date(midnight + RESET_MARGIN_MS).toISOString();
    expect(source.status?.()).toMatchObject({
      rereads: { parked: 1, waitingUntil: until, lastError: expect.stringContaining(`waits until ${until}`) },
    });
    // A second change meanwhile is parked without asking HubSpot; one warn line for the wait. Another
    // subscription's event of the same event id (HubSpot's event ids are not unique) is another change, not a
    // redelivery of the first.
    const later = { ...redacted(id), eventId: event.eventId, subscriptionId: 1002 };
    const second = test.handler()(signed([later]));
    const parkedToo = await pollUntil(source, (d) => d.length > 0);
    await source.commit(parkedToo, ok(parkedToo));
    expect((await second).status).toBe(200);
    expect(source.status?.()).toMatchObject({ rereads: { parked: 2 } });
    expect(warnings(test)).toHaveLength(1);
    expect(warnings(test)[0]).toMatchObject({ until });
    expect(String(warnings(test)[0]!.msg)).toContain(
      `it resets at midnight in the account's time zone, ${ZONE}: re-reads of Sensitive Data changes are parked until ${until}`,
    );

    // The reset: the parked reads are made, one record each, the list emptied in the same batch.
    await dailyLimit(false);
    // Changed again since: the read gives the contact as it is then.
    const patched = await hs.json('PATCH', `/crm/v3/objects/contacts/${id}`, {
      properties: { passport_number: 'X7654322' },
    });
    expect(patched.status).toBe(200);
    time.set(midnight + RESET_MARGIN_MS + 1000);
    const made = await pollUntil(source, (d) => d.some((x) => !x.positionOnly));
    expect(made.map((d) => d.id)).toEqual([`1001:${event.eventId}:reread`, `1002:${event.eventId}:reread`]);
    expect(made.map((d) => d.format)).toEqual(['hubspot-crm-object', 'hubspot-crm-object']);
    expect(JSON.parse(made[0]!.bytes.toString())).toMatchObject({
      id,
      properties: { passport_number: 'X7654322' },
    });
    expect(made[0]!.position).toEqual({ partition: PARKED_PARTITION, offset: { reads: [] } });
    await source.commit(made, ok(made));
    expect(source.status?.()).toMatchObject({ rereads: { parked: 0, waitingUntil: null, lastError: null } });
    await source.stop();
  });

  it('makes the reads parked before a restart; a read refused at the limit again waits for the next reset', async () => {
    const id = await contact('R1111111');
    const parked = {
      eventId: '4242',
      contactId: id,
      propertyName: 'passport_number',
      deliveryId: `hubspot:${hs.app.portalId}:4242`,
      name: `hubspot:${hs.app.portalId}:4242`,
      receivedAt: new Date().toISOString(),
    };
    const midnight = nextMidnight(Date.now(), ZONE);
    const time = clock(midnight - 2 * 60 * 60_000);
    const { test, source } = await started(
      time.now,
      {},
      new Map([[PARKED_PARTITION, { reads: [parked] } as unknown as Json]]),
    );
    // Started at the limit: the read is asked once, refused, and waits for midnight.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await dailyLimit(true);
    expect(await source.poll()).toEqual([]);
    const until = new Date(midnight + RESET_MARGIN_MS).toISOString();
    expect(source.status?.()).toMatchObject({ rereads: { parked: 1, waitingUntil: until } });
    expect(warnings(test)).toHaveLength(1);
    await dailyLimit(false);
    // Still before the reset by the account's clock: not asked.
    expect(await source.poll()).toEqual([]);
    time.set(midnight + RESET_MARGIN_MS);
    const made = await pollUntil(source, (d) => d.length > 0);
    expect(made.map((d) => d.id)).toEqual(['4242:reread']);
    expect(made[0]!.deliveryId).toBe(`${parked.deliveryId}:reread`);
    await source.commit(made, ok(made));
    expect(source.status?.()).toMatchObject({ rereads: { parked: 0 } });
    await source.stop();
  });

  it('waits with the initial snapshot until the reset, then reads the page again', async () => {
    await contact('S1111111');
    // The clock 1.5 s before midnight in Kolkata: the snapshot's wait is those 1.5 s and the margin.
    const midnight = nextMidnight(Date.now(), ZONE);
    const shift = midnight - 1500 - Date.now();
    await dailyLimit(false);
    const { test, source } = await started(() => Date.now() + shift, { snapshot: { mode: 'initial' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await dailyLimit(true);
    const started_ = Date.now();
    expect(await source.poll()).toEqual([]);
    const until = new Date(midnight + RESET_MARGIN_MS).toISOString();
    expect(source.status?.()).toMatchObject({
      snapshot: { state: 'waiting', lastError: expect.stringContaining(`waits until ${until}`) },
    });
    expect(warnings(test)).toHaveLength(1);
    expect(String(warnings(test)[0]!.msg)).toContain(`the initial snapshot waits until ${until}`);
    await dailyLimit(false);
    const page = await pollUntil(source, (d) => d.length > 0);
    // Read again at the reset, not by the snapshot's backoff (5 s) nor given up.
    expect(Date.now() - started_).toBeGreaterThanOrEqual(1500 + RESET_MARGIN_MS - 300);
    expect(page.length).toBeGreaterThan(0);
    expect(page.every((d) => d.format === 'hubspot-crm-object')).toBe(true);
    expect(warnings(test)).toHaveLength(1);
    await source.stop();
  });
});
