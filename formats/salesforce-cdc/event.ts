import { quotedValue } from '../../lib/errors.ts';
import { deriveFrom, placedAt, structural } from '../derived.ts';
import { epochMillisToIso } from '../text-input/epoch.ts';
import { JsonDecimal } from '../text-input/json-number.ts';
import { isObject, type JsonObject, ptr } from '../text-input/pointer.ts';
import { FormatError } from '../types.ts';
import { decodeFieldList, normaliseValue } from './fields.ts';
import type { CdcHeader, CdcRecord, CdcTree, ChangeType } from './tree.ts';

export const FORMAT = 'salesforce-cdc';
const ENTITIES = new Set(['Account', 'Contact', 'Case']);
const CHANGE_TYPES = new Set([
  'CREATE',
  'UPDATE',
  'DELETE',
  'UNDELETE',
  'GAP_CREATE',
  'GAP_UPDATE',
  'GAP_DELETE',
  'GAP_UNDELETE',
  'GAP_OVERFLOW',
]);

function fail(loc: string, message: string): never {
  throw new FormatError(FORMAT, loc, message);
}

interface Located {
  payload: JsonObject;
  payloadLoc: string;
  /** Where the event holds replayId and eventUuid, when not at the top (a CometD envelope's `data.event`). */
  eventLoc?: string;
  /** The event's own name for eventUuid there (CometD `EventUuid`, Pub/Sub `id`). */
  uuidKey?: string;
  shape: CdcTree['shape'];
  channel: string | null;
  replayId: string | null;
  eventUuid: string | null;
}

/** Finds the payload in a CometD envelope, a Pub/Sub event or a bare payload. */
function locate(value: unknown, base: string): Located {
  if (!isObject(value)) fail(base, 'a change event is a JSON object');
  const idOf = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
  const data = isObject(value.data)
    ? value.data
    : isObject(value.payload) && isObject(value.event)
      ? value
      : undefined;
  if (data && isObject(data.payload)) {
    const at = data === value ? base : ptr(base, 'data');
    const event = isObject(data.event) ? data.event : {};
    return {
      payload: data.payload,
      payloadLoc: ptr(at, 'payload'),
      eventLoc: ptr(at, 'event'),
      uuidKey: 'EventUuid',
      shape: 'cometd',
      channel: typeof value.channel === 'string' ? value.channel : null,
      replayId: idOf(event.replayId),
      eventUuid: idOf(event.EventUuid),
    };
  }
  if (isObject(value.payload)) {
    return {
      payload: value.payload,
      payloadLoc: ptr(base, 'payload'),
      eventLoc: base,
      uuidKey: 'id',
      shape: 'pubsub',
      channel: null,
      replayId: idOf(value.replayId),
      eventUuid: idOf(value.id),
    };
  }
  return {
    payload: value,
    payloadLoc: base,
    shape: 'pubsub',
    channel: null,
    replayId: null,
    eventUuid: null,
  };
}

function stringList(header: JsonObject, key: string, loc: string): string[] {
  const value = header[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    fail(ptr(loc, key), `${key} must be a list of strings`);
  return value as string[];
}

function requiredString(header: JsonObject, key: string, loc: string): string {
  const value = header[key];
  if (typeof value !== 'string') fail(ptr(loc, key), `missing or non-string ${key}`);
  return value;
}

/**
 * A Salesforce record id: 15 characters (case-sensitive) or 18 (with the case-safe suffix), letters and digits. Ids
 * that are not (a documentation sample's `<record_ID>` placeholder, a test harness's `acc-1`) would key a customer
 * `salesforce:<record_ID>` that no Salesforce record has, and a write-back would address nothing: refused. A gap or
 * overflow event may name a key prefix with a wildcard (`001*`).
 */
const SALESFORCE_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;
const KEY_PREFIX_WILDCARD = /^[A-Za-z0-9]{0,3}\*$/;

/**
 * The user who committed the change (a User id, 005…): a Salesforce id as a record id is, since the canonical event's
 * `origin.changedBy` carries it and a loop check compares it with the hub's integration user.
 */
function userId(header: JsonObject, hloc: string): string {
  const user = requiredString(header, 'commitUser', hloc);
  if (!SALESFORCE_ID.test(user))
    fail(
      ptr(hloc, 'commitUser'),
      `commitUser ${quotedValue(user)} is not a Salesforce id (15 or 18 letters and digits, e.g. 005RM000001vI54YAE)`,
    );
  return user;
}

function readHeader(payload: JsonObject, loc: string): CdcHeader {
  const header = payload.ChangeEventHeader;
  if (!isObject(header)) fail(loc, 'missing ChangeEventHeader');
  const hloc = ptr(loc, 'ChangeEventHeader');
  const entityName = requiredString(header, 'entityName', hloc);
  if (!ENTITIES.has(entityName))
    fail(
      ptr(hloc, 'entityName'),
      `entity ${quotedValue(entityName)}: no mapping reads its change events (salesforce-cdc reads Account, Contact and Case)`,
    );
  const changeType = requiredString(header, 'changeType', hloc);
  if (!CHANGE_TYPES.has(changeType)) fail(ptr(hloc, 'changeType'), `unknown changeType ${changeType}`);
  const recordIds = stringList(header, 'recordIds', hloc);
  if (recordIds.length === 0 && changeType !== 'GAP_OVERFLOW') fail(ptr(hloc, 'recordIds'), 'no record ids');
  recordIds.forEach((id, i) => {
    if (!SALESFORCE_ID.test(id) && !KEY_PREFIX_WILDCARD.test(id))
      fail(
        ptr(ptr(hloc, 'recordIds'), String(i)),
        `record id ${quotedValue(id)} is not a Salesforce id (15 or 18 letters and digits, e.g. 001RM000003Y8kRYAS)`,
      );
  });
  const sequenceNumber = header.sequenceNumber;
  if (typeof sequenceNumber !== 'number' || !Number.isSafeInteger(sequenceNumber) || sequenceNumber < 0)
    fail(ptr(hloc, 'sequenceNumber'), 'sequenceNumber must be a whole number');
  const commitTimestamp = epochMillisToIso(
    FORMAT,
    ptr(hloc, 'commitTimestamp'),
    'commitTimestamp',
    header.commitTimestamp,
  );
  // Commit numbers pass 2^53: the parser keeps such numbers' digits (JsonDecimal); a string of digits is taken too.
  const commitNumber =
    header.commitNumber instanceof JsonDecimal
      ? header.commitNumber.source
      : typeof header.commitNumber === 'number' && Number.isSafeInteger(header.commitNumber)
        ? String(header.commitNumber)
        : header.commitNumber;
  if (typeof commitNumber !== 'string' || !/^\d+$/.test(commitNumber))
    fail(ptr(hloc, 'commitNumber'), 'commitNumber must be a whole number');
  const lists = ['changedFields', 'nulledFields', 'diffFields'].map((key) =>
    decodeFieldList(stringList(header, key, hloc), payload),
  );
  const [changed, nulled, diff] = lists as [(typeof lists)[0], (typeof lists)[0], (typeof lists)[0]];
  const undecoded = lists.flatMap((l) => l.undecoded);
  const read: CdcHeader = {
    $loc: hloc,
    entityName: entityName as CdcHeader['entityName'],
    changeType: changeType as ChangeType,
    recordIds,
    changedFields: withoutCompoundParents(changed.names),
    nulledFields: withoutCompoundParents(nulled.names),
    diffFields: withoutCompoundParents(diff.names),
    fieldsDecoded: undecoded.length === 0,
    undecodedBitmaps: undecoded,
    changeOrigin: typeof header.changeOrigin === 'string' ? header.changeOrigin : '',
    transactionKey: requiredString(header, 'transactionKey', hloc),
    sequenceNumber,
    commitTimestamp,
    commitUser: userId(header, hloc),
    commitNumber,
  };
  // What the usage count of `eai map` lists is what the event holds: `fieldsDecoded` is the reader's (it says
  // whether undecodedBitmaps is empty), and the record ids are each record's `recordId`, at its own location. The
  // field lists are applied by the reader (they choose which values a record carries, and which it clears), no
  // fact a mapping maps.
  deriveFrom(read, 'fieldsDecoded', ['undecodedBitmaps']);
  return structural(read, ['recordIds', 'changedFields', 'nulledFields', 'diffFields']);
}

/**
 * A bitmap marks both `BillingAddress` and `BillingAddress.City`; only the sub-field says what changed. A name is a
 * compound parent when some name starts with it and a dot: one set of those prefixes, so linear in the list.
 */
function withoutCompoundParents(names: string[]): string[] {
  const parents = new Set<string>();
  for (const name of names) {
    for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1))
      parents.add(name.slice(0, dot));
  }
  return parents.size === 0 ? names : names.filter((n) => !parents.has(n));
}

function valueAt(payload: JsonObject, name: string): unknown {
  const [top = '', sub] = name.split('.', 2);
  const value = payload[top];
  if (sub === undefined) return value;
  return isObject(value) ? value[sub] : undefined;
}

/** A CometD message's diff of a large text field: `{"diff": "--- \n+++ <sha256>\n@@ …"}`. */
function isDiff(value: unknown): boolean {
  return isObject(value) && typeof value.diff === 'string';
}

/** Every field that has a value, for CREATE / UNDELETE (Pub/Sub sends nulls for unset fields: they are not data). */
function fieldsWithValues(payload: JsonObject): string[] {
  const names: string[] = [];
  for (const [key, value] of Object.entries(payload)) {
    if (key === 'ChangeEventHeader' || value === null || value === undefined) continue;
    if (isObject(value)) {
      for (const [sub, v] of Object.entries(value))
        if (v !== null && v !== undefined) names.push(`${key}.${sub}`);
    } else names.push(key);
  }
  return names;
}

function valuesOf(payload: JsonObject, names: string[], loc: string): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of names) {
    const [top = '', sub] = name.split('.', 2);
    const value = normaliseValue(
      sub ?? top,
      valueAt(payload, name),
      sub === undefined ? ptr(loc, top) : ptr(ptr(loc, top), sub),
    );
    if (sub === undefined) {
      values[top] = value;
    } else {
      if (values[top] === undefined) values[top] = { $loc: ptr(loc, top) };
      (values[top] as Record<string, unknown>)[sub] = value;
    }
  }
  return values;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export function readEvent(value: unknown, base: string): CdcTree {
  const at = locate(value, base);
  const header = readHeader(at.payload, at.payloadLoc);
  const type = header.changeType;
  const isGap = type.startsWith('GAP_');
  let changed: string[] = [];
  let cleared: string[] = [];
  if (type === 'UPDATE') {
    // A large text field may come as a unified diff of its old value (Pub/Sub: listed in diffFields, the diff as
    // the value; CometD: `{diff: "…"}`), which only the old value makes a value: never published as the field's
    // value, the field is named in diffFields instead (its record is re-read by the connector).
    const diffs = new Set([
      ...header.diffFields,
      ...header.changedFields.filter((n) => isDiff(valueAt(at.payload, n))),
    ]);
    header.diffFields = [...diffs];
    const clearedSet = new Set([
      ...header.nulledFields.filter((n) => !diffs.has(n)),
      ...header.changedFields.filter((n) => !diffs.has(n) && valueAt(at.payload, n) === null),
    ]);
    cleared = [...clearedSet];
    changed = header.changedFields.filter((n) => !clearedSet.has(n) && !diffs.has(n));
  } else if (type === 'CREATE' || type === 'UNDELETE') {
    changed = fieldsWithValues(at.payload);
  }
  // Every record of the event shares one frozen values tree (and field lists): an event names up to thousands of
  // record ids, and a copy per record id made memory the product of record ids and field sizes.
  const values = deepFreeze(valuesOf(at.payload, changed, at.payloadLoc));
  Object.freeze(changed);
  Object.freeze(cleared);
  const action: CdcRecord['action'] = isGap ? 'reread' : type === 'DELETE' ? 'delete' : 'upsert';
  const idsLoc = ptr(header.$loc, 'recordIds');
  // A record's action and field lists are the reader's: they restate the header's changeType and lists (a CREATE's,
  // the payload's own fields, whose values are in `values` at their own locations), so the usage count of `eai map`
  // does not list them as values of the record id they are filed under.
  const records = header.recordIds.map((recordId, i) => {
    const record = {
      $loc: ptr(idsLoc, i),
      recordId,
      action,
      changedFields: changed,
      clearedFields: cleared,
      values,
    };
    for (const key of ['action', 'changedFields', 'clearedFields']) deriveFrom(record, key, []);
    return record;
  });
  const tree: CdcTree = {
    $loc: base,
    shape: at.shape,
    channel: at.channel,
    replayId: at.replayId,
    eventUuid: at.eventUuid,
    header,
    records,
    overflow: type === 'GAP_OVERFLOW',
  };
  if (at.eventLoc) {
    placedAt(tree, 'replayId', at.eventLoc, 'replayId');
    placedAt(tree, 'eventUuid', at.eventLoc, at.uuidKey ?? 'eventUuid');
  }
  // `shape` (which envelope the event came in) and `overflow` (GAP_OVERFLOW's changeType again) are the reader's.
  deriveFrom(tree, 'shape', []);
  return deriveFrom(tree, 'overflow', []);
}
