import { z } from 'zod';
import type { Json } from '../sdk/index.ts';
import { HttpRefusedError } from '../transports/http-errors.ts';
import { type SnapshotPage, type SnapshotPager, snapshotConfig } from '../transports/snapshot.ts';
import type { DailyLimitCheck } from './daily-limit.ts';
import { createHubspotGet } from './rest.ts';

/**
 * The format of a contact or company read over REST (formats/hubspot-crm-object, a company stamped `objectTypeId`
 * 0-2), mapped by hubspot/crm-object.to-canonical.yaml.
 */
export const CRM_OBJECT_FORMAT = 'hubspot-crm-object';

export const CONTACTS_PATH = '/crm/v3/objects/contacts';
export const COMPANIES_PATH = '/crm/v3/objects/companies';

/**
 * The contact properties the shipped mappings read (mappings/hubspot/lookups/property-paths.yaml, and website), and
 * eai_golden_id, the hub's golden id stamp: read, a record that comes without it is one a person cleared it on (its
 * id goes, and the hub stamps it again), and a load of the export keeps it on the hub's copy.
 */
export const DEFAULT_SNAPSHOT_PROPERTIES = [
  'email',
  'hs_additional_emails',
  'salutation',
  'firstname',
  'lastname',
  'company',
  'phone',
  'mobilephone',
  'fax',
  'address',
  'city',
  'state',
  'zip',
  'country',
  'date_of_birth',
  'lifecyclestage',
  'website',
  'eai_golden_id',
];

/**
 * The company properties the shipped company mappings read: those with a canonical place
 * (mappings/hubspot/lookups/company-property-paths.yaml), the extensions the README names, and the golden id stamp
 * eai_golden_id (as a contact's).
 */
export const DEFAULT_COMPANY_SNAPSHOT_PROPERTIES = [
  'name',
  'domain',
  'website',
  'industry',
  'phone',
  'address',
  'city',
  'state',
  'zip',
  'country',
  'eai_golden_id',
];

const propertyNames = z.array(z.string().regex(/^[a-z0-9_]+$/, 'a HubSpot property name')).min(1);

export const hubspotSnapshotConfig = snapshotConfig(
  {
    min: 1,
    max: 100,
    default: 100,
    doc: 'Contacts (and companies) per page (`limit`; HubSpot answers at most 100).',
  },
  {
    properties: propertyNames
      .default(DEFAULT_SNAPSHOT_PROPERTIES)
      .describe(
        "Contact properties read (`properties=`) by the snapshot, and by the re-read of a contact whose Sensitive Data property changed (with that property added); each read is set, or cleared when empty (eai_golden_id, the hub's golden id stamp: the id it gives, or its removal). Default: those the shipped mappings read.",
      ),
    companyProperties: propertyNames
      .default(DEFAULT_COMPANY_SNAPSHOT_PROPERTIES)
      .describe(
        'With `companies: true`: the company properties read (`properties=`) by the snapshot, which reads every company after the contacts; each read is set, or cleared when empty, one without a canonical place kept as the extension `hubspot.<property>`. Default: those the shipped company mappings read, and eai_golden_id.',
      ),
  },
);

export type HubspotSnapshotConfig = z.output<typeof hubspotSnapshotConfig>;

interface ListAnswer {
  results?: unknown;
  paging?: { next?: { after?: unknown } };
}

/** The object types the snapshot reads, in order: contacts, then (with `companies: true`) companies. */
interface ObjectList {
  /** The cursor's `object` (none: contacts, as positions written before companies were read say it). */
  object: 'contacts' | 'companies';
  path: string;
  properties: string;
  /** Stamped on each object read, for the format to know its type (HubSpot's answer does not say it). */
  objectTypeId?: string;
  singular: string;
}

/** Where a cursor is: the list and the `after` in it; no list: one this connector no longer reads (`companies` off). */
function cursorOf(cursor: Json | null, lists: ObjectList[]): { list?: ObjectList; after?: string } {
  const { object, after } = (cursor ?? {}) as { object?: unknown; after?: unknown };
  const list = lists.find((l) => l.object === (object ?? 'contacts'));
  return typeof after === 'string' && after !== '' ? { list, after } : { list };
}

/**
 * Every contact that is not archived, `GET /crm/v3/objects/contacts?limit=&after=&properties=&archived=false` in
 * HubSpot's order (by id), following `paging.next.after`, then with `companies` every company that is not archived
 * the same way (`GET /crm/v3/objects/companies?…`); each a `hubspot-crm-object` document (a company stamped
 * `objectTypeId: "0-2"`), mapped by hubspot/crm-object.to-canonical.yaml and keyed like the webhook events
 * (`hubspot:<id>`, a company `hubspot:company:<id>`). The cursor says which list and the `after` of its next page
 * (`{after}` in the contacts, `{object: "companies", after?}`), which HubSpot keeps valid (it is the next id), so a
 * restart resumes there. With `dailyLimit`, a page refused for HubSpot's daily API limit throws an
 * HttpLimitWaitError at once: the snapshot waits until the reset, midnight in the account's time zone, and reads the
 * page again then.
 */
export function createHubspotSnapshotPager(options: {
  config: HubspotSnapshotConfig;
  baseUrl: string;
  accessToken: string;
  connector: string;
  dailyLimit?: DailyLimitCheck;
  /** Read the companies too, after the contacts (the source's `companies: true`). */
  companies?: boolean;
}): SnapshotPager {
  const { config } = options;
  const lists: ObjectList[] = [
    {
      object: 'contacts',
      path: CONTACTS_PATH,
      properties: config.properties.join(','),
      singular: 'contact',
    },
    ...(options.companies
      ? [
          {
            object: 'companies' as const,
            path: COMPANIES_PATH,
            properties: config.companyProperties.join(','),
            objectTypeId: '0-2',
            singular: 'company',
          },
        ]
      : []),
  ];
  const get = createHubspotGet({
    baseUrl: options.baseUrl,
    accessToken: options.accessToken,
    connector: options.connector,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    initialDelayMs: 500,
    maxDelayMs: 10_000,
    ...(options.dailyLimit ? { dailyLimit: options.dailyLimit } : {}),
  });

  return {
    scope: lists.map((list) => list.object),
    // A snapshot done before read the contacts (a position without its parts: one of before companies were read);
    // companies turned on since are read now.
    continueAfter(readBefore) {
      const unread = lists.find((list) => !(readBefore ?? ['contacts']).includes(list.object));
      return unread ? { object: unread.object } : null;
    },
    async page(cursor: Json | null, signal: AbortSignal): Promise<SnapshotPage> {
      const { list, after } = cursorOf(cursor, lists);
      // Stopped in the companies, restarted with `companies: false`: nothing more to read.
      if (!list) return { documents: [], next: null };
      const query = new URLSearchParams({
        limit: String(config.pageSize),
        properties: list.properties,
        archived: 'false',
      });
      if (after !== undefined) query.set('after', after);
      const body = await get(`${list.path}?${query}`, signal);
      if (body === null)
        throw new HttpRefusedError(
          { connector: options.connector, method: 'GET', path: list.path },
          404,
          `no ${list.object} list at this base URL`,
        );
      const answer = JSON.parse(body.toString('utf8')) as ListAnswer;
      const results = Array.isArray(answer.results) ? (answer.results as Array<Record<string, unknown>>) : [];
      const next = answer.paging?.next?.after;
      const following = lists[lists.indexOf(list) + 1];
      return {
        documents: results.map((object) => ({
          bytes: Buffer.from(
            JSON.stringify(list.objectTypeId ? { ...object, objectTypeId: list.objectTypeId } : object),
          ),
          format: CRM_OBJECT_FORMAT,
          name: `${list.singular}/${String(object.id)}`,
        })),
        // Contacts' cursors stay `{after}`, as positions stored before companies were read.
        next:
          typeof next === 'string' && next !== ''
            ? list.object === 'contacts'
              ? { after: next }
              : { object: list.object, after: next }
            : following
              ? { object: following.object }
              : null,
      };
    },
  };
}
