import { z } from 'zod';
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Json } from '../sdk/index.ts';
import { HttpRefusedError } from '../transports/http-errors.ts';
import { type SnapshotPage, type SnapshotPager, snapshotConfig } from '../transports/snapshot.ts';
import { SOBJECT_FORMAT } from './gap-reread.ts';

/** The objects a snapshot reads: those salesforce/sobject.to-canonical.yaml maps to CustomerEvents. */
const SNAPSHOT_OBJECTS = ['Account', 'Contact'] as const;
type SnapshotObject = (typeof SNAPSHOT_OBJECTS)[number];

/**
 * Fields read per object by default: the standard ones the shipped mapping reads (mappings/salesforce/lookups) that the
 * hub's org has (its Contact has no MailingState), its custom VAT and SAP number fields on Account, and the two dates
 * (createdAt, updatedAt / occurredAt).
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
    'CreatedDate',
    'LastModifiedDate',
  ],
};

/**
 * The hub's key fields: salesforce/sobject.to-canonical.yaml prefers them as the customerId, so an event read with
 * them would be keyed apart from the record's CDC events (`salesforce:<Id>`) and lose its order against them.
 */
const HUB_KEY_FIELDS = new Set(['external_id__c', 'eai_golden_id__c']);

const fieldList = z
  .array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'an API field name (compound fields by their parts)'))
  .min(1)
  .refine(
    (fields) => !fields.some((f) => HUB_KEY_FIELDS.has(f.toLowerCase())),
    'External_Id__c and Eai_Golden_Id__c are the hub key: events read with them would be keyed apart from the CDC events',
  );

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
        "Fields read per object; default: those the shipped mapping reads, with the hub org's custom fields VAT_Number__c and SAP_Customer_Number__c on Account (an org without them lists its own). Not the hub key fields.",
      ),
  },
);

export type SalesforceSnapshotConfig = z.output<typeof salesforceSnapshotConfig>;

/** Where the snapshot stands: the object, the last Id committed, and the query locator of the next batch. */
interface Cursor {
  object: SnapshotObject;
  /** Id of the last record read of `object`: a new query resumes after it (`WHERE Id > …`). */
  after: string | null;
  /** `nextRecordsUrl` of the query under way; Salesforce forgets it after 15 minutes, then `after` re-queries. */
  next: string | null;
}

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

function cursorOf(json: Json | null, objects: readonly SnapshotObject[]): Cursor {
  const c = (json ?? {}) as Partial<Record<keyof Cursor, Json>>;
  const object = objects.find((o) => o === c.object);
  if (!object) return { object: objects[0]!, after: null, next: null };
  return {
    object,
    after: typeof c.after === 'string' && SALESFORCE_ID.test(c.after) ? c.after : null,
    next: typeof c.next === 'string' && c.next.startsWith('/services/data/') ? c.next : null,
  };
}

interface QueryResult {
  done: boolean;
  nextRecordsUrl?: string;
  records: Array<{ Id?: unknown; LastModifiedDate?: unknown } & Record<string, unknown>>;
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
  const { config, apiVersion, get, logger } = options;
  const objects = config.objects;
  const fieldsOf = (object: SnapshotObject) => [
    'Id',
    ...(config.fields[object] ?? DEFAULT_SNAPSHOT_FIELDS[object]).filter((f) => f.toLowerCase() !== 'id'),
  ];
  const batchSize = { 'sforce-query-options': `batchSize=${config.pageSize}` };

  function soql(cursor: Cursor): string {
    const where = cursor.after ? ` WHERE Id > '${cursor.after}'` : '';
    return `SELECT ${fieldsOf(cursor.object).join(', ')} FROM ${cursor.object}${where} ORDER BY Id`;
  }

  async function read(path: string): Promise<QueryResult> {
    const body = await get(path, batchSize);
    if (body === null) throw new HttpRefusedError({ connector: 'snapshot', method: 'GET', path }, 404, '');
    const parsed = JSON.parse(body.toString('utf8')) as QueryResult;
    if (!Array.isArray(parsed.records)) throw new Error(`GET ${path}: the answer holds no records list`);
    return parsed;
  }

  async function query(cursor: Cursor): Promise<QueryResult> {
    if (cursor.next) {
      try {
        return await read(cursor.next);
      } catch (error) {
        // Salesforce forgets a query locator after 15 minutes without use (and when its server restarts).
        if (!(error instanceof HttpRefusedError) || (error.status !== 400 && error.status !== 404))
          throw error;
        logger.info(
          { object: cursor.object, error: errorMessage(error) },
          'snapshot query locator no longer valid; querying again after the last Id read',
        );
      }
    }
    return read(`/services/data/${apiVersion}/query?q=${encodeURIComponent(soql(cursor))}`);
  }

  return {
    async page(json): Promise<SnapshotPage> {
      const cursor = cursorOf(json, objects);
      const result = await query(cursor);
      const documents = result.records.map((record) => {
        const id = String(record.Id);
        return {
          bytes: Buffer.from(JSON.stringify(record)),
          format: SOBJECT_FORMAT,
          name: `${cursor.object}/${id}`,
          id: `${cursor.object}/${id}@${String(record.LastModifiedDate ?? '')}`,
        };
      });
      const lastId = result.records.length > 0 ? String(result.records.at(-1)!.Id) : cursor.after;
      const following = objects[objects.indexOf(cursor.object) + 1];
      const next: Cursor | null =
        !result.done && result.nextRecordsUrl
          ? { object: cursor.object, after: lastId, next: result.nextRecordsUrl }
          : following
            ? { object: following, after: null, next: null }
            : null;
      return { documents, next: next as unknown as Json };
    },
  };
}
