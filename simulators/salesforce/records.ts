import { createValueIndex } from '../common/value-index.ts';
import { KEY_PREFIX, newId } from './ids.ts';
import { derivePersonAccount } from './person-accounts.ts';
import { CLOSED_CASE_STATUSES, ORDER_STATUS_CODES, SOBJECTS, type SObjectType } from './schema.ts';
import { type SalesforceState, type SfRecord, sfDateTime } from './state.ts';
import type { FieldValues } from './validate.ts';

export type ChangeType = 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';

/** What one write did, for the change event and the effects log. */
export interface RecordChange {
  type: SObjectType;
  changeType: ChangeType;
  record: SfRecord;
  /** Fields whose value changed (for UPDATE), flat names. */
  changed: string[];
}

function derive(type: SObjectType, record: SfRecord, now: string): void {
  if (type === 'Case') {
    // Salesforce closes a case when its Status is a closed one: IsClosed, and ClosedDate the first time.
    const closed = typeof record.Status === 'string' && CLOSED_CASE_STATUSES.includes(record.Status);
    record.IsClosed = closed;
    record.ClosedDate = closed ? (record.ClosedDate ?? now) : null;
  }
  if (type === 'Order') {
    record.StatusCode =
      typeof record.Status === 'string' ? (ORDER_STATUS_CODES[record.Status] ?? null) : null;
  }
  if (type === 'Account') derivePersonAccount(record);
  if (type === 'Contact') {
    record.Name = [record.FirstName, record.LastName]
      .filter((part) => typeof part === 'string' && part !== '')
      .join(' ');
  }
}

export function createRecord(
  state: SalesforceState,
  type: SObjectType,
  values: FieldValues,
  userId: string,
): RecordChange {
  const now = sfDateTime(new Date());
  const id = newId(KEY_PREFIX[type]);
  const record = Object.fromEntries(
    Object.keys(SOBJECTS[type]).map((name) => [name, null]),
  ) as unknown as SfRecord;
  Object.assign(record, values, {
    Id: id,
    IsDeleted: false,
    CreatedDate: now,
    CreatedById: userId,
    LastModifiedDate: now,
    LastModifiedById: userId,
    SystemModstamp: now,
    OwnerId: userId,
  });
  if (type === 'Case') {
    state.lastCaseNumber = (state.lastCaseNumber ?? 999) + 1;
    record.CaseNumber = String(state.lastCaseNumber).padStart(8, '0');
    record.Status ??= 'New';
  }
  if (type === 'Order') {
    state.lastOrderNumber = (state.lastOrderNumber ?? 99) + 1;
    record.OrderNumber = String(state.lastOrderNumber).padStart(8, '0');
  }
  derive(type, record, now);
  state.records[type][record.Id] = record;
  externalIds.add(record);
  return { type, changeType: 'CREATE', record, changed: [] };
}

/** Applies the values; an update that changes nothing still touches LastModifiedDate, as Salesforce does. */
export function updateRecord(
  type: SObjectType,
  record: SfRecord,
  values: FieldValues,
  userId: string,
): RecordChange {
  const before = {
    IsClosed: record.IsClosed ?? null,
    ClosedDate: record.ClosedDate ?? null,
    StatusCode: record.StatusCode ?? null,
  };
  const changed = Object.keys(values).filter((name) => record[name] !== values[name]);
  Object.assign(record, values);
  const now = sfDateTime(new Date());
  record.LastModifiedDate = now;
  record.LastModifiedById = userId;
  record.SystemModstamp = now;
  derive(type, record, now);
  externalIds.add(record);
  // Fields the platform derived change with the write (a case closed: IsClosed, ClosedDate; an order's StatusCode).
  const derived = { Case: ['IsClosed', 'ClosedDate'], Order: ['StatusCode'] } as const;
  for (const name of type === 'Case' || type === 'Order' ? derived[type] : [])
    if (record[name] !== before[name]) changed.push(name);
  return { type, changeType: 'UPDATE', record, changed };
}

export function deleteRecord(type: SObjectType, record: SfRecord, userId: string): RecordChange {
  record.IsDeleted = true;
  const now = sfDateTime(new Date());
  record.LastModifiedDate = now;
  record.LastModifiedById = userId;
  record.SystemModstamp = now;
  return { type, changeType: 'DELETE', record, changed: [] };
}

/** Restores a record from the Recycle Bin, as the UI's Undelete (or Apex `Database.undelete`) does. */
export function undeleteRecord(type: SObjectType, record: SfRecord, userId: string): RecordChange {
  record.IsDeleted = false;
  const now = sfDateTime(new Date());
  record.LastModifiedDate = now;
  record.LastModifiedById = userId;
  record.SystemModstamp = now;
  return { type, changeType: 'UNDELETE', record, changed: [] };
}

/**
 * Records by the values of their external id fields as looked up (`findByExternalId`; simulators/common/value-index.ts),
 * lower-cased: an upsert by external id (one record, or each of an sObject Collection's 200) finds its record without
 * a walk of every record of the type. Filled at a type's first lookup of a field, then by every write
 * (`createRecord`, `updateRecord`).
 */
const externalIds = createValueIndex<SfRecord>(externalIdKeys);

function externalIdKeys(field: string, record: SfRecord): string[] {
  const value = record[field];
  return typeof value === 'string' ? [value.toLowerCase()] : [];
}

/**
 * Removes a record for good (the Recycle Bin emptied: no undelete, no query finds it) and takes it out of the lookup
 * index: nothing of it stays.
 */
export function purgeRecord(state: SalesforceState, type: SObjectType, record: SfRecord): void {
  delete state.records[type][record.Id];
  externalIds.remove(record);
}

/**
 * Live records whose external id field equals `value` (external ids match case-insensitively), in the order of the
 * type's records, as a walk of them would find them.
 */
export function findByExternalId(
  state: SalesforceState,
  type: SObjectType,
  field: string,
  value: string,
): SfRecord[] {
  const wanted = value.toLowerCase();
  const records = state.records[type];
  // Of the records the index names under the value, those still of these records, live and holding it.
  const found = [...externalIds.candidates(records, field, wanted)].filter(
    (record) =>
      records[record.Id] === record && !record.IsDeleted && externalIdKeys(field, record).includes(wanted),
  );
  if (found.length < 2) return found;
  // Several (a duplicate external id, which the API answers 300): in the records' order, walked only then.
  const holders = new Set(found);
  return Object.values(records).filter((record) => holders.has(record));
}

/** A record as the REST API returns it: attributes first, then the fields (all, or those asked for). */
export function recordView(
  type: SObjectType,
  record: SfRecord,
  version: string,
  fields?: string[],
): Record<string, unknown> {
  const names = fields ?? Object.keys(SOBJECTS[type]);
  const view: Record<string, unknown> = {
    attributes: { type, url: `/services/data/${version}/sobjects/${type}/${record.Id}` },
  };
  for (const name of names) view[name] = record[name] ?? null;
  return view;
}
