import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { isRetriable } from './errors.ts';

/**
 * The one retry helper of the codebase: bounded attempts, exponential backoff with decorrelated jitter
 * (cockatiel), and only for errors that say a retry can help. Defaults live here, once.
 */
export interface RetryOptions {
  /** Attempts after the first one. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  onRetry?: (error: unknown, attempt: number) => void;
}

export const defaultRetry: RetryOptions = { retries: 5, initialDelayMs: 200, maxDelayMs: 10_000 };

/** Runs `fn`, retrying retriable failures; the last error is thrown with `attempts` set on it. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: Partial<RetryOptions> = {},
): Promise<T> {
  const { retries, initialDelayMs, maxDelayMs, onRetry } = { ...defaultRetry, ...options };
  const policy = retry(handleWhen(isRetriable), {
    maxAttempts: retries,
    backoff: new ExponentialBackoff({ initialDelay: initialDelayMs, maxDelay: maxDelayMs }),
  });
  let attempts = 0;
  const listener = policy.onRetry((event) => {
    if ('error' in event) onRetry?.(event.error, attempts);
  });
  try {
    return await policy.execute(() => {
      attempts += 1;
      return fn(attempts);
    });
  } catch (error) {
    if (error && typeof error === 'object') Object.assign(error, { attempts });
    throw error;
  } finally {
    listener.dispose();
  }
}
