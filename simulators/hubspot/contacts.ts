import { createValueIndex } from '../common/value-index.ts';
import { CONTACT_TYPE, type ObjectType } from './object-types.ts';
import { ALWAYS_RETURNED } from './properties.ts';
import { type Contact, type HubSpotState, nextContactId, nextTimestamp } from './state.ts';

export type { Contact } from './state.ts';

/** Who made a change: `INTEGRATION` with the app id for API calls, `CRM_UI` with `userId:<n>` for people. */
export interface Actor {
  changeSource: 'INTEGRATION' | 'CRM_UI' | 'IMPORT';
  sourceId: string;
}

export type ChangeKind =
  | 'creation'
  | 'propertyChange'
  | 'deletion'
  | 'merge'
  | 'restore'
  | 'privacyDeletion'
  | 'associationChange';

/** One thing that happened to a contact (or a company: `objectType`), later turned into a webhook event. */
export interface ContactChange {
  kind: ChangeKind;
  /** The object the event is of (its subscription type's prefix); absent: a contact. */
  objectType?: 'company';
  objectId: string;
  /** An associationChange: its two ends (from the contact to the company) and whether it was removed. */
  association?: { toObjectId: string; removed: boolean; primary: boolean };
  occurredAt: number;
  propertyName?: string;
  propertyValue?: string;
  merge?: {
    primaryObjectId: string;
    mergedObjectIds: string[];
    newObjectId: string;
    numberOfPropertiesMoved: number;
  };
}

/**
 * A live (not archived) contact by id, following merges to the survivor; or a record of another object `type` (a
 * company): the functions here serve every type the CRM API routes serve (object-types.ts).
 */
export function findContact(
  state: HubSpotState,
  id: string,
  archived = false,
  type: ObjectType = CONTACT_TYPE,
): Contact | undefined {
  const records = type.records(state);
  let contact = records[id];
  for (let hops = 0; contact?.mergedInto && hops < 10; hops++) contact = records[contact.mergedInto];
  if (!contact || contact.mergedInto || contact.archived !== archived) return undefined;
  return contact;
}

/** A live contact whose `property` equals `value` (emails compare case-insensitively). */
export function findByProperty(
  state: HubSpotState,
  property: string,
  value: string,
  type: ObjectType = CONTACT_TYPE,
): Contact | undefined {
  if (property === 'hs_object_id') return findContact(state, value, false, type);
  const wanted = property === 'email' ? value.trim().toLowerCase() : value;
  const records = type.records(state);
  // Of the records the index names under the value, those still of these records, live and holding it; the lowest
  // id first, as a walk of the records in id order would find them.
  let found: Contact | undefined;
  for (const c of propertyIndex.candidates(records, property, wanted))
    if (
      records[c.id] === c &&
      !c.archived &&
      !c.mergedInto &&
      indexKeys(property, c).includes(wanted) &&
      (found === undefined || Number(c.id) < Number(found.id))
    )
      found = c;
  return found;
}

/**
 * Records by the values of the properties looked up (`findByProperty`; simulators/common/value-index.ts), so that an
 * upsert finds its record without a walk of every record: filled at a state's first lookup of a property, then by every
 * value set (`setProperty`, `indexContact`).
 */
const propertyIndex = createValueIndex<Contact>(indexKeys);

/** The values a record is found by under `property`: an email also by each of its additional emails. */
function indexKeys(property: string, contact: Contact): string[] {
  if (property !== 'email') {
    const value = contact.properties[property];
    return value === undefined ? [] : [value];
  }
  const { email, hs_additional_emails: additional } = contact.properties;
  return [...(email ? [email] : []), ...(additional ? additional.split(';') : [])];
}

/** Indexes a record whose properties were set without `setProperty` (a seed line) under every property looked up. */
export function indexContact(contact: Contact): void {
  propertyIndex.add(contact);
}

function setProperty(contact: Contact, name: string, value: string, at: string, actor: Actor): boolean {
  const current = contact.properties[name] ?? '';
  if (current === value) return false;
  if (value === '') delete contact.properties[name];
  else contact.properties[name] = value;
  propertyIndex.add(contact, name === 'hs_additional_emails' ? 'email' : name);
  // Companies made before they had a history (older state files) start one.
  contact.history ??= {};
  contact.history[name] ??= [];
  contact.history[name].unshift({
    value,
    timestamp: at,
    sourceType: actor.changeSource,
    sourceId: actor.sourceId,
  });
  return true;
}

function touch(contact: Contact, at: string, type: ObjectType = CONTACT_TYPE): void {
  contact.updatedAt = at;
  contact.properties[type.modifiedProperty] = at;
}

/** The webhook prefix of a type's changes: absent for a contact, `company` for a company. */
const objectTypeOf = (type: ObjectType) =>
  type.singular === 'company' ? { objectType: 'company' as const } : {};

export function createContact(
  state: HubSpotState,
  properties: Record<string, string>,
  actor: Actor,
  type: ObjectType = CONTACT_TYPE,
): { contact: Contact; changes: ContactChange[] } {
  const id = nextContactId(state);
  const at = nextTimestamp(state);
  const contact: Contact = { id, properties: {}, history: {}, createdAt: at, updatedAt: at, archived: false };
  const system: Actor = { changeSource: actor.changeSource, sourceId: actor.sourceId };
  setProperty(contact, 'hs_object_id', id, at, system);
  setProperty(contact, 'createdate', at, at, system);
  setProperty(contact, type.modifiedProperty, at, at, system);
  const occurredAt = Date.parse(at);
  const changes: ContactChange[] = [{ kind: 'creation', ...objectTypeOf(type), objectId: id, occurredAt }];
  for (const [name, value] of Object.entries(properties)) {
    if (setProperty(contact, name, value, at, actor)) {
      changes.push({
        kind: 'propertyChange',
        ...objectTypeOf(type),
        objectId: id,
        occurredAt,
        propertyName: name,
        propertyValue: value,
      });
    }
  }
  type.records(state)[id] = contact;
  return { contact, changes };
}

/** Applies changed values only; an update that changes nothing leaves lastmodifieddate alone. */
export function updateContact(
  state: HubSpotState,
  contact: Contact,
  properties: Record<string, string>,
  actor: Actor,
  type: ObjectType = CONTACT_TYPE,
): ContactChange[] {
  const at = nextTimestamp(state);
  const occurredAt = Date.parse(at);
  const changes: ContactChange[] = [];
  for (const [name, value] of Object.entries(properties)) {
    if (setProperty(contact, name, value, at, actor)) {
      changes.push({
        kind: 'propertyChange',
        ...objectTypeOf(type),
        objectId: contact.id,
        occurredAt,
        propertyName: name,
        propertyValue: value,
      });
    }
  }
  if (changes.length > 0) touch(contact, at, type);
  return changes;
}

export function archiveContact(
  state: HubSpotState,
  contact: Contact,
  type: ObjectType = CONTACT_TYPE,
): ContactChange[] {
  const at = nextTimestamp(state);
  contact.archived = true;
  contact.archivedAt = at;
  return [{ kind: 'deletion', ...objectTypeOf(type), objectId: contact.id, occurredAt: Date.parse(at) }];
}

/**
 * A GDPR delete: the contact is gone for good (no archive, no history to restore), and with it every contact
 * merged into it (their ids resolved to it). HubSpot sends `contact.privacyDeletion` and the usual
 * `contact.deletion`. Returns the changes and the ids removed.
 */
export function gdprDeleteContact(
  state: HubSpotState,
  contact: Contact,
): { changes: ContactChange[]; removed: string[] } {
  const at = Date.parse(nextTimestamp(state));
  const removed = new Set([contact.id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const other of Object.values(state.contacts)) {
      if (other.mergedInto && removed.has(other.mergedInto) && !removed.has(other.id)) {
        removed.add(other.id);
        grew = true;
      }
    }
  }
  for (const id of removed) {
    const gone = state.contacts[id];
    delete state.contacts[id];
    // An erased record's values leave the lookup index too: nothing of the person stays in the simulator.
    if (gone) propertyIndex.remove(gone);
  }
  return {
    changes: [
      { kind: 'privacyDeletion', objectId: contact.id, occurredAt: at },
      { kind: 'deletion', objectId: contact.id, occurredAt: at },
    ],
    removed: [...removed],
  };
}

export function restoreContact(state: HubSpotState, contact: Contact): ContactChange[] {
  const at = nextTimestamp(state);
  contact.archived = false;
  delete contact.archivedAt;
  touch(contact, at);
  return [{ kind: 'restore', objectId: contact.id, occurredAt: Date.parse(at) }];
}

/**
 * Merges `secondary` into `primary` (two contacts, or two records of another `type`: companies): the primary keeps
 * its values, empty ones are filled from the secondary, a contact's email becomes an additional email, and the
 * secondary's id resolves to the primary from now on.
 */
export function mergeContacts(
  state: HubSpotState,
  primary: Contact,
  secondary: Contact,
  actor: Actor,
  type: ObjectType = CONTACT_TYPE,
): ContactChange[] {
  const moved: Record<string, string> = {};
  const own = [...type.alwaysReturned, 'hs_merged_object_ids', 'email'];
  for (const [name, value] of Object.entries(secondary.properties)) {
    if (ALWAYS_RETURNED.includes(name) || own.includes(name)) continue;
    if (!primary.properties[name]) moved[name] = value;
  }
  const extraEmails = new Set(
    [
      primary.properties.hs_additional_emails,
      secondary.properties.email,
      secondary.properties.hs_additional_emails,
    ]
      .flatMap((v) => (v ? v.split(';') : []))
      .filter((email) => email !== primary.properties.email),
  );
  if (extraEmails.size > 0 && type === CONTACT_TYPE) moved.hs_additional_emails = [...extraEmails].join(';');
  const mergedIds = [
    ...(primary.properties.hs_merged_object_ids?.split(';') ?? []),
    secondary.id,
    ...(secondary.properties.hs_merged_object_ids?.split(';') ?? []),
  ];
  const changes = updateContact(state, primary, moved, actor, type);
  const at = nextTimestamp(state);
  setProperty(primary, 'hs_merged_object_ids', mergedIds.join(';'), at, actor);
  touch(primary, at, type);
  secondary.mergedInto = primary.id;
  return [
    {
      kind: 'merge',
      ...objectTypeOf(type),
      objectId: primary.id,
      occurredAt: Date.parse(at),
      merge: {
        primaryObjectId: primary.id,
        mergedObjectIds: [secondary.id],
        newObjectId: primary.id,
        numberOfPropertiesMoved: Object.keys(moved).length,
      },
    },
    ...changes,
  ];
}

export interface ViewOptions {
  properties?: string[];
  propertiesWithHistory?: string[];
  /** Extra property names to include (the ones an upsert set). */
  include?: string[];
}

/** A contact (or a record of another `type`) as the v3 API returns it. */
export function contactView(
  contact: Contact,
  options: ViewOptions = {},
  type: ObjectType = CONTACT_TYPE,
): Record<string, unknown> {
  const names = options.properties
    ? [...new Set([...options.properties, ...type.alwaysReturned])]
    : [...new Set([...type.defaultProperties, ...(options.include ?? [])])];
  const properties: Record<string, string | null> = {};
  for (const name of names.sort()) properties[name] = contact.properties[name] ?? null;
  const view: Record<string, unknown> = {
    id: contact.id,
    properties,
    createdAt: contact.createdAt,
    updatedAt: contact.updatedAt,
    archived: contact.archived,
  };
  if (contact.archivedAt) view.archivedAt = contact.archivedAt;
  if (options.propertiesWithHistory) {
    view.propertiesWithHistory = Object.fromEntries(
      options.propertiesWithHistory.map((name) => [name, contact.history?.[name] ?? []]),
    );
  }
  return view;
}
