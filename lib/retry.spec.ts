import { describe, expect, it } from 'vitest';
import { NonRetriableError, RetriableError } from './errors.ts';
import { withRetry } from './retry.ts';

describe('withRetry', () => {
  it('retries retriable failures and stops at a non-retriable one, reporting the attempts', async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls += 1;
        throw calls < 3 ? new RetriableError('flaky') : new NonRetriableError('refused');
      },
      { retries: 5, initialDelayMs: 1, maxDelayMs: 2 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetriableError);
    expect((error as { attempts: number }).attempts).toBe(3);
  });

  it('waits at least the retryAfterMs a failure carries, however short the backoff', async () => {
    const times: number[] = [];
    await withRetry(
      async () => {
        times.push(Date.now());
        if (times.length === 1) throw new RetriableError('busy', { retryAfterMs: 300 });
      },
      { retries: 1, initialDelayMs: 1, maxDelayMs: 2 },
    );
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(290);
  });

  it('lets the caller decide what is retried, and ends a pending wait when the signal aborts', async () => {
    let calls = 0;
    const declined = await withRetry(
      async () => {
        calls += 1;
        throw new RetriableError('not now');
      },
      { retries: 3, initialDelayMs: 1, shouldRetry: () => false },
    ).catch((e: unknown) => e);
    expect((declined as Error).message).toBe('not now');
    expect(calls).toBe(1);

    const controller = new AbortController();
    const started = Date.now();
    const pending = withRetry(
      async () => {
        throw new RetriableError('down', { retryAfterMs: 10_000 });
      },
      { retries: 1, signal: controller.signal },
    ).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 50);
    expect(((await pending) as Error).message).toBe('down');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('ends with a retriable error of its own when the signal aborts during the first attempt', async () => {
    // Seen in CI at load 12: an HTTP sink stopped while its first request was in flight threw a bare DOMException.
    const controller = new AbortController();
    const pending = withRetry(() => new Promise<never>(() => {}), {
      retries: 1,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 20);
    const error = (await pending) as RetriableError;
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.message).toBe('abandoned before it finished: stopping');
    expect((error.cause as Error).name).toBe('AbortError');
  });
});
