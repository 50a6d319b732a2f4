import { errorMessage } from '../../lib/errors.ts';
import { withRetry } from '../../lib/retry.ts';
import { HttpUnavailableError, httpAnswerError } from '../transports/http-errors.ts';
import type { SalesforceAuth } from './auth.ts';

export interface RecordReaderOptions {
  instanceUrl: string;
  apiVersion: string;
  timeoutMs: number;
  retries: number;
  connector: string;
  auth: SalesforceAuth;
  signal: AbortSignal;
}

/**
 * Reads one record over REST, `GET /services/data/<v>/sobjects/<type>/<id>`: its JSON as Salesforce answers it
 * (`attributes` + every field), or null when the record is gone (404 NOT_FOUND / ENTITY_IS_DELETED). A 401 renews
 * the token once; 5xx, 429 and network failures are retried (bounded), other answers refused.
 */
export function createRecordReader(options: RecordReaderOptions) {
  const base = options.instanceUrl.replace(/\/+$/, '');

  async function attempt(type: string, id: string, renew: boolean): Promise<Buffer | null> {
    const path = `/services/data/${options.apiVersion}/sobjects/${type}/${encodeURIComponent(id)}`;
    const token = await options.auth.token({ renew, signal: options.signal });
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${base}${path}`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
      });
      text = await response.text();
    } catch (error) {
      throw new HttpUnavailableError(`${options.connector}: GET ${path} failed: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    if (response.ok) return Buffer.from(text);
    if (response.status === 404) return null;
    if (response.status === 401 && !renew) return attempt(type, id, true);
    throw httpAnswerError(
      { connector: options.connector, method: 'GET', path },
      { status: response.status, retryAfter: response.headers.get('retry-after'), body: text },
      { maxBodyBytes: 2048 },
    );
  }

  return {
    read(type: string, id: string): Promise<Buffer | null> {
      return withRetry(() => attempt(type, id, false), {
        retries: options.retries,
        initialDelayMs: 200,
        maxDelayMs: 5000,
        signal: options.signal,
      });
    },
  };
}

export type RecordReader = ReturnType<typeof createRecordReader>;
