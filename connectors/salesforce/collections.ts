import { NonRetriableError, RetriableError } from '../../lib/errors.ts';
import type { HttpBatching } from '../transports/http-batch.ts';
import type { HttpSinkRequest } from '../transports/http-sink.ts';
import { NOT_NOW } from './retriable.ts';

/** The most records one sObject Collections upsert takes. */
export const MAX_COLLECTION_RECORDS = 200;

/** A one-record upsert by external id: `/services/data/<v>/sobjects/<type>/<field>/<value>`. */
const UPSERT_PATH = /^\/services\/data\/(v\d+\.\d+)\/sobjects\/(\w+)\/(\w+)\/([^/?]+)$/;

/** One entry of a collection's answer, in the order of its records. */
interface UpsertResult {
  id?: string;
  success?: boolean;
  created?: boolean;
  errors?: Array<{ statusCode?: string; message?: string; fields?: string[] }>;
}

function bodyOf(body: unknown): Record<string, unknown> | undefined {
  try {
    const value = Buffer.isBuffer(body) || typeof body === 'string' ? JSON.parse(body.toString()) : body;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Salesforce sink's one-record upserts by external id as sObject Collections upserts (`PATCH
 * /services/data/<v>/composite/sobjects/<type>/<field>` with `{allOrNone: false, records}`, API 46.0 and later): those
 * of one object and field in one request, never two of one external id value (Salesforce compares them without case
 * and answers the second DUPLICATE_VALUE). An upsert by `Id` stays alone: the collection takes external ids only.
 * The answer is one result per record in order: `success: false` dead-letters that record with Salesforce's
 * `statusCode: message`, unless its code means "not now" (UNABLE_TO_LOCK_ROW: retried), or `alone` is set (a sink
 * with a refusal policy, the order status sink's `unknownAccount: skip`): then it is sent again by itself, so its
 * refusal is read as without batching.
 */
export function salesforceBatching(
  size: number,
  waitMs: number,
  connector: string,
  options: { alone?: boolean } = {},
): HttpBatching {
  return {
    size,
    waitMs,
    itemOf(request: HttpSinkRequest) {
      const match = request.method === 'PATCH' ? UPSERT_PATH.exec(request.path) : null;
      if (!match) return undefined;
      const [, version, type, field, encoded] = match as unknown as [string, string, string, string, string];
      if (field === 'Id') return undefined;
      const body = bodyOf(request.body);
      if (!body) return undefined;
      let value: string;
      try {
        value = decodeURIComponent(encoded);
      } catch {
        return undefined;
      }
      const { attributes: _, ...fields } = body;
      if (fields[field] !== undefined && String(fields[field]) !== value) return undefined;
      return {
        group: `/services/data/${version}/composite/sobjects/${type}/${field}`,
        key: value.toLowerCase(),
        item: { record: { attributes: { type }, ...fields, [field]: value }, headers: request.headers },
      };
    },
    combine: (path, items) => ({
      method: 'PATCH',
      path,
      headers: {
        'content-type': 'application/json',
        ...Object.fromEntries(
          Object.entries((items[0] as { headers?: Record<string, string> }).headers ?? {}).filter(
            ([name]) => name.toLowerCase() !== 'content-type',
          ),
        ),
      },
      body: { allOrNone: false, records: items.map((item) => (item as { record: unknown }).record) },
    }),
    results(text, items, sent) {
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        return 'unknown';
      }
      if (!Array.isArray(answer) || answer.length !== items.length) return 'unknown';
      return (answer as Array<UpsertResult | null>).map((result, index) => {
        if (result?.success === true) return undefined;
        const errors = result?.errors ?? [];
        if (errors.some((e) => NOT_NOW.has(String(e.statusCode))))
          return new RetriableError(
            `${connector}: PATCH ${sent.path} not applied to record ${index + 1} of ${items.length} yet: ${said(errors)}`,
          );
        if (options.alone) return 'alone';
        const record = (items[index] as { record: Record<string, unknown> }).record;
        const field = sent.path.split('/').at(-1)!;
        return new NonRetriableError(
          `${connector}: PATCH ${sent.path} refused ${field} ${String(record[field])}: ${said(errors)}`,
        );
      });
    },
  };
}

function said(errors: NonNullable<UpsertResult['errors']>): string {
  if (errors.length === 0) return 'success: false without errors';
  return errors
    .map(
      (e) =>
        `${e.statusCode ?? 'ERROR'}: ${e.message ?? ''}${e.fields?.length ? ` (${e.fields.join(', ')})` : ''}`,
    )
    .join('; ')
    .slice(0, 1000);
}
