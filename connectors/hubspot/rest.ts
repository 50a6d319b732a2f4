import { errorMessage } from '../../lib/errors.ts';
import { withRetry } from '../../lib/retry.ts';
import { HttpUnavailableError, httpAnswerError } from '../transports/http-errors.ts';

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
}

/**
 * A GET against HubSpot's CRM API with the private app's token: the answer's body on 2xx, null on 404 (no such
 * object, or archived). 5xx, 429 and network failures are retried (bounded, Retry-After honoured); other answers are
 * refused (HttpRefusedError, with HubSpot's error body: a 401 bad token, a 403 missing scope).
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
      signal,
    });
}

export type HubspotGet = ReturnType<typeof createHubspotGet>;
