/**
 * What an incoming CustomerEvent does to the source record the hub holds for it: the record after the event, the
 * golden fields it sets, their change times, and whether it is a person's edit or the echo of the hub's own write.
 * Pure functions; the matcher (../consumer.ts) stores the result.
 */
import type { CustomerEvent, CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { GOLDEN_FIELDS, type GoldenField } from '../config.ts';
import type { FieldTimes } from '../store.ts';
import { arrivalKey } from '../survivorship.ts';
import type { SyncSystem } from './config.ts';

/** Top-level canonical field of a path such as `addresses[0].city`. */
export const topField = (path: string) => path.split(/[.[]/)[0] ?? path;

const EPOCH = new Date(0).toISOString();
const ARRIVAL_SUFFIX = arrivalKey('');

/** A value's identity for comparing what a system holds with the golden value: case and spacing aside. */
export const valueKey = (value: unknown): string =>
  JSON.stringify(value ?? null, (_k, v) => {
    if (typeof v === 'string') return v.trim().toLowerCase().replace(/\s+/g, ' ');
    if (Array.isArray(v) && v.length === 0) return null;
    if (v && typeof v === 'object' && !Array.isArray(v))
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, x]) => x !== null && x !== undefined && x !== '')
          .sort(([a], [b]) => (a < b ? -1 : 1)),
      );
    return v;
  });

/** What `valueKey` writes as `null`: nothing, an empty list, a number JSON has no text for. */
const isNothing = (v: unknown): boolean =>
  v === null ||
  v === undefined ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'number' && !Number.isFinite(v));

/**
 * Whether two values are one by `valueKey`. A value beside nothing is decided without writing either key (a new
 * record's fields beside no record before: ~30 µs an event of the matcher's, in JSON.stringify's replacer).
 */
export const sameValue = (a: unknown, b: unknown): boolean => {
  const none = isNothing(a);
  if (none || isNothing(b)) return none && isNothing(b);
  return valueKey(a) === valueKey(b);
};

const lower = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : null);
type Item = Record<string, unknown>;

/** One address's content (lines, city, postal code, country), without its use and flags. */
const addressContent = (a: Item): string =>
  JSON.stringify([
    ((a.lines as string[] | undefined) ?? []).map(lower),
    lower(a.city),
    lower(a.postalCode),
    lower(a.countryCode),
  ]);

/**
 * What a field says, without the flags each system fills its own way (use, primary, isE164): phone numbers,
 * email addresses, the name, the addresses' lines, city, postal code and country. Two systems' readings of the
 * same value compare equal.
 */
export function contentKey(field: string, value: unknown): string {
  const list = (Array.isArray(value) ? value : []) as Item[];
  switch (field) {
    case 'phones':
      return JSON.stringify(list.map((p) => lower(p.number)).sort());
    case 'emails':
      return JSON.stringify(list.map((e) => lower(e.address)).sort());
    case 'addresses':
      return JSON.stringify(list.map(addressContent).sort());
    case 'person': {
      const p = (value ?? {}) as Item;
      return JSON.stringify([lower(p.givenName), lower(p.familyName)]);
    }
    default:
      return valueKey(value);
  }
}

/** One list item's content, per list field the hub sends: a phone's number, an email's address, an address's lines. */
const ITEM_CONTENT: Record<string, (item: Item) => string | null> = {
  phones: (p) => lower(p.number),
  emails: (e) => lower(e.address),
  addresses: addressContent,
};

/**
 * Whether a system's value of a field is what it can hold of a value the hub sent there: the same content, or for a
 * list (addresses, emails, phones), some of the items sent. HubSpot's contact and Odoo's partner hold one address,
 * HubSpot one email and a phone and a mobile: the sinks write the items they have a place for, and those come back
 * under the system's own use. So: every item it holds is one of those sent, and it holds one when any was sent. The
 * name (`person`) is compared whole by `contentKey` (given and family name, which every system holds). The price:
 * for a system that stamps nothing, a person deleting one of the sent items there is taken for the echo
 * (Salesforce, which holds two addresses, stamps).
 */
export function holdsSent(field: string, held: unknown, sent: unknown): boolean {
  if (contentKey(field, held) === contentKey(field, sent)) return true;
  const content = ITEM_CONTENT[field];
  if (!content || !Array.isArray(held) || !Array.isArray(sent)) return false;
  const sentContents = new Set((sent as Item[]).map(content));
  return held.length > 0 && (held as Item[]).every((item) => sentContents.has(content(item)));
}

const iso = (value: unknown): string | null => {
  if (value === null || value === undefined) return null;
  const t = new Date(value as string).getTime();
  return Number.isNaN(t) ? null : new Date(t).toISOString();
};

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The steps of a path into a record: `person.givenName` → [person, givenName]; `extensions.<key>` keeps the key
 * whole (map keys may hold dots); a step into a list may name its item (`addresses[BILLING].city`: the item whose
 * `use` is BILLING; `addresses[0]`: by position; `emails[primary]`, `emails[additional]`: the primary address, every
 * other one) or not (`addresses.city`: HubSpot's one address).
 */
function steps(path: string): string[] {
  const top = topField(path);
  if (top === 'extensions') return path.length > top.length + 1 ? [top, path.slice(top.length + 1)] : [top];
  return path.split(/\.(?![^[]*\])/);
}

/** Selectors of list items that carry no use: the primary item, and every other one as a group. */
const PRIMARY = 'primary';
const ADDITIONAL = 'additional';

function parseStep(step: string): { key: string; selector?: string } {
  const match = /^([^[]+)\[([^\]]*)\]$/.exec(step);
  return match ? { key: match[1]!, selector: match[2] } : { key: step };
}

/**
 * The item of a list a selector names: by position, the `primary` one (an email list's main address: emails carry
 * no use), by `use` / `type`, or (none) the one like `like`, else the first.
 */
function itemIndex(list: unknown[], selector: string | undefined, like?: unknown): number {
  if (selector !== undefined && /^\d+$/.test(selector))
    return Number(selector) < list.length ? Number(selector) : -1;
  if (selector === PRIMARY) return list.findIndex((item) => isObject(item) && item.primary === true);
  const kind = selector ?? (isObject(like) ? (like.use ?? like.type) : undefined);
  if (kind !== undefined && kind !== null) {
    const found = list.findIndex((item) => isObject(item) && (item.use ?? item.type) === kind);
    if (found >= 0 || selector !== undefined) return found;
  }
  return list.length > 0 ? 0 : -1;
}

/**
 * Sets the path `parts` in `target` (copied on the way down) to its value in `source`, or clears it. A path into
 * a list changes the item it names and keeps the others; an item that is not there yet is added as received.
 */
function setIn(target: Obj, source: unknown, parts: string[], clear: boolean): void {
  const [first, ...rest] = parts;
  if (first === undefined) return;
  const { key, selector } = parseStep(first);
  const from = isObject(source) ? source[key] : undefined;
  if (rest.length === 0 && selector === undefined) {
    if (clear) target[key] = Array.isArray(target[key]) ? [] : null;
    else target[key] = from ?? (Array.isArray(target[key]) ? [] : null);
    return;
  }
  if (selector === ADDITIONAL && rest.length === 0) {
    // Every item but the primary one, as a group (HubSpot's hs_additional_emails: all secondary addresses at once).
    const isPrimary = (item: unknown) => isObject(item) && item.primary === true;
    const kept = (Array.isArray(target[key]) ? (target[key] as unknown[]) : []).filter(isPrimary);
    const incoming = clear || !Array.isArray(from) ? [] : from.filter((item) => !isPrimary(item));
    target[key] = [...kept, ...incoming];
    return;
  }
  if (selector !== undefined || Array.isArray(target[key]) || Array.isArray(from)) {
    const list = Array.isArray(target[key]) ? [...(target[key] as unknown[])] : [];
    const incoming = Array.isArray(from) ? from : [];
    const incomingAt = itemIndex(incoming, selector);
    const item = incomingAt >= 0 ? incoming[incomingAt] : undefined;
    const at = itemIndex(list, selector, item);
    if (rest.length === 0) {
      if (clear || item === undefined) {
        if (at >= 0) list.splice(at, 1);
      } else if (at >= 0) list[at] = item;
      else list.push(item);
    } else if (at >= 0 && isObject(list[at])) {
      const copy = { ...(list[at] as Obj) };
      setIn(copy, item, rest, clear);
      list[at] = copy;
    } else if (!clear && item !== undefined) list.push(item);
    target[key] = list;
    return;
  }
  const child = isObject(target[key]) ? { ...(target[key] as Obj) } : {};
  target[key] = child;
  setIn(child, from, rest, clear);
}

function setPath(next: Obj, incoming: Obj, path: string, clear: boolean): void {
  if (topField(path) === 'sourceIds') setIds(next, incoming, path, clear);
  else setIn(next, incoming, steps(path), clear);
}

type SourceId = { system?: unknown; id?: unknown; idType?: unknown };

/**
 * A partial event's ids: those it names replace the record's ids of the same system and kind (`idType`), and the
 * ids it does not mention stay. A HubSpot webhook names the contact's `hs_object_id` alone (its `eai_golden_id`
 * only in that property's own change), a Salesforce CDC update its record id and the hub's key when set: taken as
 * the whole list, a cleared phone or a creation webhook dropped the golden id the hub had joined the record by,
 * and an update of External_Id__c a person account's PersonContactId. `sourceIds[<x>]` sets or clears the ids of
 * system or kind `x` (Salesforce's `SAP_Customer_Number__c` is `sourceIds[sap]`); a clear of all of them keeps
 * the event's own ids.
 */
function setIds(next: Obj, incoming: Obj, path: string, clear: boolean): void {
  const { selector } = parseStep(steps(path)[0] ?? path);
  const held = (Array.isArray(next.sourceIds) ? next.sourceIds : []) as SourceId[];
  const given = (Array.isArray(incoming.sourceIds) ? incoming.sourceIds : []) as SourceId[];
  const named = (s: SourceId) => selector === undefined || s.system === selector || s.idType === selector;
  const kind = (s: SourceId) => `${String(s.system)}\u0000${String(s.idType ?? '')}`;
  if (clear) {
    next.sourceIds = selector === undefined ? given : held.filter((s) => !named(s));
    return;
  }
  // In place, in the record's order: the first id of a system is its own (store.ts sourceIdOf).
  const set = new Map<string, SourceId>();
  for (const s of given.filter(named)) if (!set.has(kind(s))) set.set(kind(s), s);
  // An id held under another kind (a record stored before it had one) is the same id: replaced, not doubled.
  const by = (s: SourceId) =>
    set.get(kind(s)) ?? [...set.values()].find((t) => t.system === s.system && t.id === s.id);
  const out: SourceId[] = [];
  for (const s of held) {
    const replacement = by(s);
    if (!replacement) out.push(s);
    else if (!out.includes(replacement)) out.push(replacement);
  }
  for (const s of set.values()) if (!out.includes(s)) out.push(s);
  next.sourceIds = out;
}

/**
 * The record after the event: the event's customer, or for a partial update the previous record with the paths
 * it names set (a field inside a record, such as `person.givenName`, on its own: HubSpot sends one property per
 * event) and the paths it clears emptied.
 */
export function applyEvent(previous: CustomerPartyMaster | null, event: CustomerEvent): CustomerPartyMaster {
  const changed = event.changedFields ?? [];
  const cleared = event.clearedFields ?? [];
  if ((changed.length === 0 && cleared.length === 0) || !previous) return event.customer;
  const next: Obj = { ...previous };
  const incoming = event.customer as unknown as Obj;
  for (const path of new Set(changed)) setPath(next, incoming, path, false);
  for (const path of new Set(cleared)) setPath(next, incoming, path, true);
  if (event.customer.updatedAt) next.updatedAt = event.customer.updatedAt;
  return next as unknown as CustomerPartyMaster;
}

/** The golden fields an event sets: those it names, or for a full snapshot those whose value changed. */
export function fieldsSet(previous: CustomerPartyMaster | null, event: CustomerEvent): GoldenField[] {
  const named = [...(event.changedFields ?? []), ...(event.clearedFields ?? [])].map(topField);
  if (named.length > 0) return GOLDEN_FIELDS.filter((f) => named.includes(f));
  const next = event.customer as unknown as Record<string, unknown>;
  const before = (previous ?? {}) as unknown as Record<string, unknown>;
  return GOLDEN_FIELDS.filter((f) => !sameValue(before[f], next[f]));
}

/**
 * Per address use, when the system last changed that use's address (`addresses[SHIPPING]`), beside the addresses'
 * own time: survivorship adds the uses the winner lacks from other members, and the echo of a hub write of one use
 * (Salesforce's billing address, which makes the addresses a copy) must not make the member's own shipping address a
 * copy too. An event that sets the addresses gives the uses whose address it changed (or adds) the addresses' new
 * time (null for a copy); the others keep theirs, or the addresses' time before the event; a use gone loses it. A
 * record's first event keeps none: its uses' time is the addresses'.
 */
function useTimes(
  times: FieldTimes,
  before: CustomerPartyMaster | null,
  next: CustomerPartyMaster,
  fields: GoldenField[],
  addressesBefore: string | null | undefined,
): void {
  if (!before || !fields.includes('addresses')) return;
  const byUse = (record: CustomerPartyMaster) =>
    new Map(
      (record.addresses ?? [])
        .filter((a) => a.use)
        .reverse() // the first address of a use is the one survivorship reads
        .map((a) => [a.use as string, contentKey('addresses', [a])]),
    );
  const old = byUse(before);
  const now = byUse(next);
  for (const use of new Set([...old.keys(), ...now.keys()])) {
    const key = `addresses[${use}]`;
    if (!now.has(use)) delete times[key];
    else if (old.get(use) !== now.get(use)) times[key] = times.addresses ?? null;
    else if (!(key in times)) times[key] = addressesBefore ?? null;
  }
}

/**
 * Whether `origin` holds `part` as a whole part of it: bounded by its ends or by `;` `,` `/` or spaces, the separators
 * of Salesforce's `com/salesforce/api/rest/62.0;client=eai-hub`. A mere substring matched other writers' stamps:
 * HubSpot's `INTEGRATIONS_SYNC` and `INTEGRATIONS_PLATFORM` for `INTEGRATION`, `client=eai-hub-staging` for
 * `client=eai-hub`, whose edits were then dropped as the hub's echo.
 */
function holdsPart(origin: string, part: string): boolean {
  const bound = (c: string | undefined) => c === undefined || /[;,/\s]/.test(c);
  for (let at = origin.indexOf(part); at !== -1; at = origin.indexOf(part, at + 1))
    if (bound(origin[at - 1]) && bound(origin[at + part.length])) return true;
  return false;
}

/**
 * Whether the system stamped the event as written by the hub (origin.changeOrigin / origin.changedBy). Only for a
 * system the hub writes to (`push`): to any other it sends no updates, creates, nor erasures, so nothing from it is
 * the hub's, whatever its stamp says. (The defaults stamp HubSpot's `INTEGRATION` without an app id, which every
 * app's write carries: another app's edit was dropped as the hub's echo of a write the hub never made.)
 */
export function stampedByHub(event: CustomerEvent, settings: SyncSystem | undefined): boolean {
  if (!settings?.push) return false;
  const { hubChangeOrigin, hubChangedBy } = settings;
  if (hubChangeOrigin.length === 0 && hubChangedBy.length === 0) return false;
  const origin = event.origin.changeOrigin ?? '';
  const by = event.origin.changedBy ?? '';
  const originOk = hubChangeOrigin.length === 0 || hubChangeOrigin.some((s) => holdsPart(origin, s));
  const byOk = hubChangedBy.length === 0 || hubChangedBy.includes(by);
  return originOk && byOk;
}

/** What the hub last sent to one record of a system: the fields and their values. */
export interface Sent {
  fields: string[];
  vals: Record<string, unknown>;
  /**
   * Per field, the values sent there since the last echo of them seen, oldest first (the last is `vals`'): an echo
   * of any of them is the hub's own (migration 020). Absent: the last value alone.
   */
  pending?: Record<string, unknown[]>;
  /**
   * Per field, values sent there that the echo of a later one overtook (came back first), each with the system's time
   * of that echo (migration 021): their own echo may still come, out of order, and is the hub's when the system made
   * it no later than the echo that overtook it (`lateEchoes`). Oldest first, at most `PENDING_KEPT`.
   */
  overtaken?: Record<string, Overtaken[]>;
}

/** A value the hub sent to a field, overtaken by the echo of a later one: that echo's time in the system (ISO). */
export interface Overtaken {
  value: unknown;
  by: string;
}

/** Values kept per field in `Sent.pending`: more writes of one field on their way at once are not expected. */
export const PENDING_KEPT = 8;

/** Whether a value a system reports for a field is one the hub sent there (`vals`, or one still on its way). */
export function sentThere(sent: Sent, field: string, value: unknown): boolean {
  const is = (v: unknown) => sameValue(v, value) || holdsSent(field, value, v);
  return is(sent.vals[field]) || (sent.pending?.[field] ?? []).some(is);
}

/**
 * What is still on its way after an echo of `values` (the record's values of `fields` as the echo left them): per
 * field, the values sent after the first one the echo holds (it and those before it came back, or were overtaken).
 * Null when that changes nothing.
 */
export function pendingAfterEcho(
  sent: Sent,
  fields: readonly string[],
  values: Record<string, unknown>,
): Record<string, unknown[]> | null {
  const pending = { ...(sent.pending ?? {}) };
  let changed = false;
  for (const f of fields) {
    const list = pending[f] ?? [];
    const at = list.findIndex((v) => sameValue(v, values[f]) || holdsSent(f, values[f], v));
    if (at < 0) continue;
    changed = true;
    if (at === list.length - 1) delete pending[f];
    else pending[f] = list.slice(at + 1);
  }
  return changed ? pending : null;
}

/**
 * The system's time of an event's change (`occurredAt`, else the record's `updatedAt`), ISO; null when it gives none.
 * Echoes are ordered by it: the system applies the hub's writes of a record in the order they were sent.
 */
export const changeTime = (event: CustomerEvent): string | null =>
  iso(event.occurredAt) ?? iso(event.customer.updatedAt);

/** Whether `a` is no later than `b` (ISO instants). */
const noLater = (a: string, b: string): boolean => Date.parse(a) <= Date.parse(b);

/**
 * The values overtaken after an echo of `values` (of `fields`) that the system made at `at`: per field, the values sent
 * before the first one the echo holds, which did not come back before it, each with `at`. A value overtaken again
 * takes the newer time; the newest `PENDING_KEPT` are kept. Null when that changes nothing (no value overtaken, or
 * the echo has no time to order a late echo by).
 */
export function overtakenAfterEcho(
  sent: Sent,
  fields: readonly string[],
  values: Record<string, unknown>,
  at: string | null,
): Record<string, Overtaken[]> | null {
  if (!at) return null;
  const overtaken = { ...(sent.overtaken ?? {}) };
  let changed = false;
  for (const f of fields) {
    const list = sent.pending?.[f] ?? [];
    const found = list.findIndex((v) => sameValue(v, values[f]) || holdsSent(f, values[f], v));
    if (found <= 0) continue;
    changed = true;
    const passed = list.slice(0, found);
    const kept = (overtaken[f] ?? []).filter((o) => !passed.some((v) => sameValue(v, o.value)));
    overtaken[f] = [...kept, ...passed.map((value) => ({ value, by: at }))].slice(-PENDING_KEPT);
  }
  return changed ? overtaken : null;
}

/**
 * The fields of an event that are late echoes of the hub's writes: a value the hub sent there that neither is the
 * last sent nor still on its way, but was overtaken by the echo of a later write, and that the system made (`at`) no
 * later than that echo. The system applies the hub's writes of a record in the order they were sent, so the first
 * write's echo carries an earlier time than the second's, whatever order they arrive in; a person who sets the
 * old value again does so after the later write landed, so later than its echo: an edit. Equal times (a clock of
 * whole seconds) count as the echo.
 */
export function lateEchoes(
  sent: Sent,
  fields: readonly string[],
  values: Record<string, unknown>,
  at: string | null,
): string[] {
  if (!at || !sent.overtaken) return [];
  return fields.filter(
    (f) =>
      !sentThere(sent, f, values[f]) &&
      (sent.overtaken?.[f] ?? []).some(
        (o) => noLater(at, o.by) && (sameValue(o.value, values[f]) || holdsSent(f, values[f], o.value)),
      ),
  );
}

/** What was on its way to a record after the hub sent it `vals` of `fields`: each value last in its field's list. */
export function pendingAfterSend(
  before: Record<string, unknown[]> | undefined,
  fields: readonly string[],
  vals: Record<string, unknown>,
): Record<string, unknown[]> {
  const pending = { ...(before ?? {}) };
  for (const f of fields) pending[f] = [...(pending[f] ?? []), vals[f] ?? null].slice(-PENDING_KEPT);
  return pending;
}

export interface Change {
  /**
   * `edit`: the system's own change (possibly riding on an echo: then `by` is set and only `fields` are the
   * edit's, the rest are copies); `echo`: the hub's write coming back.
   */
  kind: 'edit' | 'echo';
  /** Why it is (partly) an echo: the system's stamp or the values the hub sent. */
  by?: 'stamp' | 'fingerprint';
  record: CustomerPartyMaster;
  fieldTimes: FieldTimes;
  /** The golden fields the event sets (for an edit riding on an echo: the edit's fields only). */
  fields: GoldenField[];
}

/**
 * The echo rule. An event is the echo of a hub write when the system stamped it as the hub's (its change origin
 * or integration user), or, for a system configured with `fingerprint`, when every golden field it sets holds
 * exactly what the hub last sent to that record, or a value it sent there since the last echo it saw (`pending`: the
 * echo of a first write that comes back after a second was sent), or a value whose echo a later write's overtook, when
 * the system changed it no later than that echo (`overtaken`, `lateEchoes`: echoes out of order; a person setting the
 * old value again does it after the later write landed, and is making an edit); such a late field keeps the value and
 * time the record holds, in an echo or an edit alike. Either only for a system the hub writes to (`push`). An echo's
 * values are stored as copies (field time null: never
 * newer than what they copy, never a vote in mostFrequent) and the record's updatedAt is left as it was, so an
 * echo changes no golden value. A stamped full snapshot that also sets fields the hub never sent to that record,
 * to a content other than the golden record's, carries a person's edit along (a whole-record system stamps only
 * the last writer): those fields are an edit. Anything else
 * is an edit: the fields it sets take the event's time (occurredAt), which is how concurrent edits in two systems
 * are decided (survivorship, mostRecent per field).
 */
export function classify(
  event: CustomerEvent,
  previous: { record: CustomerPartyMaster; fieldTimes: FieldTimes } | null,
  sent: Sent | null,
  settings: SyncSystem | undefined,
  /** The golden record the source record belongs to now: a field riding on an echo that says what it says is no edit. */
  golden: CustomerPartyMaster | null = null,
  /**
   * When the event reached the bus (its Kafka record's time): kept per field the edit sets (`arrivalKey`), the
   * tie-break of survivorship between changes whose own times are equal at their systems' clock precision.
   */
  arrivedAt: string | null = null,
): Change {
  const before = previous?.record ?? null;
  const record = applyEvent(before, event);
  const set = fieldsSet(before, event);
  const next = record as unknown as Record<string, unknown>;
  const fingerprints = settings?.push === true && settings.fingerprint && sent !== null;
  // The late echo of an overtaken write says what the system held before the write that overtook it: the field keeps
  // the value and time the record holds (the system holds the later value), and is not the event's.
  const late = fingerprints && before && sent ? lateEchoes(sent, set, next, changeTime(event)) : [];
  const held = (before ?? {}) as unknown as Record<string, unknown>;
  for (const f of late) next[f] = held[f] ?? null;
  const fields = late.length === 0 ? set : set.filter((f) => !late.includes(f));
  let by: Change['by'];
  if (stampedByHub(event, settings)) by = 'stamp';
  else if (
    fingerprints &&
    sent &&
    set.length > 0 &&
    fields.every((f) => sent.fields.includes(f) && sentThere(sent, f, next[f]))
  )
    by = 'fingerprint';
  // Every field gets a time of its own the first time the new rule sees the record: until then the record's
  // updatedAt stood for all of them, and a partial edit must not make the untouched ones look new.
  const times: FieldTimes = {};
  const stood = iso(before?.updatedAt) ?? EPOCH;
  for (const f of GOLDEN_FIELDS) {
    if (previous && f in previous.fieldTimes) times[f] = previous.fieldTimes[f] ?? null;
    else if (before) times[f] = stood;
  }
  for (const [key, t] of Object.entries(previous?.fieldTimes ?? {}))
    if (key.startsWith('addresses[') || key.endsWith(ARRIVAL_SUFFIX)) times[key] = t ?? null;
  // The fields this event sets take its arrival (an edit's) or lose the one of the change they replace (a copy's).
  const arrived = (edited: readonly string[]) => {
    for (const f of fields) {
      if (arrivedAt && edited.includes(f)) times[arrivalKey(f)] = arrivedAt;
      else delete times[arrivalKey(f)];
    }
  };
  const addressesBefore = times.addresses;
  const at = iso(event.occurredAt) ?? iso(event.customer.updatedAt) ?? new Date().toISOString();
  if (by) {
    // A system that reports whole records and only the last writer (Odoo's write_uid) stamps a person's earlier
    // edit as the hub's when the hub wrote after it: a field the hub never sent to this record rode along, and is
    // the person's. An event that names its fields (Salesforce CDC, a HubSpot property change) names only what the
    // stamped write changed: nothing rides along. (Taken for an edit, the echo of a write that a person's edit of
    // the same field had dropped from sync_sent got the echo's time and outvoted that newer edit everywhere.)
    const goldenValues = (golden ?? {}) as unknown as Record<string, unknown>;
    const snapshot = (event.changedFields ?? []).length === 0 && (event.clearedFields ?? []).length === 0;
    const riders =
      by === 'stamp' && sent && snapshot
        ? fields.filter(
            (f) =>
              !sent.fields.includes(f) &&
              (!golden || contentKey(f, next[f]) !== contentKey(f, goldenValues[f])),
          )
        : [];
    for (const f of fields) times[f] = riders.includes(f) ? at : null;
    arrived(riders);
    useTimes(times, before, record, fields, addressesBefore);
    if (riders.length > 0) return { kind: 'edit', by, record, fieldTimes: times, fields: riders };
    if (before) next.updatedAt = before.updatedAt ?? null;
    return { kind: 'echo', by, record, fieldTimes: times, fields };
  }
  if (!before && event.changeType === 'UNDELETED') {
    // A record back from the Recycle Bin, which the hub removed at its delete: the undelete changed no value (its
    // time is the restore's, LastModifiedDate too), so what it brings back is as old as the hub can know, older
    // than any change the other systems made meanwhile. Taken at the restore's time, a phone from before the
    // delete overwrote the newer one a person set in HubSpot while the record was away, in every system.
    for (const f of GOLDEN_FIELDS) times[f] = EPOCH;
    return { kind: 'edit', record, fieldTimes: times, fields };
  }
  if (!before) for (const f of GOLDEN_FIELDS) times[f] = iso(event.customer.updatedAt) ?? at;
  // A change older than the one the record holds for a field does not undo it: HubSpot delivers webhooks in no
  // set order and retries a refused one for hours, so a property's earlier value may come after its later one. The
  // field keeps its value and time (the system holds the newer value: nothing to write back).
  const stale = before ? fields.filter((f) => later(previous?.fieldTimes[f], at)) : [];
  const edited = stale.length === 0 ? fields : fields.filter((f) => !stale.includes(f));
  if (before) {
    for (const f of stale) next[f] = held[f] ?? null;
    if (edited.length === 0) next.updatedAt = before.updatedAt ?? null;
  }
  for (const f of edited) {
    times[f] = at;
    if (arrivedAt) times[arrivalKey(f)] = arrivedAt;
    else delete times[arrivalKey(f)];
  }
  useTimes(times, before, record, edited, addressesBefore);
  return { kind: 'edit', record, fieldTimes: times, fields: edited };
}

/** Whether the time a field holds is after `at` (both ISO instants). */
function later(held: string | null | undefined, at: string): boolean {
  if (!held) return false;
  const a = Date.parse(held);
  const b = Date.parse(at);
  return Number.isFinite(a) && Number.isFinite(b) && a > b;
}
