import { errorMessage, NonRetriableError } from '../../lib/errors.ts';
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

/** A read's extra headers, and its body: with one it is a POST (the body sent as JSON), without a GET. */
interface SalesforceCallInit {
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A read against the org's REST API with the connector's token: a GET, or a POST with a JSON body for reads whose
 * input is too long for a URL (the sObject Collections retrieve). The answer's body on 2xx, null on 404 (NOT_FOUND,
 * ENTITY_IS_DELETED). A 401 renews the token once; 5xx, 429, 403 REQUEST_LIMIT_EXCEEDED (the org's API limit spent)
 * and network failures are retried (bounded, Retry-After honoured), other answers refused (HttpRefusedError, with
 * Salesforce's error body). Only reads go through it: a retried POST here changes nothing in the org.
 */
function createSalesforceRead(options: RecordReaderOptions) {
  const base = options.instanceUrl.replace(/\/+$/, '');

  async function attempt(path: string, init: SalesforceCallInit, renew: boolean): Promise<Buffer | null> {
    const method = init.body === undefined ? 'GET' : 'POST';
    const token = await options.auth.token({ renew, signal: options.signal });
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...init.headers,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          authorization: `Bearer ${token}`,
          accept: 'application/json',
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
      });
      text = await response.text();
    } catch (error) {
      throw new HttpUnavailableError(
        `${options.connector}: ${method} ${shown(path)} failed: ${errorMessage(error)}`,
        {
          cause: error,
        },
      );
    }
    if (response.ok) return Buffer.from(text);
    if (response.status === 404) return null;
    if (response.status === 401 && !renew) return attempt(path, init, true);
    throw httpAnswerError(
      { connector: options.connector, method, path: shown(path) },
      { status: response.status, retryAfter: response.headers.get('retry-after'), body: text },
      { maxBodyBytes: 2048, retriable: salesforceRetriable },
    );
  }

  return (path: string, init: SalesforceCallInit = {}): Promise<Buffer | null> =>
    withRetry(() => attempt(path, init, false), {
      retries: options.retries,
      initialDelayMs: 200,
      maxDelayMs: 5000,
      signal: options.signal,
      onRetry: (error) => options.attemptFailed?.(error),
    });
}

/** A GET against the org's REST API (`createSalesforceRead`): the answer's body on 2xx, null on 404. */
export function createSalesforceGet(options: RecordReaderOptions) {
  const read = createSalesforceRead(options);
  return (path: string, headers: Record<string, string> = {}): Promise<Buffer | null> =>
    read(path, { headers });
}

/** A path as logs and errors show it: a SOQL query's text cut short (its WHERE names ids, never personal data). */
function shown(path: string): string {
  return path.length > 300 ? `${path.slice(0, 300)}…` : path;
}

/**
 * The most ids one sObject Collections retrieve takes: 2,000 in the POST form (the GET form's URL is too long past
 * about 800 ids, and shorter still with a long field list).
 */
export const RETRIEVE_MAX_IDS = 2000;

/** A describe's field list as Salesforce answers it (`GET /sobjects/<type>/describe`), what the reader needs of it. */
interface Describe {
  fields?: Array<{ name?: unknown; type?: unknown } | null>;
}

/**
 * Field types the retrieve is not asked for: blobs (base64: the retrieve does not return them) and compound fields
 * (address, location: their parts are fields of their own, which the mapping reads).
 */
const NOT_READ = new Set(['base64', 'address', 'location']);

/**
 * Reads records over REST. `readMany`: the sObject Collections retrieve, `POST
 * /services/data/<v>/composite/sobjects/<type>` with `{ids, fields}`, up to 2,000 records per call (so N ids cost
 * ceil(N / 2000) calls), each record as Salesforce answers it (`attributes` + the fields), null where Salesforce
 * answers null: a record deleted (in the Recycle Bin or gone), an id it does not know or the user may not see. The
 * retrieve names its fields: every field of the type's describe (`GET /sobjects/<type>/describe`, asked once per
 * type and kept for the reader's life), so a record reads as whole as the one-record GET did, less blobs and compound
 * fields (`NOT_READ`). `read`: one record, `GET /sobjects/<type>/<id>` or by an external id field
 * (`<type>/External_Id__c`, `<value>`), null when it is gone (404): the erasure's lookup by the hub's golden id needs
 * it (the sObject Collections retrieve goes by record id only). `fields`: the describe's field list itself, which a
 * GAP_OVERFLOW's SOQL read selects (overflow-reread.ts), so its records read as whole as a GAP event's.
 */
export function createRecordReader(options: RecordReaderOptions) {
  const call = createSalesforceRead(options);
  const api = `/services/data/${options.apiVersion}`;
  const described = new Map<string, Promise<string[]>>();

  /** The type's field names; a describe that failed is asked again next time. */
  function fieldsOf(type: string): Promise<string[]> {
    let fields = described.get(type);
    if (!fields) {
      fields = (async () => {
        const path = `${api}/sobjects/${type}/describe`;
        const body = await call(path);
        const names = (body === null ? undefined : (JSON.parse(body.toString('utf8')) as Describe))?.fields
          ?.filter((field) => typeof field?.name === 'string' && !NOT_READ.has(String(field.type)))
          .map((field) => field!.name as string);
        if (!names?.length)
          throw new NonRetriableError(`${options.connector}: GET ${path} named no fields of ${type}`);
        return names;
      })();
      described.set(type, fields);
      fields.catch(() => described.delete(type));
    }
    return fields;
  }

  return {
    /** The type's field names as the retrieve asks for them (its describe, asked once): a GAP_OVERFLOW's query too. */
    fields: fieldsOf,
    read(type: string, id: string): Promise<Buffer | null> {
      return call(`${api}/sobjects/${type}/${encodeURIComponent(id)}`);
    },
    async readMany(type: string, ids: readonly string[]): Promise<Array<Buffer | null>> {
      if (ids.length === 0) return [];
      const fields = await fieldsOf(type);
      const path = `${api}/composite/sobjects/${type}`;
      const out: Array<Buffer | null> = [];
      for (let from = 0; from < ids.length; from += RETRIEVE_MAX_IDS) {
        const chunk = ids.slice(from, from + RETRIEVE_MAX_IDS);
        const body = await call(path, { body: { ids: chunk, fields } });
        const records = body === null ? undefined : (JSON.parse(body.toString('utf8')) as unknown);
        // One entry per id, in the order asked: what else came back cannot be matched to the ids.
        if (!Array.isArray(records) || records.length !== chunk.length)
          throw new NonRetriableError(
            `${options.connector}: POST ${path} answered ${Array.isArray(records) ? `${records.length} entries` : 'no list'} for ${chunk.length} ids`,
          );
        for (const record of records) out.push(record === null ? null : Buffer.from(JSON.stringify(record)));
      }
      return out;
    },
  };
}

export type RecordReader = ReturnType<typeof createRecordReader>;
