import { z } from 'zod';
import type { Logger } from '../../lib/logger.ts';
import type { ConnectorContext, SourceTask, WebhookRequest } from '../sdk/index.ts';
import { headerSecret } from '../transports/http-sink-config.ts';
import { withInitialSnapshot } from '../transports/snapshot.ts';
import { targetUrl } from '../transports/target-url.ts';
import { createWebhookSource, WebhookBodyError, type WebhookPart } from '../transports/webhook.ts';
import { webhookSourceConfig } from '../transports/webhook-config.ts';
import { createAccountTimeZone, dailyLimitCheck } from './daily-limit.ts';
import { createHubspotGet } from './rest.ts';
import { withSensitiveRereads } from './sensitive-reread.ts';
import { createHubspotSnapshotPager, hubspotSnapshotConfig } from './snapshot.ts';

/** The format every document of this source is in (formats/hubspot-contact). */
export const HUBSPOT_CONTACT_FORMAT = 'hubspot-contact';
/** The format of a company's webhook event, with `companies: true` (formats/hubspot-company). */
export const HUBSPOT_COMPANY_FORMAT = 'hubspot-company';

/** HubSpot posts at most 100 events per request. */
const MAX_EVENTS = 100;

export const hubspotContactWebhookConfig = webhookSourceConfig
  .omit({ signature: true, json: true, deliveryIdHeader: true })
  .extend({
    clientSecret: z
      .string()
      .min(1, 'the client secret is empty')
      .meta({ secret: true })
      .describe(
        "The HubSpot app's client secret, which signs every webhook request (v3 signature); write an environment reference (`$" +
          '{env:NAME}`) in deployment files.',
      ),
    maxAgeMs: z
      .number()
      .int()
      .positive()
      .default(300_000)
      .describe(
        'Requests whose X-HubSpot-Request-Timestamp is older than this are refused (HubSpot: 5 minutes).',
      ),
    publicOrigin: z
      .url()
      .optional()
      .describe(
        'The origin HubSpot calls (`https://hub.example.com`) when a proxy sits in front of the hub: the signature covers the full URL.',
      ),
    baseUrl: targetUrl()
      .default('https://api.hubapi.com')
      .describe(
        'HubSpot API base URL, for reads over the CRM API (the initial snapshot, the re-read of a Sensitive Data change).',
      ),
    accessToken: headerSecret()
      .min(1, 'the access token is empty')
      .optional()
      .meta({ secret: true })
      .describe(
        'The private app\'s access token (`pat-…`) for reads over the CRM API: the initial snapshot (scope crm.objects.contacts.read, with `companies: true` crm.objects.companies.read too; required with `snapshot.mode: initial`) and the re-read of a contact whose Sensitive Data property changed, which the webhook sends as "REDACTED" (scope crm.objects.contacts.sensitive.read too; without a token such a change is published as RESYNC_REQUESTED only). Write an environment reference (`$' +
          '{env:NAME}`).',
      ),
    rereadTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Deadline of one read of a contact whose Sensitive Data property changed, in ms.'),
    rereadRetries: z
      .number()
      .int()
      .nonnegative()
      .default(3)
      .describe(
        "Retries of a failed re-read of a contact (5xx, 429, network); then the event's request is answered 503 so HubSpot sends it again.",
      ),
    snapshot: hubspotSnapshotConfig,
    companies: z
      .boolean()
      .default(false)
      .describe(
        "Read HubSpot's company webhooks (company.creation, company.propertyChange, company.deletion, company.merge, company.restore; the app subscribed to them) as ORGANIZATION CustomerEvents, each a hubspot-company document mapped by the shipped hubspot/company.to-canonical.yaml and keyed `hubspot:company:<id>`, apart from the contact of the same id; with `snapshot.mode: initial` the snapshot reads every company too, after the contacts (`snapshot.companyProperties`). Off: they are acknowledged and counted as skipped.",
      ),
  })
  .refine((config) => config.snapshot.mode === 'never' || config.accessToken !== undefined, {
    message: 'the initial snapshot reads contacts (and companies) over REST: give accessToken',
    path: ['accessToken'],
  });

export type HubspotContactWebhookConfig = z.output<typeof hubspotContactWebhookConfig>;

const eventId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)], {
  error: (issue) => (issue.input === undefined ? 'missing' : 'expected a non-negative integer'),
});

/** What the split needs of each event; the format reader checks the rest (and dead-letters what it refuses). */
export const hubspotEventsBody = z
  .array(
    z
      .looseObject({
        eventId: eventId.describe('event id'),
        // HubSpot's eventId "is not guaranteed to be unique" (Webhooks API, event payload): only with the
        // subscription that sent it does it name one event.
        subscriptionId: eventId.describe('subscription id'),
        portalId: eventId.describe('portal id'),
        // Deliveries name the event's type `subscriptionType`; HubSpot's webhook docs' example, `eventType`.
        subscriptionType: z.string().min(1).optional(),
        eventType: z.string().min(1).optional(),
      })
      .refine((event) => event.subscriptionType !== undefined || event.eventType !== undefined, {
        message: 'the event names no type (subscriptionType or eventType)',
        path: ['subscriptionType'],
      }),
    { error: 'expected a JSON array of webhook events' },
  )
  .min(1, 'empty batch of webhook events')
  .max(MAX_EVENTS, `more than ${MAX_EVENTS} events in one request`);

/**
 * One document per event (the format reads a single event as a one-event batch). HubSpot's `eventId` is not
 * guaranteed to be unique (its Webhooks API docs): two subscriptions (a contact's `firstname` and `lastname`
 * changes, a contact's and a company's creation) may send the same one. An event is named by its subscription and
 * event ids: its records' CloudEvents id `<subscriptionId>:<eventId>`, its delivery id
 * `hubspot:<portalId>:<subscriptionId>:<eventId>`, by which a redelivery (HubSpot retries the same events with a
 * higher `attemptNumber`, possibly batched differently) is recognised per event.
 */
export function splitHubspotEvents(
  _request: WebhookRequest,
  body: unknown,
  logger?: Pick<Logger, 'debug'>,
  options: { companies?: boolean } = {},
): WebhookPart[] {
  if (!Array.isArray(body)) throw new WebhookBodyError('expected a JSON array of webhook events');
  return (body as Array<z.output<typeof hubspotEventsBody>[number]>).map((event) => {
    const id = `${event.subscriptionId}:${event.eventId}`;
    const company = options.companies === true && isCompanyEvent(event);
    if (logger) skippedEvent(event, logger, company);
    const deliveryId = `hubspot:${event.portalId}:${id}`;
    return {
      bytes: Buffer.from(JSON.stringify(event)),
      format: company ? HUBSPOT_COMPANY_FORMAT : HUBSPOT_CONTACT_FORMAT,
      id,
      deliveryId,
      name: deliveryId,
    };
  });
}

/**
 * A company's event: `company.<action>`, or a generic subscription's `object.<action>` of objectTypeId `0-2`
 * (HubSpot's id of companies), as the hubspot-company reader takes them. A company's association change is one too
 * (its mapping skips it).
 */
function isCompanyEvent(event: Record<string, unknown>): boolean {
  const type = String(event.subscriptionType ?? event.eventType ?? '');
  return type.startsWith('company.') || (type.startsWith('object.') && event.objectTypeId === '0-2');
}

/**
 * HubSpot posts every subscription of the app to one URL: a contact's association with a company, deal or ticket
 * (`contact.associationChange`), and another object's events (`company.creation`, `company.propertyChange`,
 * `company.deletion`…). None changes a customer the contact mapping reads (a contact's company name is its `company`
 * property, whose own propertyChange tells it), so the mapping selects nothing from them: they are acknowledged and
 * counted as skipped (the connector's `skippedReasons`), never dead-lettered. Each is logged here at debug, naming it.
 * With `companies: true` a company's events are read (hubspot-company documents) and not logged as skipped.
 */
function skippedEvent(event: Record<string, unknown>, logger: Pick<Logger, 'debug'>, company: boolean): void {
  const type = String(event.subscriptionType ?? event.eventType ?? '');
  if (type.endsWith('.associationChange'))
    logger.debug(
      {
        eventId: event.eventId,
        associationType: event.associationType,
        fromObjectId: event.fromObjectId,
        toObjectId: event.toObjectId,
        associationRemoved: event.associationRemoved,
      },
      'HubSpot association change skipped: it changes no customer the contact mapping reads',
    );
  else if (!company && !type.startsWith('contact.') && !type.startsWith('object.'))
    logger.debug(
      { eventId: event.eventId, subscriptionType: type, objectId: event.objectId },
      type.startsWith('company.')
        ? `HubSpot ${type} event skipped: this source reads contacts (companies: true reads companies too)`
        : `HubSpot ${type} event skipped: this source reads contacts`,
    );
}

/**
 * The contact webhook source, with the re-read of Sensitive Data changes and the initial snapshot when it has an
 * access token. HubSpot's daily API limit stops neither: both wait for its reset, midnight in the account's time zone
 * (read once at start, before the limit can be spent). `options.now`: the clock those waits are computed against (tests).
 */
export function createHubspotContactWebhookSource(
  config: HubspotContactWebhookConfig,
  context: ConnectorContext,
  options: { now?: () => number } = {},
): SourceTask {
  const {
    clientSecret,
    maxAgeMs,
    publicOrigin,
    baseUrl,
    accessToken,
    rereadTimeoutMs,
    rereadRetries,
    snapshot,
    companies,
    ...webhook
  } = config;
  const source = createWebhookSource(
    {
      ...webhook,
      json: true,
      signature: {
        scheme: 'hubspot-v3',
        secret: clientSecret,
        maxAgeMs,
        ...(publicOrigin === undefined ? {} : { publicOrigin }),
      },
      bodySchema: hubspotEventsBody,
      split: (request, body) => splitHubspotEvents(request, body, context.logger, { companies }),
    },
    context,
  );
  if (accessToken === undefined) {
    context.logger.warn(
      'no accessToken: a change of a Sensitive Data property (sent as "REDACTED") cannot be re-read from HubSpot and is published as RESYNC_REQUESTED only',
    );
    return source;
  }
  const now = options.now ?? Date.now;
  const accountTimeZone = createAccountTimeZone(
    createHubspotGet({
      baseUrl,
      accessToken,
      connector: context.name,
      timeoutMs: rereadTimeoutMs,
      retries: 1,
    }),
    context.signal,
  );
  const dailyLimit = dailyLimitCheck(accountTimeZone, now);
  const changes = withSensitiveRereads(source, {
    get: createHubspotGet({
      baseUrl,
      accessToken,
      connector: context.name,
      timeoutMs: rereadTimeoutMs,
      retries: rereadRetries,
      dailyLimit,
    }),
    // The properties the shipped crm-object mapping reads (unless the deployment names its own), plus the one changed.
    properties: snapshot.properties,
    signal: context.signal,
    logger: context.logger,
    now,
  });
  const task =
    snapshot.mode === 'never'
      ? changes
      : withInitialSnapshot(
          changes,
          createHubspotSnapshotPager({
            config: snapshot,
            baseUrl,
            accessToken,
            connector: context.name,
            dailyLimit,
            companies,
          }),
          snapshot,
          context,
        );
  return {
    ...task,
    // The time zone is asked at start: once the daily limit is spent, HubSpot answers that read 429 too.
    start(positions) {
      void accountTimeZone.read();
      return task.start(positions);
    },
  };
}
