import { ExponentialBackoff, handleWhen, type IBackoff, type IBackoffFactory, retry } from 'cockatiel';
import { isRetriable, RetriableError } from './errors.ts';

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
  /** Which failures are retried; default: those that say a retry can help (`isRetriable`). */
  shouldRetry?: (error: unknown) => boolean;
  /** Ends the retries: the pending wait is cut short and the last error is thrown. */
  signal?: AbortSignal;
}

export const defaultRetry: RetryOptions = { retries: 5, initialDelayMs: 200, maxDelayMs: 10_000 };

/** How long the failure itself asks to wait (a `Retry-After` answer), if it says. */
function retryAfterOf(error: unknown): number {
  const value = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/** Exponential backoff with jitter, but never shorter than the `retryAfterMs` the failure carries. */
function honouringRetryAfter(
  inner: IBackoff<unknown>,
  context: { result: unknown },
): IBackoff<{ result: unknown }> {
  const failure = context.result as { error?: unknown };
  return {
    duration: Math.max(inner.duration, retryAfterOf(failure.error)),
    next: (nextContext) => honouringRetryAfter(inner.next(nextContext), nextContext),
  };
}

/** Runs `fn`, retrying retriable failures; the last error is thrown with `attempts` set on it. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: Partial<RetryOptions> = {},
): Promise<T> {
  const { retries, initialDelayMs, maxDelayMs, onRetry, shouldRetry, signal } = {
    ...defaultRetry,
    ...options,
  };
  const exponential = new ExponentialBackoff({ initialDelay: initialDelayMs, maxDelay: maxDelayMs });
  const backoff: IBackoffFactory<{ result: unknown }> = {
    next: (context) => honouringRetryAfter(exponential.next(), context),
  };
  // With a signal the caller is released on abort while cockatiel's wait runs on: unref'd, it holds no exit up.
  const retrying = retry(handleWhen(shouldRetry ?? isRetriable), { maxAttempts: retries, backoff });
  const policy = signal ? retrying.dangerouslyUnref() : retrying;
  let attempts = 0;
  let lastError: unknown;
  // Aborted before any attempt failed (the first one still running, say): the work is not done, and whoever runs it
  // next may do it, so a retriable error of the hierarchy, not the signal's bare DOMException.
  const abandoned = () =>
    lastError ?? new RetriableError('abandoned before it finished: stopping', { cause: signal?.reason });
  const listener = policy.onRetry((event) => {
    if ('error' in event) onRetry?.(event.error, attempts);
  });
  const run = policy.execute(() => {
    if (signal?.aborted) throw abandoned();
    attempts += 1;
    return fn(attempts).catch((error: unknown) => {
      lastError = error;
      throw error;
    });
  });
  try {
    return await (signal ? untilAborted(run, signal, abandoned) : run);
  } catch (error) {
    if (error && typeof error === 'object') Object.assign(error, { attempts });
    throw error;
  } finally {
    listener.dispose();
  }
}

/** Settles with `promise`, or rejects with `reason()` as soon as `signal` aborts (cockatiel's waits cannot be cut). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, reason: () => unknown): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(reason());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(reason());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** `withDeadline`'s failure: the work had no outcome in time (it may still have one later). */
export class DeadlineError extends RetriableError {}

/**
 * `promise`, or a DeadlineError (retriable) once `ms` passed without its outcome (the work goes on, its outcome ignored). For
 * answers someone waits for (a connector's status, sync health, dead-letter depths) whose client would otherwise hold
 * them for as long as its own retries take: kafkajs's admin calls take about two minutes to give up on a broker that
 * is down, and the hub's status and health routes, there to say what is wrong, said nothing meanwhile.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what}: no answer within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
