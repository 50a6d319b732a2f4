import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { HttpLimitWaitError } from '../transports/http-sink.ts';
import { constantMapping, createTestContext, customerRecords } from '../transports/test-support.ts';
import {
  dailyLimitWait,
  EARLY_RETRY_MS,
  isDailyLimit,
  nextMidnight,
  RESET_MARGIN_MS,
  UNKNOWN_ZONE_RETRY_MS,
} from './daily-limit.ts';
import { createHubspotUpsertSink, hubspotUpsertSinkConfig } from './upsert-sink.ts';

const at = (iso: string) => Date.parse(iso);
const body = (policyName: string) =>
  JSON.stringify({
    status: 'error',
    message: 'You have reached your daily limit.',
    errorType: 'RATE_LIMIT',
    correlationId: 'c033cdaa-2c40-4a64-ae48-b4cec88dad24',
    policyName,
    requestId: '3d3e35b7-0dae-4b9f-a6e3-9c230cbcf8dd',
  });

describe('the daily limit and its reset, computed', () => {
  it("tells HubSpot's daily 429 from its burst ones", () => {
    expect(isDailyLimit(429, body('DAILY'))).toBe(true);
    expect(isDailyLimit(429, body('TEN_SECONDLY_ROLLING'))).toBe(false);
    expect(isDailyLimit(429, body('SECONDLY'))).toBe(false);
    expect(isDailyLimit(429, 'You have reached your daily limit.')).toBe(false);
    expect(isDailyLimit(403, body('DAILY'))).toBe(false);
  });

  it("finds the next midnight in the account's time zone, across daylight-saving changes", () => {
    // New York, winter (UTC-5) and summer (UTC-4), and the day the clocks go forward (2025-03-09, 02:00).
    expect(nextMidnight(at('2025-01-15T12:00:00Z'), 'US/Eastern')).toBe(at('2025-01-16T05:00:00Z'));
    expect(nextMidnight(at('2025-07-15T03:59:59Z'), 'America/New_York')).toBe(at('2025-07-15T04:00:00Z'));
    // 01:30 EST on that day: the clocks change between now and midnight, which is 00:00 EDT.
    expect(nextMidnight(at('2025-03-09T06:30:00Z'), 'US/Eastern')).toBe(at('2025-03-10T04:00:00Z'));
    expect(nextMidnight(at('2025-03-09T01:00:00Z'), 'US/Eastern')).toBe(at('2025-03-09T05:00:00Z'));
    // And back (2025-11-02, 02:00): 01:30 EDT, midnight is 00:00 EST.
    expect(nextMidnight(at('2025-11-02T05:30:00Z'), 'US/Eastern')).toBe(at('2025-11-03T05:00:00Z'));
    // Half-hour zones, and a zone ahead of UTC on another date.
    expect(nextMidnight(at('2025-06-01T12:00:00Z'), 'Asia/Kolkata')).toBe(at('2025-06-01T18:30:00Z'));
    expect(nextMidnight(at('2025-06-01T12:00:00Z'), 'Pacific/Auckland')).toBe(at('2025-06-02T12:00:00Z'));
    // A zone that skips midnight itself (Santiago went forward at 00:00 on 2024-09-08): its day began at 01:00.
    expect(nextMidnight(at('2024-09-07T12:00:00Z'), 'America/Santiago')).toBe(at('2024-09-08T04:00:00Z'));
  });

  it('waits until the reset, a little after; 5 minutes when HubSpot has not reset yet; an hour without a zone', () => {
    const now = at('2025-01-15T12:00:00Z');
    expect(dailyLimitWait(now, 'US/Eastern')).toEqual({
      until: at('2025-01-16T05:00:00Z') + RESET_MARGIN_MS,
      reason:
        "HubSpot's daily API limit is spent; it resets at midnight in the account's time zone, US/Eastern",
    });
    // 00:20 in New York: the limit should have reset 20 minutes ago.
    const early = dailyLimitWait(at('2025-01-16T05:20:00Z'), 'US/Eastern');
    expect(early.until).toBe(at('2025-01-16T05:20:00Z') + EARLY_RETRY_MS);
    expect(early.reason).toContain('not reset yet');
    const unknown = dailyLimitWait(now, undefined, 'GET /account-info/v3/details answered HTTP 429');
    expect(unknown.until).toBe(now + UNKNOWN_ZONE_RETRY_MS);
    expect(unknown.reason).toContain('could not be read (GET /account-info/v3/details answered HTTP 429)');
    expect(dailyLimitWait(now, 'Mars/Olympus_Mons').until).toBe(now + UNKNOWN_ZONE_RETRY_MS);
  });
});

describe('the HubSpot upsert sink at the daily limit (simulator)', () => {
  let hs: HubSpotHarness;
  beforeAll(async () => {
    hs = await startHubSpot();
  });
  afterAll(() => hs.sim.close());
  afterEach(() => fetch(`${hs.sim.url}/sim/reset?empty=true`, { method: 'POST' }));

  const dailyLimit = (reached: boolean) => hs.json('POST', '/sim/daily-limit', { reached });
  const record = customerRecords('hs-daily');

  /** The sink with no retries of its own (retries: 0): only a wait that is not counted can outlast a 429. */
  function upsertSink(now: () => number, golden: string) {
    const test = createTestContext('hs-daily');
    const failed: unknown[] = [];
    test.context.attemptFailed = (error) => failed.push(error);
    test.context.outboundMapping = constantMapping('hubspot-batch-upsert', {
      inputs: [{ idProperty: 'eai_golden_id', id: golden, properties: { firstname: 'Ada' } }],
    });
    const config = hubspotUpsertSinkConfig.parse({
      baseUrl: hs.sim.url,
      accessToken: hs.app.accessTokens[0],
      retry: { retries: 0, initialDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 1000 },
    });
    return { sink: createHubspotUpsertSink(config, test.context, { now }), failed, logs: test.logs, test };
  }

  it('waits until midnight in the account’s time zone, not counting the wait, and applies the record once', async () => {
    await hs.json('POST', '/sim/app', { timeZone: 'Asia/Kolkata' });
    // The account's clock stands 1.5 s before midnight in Kolkata, and stays there: the wait is those 1.5 s and the
    // margin, however long the first write and the 429 take on a loaded machine. (A clock shifted to 1.5 s before
    // midnight once, at the start, ran on through them: the wait measured shrank by their time, or midnight passed
    // before the 429 and the sink took it for an early one, 5 minutes.)
    const midnight = nextMidnight(Date.now(), 'Asia/Kolkata');
    const { sink, failed, logs, test } = upsertSink(() => midnight - 1500, 'G-daily-1');
    // A first write reads the account's time zone, as the sink does before the limit can be spent.
    await sink.put(record());
    await dailyLimit(true);
    // The limit resets as the wait begins (the sink's retry comes 2.5 s later), not after a poll of the test's.
    let reset: Promise<unknown> | undefined;
    test.context.attemptFailed = (error) => {
      failed.push(error);
      reset ??= dailyLimit(false);
    };
    const started = Date.now();
    await expect(sink.put(record())).resolves.toBeUndefined();
    await reset;
    // It waited the computed time, not the sink's backoff (10–50 ms), and did not give up at retries: 0.
    expect(failed).toHaveLength(1);
    expect((failed[0] as { retryAfterMs?: number }).retryAfterMs).toBe(1500 + RESET_MARGIN_MS);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500 + RESET_MARGIN_MS - 20);
    const wait = failed[0] as HttpLimitWaitError;
    expect(wait).toBeInstanceOf(HttpLimitWaitError);
    expect(wait.until.getTime()).toBe(midnight + RESET_MARGIN_MS);
    expect(wait.message).toContain(`waits until ${wait.until.toISOString()}`);
    expect(wait.message).toContain(
      "HubSpot's daily API limit is spent; it resets at midnight in the account's time zone, Asia/Kolkata",
    );
    // One warn line for the wait, saying until when.
    const warned = logs.filter((line) => line.level === 40);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ until: wait.until.toISOString() });
    expect(String(warned[0]!.msg)).toContain(`waits until ${wait.until.toISOString()}`);
    // Applied once: one create (the first put) and one update (the second), no more.
    const effects = await hs.json<{ effects: Array<{ operation: string }> }>(
      'GET',
      '/sim/effects?entityType=contact',
    );
    expect(effects.body.effects.map((e) => e.operation)).toEqual(['create', 'update']);
  });

  it('without the account’s time zone (the limit spent before it was read) waits an hour, says so, and is never dead-lettered', async () => {
    await dailyLimit(true);
    const { sink, failed, logs } = upsertSink(Date.now, 'G-daily-2');
    const started = Date.now();
    const put = sink.put(record());
    await expect.poll(() => failed.length, { interval: 20, timeout: 10_000 }).toBe(1);
    const wait = failed[0] as HttpLimitWaitError;
    expect(wait.until.getTime()).toBeGreaterThanOrEqual(started + UNKNOWN_ZONE_RETRY_MS);
    expect(wait.until.getTime()).toBeLessThanOrEqual(Date.now() + UNKNOWN_ZONE_RETRY_MS);
    const warned = logs.filter((line) => line.level === 40);
    expect(warned).toHaveLength(1);
    expect(String(warned[0]!.msg)).toMatch(
      /time zone, whose midnight resets it, could not be read \(.*HTTP 429.*\): tried again in 60 min/,
    );
    // Stopping ends the wait with a retriable error: the record is delivered again, not dead-lettered.
    await sink.stop();
    const error = await put.catch((e: unknown) => e);
    expect((error as { retriable?: boolean }).retriable).toBe(true);
  });
});
