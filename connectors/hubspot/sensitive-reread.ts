import type { Logger } from '../../lib/logger.ts';
import type { SourceDocument, SourceTask } from '../sdk/index.ts';
import { withRereads } from '../transports/reread.ts';
import type { HubspotGet } from './rest.ts';
import { CONTACTS_PATH, CRM_OBJECT_FORMAT } from './snapshot.ts';

/**
 * What HubSpot sends as a Sensitive Data property's propertyValue in every webhook (its "Access and manage Sensitive
 * Data" guide); the format reader marks such an event `redacted` (formats/hubspot-contact).
 */
const REDACTED = 'REDACTED';

/** Changes an app makes are marked with these; with the app's own id as sourceId they are the hub's own writes. */
const APP_CHANGE_SOURCES = new Set(['INTEGRATION', 'API']);

interface RedactedChange {
  eventId: string;
  contactId: string;
  propertyName: string;
}

const digits = (value: unknown): string | undefined =>
  (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ||
  (typeof value === 'string' && /^\d+$/.test(value))
    ? String(value)
    : undefined;

/**
 * The contact and property of a webhook event that is a redacted change of a Sensitive Data property; undefined for
 * any other event, and for the echo of the hub's own write (changeSource INTEGRATION or API from this app: the hub
 * knows what it wrote, and the event goes on as RESYNC_REQUESTED carrying that origin, which sinks drop as an echo).
 */
export function redactedChangeOf(bytes: Buffer): RedactedChange | undefined {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (event === null || typeof event !== 'object') return undefined;
  const type = event.subscriptionType ?? event.eventType;
  if (type !== 'contact.propertyChange' || event.propertyValue !== REDACTED) return undefined;
  const eventId = digits(event.eventId);
  const contactId = digits(event.objectId);
  const propertyName = event.propertyName;
  if (!eventId || !contactId || typeof propertyName !== 'string' || propertyName === '') return undefined;
  const appId = digits(event.appId);
  if (
    typeof event.changeSource === 'string' &&
    APP_CHANGE_SOURCES.has(event.changeSource) &&
    appId !== undefined &&
    event.sourceId === appId
  )
    return undefined;
  return { eventId, contactId, propertyName };
}

/**
 * Wraps the contact webhook source: a propertyChange of a Sensitive Data property (its value sent as "REDACTED") is
 * answered by reading the contact, `GET /crm/v3/objects/contacts/<id>?properties=<properties>,<the property>`, which
 * takes the place of the event as a `hubspot-crm-object` document (mapped by the shipped
 * hubspot/crm-object.to-canonical.yaml: UPDATED with every property read). Its CloudEvents id is `<eventId>:reread`,
 * one per event, so two sensitive changes of one contact are two records, the same on a redelivery. A contact gone
 * by then (404: deleted or GDPR-deleted, which its own webhooks tell) is logged and the event acknowledged with
 * nothing published. A read that still fails after the retries refuses that event's request (503: HubSpot sends it
 * again); the rest of the batch goes on.
 */
export function withSensitiveRereads(
  inner: SourceTask,
  options: { get: HubspotGet; properties: readonly string[]; signal: AbortSignal; logger: Logger },
): SourceTask {
  const { get, properties, signal, logger } = options;
  return withRereads<RedactedChange>(
    inner,
    {
      wanted: (document) => redactedChangeOf(document.bytes),
      async read(document, change): Promise<SourceDocument[]> {
        const query = new URLSearchParams({
          properties: [...new Set([...properties, change.propertyName])].join(','),
        });
        const path = `${CONTACTS_PATH}/${change.contactId}`;
        const bytes = await get(`${path}?${query}`, signal, path);
        if (bytes === null) {
          logger.info(
            { contactId: change.contactId, property: change.propertyName, eventId: change.eventId },
            'contact of a Sensitive Data change is gone (404); the event is dropped',
          );
          return [];
        }
        logger.debug(
          { contactId: change.contactId, property: change.propertyName, eventId: change.eventId },
          'Sensitive Data change answered by re-reading the contact',
        );
        return [
          {
            ...document,
            bytes,
            format: CRM_OBJECT_FORMAT,
            id: `${change.eventId}:reread`,
            name: `${document.name ?? document.deliveryId}#reread`,
            deliveryId: `${document.deliveryId}:reread`,
          },
        ];
      },
      describe: (_document, change) => ({
        contactId: change.contactId,
        property: change.propertyName,
        eventId: change.eventId,
      }),
      failedMessage: 're-read of a Sensitive Data change failed; the event is refused for redelivery',
    },
    logger,
  );
}
