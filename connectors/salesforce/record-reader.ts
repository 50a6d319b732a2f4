import { errorMessage } from '../../lib/errors.ts';
import { withRetry } from '../../lib/retry.ts';
import { HttpUnavailableError, httpAnswerError } from '../transports/http-errors.ts';
import type { SalesforceAuth } from './auth.ts';
import { salesforceRetriable } from './retriable.ts';

export interface RecordReaderOptions {
  instanceUrl: string;
  apiVersion: string;
  timeoutMs: number;
  retries: number;
  connector: string;
  auth: SalesforceAuth;
  signal: AbortSignal;
  /** Told of each failed attempt that is retried (a sink's lookup: its status says `retrying` from the first). */
  attemptFailed?: (error: unknown) => void;
}

/**
 * A GET against the org's REST API with the connector's token: the answer's body on 2xx, null on 404 (NOT_FOUND,
 * ENTITY_IS_DELETED). A 401 renews the token once; 5xx, 429, 403 REQUEST_LIMIT_EXCEEDED (the org's API limit spent)
 * and network failures are retried (bounded, Retry-After honoured), other answers refused (HttpRefusedError, with
 * Salesforce's error body).
 */
export function createSalesforceGet(options: RecordReaderOptions) {
  const base = options.instanceUrl.replace(/\/+$/, '');

  async function attempt(
    path: string,
    headers: Record<string, string>,
    renew: boolean,
  ): Promise<Buffer | null> {
    const token = await options.auth.token({ renew, signal: options.signal });
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${base}${path}`, {
        headers: { ...headers, authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
      });
      text = await response.text();
    } catch (error) {
      throw new HttpUnavailableError(
        `${options.connector}: GET ${shown(path)} failed: ${errorMessage(error)}`,
        {
          cause: error,
        },
      );
    }
    if (response.ok) return Buffer.from(text);
    if (response.status === 404) return null;
    if (response.status === 401 && !renew) return attempt(path, headers, true);
    throw httpAnswerError(
      { connector: options.connector, method: 'GET', path: shown(path) },
      { status: response.status, retryAfter: response.headers.get('retry-after'), body: text },
      { maxBodyBytes: 2048, retriable: salesforceRetriable },
    );
  }

  return (path: string, headers: Record<string, string> = {}): Promise<Buffer | null> =>
    withRetry(() => attempt(path, headers, false), {
      retries: options.retries,
      initialDelayMs: 200,
      maxDelayMs: 5000,
      signal: options.signal,
      onRetry: (error) => options.attemptFailed?.(error),
    });
}

/** A path as logs and errors show it: a SOQL query's text cut short (its WHERE names ids, never personal data). */
function shown(path: string): string {
  return path.length > 300 ? `${path.slice(0, 300)}…` : path;
}

/**
 * Reads one record over REST, `GET /services/data/<v>/sobjects/<type>/<id>`: its JSON as Salesforce answers it
 * (`attributes` + every field), or null when the record is gone (404 NOT_FOUND / ENTITY_IS_DELETED).
 */
export function createRecordReader(options: RecordReaderOptions) {
  const get = createSalesforceGet(options);
  return {
    read(type: string, id: string): Promise<Buffer | null> {
      return get(`/services/data/${options.apiVersion}/sobjects/${type}/${encodeURIComponent(id)}`);
    },
  };
}

export type RecordReader = ReturnType<typeof createRecordReader>;
