import { decodeUtf8 } from '../text-input/decode.ts';
import { epochMillisToIso } from '../text-input/epoch.ts';
import { parseJson } from '../text-input/json.ts';
import { JsonDecimal } from '../text-input/json-number.ts';
import { isObject, type JsonObject, ptr, shown } from '../text-input/pointer.ts';
import { FormatError, type ParsedDocument } from '../types.ts';
import type { ContactAction, ContactChanges, WebhookEvent } from './tree.ts';

/**
 * One HubSpot webhook batch (Webhooks API v3 payload) read for one CRM object: the events of that object grouped per
 * object id, every other subscription's event set apart. Shared by the `hubspot-contact` and `hubspot-company`
 * readers, which differ in the object their events are of (`objectOf`).
 */
export interface WebhookObjectSpec {
  /** The format name errors carry. */
  format: string;
  /** The object's name in `<object>.<action>` subscription types (`contact`, `company`). */
  object: string;
  /** HubSpot's object type id, as a generic subscription (`object.<action>`) names it: `0-1` contacts, `0-2` companies. */
  objectTypeId: string;
  /** The actions of the object this reader reads. */
  actions: ReadonlySet<ContactAction>;
}

export interface WebhookBatch {
  $loc: string;
  portalId: string;
  appId: string | null;
  objects: ContactChanges[];
  otherEvents: Array<{ $loc: string; subscriptionType: string; objectId: string | null }>;
}

/** Ids as their exact digits: past 2^53 the parser keeps them as JsonDecimal, never rounded or `1e+25`. */
function id(format: string, value: unknown, loc: string, required: boolean): string | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (value instanceof JsonDecimal && /^\d+$/.test(value.source)) return value.source;
  if (typeof value === 'string' && /^\d+$/.test(value)) return value;
  if (value === undefined || value === null) {
    if (!required) return null;
    throw new FormatError(format, loc, 'missing id');
  }
  throw new FormatError(format, loc, `expected a whole-number id, got ${shown(value)}`);
}

function text(format: string, event: JsonObject, key: string, loc: string): string | null {
  const value = event[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new FormatError(format, ptr(loc, key), `${key} must be a string`);
  return value;
}

/**
 * The event's subscription type and the key it came under: `subscriptionType`, as HubSpot delivers it, else
 * `eventType`, as the example in HubSpot's webhook documentation names it (some deliveries carry both).
 */
export function subscriptionTypeOf(event: Record<string, unknown>): { type: unknown; key: string } {
  if (event.subscriptionType !== undefined || event.eventType === undefined)
    return { type: event.subscriptionType, key: 'subscriptionType' };
  return { type: event.eventType, key: 'eventType' };
}

/**
 * The object's action of an event: `<object>.<action>` (legacy CRM object subscriptions), or a generic subscription's
 * `object.<action>` whose objectTypeId is the object's (generic webhook subscriptions, the format of apps on
 * HubSpot's current developer platform). Null for any other object's event.
 */
export function actionOf(
  spec: WebhookObjectSpec,
  event: Record<string, unknown>,
  type: string,
): ContactAction | null {
  const [object, action] = type.split('.', 2);
  const ours = object === spec.object || (object === 'object' && event.objectTypeId === spec.objectTypeId);
  return ours && spec.actions.has(action as ContactAction) ? (action as ContactAction) : null;
}

/**
 * What HubSpot sends as propertyValue when the property holds Sensitive Data (its "Access and manage Sensitive Data"
 * guide, the contact.propertyChange example): the property changed, its value is not in the webhook.
 */
const REDACTED = 'REDACTED';

function readEvent(
  spec: WebhookObjectSpec,
  event: unknown,
  loc: string,
): WebhookEvent & { objectId: string; portalId: string; appId: string | null; ms: number } {
  const { format } = spec;
  const fail = (at: string, message: string): never => {
    throw new FormatError(format, at, message);
  };
  if (!isObject(event)) fail(loc, 'a webhook event is an object');
  const e = event as JsonObject;
  const { type, key } = subscriptionTypeOf(e);
  if (typeof type !== 'string') fail(ptr(loc, key), 'missing subscriptionType (or eventType)');
  const action = actionOf(spec, e, type as string);
  if (action === null)
    fail(ptr(loc, key), `subscription ${type} is not a ${spec.object} subscription this reader handles`);
  const ms = e.occurredAt;
  const occurredAt = epochMillisToIso(format, ptr(loc, 'occurredAt'), 'occurredAt', ms);
  if (action === 'propertyChange' && typeof e.propertyName !== 'string')
    fail(ptr(loc, 'propertyName'), 'propertyChange without propertyName');
  const merged = e.mergedObjectIds;
  if (merged !== undefined && !Array.isArray(merged))
    fail(ptr(loc, 'mergedObjectIds'), 'mergedObjectIds must be an array');
  const count = e.numberOfPropertiesMoved;
  // An associationChange names its two ends, fromObjectId (the object of its own subscription) and toObjectId,
  // and no objectId.
  const objectKey = action === 'associationChange' && e.objectId === undefined ? 'fromObjectId' : 'objectId';
  return {
    $loc: loc,
    objectId: id(format, e[objectKey], ptr(loc, objectKey), true) as string,
    portalId: id(format, e.portalId, ptr(loc, 'portalId'), true) as string,
    appId: id(format, e.appId, ptr(loc, 'appId'), false),
    ms: ms as number,
    eventId: id(format, e.eventId, ptr(loc, 'eventId'), true) as string,
    subscriptionId: id(format, e.subscriptionId, ptr(loc, 'subscriptionId'), true) as string,
    subscriptionType: type as string,
    action: action as ContactAction,
    occurredAt,
    attemptNumber: typeof e.attemptNumber === 'number' ? e.attemptNumber : null,
    propertyName: text(format, e, 'propertyName', loc),
    propertyValue: text(format, e, 'propertyValue', loc),
    redacted: action === 'propertyChange' && e.propertyValue === REDACTED,
    changeSource: text(format, e, 'changeSource', loc),
    sourceId: text(format, e, 'sourceId', loc),
    changeFlag: text(format, e, 'changeFlag', loc),
    mergedObjectIds: ((merged as unknown[] | undefined) ?? []).map(
      (m, i) => id(format, m, ptr(ptr(loc, 'mergedObjectIds'), i), true) as string,
    ),
    primaryObjectId: id(format, e.primaryObjectId, ptr(loc, 'primaryObjectId'), false),
    newObjectId: id(format, e.newObjectId, ptr(loc, 'newObjectId'), false),
    numberOfPropertiesMoved: typeof count === 'number' ? count : null,
  };
}

/**
 * One webhook batch (a JSON array, or a single event object) → one document grouping the object's events per object
 * id, `kind` the object. An empty batch holds no document, as an empty list of CDC events or Odoo records does:
 * nothing to dead-letter.
 */
export function parseWebhookBatch(spec: WebhookObjectSpec, input: Buffer): ParsedDocument<WebhookBatch>[] {
  const { format } = spec;
  const root = parseJson(format, decodeUtf8(format, input));
  const list = Array.isArray(root) ? root : [root];
  if (list.length === 0) return [];
  const at = (i: number) => (Array.isArray(root) ? ptr('', i) : '');
  // HubSpot posts all of an app's subscriptions to one URL: another object's events (and subscriptions of this
  // object the reader does not know, such as one HubSpot adds later) are set apart, not refused with the batch.
  const otherEvents: WebhookBatch['otherEvents'] = [];
  const events = list.flatMap((e, i) => {
    const type = isObject(e) ? subscriptionTypeOf(e).type : undefined;
    if (typeof type === 'string' && actionOf(spec, e as Record<string, unknown>, type) === null) {
      const objectId = (e as Record<string, unknown>).objectId;
      otherEvents.push({
        $loc: at(i),
        subscriptionType: type,
        objectId: typeof objectId === 'number' || typeof objectId === 'string' ? String(objectId) : null,
      });
      return [];
    }
    return [readEvent(spec, e, at(i))];
  });
  if (events.length === 0) {
    const first = list[0] as Record<string, unknown>;
    const portalId = String(first.portalId ?? '');
    return [
      {
        format,
        kind: spec.object,
        id: String(first.eventId ?? 'batch'),
        source: `hubspot/portal/${portalId}`,
        tree: { $loc: '', portalId, appId: null, objects: [], otherEvents },
      },
    ];
  }
  const portalId = events[0]!.portalId;
  const other = events.find((e) => e.portalId !== portalId);
  if (other)
    throw new FormatError(
      format,
      ptr(other.$loc, 'portalId'),
      `batch mixes portals ${portalId} and ${other.portalId}`,
    );
  const ordered = events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.ms - b.e.ms || a.i - b.i)
    .map((x) => x.e);
  const objects = new Map<string, ContactChanges>();
  for (const { objectId, portalId: _p, appId: _a, ms: _m, ...event } of ordered) {
    let object = objects.get(objectId);
    if (!object) {
      object = { $loc: event.$loc, objectId, events: [] };
      objects.set(objectId, object);
    }
    object.events.push(event);
  }
  const first = ordered[0]!;
  const last = ordered[ordered.length - 1]!;
  return [
    {
      format,
      kind: spec.object,
      id: first === last ? first.eventId : `${first.eventId}..${last.eventId}`,
      source: `hubspot/portal/${portalId}`,
      tree: { $loc: '', portalId, appId: first.appId, objects: [...objects.values()], otherEvents },
    },
  ];
}
