import { quotedValue } from '../../lib/errors.ts';
import { contentId, decodeUtf8 } from '../text-input/decode.ts';
import { parseJson } from '../text-input/json.ts';
import { JsonDecimal, jsonNumberText } from '../text-input/json-number.ts';
import { isObject, type JsonObject, ptr } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type FormatWriter, type ParsedDocument } from '../types.ts';
import type { SObjectRecord, SObjectTree, SObjectType } from './tree.ts';

export type * from './tree.ts';

const FORMAT = 'salesforce-sobject';
const TYPES = new Set(['Account', 'Contact', 'Case', 'Order']);
const FIELD = /^[A-Za-z][A-Za-z0-9_]*$/;
const EXTERNAL_ID_FIELD = /^[A-Za-z][A-Za-z0-9_]*__c$/;
const UPSERT_URL = /\/sobjects\/(\w+)\/(\w+)\/([^/]+)$/;
/** Salesforce's sObject Collections take at most 200 records per request (a larger body is refused there too). */
export const MAX_RECORDS = 200;

function fail(loc: string, message: string): never {
  throw new FormatError(FORMAT, loc, message);
}

/** The REST path a single upsert body is sent to. */
export function upsertPath(record: SObjectRecord): string {
  if (!record.sobjectType || !record.externalIdField || record.externalId === null) {
    fail(record.$loc, 'an upsert needs sobjectType, externalIdField and externalId');
  }
  return `/sobjects/${record.sobjectType}/${record.externalIdField}/${encodeURIComponent(record.externalId)}`;
}

/** The external id from the upsert URL's last segment; a malformed escape is refused at attributes.url. */
function externalIdOf(segment: string, loc: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    fail(loc, `malformed percent-encoding in the external id ${quotedValue(segment)}`);
  }
}

function readRecord(value: unknown, loc: string, typeRequired: boolean): SObjectRecord {
  if (!isObject(value)) fail(loc, 'a record is an object');
  const attributes = isObject(value.attributes) ? value.attributes : {};
  const type = attributes.type;
  if (type === undefined && typeRequired) fail(ptr(loc, 'attributes'), 'record without attributes.type');
  if (type !== undefined && (typeof type !== 'string' || !TYPES.has(type))) {
    fail(
      ptr(ptr(loc, 'attributes'), 'type'),
      `sObject type ${JSON.stringify(type)} is not supported (Account, Contact, Case, Order)`,
    );
  }
  const url = typeof attributes.url === 'string' ? UPSERT_URL.exec(attributes.url) : null;
  const fields: SObjectRecord['fields'] = { $loc: loc };
  for (const [key, v] of Object.entries(value)) {
    if (key === 'attributes') continue;
    if (!FIELD.test(key)) fail(ptr(loc, key), `not an sObject field name: ${key}`);
    // A number a double cannot hold (20 digits, 1e400) is kept as its exact decimal string or refused, never rounded.
    if (v instanceof JsonDecimal) {
      fields[key] = jsonNumberText(FORMAT, ptr(loc, key), key, v);
      continue;
    }
    // A relationship by the parent's external id: `"Account": {"SAP_Customer_Number__c": "0000100411"}`. External
    // id fields are custom fields (`…__c`); any other nested value (a compound field such as BillingAddress) is not
    // writable.
    if (isObject(v)) {
      const [ref, ...more] = Object.entries(v);
      if (!ref || more.length > 0 || !EXTERNAL_ID_FIELD.test(ref[0]) || typeof ref[1] !== 'string')
        fail(ptr(loc, key), `${key}: a relationship names one external id field (…__c) and its text value`);
      fields[key] = { [ref[0]]: ref[1] };
      continue;
    }
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      fail(ptr(loc, key), `${key} must be a string, number, boolean, null or a relationship by external id`);
    }
    fields[key] = v;
  }
  return {
    $loc: loc,
    sobjectType: (type as SObjectType | undefined) ?? null,
    externalIdField: url?.[2] ?? null,
    externalId: url?.[3] === undefined ? null : externalIdOf(url[3], ptr(ptr(loc, 'attributes'), 'url')),
    fields,
  };
}

export function parseSObject(input: Buffer): ParsedDocument<SObjectTree>[] {
  const root = parseJson(FORMAT, decodeUtf8(FORMAT, input));
  if (!isObject(root)) fail('', 'an sObject body is a JSON object');
  let tree: SObjectTree;
  if ('records' in root) {
    if (!Array.isArray(root.records) || root.records.length === 0)
      fail('/records', 'records must be a non-empty list');
    if (root.records.length > MAX_RECORDS) {
      fail(
        ptr('/records', MAX_RECORDS),
        `${root.records.length} records; sObject Collections take at most ${MAX_RECORDS} per request`,
      );
    }
    if (root.allOrNone !== undefined && typeof root.allOrNone !== 'boolean')
      fail('/allOrNone', 'allOrNone must be a boolean');
    tree = {
      $loc: '',
      shape: 'composite',
      allOrNone: (root.allOrNone as boolean | undefined) ?? null,
      records: root.records.map((r, i) => readRecord(r, ptr('/records', i), true)),
    };
  } else {
    // A composite body without its records, or an upsert of nothing, would become an empty customer upsert.
    if ('allOrNone' in root)
      fail('/records', 'an sObject Collections body (it has allOrNone) without records');
    const record = readRecord(root, '', false);
    if (Object.keys(record.fields).length === 1)
      fail('', 'an upsert body without fields: nothing to write (an sObject body names at least one field)');
    tree = { $loc: '', shape: 'upsert', allOrNone: null, records: [record] };
  }
  const first = tree.records[0]!;
  return [
    {
      format: FORMAT,
      kind: first.sobjectType ?? 'sObject',
      id: first.externalId ?? contentId(input),
      source: 'salesforce-sobject',
      tree,
    },
  ];
}

/** Writes the body; a single upsert carries `attributes` (type, upsert url) so the body says what it is for. */
export function writeSObject(tree: SObjectTree): Buffer {
  const body = (record: SObjectRecord, withUrl: boolean): JsonObject => {
    const attributes: JsonObject = {};
    if (record.sobjectType) attributes.type = record.sobjectType;
    if (withUrl && record.externalIdField) attributes.url = upsertPath(record);
    const out: JsonObject = Object.keys(attributes).length > 0 ? { attributes } : {};
    for (const [key, value] of Object.entries(record.fields)) if (key !== '$loc') out[key] = value;
    return out;
  };
  if (tree.shape === 'upsert') {
    if (tree.records.length !== 1) fail(tree.$loc, 'an upsert body holds exactly one record');
    return Buffer.from(`${JSON.stringify(body(tree.records[0]!, true), null, 2)}\n`);
  }
  if (tree.records.length > MAX_RECORDS)
    fail(tree.$loc, `${tree.records.length} records; sObject Collections take at most ${MAX_RECORDS}`);
  for (const record of tree.records)
    if (!record.sobjectType) fail(record.$loc, 'composite records need sobjectType');
  const composite: JsonObject = {
    allOrNone: tree.allOrNone ?? false,
    records: tree.records.map((r) => body(r, true)),
  };
  return Buffer.from(`${JSON.stringify(composite, null, 2)}\n`);
}

export const reader: FormatReader<SObjectTree> = {
  name: FORMAT,
  family: 'crm',
  description:
    'Salesforce Account/Contact/Case/Order upsert body (PATCH by external id or Id) or sObject Collections body',
  parse: parseSObject,
};

export const writer: FormatWriter<SObjectTree> = {
  name: FORMAT,
  family: 'crm',
  description:
    'Salesforce Account/Contact/Case/Order upsert body (PATCH by external id or Id) or sObject Collections body',
  extension: '.json',
  mediaType: 'application/json',
  write: writeSObject,
};
