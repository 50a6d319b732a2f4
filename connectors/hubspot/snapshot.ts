import { z } from 'zod';
import type { Json } from '../sdk/index.ts';
import { HttpRefusedError } from '../transports/http-errors.ts';
import { type SnapshotPage, type SnapshotPager, snapshotConfig } from '../transports/snapshot.ts';
import type { DailyLimitCheck } from './daily-limit.ts';
import { createHubspotGet } from './rest.ts';

/** The format of a contact read over REST (formats/hubspot-crm-object), mapped by hubspot/crm-object.to-canonical.yaml. */
export const CRM_OBJECT_FORMAT = 'hubspot-crm-object';

export const CONTACTS_PATH = '/crm/v3/objects/contacts';

/** The contact properties the shipped mappings read (mappings/hubspot/lookups/property-paths.yaml, and website). */
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
];

export const hubspotSnapshotConfig = snapshotConfig(
  {
    min: 1,
    max: 100,
    default: 100,
    doc: 'Contacts per page (`limit`; HubSpot answers at most 100).',
  },
  {
    properties: z
      .array(z.string().regex(/^[a-z0-9_]+$/, 'a HubSpot property name'))
      .min(1)
      .default(DEFAULT_SNAPSHOT_PROPERTIES)
      .describe(
        'Contact properties read (`properties=`) by the snapshot, and by the re-read of a contact whose Sensitive Data property changed (with that property added); each read is set, or cleared when empty. Default: those the shipped mappings read.',
      ),
  },
);

export type HubspotSnapshotConfig = z.output<typeof hubspotSnapshotConfig>;

interface ListAnswer {
  results?: unknown;
  paging?: { next?: { after?: unknown } };
}

/**
 * Every contact that is not archived, `GET /crm/v3/objects/contacts?limit=&after=&properties=&archived=false` in
 * HubSpot's order (by id), following `paging.next.after`; each contact a `hubspot-crm-object` document (mapped by
 * hubspot/crm-object.to-canonical.yaml, keyed `hubspot:<id>` like the webhook events). The cursor is the `after` of
 * the next page, which HubSpot keeps valid (it is the next id), so a restart resumes there. With `dailyLimit`, a page
 * refused for HubSpot's daily API limit throws an HttpLimitWaitError at once: the snapshot waits until the reset,
 * midnight in the account's time zone, and reads the page again then.
 */
export function createHubspotSnapshotPager(options: {
  config: HubspotSnapshotConfig;
  baseUrl: string;
  accessToken: string;
  connector: string;
  dailyLimit?: DailyLimitCheck;
}): SnapshotPager {
  const { config } = options;
  const properties = config.properties.join(',');
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
    async page(cursor: Json | null, signal: AbortSignal): Promise<SnapshotPage> {
      const after = (cursor as { after?: unknown } | null)?.after;
      const query = new URLSearchParams({ limit: String(config.pageSize), properties, archived: 'false' });
      if (typeof after === 'string' && after !== '') query.set('after', after);
      const body = await get(`${CONTACTS_PATH}?${query}`, signal);
      if (body === null)
        throw new HttpRefusedError(
          { connector: options.connector, method: 'GET', path: CONTACTS_PATH },
          404,
          'no contacts list at this base URL',
        );
      const answer = JSON.parse(body.toString('utf8')) as ListAnswer;
      const results = Array.isArray(answer.results) ? (answer.results as Array<Record<string, unknown>>) : [];
      const next = answer.paging?.next?.after;
      return {
        documents: results.map((contact) => ({
          bytes: Buffer.from(JSON.stringify(contact)),
          format: CRM_OBJECT_FORMAT,
          name: `contact/${String(contact.id)}`,
        })),
        next: typeof next === 'string' && next !== '' ? { after: next } : null,
      };
    },
  };
}
