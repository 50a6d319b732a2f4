import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTACTS, type HubSpotHarness, startHubSpot, upsertBody } from './test-support.ts';

let hs: HubSpotHarness;
beforeAll(async () => {
  hs = await startHubSpot();
});
afterAll(() => hs.sim.close());

const DETAILS = '/account-info/v3/details';

describe("the account's details and its daily API limit", () => {
  it('answers the account details with its time zone setting (US/Eastern unless set), to a valid token only', async () => {
    const details = await hs.json<Record<string, unknown>>('GET', DETAILS);
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      portalId: hs.app.portalId,
      accountType: 'STANDARD',
      timeZone: 'US/Eastern',
      companyCurrency: 'USD',
      additionalCurrencies: [],
      uiDomain: 'app.hubspot.com',
    });
    expect(['-05:00', '-04:00']).toContain(details.body.utcOffset);
    expect((await hs.json('POST', '/sim/app', { timeZone: 'Asia/Kolkata' })).status).toBe(200);
    expect((await hs.json('GET', DETAILS)).body).toMatchObject({
      timeZone: 'Asia/Kolkata',
      utcOffset: '+05:30',
      utcOffsetMilliseconds: 19_800_000,
    });
    expect((await hs.json('POST', '/sim/app', { timeZone: 'Mars/Olympus_Mons' })).status).toBe(400);
    const anonymous = await fetch(`${hs.sim.url}${DETAILS}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
  });

  it('answers every API call with the daily 429 while the limit is spent, writing nothing; a reset lifts it', async () => {
    expect((await hs.json('POST', '/sim/daily-limit', { reached: true })).body).toEqual({ reached: true });
    for (const [method, path, body] of [
      ['POST', `${CONTACTS}/batch/upsert`, upsertBody([{ email: 'daily@example.org' }])],
      ['GET', CONTACTS, undefined],
      ['GET', DETAILS, undefined],
    ] as const) {
      const limited = await hs.call(method, path, body);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBeNull();
      const answer = (await limited.json()) as Record<string, unknown>;
      expect(answer).toEqual({
        status: 'error',
        message: 'You have reached your daily limit.',
        errorType: 'RATE_LIMIT',
        correlationId: expect.any(String),
        policyName: 'DAILY',
        requestId: expect.any(String),
      });
    }
    const effects = await hs.json<{ count: number }>('GET', '/sim/effects');
    expect(effects.body.count).toBe(0);
    // The token is checked first: a bad one is a 401 even then.
    expect((await fetch(`${hs.sim.url}${CONTACTS}`)).status).toBe(401);

    expect((await hs.json('POST', '/sim/daily-limit', { reached: false })).body).toEqual({ reached: false });
    expect((await hs.call('GET', CONTACTS)).status).toBe(200);
    await hs.json('POST', '/sim/daily-limit', { reached: true });
    await fetch(`${hs.sim.url}/sim/reset?empty=true`, { method: 'POST' });
    expect((await hs.json('GET', '/sim/daily-limit')).body).toEqual({ reached: false });
    // The account's setting stays over a reset.
    expect((await hs.json('GET', DETAILS)).body).toMatchObject({ timeZone: 'Asia/Kolkata' });
  });
});
