import { describe, expect, it } from 'vitest';
import { NonRetriableError, RetriableError } from '../lib/errors.ts';
import { type RetryVerdict, retryLogLevel, retryVerdict } from './runner.ts';

/**
 * The consumer runner's retry / dead-letter decision on a failed attempt, on plain values: the error, whether the
 * member is leaving, the clock, the deadline (retryForMs), the retries spent and the budget. The runner on the real
 * broker: runner.int.spec.ts.
 */

const retriable = new RetriableError('the target answered 503');
const refused = new NonRetriableError('the target answered 400');
/** PostgreSQL shutting down (57P01): a service the handler depends on is away. */
const outage = Object.assign(new Error('terminating connection due to administrator command'), {
  code: '57P01',
});
const base = { leaving: false, now: 1_000, spent: 0, budget: 2 };

/** The verdicts of attempts failing with `error` one after another, spending as the runner spends. */
function attempts(
  error: unknown,
  state: Partial<Parameters<typeof retryVerdict>[1]>,
  n: number,
): RetryVerdict[] {
  const verdicts: RetryVerdict[] = [];
  let spent = state.spent ?? 0;
  for (let i = 0; i < n; i++) {
    const verdict = retryVerdict(error, { ...base, ...state, spent });
    verdicts.push(verdict);
    if (verdict === 'retry') spent += 1;
    if (verdict !== 'retry' && verdict !== 'wait-out') break;
  }
  return verdicts;
}

describe('consumer runner: retry, then dead letter', () => {
  it('retries a retriable failure the budget allows, then dead-letters it', () => {
    expect(attempts(retriable, {}, 5)).toEqual(['retry', 'retry', 'dead-letter']);
    expect(retryVerdict(retriable, { ...base, spent: 1 })).toBe('retry');
    expect(retryVerdict(retriable, { ...base, spent: 2 })).toBe('dead-letter');
    expect(retryVerdict(retriable, { ...base, budget: 0 })).toBe('dead-letter');
  });

  it('dead-letters a non-retriable failure at once, without retrying it', () => {
    expect(retryVerdict(refused, base)).toBe('dead-letter');
    expect(retryVerdict(refused, { ...base, budget: Number.POSITIVE_INFINITY })).toBe('dead-letter');
    // Leaving or not: a refusal no retry can help is dead-lettered.
    expect(retryVerdict(refused, { ...base, leaving: true })).toBe('dead-letter');
  });

  it('treats an error that is no EaiError as retriable', () => {
    expect(retryVerdict(new Error('socket hang up'), base)).toBe('retry');
  });
});

describe('consumer runner: retrying until applied (a sink)', () => {
  it('retries a retriable failure past any count with an infinite budget', () => {
    const endless = { ...base, budget: Number.POSITIVE_INFINITY };
    expect(retryVerdict(retriable, { ...endless, spent: 1_000_000 })).toBe('retry');
    expect(attempts(retriable, endless, 50).every((v) => v === 'retry')).toBe(true);
  });

  it('with retryForMs, dead-letters the record once that time has passed, not before', () => {
    const endless = { ...base, budget: Number.POSITIVE_INFINITY, until: 5_000 };
    expect(retryVerdict(retriable, { ...endless, now: 4_999 })).toBe('retry');
    expect(retryVerdict(retriable, { ...endless, now: 5_000 })).toBe('dead-letter');
    expect(retryVerdict(retriable, { ...endless, now: 6_000 })).toBe('dead-letter');
  });

  it('gives the record up (uncommitted, not dead-lettered) once the member is leaving: a rebalance or a stop', () => {
    expect(retryVerdict(retriable, { ...base, leaving: true })).toBe('give-up');
    expect(retryVerdict(retriable, { ...base, leaving: true, budget: Number.POSITIVE_INFINITY })).toBe(
      'give-up',
    );
    // Leaving comes before the deadline and the budget: the next member retries it.
    expect(retryVerdict(retriable, { ...base, leaving: true, until: 0, spent: 2 })).toBe('give-up');
  });

  it('logs the 1st, 2nd, 4th, 8th… retry at info, the others at debug', () => {
    const levels = Array.from({ length: 17 }, (_, i) => retryLogLevel(i + 1));
    expect(levels.map((l, i) => (l === 'info' ? i + 1 : null)).filter((a) => a !== null)).toEqual([
      1, 2, 4, 8, 16,
    ]);
    expect(retryLogLevel(3)).toBe('debug');
  });
});

describe('consumer runner: waiting out an outage (waitOutOutages)', () => {
  it("retries a failure that says the handler's database is away past the retry budget, without spending it", () => {
    const waiting = { ...base, waitOutOutages: true };
    expect(attempts(outage, waiting, 9).every((v) => v === 'wait-out')).toBe(true);
    expect(retryVerdict(outage, { ...waiting, spent: 2 })).toBe('wait-out');
    // Wrapped as a cause: an outage still.
    expect(retryVerdict(new RetriableError('the query failed', { cause: outage }), waiting)).toBe('wait-out');
  });

  it('still dead-letters other failures after the budget, and an outage once retryForMs has passed', () => {
    const waiting = { ...base, waitOutOutages: true };
    expect(attempts(retriable, waiting, 5)).toEqual(['retry', 'retry', 'dead-letter']);
    expect(retryVerdict(outage, { ...waiting, until: 1_000 })).toBe('dead-letter');
    expect(retryVerdict(outage, { ...waiting, leaving: true })).toBe('give-up');
  });

  it('without it, an outage spends the retry budget as any failure does', () => {
    expect(attempts(outage, base, 5)).toEqual(['retry', 'retry', 'dead-letter']);
  });
});
