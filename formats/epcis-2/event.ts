import { isoCalendarProblem } from '../text-input/calendar.ts';
import { jsonDecimal } from '../text-input/json-number.ts';
import { isObject, type JsonObject, ptr, shown, withLocs } from '../text-input/pointer.ts';
import { FormatError } from '../types.ts';
import { cbvWord } from './cbv.ts';
import { type Identifier, parseIdentifier } from './identifiers.ts';
import { contextPrefixes, expandedKeys, expandedName, type Prefixes } from './namespaces.ts';
import type { BizTransactionNode, EpcisEvent, LocationNode, PartyNode, QuantityNode } from './tree.ts';

export const FORMAT = 'epcis-2';
/**
 * Event types the hub maps. A TransactionEvent has an ObjectEvent's shape (parentID, epcList, quantityList) and
 * names the business transactions (bizTransactionList: po, desadv, bol…) its objects belong to, which the canonical
 * shipment carries (order references, shipment id, bill of lading).
 */
export const MAPPED_EVENT_TYPES: ReadonlySet<string> = new Set([
  'ObjectEvent',
  'AggregationEvent',
  'TransactionEvent',
]);
const MAPPED = MAPPED_EVENT_TYPES;
/** Read and checked, not mapped: transformations (inputs → outputs) and associations have no canonical place. */
const KEPT = new Set(['TransformationEvent', 'AssociationEvent']);
const MODELLED = new Set([
  'type',
  'eventID',
  'eventTime',
  'eventTimeZoneOffset',
  'recordTime',
  'action',
  'bizStep',
  'disposition',
  'readPoint',
  'bizLocation',
  'parentID',
  'epcList',
  'childEPCs',
  'quantityList',
  'childQuantityList',
  'bizTransactionList',
  'sourceList',
  'destinationList',
  '@context',
]);
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function fail(loc: string, message: string): never {
  throw new FormatError(FORMAT, loc, message);
}

function optionalString(event: JsonObject, key: string, loc: string): string | null {
  const value = event[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') fail(ptr(loc, key), `${key} must be a string`);
  return value;
}

/** An ISO 8601 date-time with a zone → UTC ISO with milliseconds; anything else is refused at `loc`. */
export function timestamp(value: unknown, loc: string): string {
  if (typeof value !== 'string' || !ISO_WITH_ZONE.test(value) || Number.isNaN(Date.parse(value))) {
    fail(loc, `not an ISO 8601 date-time with a zone: ${shown(value)}`);
  }
  const problem = isoCalendarProblem(value);
  if (problem) fail(loc, `${shown(value)}: ${problem}`);
  return new Date(value).toISOString();
}

/**
 * A list field's items with their pointers. JSON-LD compaction writes a list of one as its one item (GS1's own
 * examples send `"sourceList": {…}`), so a lone item of the list's kind is read as a list of one.
 */
function items(
  event: JsonObject,
  key: string,
  loc: string,
  isItem: (v: unknown) => boolean,
): [unknown, string][] {
  const value = event[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    if (value !== null && isItem(value)) return [[value, ptr(loc, key)]];
    fail(ptr(loc, key), `${key} must be an array`);
  }
  return (value as unknown[]).map((v, i) => [v, ptr(ptr(loc, key), i)]);
}

function identifiers(event: JsonObject, key: string, loc: string): Identifier[] {
  return items(event, key, loc, (v) => typeof v === 'string').map(([v, at]) => {
    if (typeof v !== 'string') fail(at, 'identifier must be a string');
    return parseIdentifier(v, at);
  });
}

function objects(event: JsonObject, key: string, loc: string): [JsonObject, string][] {
  return items(event, key, loc, isObject).map(([v, at]) => {
    if (!isObject(v)) fail(at, 'must be an object');
    return [v, at];
  });
}

function quantities(event: JsonObject, key: string, loc: string): QuantityNode[] {
  return objects(event, key, loc).map(([q, at]) => {
    if (typeof q.epcClass !== 'string') fail(ptr(at, 'epcClass'), 'epcClass must be a string');
    // EPCIS 2.0 JSON schema: quantity is a JSON number, and optional (only epcClass is required): without it the
    // event names the class but not how much of it (null; GS1's and openepcis' examples list classes so). Text is
    // refused, never coerced; the number is kept as its exact decimal (never through a double), and a count of
    // objects below zero is refused.
    const quantity =
      q.quantity === undefined ? null : jsonDecimal(FORMAT, ptr(at, 'quantity'), 'quantity', q.quantity);
    if (quantity?.startsWith('-')) fail(ptr(at, 'quantity'), `quantity ${quantity} is negative`);
    return {
      $loc: at,
      epcClass: parseIdentifier(q.epcClass, ptr(at, 'epcClass')),
      quantity,
      uom: typeof q.uom === 'string' ? q.uom : null,
    };
  });
}

function location(event: JsonObject, key: string, loc: string): LocationNode | null {
  const value = event[key];
  if (value === undefined || value === null) return null;
  if (!isObject(value) || typeof value.id !== 'string')
    fail(ptr(loc, key), `${key} must be an object with an id`);
  return { $loc: ptr(loc, key), id: parseIdentifier(value.id, ptr(ptr(loc, key), 'id')) };
}

function parties(event: JsonObject, key: string, field: string, loc: string): PartyNode[] {
  return objects(event, key, loc).map(([p, at]) => {
    if (typeof p.type !== 'string' || typeof p[field] !== 'string') fail(at, `needs type and ${field}`);
    const id = p[field] as string;
    const { gln, glnExtension } = parseIdentifier(id, ptr(at, field));
    return {
      $loc: at,
      type: cbvWord(p.type),
      id,
      ...(gln === undefined ? {} : { gln }),
      ...(glnExtension === undefined ? {} : { glnExtension }),
    };
  });
}

function bizTransactions(event: JsonObject, loc: string): BizTransactionNode[] {
  return objects(event, 'bizTransactionList', loc).map(([t, at]) => {
    if (typeof t.bizTransaction !== 'string')
      fail(ptr(at, 'bizTransaction'), 'bizTransaction must be a string');
    return { $loc: at, type: typeof t.type === 'string' ? cbvWord(t.type) : null, id: t.bizTransaction };
  });
}

/**
 * An event with an errorDeclaration says that the earlier event it repeats was wrong (EPCIS 2.0 §7.4.1.4). Read as an
 * event it would be a second shipping or receipt milestone; the hub has no retraction to apply, so it is refused.
 */
function refuseErrorDeclaration(event: Record<string, unknown>, loc: string): never {
  const declaration = event.errorDeclaration;
  const reason = isObject(declaration) && typeof declaration.reason === 'string' ? declaration.reason : null;
  const eventId = typeof event.eventID === 'string' ? ` ${event.eventID}` : '';
  return fail(
    ptr(loc, 'errorDeclaration'),
    `error declaration: the event${eventId} is declared erroneous${reason ? ` (reason ${reason})` : ''}; the hub does not apply retractions, correct the shipment by hand`,
  );
}

/**
 * `prefixes`: the namespaces the document's `@context` declares (an event's own `@context` adds to them); an XML
 * event's extension fields come expanded already (xml.ts).
 */
export function readEvent(event: unknown, loc: string, documentPrefixes: Prefixes = {}): EpcisEvent {
  if (!isObject(event)) fail(loc, 'event must be an object');
  const type = event.type;
  if (typeof type !== 'string' || (!MAPPED.has(type) && !KEPT.has(type))) {
    fail(ptr(loc, 'type'), `unknown event type ${shown(type)}`);
  }
  if (event.eventTime === undefined) fail(loc, 'missing eventTime');
  // Only for the types the hub maps: a Transformation or Association event it never read has nothing to retract,
  // so its declaration does not hold up the shipping events beside it.
  if (event.errorDeclaration !== undefined && MAPPED.has(type)) refuseErrorDeclaration(event, loc);
  const eventTime = timestamp(event.eventTime, ptr(loc, 'eventTime'));
  const offset = optionalString(event, 'eventTimeZoneOffset', loc);
  if (offset !== null && !/^[+-]\d{2}:\d{2}$/.test(offset))
    fail(ptr(loc, 'eventTimeZoneOffset'), `not a zone offset: ${offset}`);
  const ownZone = /(Z|[+-]\d{2}:\d{2})$/.exec(String(event.eventTime))?.[1] ?? 'Z';
  const recordTime =
    event.recordTime === undefined ? null : timestamp(event.recordTime, ptr(loc, 'recordTime'));
  const parentId = optionalString(event, 'parentID', loc);
  const bizStep = optionalString(event, 'bizStep', loc);
  const disposition = optionalString(event, 'disposition', loc);
  const prefixes = contextPrefixes(event['@context'], documentPrefixes);
  // A partner's fields (namespaced: `example:myField`) under their namespace IRI (namespaces.ts), at any depth; the
  // standard fields the reader does not model (sensorElementList, ilmd…) by their names, what they hold expanded too.
  const extensions: Record<string, unknown> = {};
  const unmapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (MODELLED.has(key)) continue;
    const kept = expandedKeys(withLocs(value, ptr(loc, key)), prefixes);
    if (key.includes(':')) extensions[expandedName(key, prefixes)] = kept;
    else unmapped[key] = kept;
  }
  // readPoint and bizLocation hold an id and, in EPCIS 2.0, a partner's extension fields: <field>.<expanded name>.
  for (const field of ['readPoint', 'bizLocation']) {
    const value = event[field];
    if (!isObject(value)) continue;
    for (const [key, extension] of Object.entries(value))
      if (key !== 'id')
        extensions[`${field}.${expandedName(key, prefixes)}`] = expandedKeys(
          withLocs(extension, ptr(ptr(loc, field), key)),
          prefixes,
        );
  }
  return {
    $loc: loc,
    type,
    mapped: MAPPED.has(type),
    eventId: optionalString(event, 'eventID', loc),
    eventTime,
    eventTimeZoneOffset: offset ?? (ownZone === 'Z' ? '+00:00' : ownZone),
    recordTime,
    action: optionalString(event, 'action', loc),
    bizStep: bizStep === null ? null : cbvWord(bizStep),
    disposition: disposition === null ? null : cbvWord(disposition),
    readPoint: location(event, 'readPoint', loc),
    bizLocation: location(event, 'bizLocation', loc),
    parentId: parentId === null ? null : parseIdentifier(parentId, ptr(loc, 'parentID')),
    epcList: identifiers(event, 'epcList', loc),
    childEpcs: identifiers(event, 'childEPCs', loc),
    quantityList: quantities(event, 'quantityList', loc),
    childQuantityList: quantities(event, 'childQuantityList', loc),
    bizTransactions: bizTransactions(event, loc),
    sources: parties(event, 'sourceList', 'source', loc),
    destinations: parties(event, 'destinationList', 'destination', loc),
    extensions,
    unmapped,
  };
}
