import { describe, expect, it } from 'vitest';
import { parkedRetrySchema } from './config.ts';
import { NO_RECORD, type Park, planRetry, type RetryRecord, retryDelayMs } from './parked-retry.ts';

const policy = parkedRetrySchema.parse({});
const MIN = 60_000;
const t0 = new Date('2026-12-05T10:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const park = (ms: number, step = 'credit-check'): Park => ({ step, reportedAt: at(ms) });
const record = (over: Partial<RetryRecord>): RetryRecord => ({ ...NO_RECORD, ...over });

describe('automatic retries of parked instances: the schedule', () => {
  it('waits 1, 2, 4, 8, 16 minutes, then 30 at most, and stops 24 h after the first park (51 retries)', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((n) => retryDelayMs(policy, n) / MIN)).toEqual([
      1, 2, 4, 8, 16, 30, 30, 30,
    ]);
    // The instance parks again at once after each retry (its system still down): count what fits in 24 h.
    let reportedAt = 0;
    let attempts = 0;
    for (;;) {
      const plan = planRetry(
        policy,
        park(reportedAt),
        record({ step: 'credit-check', parkedAt: t0, attempts }),
        at(0),
      );
      if (plan.kind !== 'scheduled') {
        expect(plan).toEqual({ kind: 'give-up', attempts, parkedAt: t0 });
        break;
      }
      reportedAt = plan.nextAt.getTime() - t0.getTime();
      attempts++;
    }
    expect(attempts).toBe(51);
    expect(reportedAt).toBeLessThanOrEqual(24 * 60 * MIN);
  });

  it('schedules the first retry a minute after the park, due once that minute has passed', () => {
    expect(planRetry(policy, park(0), NO_RECORD, at(59_000))).toEqual({
      kind: 'scheduled',
      attempts: 0,
      parkedAt: t0,
      nextAt: at(MIN),
      due: false,
    });
    expect(planRetry(policy, park(0), NO_RECORD, at(MIN))).toMatchObject({ kind: 'scheduled', due: true });
  });

  it('sends nothing while a retry or an operator’s cancel sent since the park is on its way', () => {
    const auto = record({
      step: 'credit-check',
      parkedAt: t0,
      attempts: 1,
      lastAction: 'auto',
      lastActionAt: at(MIN),
    });
    expect(planRetry(policy, park(0), auto, at(10 * MIN))).toEqual({
      kind: 'sent',
      attempts: 1,
      at: at(MIN),
    });
    const byHand = record({ lastAction: 'operator', lastActionAt: at(5_000) });
    expect(planRetry(policy, park(0), byHand, at(10 * MIN)).kind).toBe('sent');
    const cancelled = record({ lastAction: 'cancel', lastActionAt: at(5_000) });
    expect(planRetry(policy, park(0), cancelled, at(10 * MIN)).kind).toBe('sent');
    // A cancel does not reach a parked compensation (it waits for a retry only): the retries go on.
    expect(planRetry(policy, park(0, 'compensate:erp-confirm'), cancelled, at(10 * MIN))).toMatchObject({
      kind: 'scheduled',
      due: true,
    });
  });

  it('parked again after a retry: the next waits longer, counted from the new park; an operator’s retry starts afresh', () => {
    const once = record({
      step: 'credit-check',
      parkedAt: t0,
      attempts: 1,
      lastAction: 'auto',
      lastActionAt: at(MIN),
    });
    expect(planRetry(policy, park(MIN + 500), once, at(MIN + 500))).toMatchObject({
      kind: 'scheduled',
      attempts: 1,
      parkedAt: t0,
      nextAt: at(3 * MIN + 500),
    });
    // The operator's retry resets the episode (parkedAt null): the budget and the first delay start again.
    const byHand = record({
      step: 'credit-check',
      attempts: 0,
      lastAction: 'operator',
      lastActionAt: at(30 * 60 * MIN),
    });
    expect(planRetry(policy, park(30 * 60 * MIN + 100), byHand, at(30 * 60 * MIN + 100))).toMatchObject({
      kind: 'scheduled',
      attempts: 0,
      parkedAt: at(30 * 60 * MIN + 100),
      nextAt: at(30 * 60 * MIN + 100 + MIN),
    });
  });

  it('a park at another step is a new episode; one that ran out stays exhausted; off is off', () => {
    const spent = record({ step: 'credit-check', parkedAt: t0, attempts: 52, gaveUpAt: at(24 * 60 * MIN) });
    expect(planRetry(policy, park(MIN), spent, at(25 * 60 * MIN))).toEqual({
      kind: 'exhausted',
      attempts: 52,
      parkedAt: t0,
      gaveUpAt: at(24 * 60 * MIN),
    });
    expect(
      planRetry(policy, park(25 * 60 * MIN, 'logistics-despatch'), spent, at(25 * 60 * MIN)),
    ).toMatchObject({
      kind: 'scheduled',
      attempts: 0,
    });
    expect(
      planRetry(
        { ...policy, maxAttempts: 3 },
        park(0),
        record({ step: 'credit-check', parkedAt: t0, attempts: 3 }),
        at(0),
      ),
    ).toEqual({ kind: 'give-up', attempts: 3, parkedAt: t0 });
    expect(planRetry({ ...policy, enabled: false }, park(0), NO_RECORD, at(MIN))).toEqual({ kind: 'off' });
  });
});
