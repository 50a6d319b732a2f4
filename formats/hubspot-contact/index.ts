import { decodeUtf8 } from '../text-input/decode.ts';
import { epochMillisToIso } from '../text-input/epoch.ts';
import { parseJson } from '../text-input/json.ts';
import { JsonDecimal } from '../text-input/json-number.ts';
import { isObject, type JsonObject, ptr, shown } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type ParsedDocument } from '../types.ts';
import type { ContactAction, ContactChanges, HubspotContactTree, WebhookEvent } from './tree.ts';

export type * from './tree.ts';

const FORMAT = 'hubspot-contact';
const ACTIONS = new Set<ContactAction>([
  'creation',
  'propertyChange',
  'deletion',
  'merge',
  'restore',
  'privacyDeletion',
  'associationChange',
]);

function fail(loc: string, message: string): never {
  throw new FormatError(FORMAT, loc, message);
}

/** Ids as their exact digits: past 2^53 the parser keeps them as JsonDecimal, never rounded or `1e+25`. */
function id(value: unknown, loc: string, required: boolean): string | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (value instanceof JsonDecimal && /^\d+$/.test(value.source)) return value.source;
  if (typeof value === 'string' && /^\d+$/.test(value)) return value;
  if (value === undefined || value === null) {
    if (!required) return null;
    fail(loc, 'missing id');
  }
  fail(loc, `expected a whole-number id, got ${shown(value)}`);
}

function text(event: JsonObject, key: string, loc: string): string | null {
  const value = event[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') fail(ptr(loc, key), `${key} must be a string`);
  return value;
}

/**
 * The event's subscription type and the key it came under: `subscriptionType`, as HubSpot delivers it, else
 * `eventType`, as the example in HubSpot's webhook documentation names it (some deliveries carry both).
 */
function subscriptionTypeOf(event: Record<string, unknown>): { type: unknown; key: string } {
  if (event.subscriptionType !== undefined || event.eventType === undefined)
    return { type: event.subscriptionType, key: 'subscriptionType' };
  return { type: event.eventType, key: 'eventType' };
}

/**
 * The contact action of an event: `contact.<action>` (legacy CRM object subscriptions), or a generic subscription's
 * `object.<action>` whose objectTypeId is `0-1`, HubSpot's object type id of contacts (generic webhook subscriptions,
 * the format of apps on HubSpot's current developer platform). Null for any other object's event.
 */
function contactActionOf(event: Record<string, unknown>, type: string): ContactAction | null {
  const [object, action] = type.split('.', 2);
  const contact = object === 'contact' || (object === 'object' && event.objectTypeId === '0-1');
  return contact && ACTIONS.has(action as ContactAction) ? (action as ContactAction) : null;
}

/**
 * What HubSpot sends as propertyValue when the property holds Sensitive Data (its "Access and manage Sensitive Data"
 * guide, the contact.propertyChange example): the property changed, its value is not in the webhook.
 */
const REDACTED = 'REDACTED';

function readEvent(
  event: unknown,
  loc: string,
): WebhookEvent & { objectId: string; portalId: string; appId: string | null; ms: number } {
  if (!isObject(event)) fail(loc, 'a webhook event is an object');
  const { type, key } = subscriptionTypeOf(event);
  if (typeof type !== 'string') fail(ptr(loc, key), 'missing subscriptionType (or eventType)');
  const action = contactActionOf(event, type);
  if (action === null)
    fail(ptr(loc, key), `subscription ${type} is not a contact subscription this reader handles`);
  const ms = event.occurredAt;
  const occurredAt = epochMillisToIso(FORMAT, ptr(loc, 'occurredAt'), 'occurredAt', ms);
  if (action === 'propertyChange' && typeof event.propertyName !== 'string')
    fail(ptr(loc, 'propertyName'), 'propertyChange without propertyName');
  const merged = event.mergedObjectIds;
  if (merged !== undefined && !Array.isArray(merged))
    fail(ptr(loc, 'mergedObjectIds'), 'mergedObjectIds must be an array');
  const count = event.numberOfPropertiesMoved;
  // An associationChange names its two ends, fromObjectId (the contact of a contact.* subscription) and toObjectId,
  // and no objectId.
  const objectKey =
    action === 'associationChange' && event.objectId === undefined ? 'fromObjectId' : 'objectId';
  return {
    $loc: loc,
    objectId: id(event[objectKey], ptr(loc, objectKey), true) as string,
    portalId: id(event.portalId, ptr(loc, 'portalId'), true) as string,
    appId: id(event.appId, ptr(loc, 'appId'), false),
    ms: ms as number,
    eventId: id(event.eventId, ptr(loc, 'eventId'), true) as string,
    subscriptionId: id(event.subscriptionId, ptr(loc, 'subscriptionId'), true) as string,
    subscriptionType: type,
    action: action as ContactAction,
    occurredAt,
    attemptNumber: typeof event.attemptNumber === 'number' ? event.attemptNumber : null,
    propertyName: text(event, 'propertyName', loc),
    propertyValue: text(event, 'propertyValue', loc),
    redacted: action === 'propertyChange' && event.propertyValue === REDACTED,
    changeSource: text(event, 'changeSource', loc),
    sourceId: text(event, 'sourceId', loc),
    changeFlag: text(event, 'changeFlag', loc),
    mergedObjectIds: (merged ?? []).map((m, i) => id(m, ptr(ptr(loc, 'mergedObjectIds'), i), true) as string),
    primaryObjectId: id(event.primaryObjectId, ptr(loc, 'primaryObjectId'), false),
    newObjectId: id(event.newObjectId, ptr(loc, 'newObjectId'), false),
    numberOfPropertiesMoved: typeof count === 'number' ? count : null,
  };
}

/** One webhook batch (a JSON array, or a single event object) → one document grouping events per contact. */
export function parseHubspotContact(input: Buffer): ParsedDocument<HubspotContactTree>[] {
  const root = parseJson(FORMAT, decodeUtf8(FORMAT, input));
  const list = Array.isArray(root) ? root : [root];
  // An empty batch holds no document, as an empty list of CDC events or Odoo records does: nothing to dead-letter.
  if (list.length === 0) return [];
  const at = (i: number) => (Array.isArray(root) ? ptr('', i) : '');
  // HubSpot posts all of an app's subscriptions to one URL: another object's events (and contact subscriptions
  // this reader does not know, such as one HubSpot adds later) are set apart, not refused with the batch.
  const otherEvents: HubspotContactTree['otherEvents'] = [];
  const events = list.flatMap((e, i) => {
    const type = isObject(e) ? subscriptionTypeOf(e).type : undefined;
    if (typeof type === 'string' && contactActionOf(e as Record<string, unknown>, type) === null) {
      const objectId = (e as Record<string, unknown>).objectId;
      otherEvents.push({
        $loc: at(i),
        subscriptionType: type,
        objectId: typeof objectId === 'number' || typeof objectId === 'string' ? String(objectId) : null,
      });
      return [];
    }
    return [readEvent(e, at(i))];
  });
  if (events.length === 0)
    return [
      {
        format: FORMAT,
        kind: 'contact',
        id: String((list[0] as Record<string, unknown>).eventId ?? 'batch'),
        source: `hubspot/portal/${String((list[0] as Record<string, unknown>).portalId ?? '')}`,
        tree: {
          $loc: '',
          portalId: String((list[0] as Record<string, unknown>).portalId ?? ''),
          appId: null,
          contacts: [],
          otherEvents,
        },
      },
    ];
  const portalId = events[0]!.portalId;
  const other = events.find((e) => e.portalId !== portalId);
  if (other) fail(ptr(other.$loc, 'portalId'), `batch mixes portals ${portalId} and ${other.portalId}`);
  const ordered = events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.ms - b.e.ms || a.i - b.i)
    .map((x) => x.e);
  const contacts = new Map<string, ContactChanges>();
  for (const { objectId, portalId: _p, appId: _a, ms: _m, ...event } of ordered) {
    let contact = contacts.get(objectId);
    if (!contact) {
      contact = { $loc: event.$loc, objectId, events: [] };
      contacts.set(objectId, contact);
    }
    contact.events.push(event);
  }
  const first = ordered[0]!;
  const last = ordered[ordered.length - 1]!;
  return [
    {
      format: FORMAT,
      kind: 'contact',
      id: first === last ? first.eventId : `${first.eventId}..${last.eventId}`,
      source: `hubspot/portal/${portalId}`,
      tree: { $loc: '', portalId, appId: first.appId, contacts: [...contacts.values()], otherEvents },
    },
  ];
}

export const reader: FormatReader<HubspotContactTree> = {
  name: FORMAT,
  family: 'crm',
  description: 'HubSpot contact webhook batch (creation, propertyChange, deletion, merge, restore)',
  parse: parseHubspotContact,
};
