import { errorMessage, isRetriable } from '../../lib/errors.ts';
import { withRetry } from '../../lib/retry.ts';
import { HttpLimitWaitError, HttpUnavailableError, httpAnswerError } from '../transports/http-errors.ts';
import type { DailyLimitCheck } from './daily-limit.ts';

export interface HubspotGetOptions {
  /** HubSpot API base URL (`https://api.hubapi.com`). */
  baseUrl: string;
  /** The private app's access token. */
  accessToken: string;
  connector: string;
  /** Deadline of one attempt. */
  timeoutMs: number;
  /** Attempts after the first one, for 5xx, 429 (Retry-After honoured) and network failures. */
  retries: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Tells HubSpot's daily API limit (429 `policyName: DAILY`) from the burst ones (`dailyLimitCheck`): such an answer
   * is not retried but thrown at once as an HttpLimitWaitError saying until when (the account's midnight), for the
   * caller to wait that long. Without it, a daily 429 is retried like any 429.
   */
  dailyLimit?: DailyLimitCheck;
}

/**
 * A GET against HubSpot's CRM API with the private app's token: the answer's body on 2xx, null on 404 (no such
 * object, or archived). 5xx, 429 and network failures are retried (bounded, Retry-After honoured); other answers are
 * refused (HttpRefusedError, with HubSpot's error body: a 401 bad token, a 403 missing scope). With `dailyLimit`, the
 * daily limit spent is an HttpLimitWaitError, not retried: asking again before the reset cannot help.
 */
export function createHubspotGet(options: HubspotGetOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');

  async function attempt(path: string, shown: string, signal: AbortSignal): Promise<Buffer | null> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${base}${path}`, {
        headers: { authorization: `Bearer ${options.accessToken}`, accept: 'application/json' },
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
      });
      text = await response.text();
    } catch (error) {
      throw new HttpUnavailableError(`${options.connector}: GET ${shown} failed: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    if (response.ok) return Buffer.from(text);
    if (response.status === 404) return null;
    const wait = response.status === 429 ? await options.dailyLimit?.(response.status, text) : undefined;
    if (wait)
      throw new HttpLimitWaitError(
        { connector: options.connector, method: 'GET', path: shown },
        { status: response.status, responseBody: text.slice(0, 2048) },
        wait,
      );
    throw httpAnswerError(
      { connector: options.connector, method: 'GET', path: shown },
      { status: response.status, retryAfter: response.headers.get('retry-after'), body: text },
      { maxBodyBytes: 2048 },
    );
  }

  /** `path` with its query; `shown` is what logs and errors name (the path without the query). */
  return (path: string, signal: AbortSignal, shown = path.split('?')[0]!): Promise<Buffer | null> =>
    withRetry(() => attempt(path, shown, signal), {
      retries: options.retries,
      initialDelayMs: options.initialDelayMs ?? 200,
      maxDelayMs: options.maxDelayMs ?? 5000,
      shouldRetry: (error) => !(error instanceof HttpLimitWaitError) && isRetriable(error),
      signal,
    });
}

export type HubspotGet = ReturnType<typeof createHubspotGet>;
