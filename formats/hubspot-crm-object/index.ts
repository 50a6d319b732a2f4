import { isoCalendarProblem } from '../text-input/calendar.ts';
import { decodeUtf8 } from '../text-input/decode.ts';
import { parseJson } from '../text-input/json.ts';
import { JsonDecimal, jsonNumberText } from '../text-input/json-number.ts';
import { isObject, ptr, shown } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type ParsedDocument } from '../types.ts';
import type { CrmObjectTree } from './tree.ts';

export type * from './tree.ts';

const FORMAT = 'hubspot-crm-object';
const PROPERTY = /^[a-z0-9_]+$/;
/** HubSpot's object type ids (`0-1` contacts, `0-2` companies, as its webhooks and schemas name them) → the tree's type. */
const OBJECT_TYPES: Record<string, CrmObjectTree['objectType']> = { '0-1': 'contact', '0-2': 'company' };

function fail(loc: string, message: string): never {
  throw new FormatError(FORMAT, loc, message);
}

/** An ISO 8601 instant with its zone, as ISO UTC; HubSpot writes `2024-06-01T10:00:00.123Z`. */
function instant(value: unknown, loc: string, name: string): string {
  const time =
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (Number.isNaN(time)) fail(loc, `${name} must be an ISO 8601 instant with its zone, got ${shown(value)}`);
  const problem = isoCalendarProblem(value as string);
  if (problem) fail(loc, `${name} ${shown(value)}: ${problem}`);
  return new Date(time).toISOString();
}

/** The object's type: its `objectTypeId` (the reader of a list stamps it, HubSpot's answer does not say it); none: a contact. */
function objectTypeOf(value: unknown, loc: string): CrmObjectTree['objectType'] {
  if (value === undefined) return 'contact';
  const type = typeof value === 'string' ? OBJECT_TYPES[value] : undefined;
  if (!type)
    fail(
      ptr(loc, 'objectTypeId'),
      `objectTypeId must be 0-1 (contacts) or 0-2 (companies), the object types the hub reads, got ${shown(value)}`,
    );
  return type;
}

function readObject(value: unknown, loc: string, listType?: unknown): CrmObjectTree {
  if (!isObject(value)) fail(loc, 'a CRM object is a JSON object');
  const objectType =
    value.objectTypeId === undefined ? objectTypeOf(listType, '') : objectTypeOf(value.objectTypeId, loc);
  const id = value.id instanceof JsonDecimal ? value.id.source : value.id;
  if ((typeof id !== 'string' && typeof id !== 'number') || !/^\d+$/.test(String(id)))
    fail(ptr(loc, 'id'), `id must be a record id (digits), got ${shown(id)}`);
  if (!isObject(value.properties)) fail(ptr(loc, 'properties'), 'properties must be an object');
  const at = ptr(loc, 'properties');
  const properties: CrmObjectTree['properties'] = { $loc: at };
  for (const [name, v] of Object.entries(value.properties)) {
    if (!PROPERTY.test(name)) fail(ptr(at, name), `not a HubSpot property name: ${name}`);
    if (v === null || typeof v === 'string') properties[name] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') properties[name] = String(v);
    // A number a double cannot hold is kept as its exact digits, never rounded.
    else if (v instanceof JsonDecimal) properties[name] = jsonNumberText(FORMAT, ptr(at, name), name, v);
    else fail(ptr(at, name), `${name} must be a string, number, boolean or null`);
  }
  if (value.archived !== undefined && typeof value.archived !== 'boolean')
    fail(ptr(loc, 'archived'), 'archived must be true or false');
  return {
    $loc: loc,
    id: String(id),
    objectType,
    properties,
    createdAt: instant(value.createdAt, ptr(loc, 'createdAt'), 'createdAt'),
    updatedAt: instant(value.updatedAt, ptr(loc, 'updatedAt'), 'updatedAt'),
    archived: value.archived === true,
  };
}

/**
 * One document per object: a single object (`GET /crm/v3/objects/contacts/{id}`), or each of the `results` of a
 * list, batch read or search answer. Its id is the version, `<id>@<updatedAt>`: the same read of an unchanged record
 * gives the same id, a change a new one. HubSpot's answer does not name the object's type: `objectTypeId` (`0-1`
 * contacts, `0-2` companies) on the object, or on a list answer for all its results, says it; none is a contact. A
 * company's version is `company:<id>@<updatedAt>`, as its ids go apart from a contact's of the same number.
 */
export function parseCrmObject(input: Buffer): ParsedDocument<CrmObjectTree>[] {
  const root = parseJson(FORMAT, decodeUtf8(FORMAT, input));
  if (!isObject(root)) fail('', 'expected a CRM object {id, properties, …} or an answer {"results": [...]}');
  const objects =
    'results' in root
      ? Array.isArray(root.results)
        ? root.results.map((v, i) => readObject(v, ptr('/results', i), root.objectTypeId))
        : fail('/results', 'results must be a list of CRM objects')
      : [readObject(root, '')];
  return objects.map((tree) => ({
    format: FORMAT,
    kind: 'crm-object',
    id: `${tree.objectType === 'company' ? 'company:' : ''}${tree.id}@${tree.updatedAt}`,
    source: 'hubspot',
    tree,
  }));
}

export const reader: FormatReader<CrmObjectTree> = {
  name: FORMAT,
  family: 'crm',
  description:
    "HubSpot CRM v3 contact or company as read over REST ({id, properties, createdAt, updatedAt, archived, objectTypeId?}), or each of a list answer's results",
  parse: parseCrmObject,
};
