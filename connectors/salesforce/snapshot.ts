import { z } from 'zod';
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Json } from '../sdk/index.ts';
import { HttpRefusedError } from '../transports/http-errors.ts';
import {
  type SnapshotDocument,
  type SnapshotPage,
  type SnapshotPager,
  snapshotConfig,
} from '../transports/snapshot.ts';
import { SOBJECT_FORMAT } from './gap-reread.ts';

/** The objects a snapshot reads: those salesforce/sobject.to-canonical.yaml maps to CustomerEvents. */
const SNAPSHOT_OBJECTS = ['Account', 'Contact'] as const;
type SnapshotObject = (typeof SNAPSHOT_OBJECTS)[number];

/**
 * Fields read per object by default: the standard ones the shipped mapping reads (mappings/salesforce/lookups) that the
 * hub's org has (its Contact has no MailingState), its custom VAT and SAP number fields on Account, the two dates
 * (createdAt, updatedAt / occurredAt), and External_Id__c, where the hub stamps its golden id: read, a record gives the
 * stamp as its `External_Id__c` source id (as its CDC events do), and one without it is one a person cleared it on.
 */
export const DEFAULT_SNAPSHOT_FIELDS: Record<SnapshotObject, string[]> = {
  Account: [
    'Name',
    'AccountNumber',
    'Type',
    'Industry',
    'Phone',
    'Website',
    'BillingStreet',
    'BillingCity',
    'BillingState',
    'BillingPostalCode',
    'BillingCountry',
    'ShippingStreet',
    'ShippingCity',
    'ShippingState',
    'ShippingPostalCode',
    'ShippingCountry',
    'VAT_Number__c',
    'SAP_Customer_Number__c',
    'External_Id__c',
    'CreatedDate',
    'LastModifiedDate',
  ],
  Contact: [
    'Salutation',
    'FirstName',
    'LastName',
    'Email',
    'Phone',
    'MobilePhone',
    'Birthdate',
    'MailingStreet',
    'MailingCity',
    'MailingPostalCode',
    'MailingCountry',
    'AccountId',
    'External_Id__c',
    'CreatedDate',
    'LastModifiedDate',
  ],
};

const fieldList = z
  .array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'an API field name (compound fields by their parts)'))
  .min(1);

export const salesforceSnapshotConfig = snapshotConfig(
  {
    min: 200,
    max: 2000,
    default: 1000,
    doc: "Records per page: SOQL's `Sforce-Query-Options: batchSize` (200–2000; Salesforce may answer with fewer).",
  },
  {
    objects: z
      .array(z.enum(SNAPSHOT_OBJECTS))
      .min(1)
      .refine((list) => new Set(list).size === list.length, 'an object is listed twice')
      .default([...SNAPSHOT_OBJECTS])
      .describe('Objects read, in this order, each in Id order.'),
    fields: z
      .object({
        Account: fieldList.optional().describe('Account fields read (Id is always read).'),
        Contact: fieldList.optional().describe('Contact fields read (Id is always read).'),
      })
      .strict()
      .prefault({})
      .describe(
        "Fields read per object; default: those the shipped mapping reads, with the hub org's custom fields VAT_Number__c and SAP_Customer_Number__c on Account (an org without them lists its own), and External_Id__c, the hub's golden id stamp (its id, or its removal when empty; a list without it says nothing of the stamp).",
      ),
  },
);

export type SalesforceSnapshotConfig = z.output<typeof salesforceSnapshotConfig>;

/**
 * Where a SOQL read in Id order stands: the object, the last Id committed, and the query locator of the next batch.
 * The snapshot's position, and that of a GAP_OVERFLOW's read (overflow-reread.ts).
 */
export interface SoqlCursor<Object extends string = string> {
  object: Object;
  /** Id of the last record read of `object`: a new query resumes after it (`WHERE Id > …`). */
  after: string | null;
  /** `nextRecordsUrl` of the query under way; Salesforce forgets it after 15 minutes, then `after` re-queries. */
  next: string | null;
}

type Cursor = SoqlCursor<SnapshotObject>;

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** The `after` and `next` of a stored cursor, each null when it is not what a cursor holds. */
export function cursorParts(json: { after?: Json; next?: Json }): Pick<SoqlCursor, 'after' | 'next'> {
  return {
    after: typeof json.after === 'string' && SALESFORCE_ID.test(json.after) ? json.after : null,
    next: typeof json.next === 'string' && json.next.startsWith('/services/data/') ? json.next : null,
  };
}

function cursorOf(json: Json | null, objects: readonly SnapshotObject[]): Cursor {
  const c = (json ?? {}) as Partial<Record<keyof Cursor, Json>>;
  const object = objects.find((o) => o === c.object);
  if (!object) return { object: objects[0]!, after: null, next: null };
  return { object, ...cursorParts(c) };
}

type QueryRecord = { Id?: unknown; LastModifiedDate?: unknown } & Record<string, unknown>;

interface QueryResult {
  done: boolean;
  nextRecordsUrl?: string;
  records: QueryRecord[];
}

/** One batch of a SOQL read: its records as Salesforce answers them, and the cursor after it (null: the last). */
export interface SoqlPage {
  records: QueryRecord[];
  next: SoqlCursor | null;
}

/**
 * Reads a SOQL query in Id order over REST, one batch a call: `GET /services/data/<v>/query?q=SELECT <fields> FROM
 * <object> [WHERE <where>] [AND] [Id > '<after>'] ORDER BY Id` with `Sforce-Query-Options: batchSize=<pageSize>`, then
 * the cursor's `nextRecordsUrl`. When Salesforce no longer knows the query locator (INVALID_QUERY_LOCATOR, after 15
 * minutes unused, or a restarted server) the query runs again from after the last Id read. Deleted records are not
 * read (`query`, not `queryAll`). `what` names the read in the logs (`snapshot`, `GAP_OVERFLOW read`).
 */
export function createSoqlPages(options: {
  apiVersion: string;
  pageSize: number;
  get(path: string, headers?: Record<string, string>): Promise<Buffer | null>;
  logger: Logger;
  what: string;
  /** `queryAll` reads the deleted records in the Recycle Bin too (`IsDeleted = true`); default `query`. */
  resource?: 'query' | 'queryAll';
}) {
  const { apiVersion, get, logger } = options;
  const resource = options.resource ?? 'query';
  const batchSize = { 'sforce-query-options': `batchSize=${options.pageSize}` };

  function soql(cursor: SoqlCursor, fields: readonly string[], where: string | undefined): string {
    const conditions = [...(where ? [where] : []), ...(cursor.after ? [`Id > '${cursor.after}'`] : [])];
    const clause = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
    return `SELECT ${fields.join(', ')} FROM ${cursor.object}${clause} ORDER BY Id`;
  }

  async function read(path: string): Promise<QueryResult> {
    const body = await get(path, batchSize);
    if (body === null) throw new HttpRefusedError({ connector: options.what, method: 'GET', path }, 404, '');
    const parsed = JSON.parse(body.toString('utf8')) as QueryResult;
    if (!Array.isArray(parsed.records)) throw new Error(`GET ${path}: the answer holds no records list`);
    return parsed;
  }

  async function query(cursor: SoqlCursor, fields: readonly string[], where?: string): Promise<QueryResult> {
    if (cursor.next) {
      try {
        return await read(cursor.next);
      } catch (error) {
        // Salesforce forgets a query locator after 15 minutes without use (and when its server restarts).
        if (!(error instanceof HttpRefusedError) || (error.status !== 400 && error.status !== 404))
          throw error;
        logger.info(
          { object: cursor.object, error: errorMessage(error) },
          `${options.what} query locator no longer valid; querying again after the last Id read`,
        );
      }
    }
    return read(
      `/services/data/${apiVersion}/${resource}?q=${encodeURIComponent(soql(cursor, fields, where))}`,
    );
  }

  /** The batch at `cursor` of `SELECT <fields> FROM <cursor.object> [WHERE <where>]`, and the cursor after it. */
  return async function page(
    cursor: SoqlCursor,
    fields: readonly string[],
    where?: string,
  ): Promise<SoqlPage> {
    const result = await query(cursor, fields, where);
    const after = result.records.length > 0 ? String(result.records.at(-1)!.Id) : cursor.after;
    return {
      records: result.records,
      next:
        !result.done && result.nextRecordsUrl
          ? { object: cursor.object, after, next: result.nextRecordsUrl }
          : null,
    };
  };
}

/**
 * A record read by SOQL as a `salesforce-sobject` document (as the GAP re-read gives it, mapped by
 * salesforce/sobject.to-canonical.yaml), its id `<object>/<Id>@<LastModifiedDate>`: a re-read of the same version
 * has the same id.
 */
export function sobjectDocument(object: string, record: QueryRecord): SnapshotDocument {
  const id = String(record.Id);
  return {
    bytes: Buffer.from(JSON.stringify(record)),
    format: SOBJECT_FORMAT,
    name: `${object}/${id}`,
    id: `${object}/${id}@${String(record.LastModifiedDate ?? '')}`,
  };
}

/**
 * Every Account and Contact (configurable) by SOQL, `GET /services/data/<v>/query?q=SELECT … FROM <object> ORDER BY
 * Id`, then its `nextRecordsUrl` batches; each record a `salesforce-sobject` document (as the GAP re-read gives it,
 * mapped by salesforce/sobject.to-canonical.yaml). The cursor keeps the query locator and the last Id read: after a
 * restart the locator is tried, and when Salesforce no longer knows it (INVALID_QUERY_LOCATOR, after 15 minutes, or
 * a restarted server) the query runs again from after that Id. Deleted records are not read (`query`, not `queryAll`).
 */
export function createSalesforceSnapshotPager(options: {
  config: SalesforceSnapshotConfig;
  apiVersion: string;
  get(path: string, headers?: Record<string, string>): Promise<Buffer | null>;
  logger: Logger;
}): SnapshotPager {
  const { config } = options;
  const objects = config.objects;
  const fieldsOf = (object: SnapshotObject) => [
    'Id',
    ...(config.fields[object] ?? DEFAULT_SNAPSHOT_FIELDS[object]).filter((f) => f.toLowerCase() !== 'id'),
  ];
  const pages = createSoqlPages({ ...options, pageSize: config.pageSize, what: 'snapshot' });

  return {
    async page(json): Promise<SnapshotPage> {
      const cursor = cursorOf(json, objects);
      const result = await pages(cursor, fieldsOf(cursor.object));
      const documents = result.records.map((record) => sobjectDocument(cursor.object, record));
      const following = objects[objects.indexOf(cursor.object) + 1];
      const next: SoqlCursor | null =
        result.next ?? (following ? { object: following, after: null, next: null } : null);
      return { documents, next: next as unknown as Json };
    },
  };
}
