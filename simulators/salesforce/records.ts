import { newId } from './ids.ts';
import { SOBJECTS, type SObjectType } from './schema.ts';
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

function derive(type: SObjectType, record: SfRecord): void {
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
  const id = newId(type === 'Account' ? '001' : '003');
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
  derive(type, record);
  state.records[type][record.Id] = record;
  return { type, changeType: 'CREATE', record, changed: [] };
}

/** Applies the values; an update that changes nothing still touches LastModifiedDate, as Salesforce does. */
export function updateRecord(
  type: SObjectType,
  record: SfRecord,
  values: FieldValues,
  userId: string,
): RecordChange {
  const changed = Object.keys(values).filter((name) => record[name] !== values[name]);
  Object.assign(record, values);
  const now = sfDateTime(new Date());
  record.LastModifiedDate = now;
  record.LastModifiedById = userId;
  record.SystemModstamp = now;
  derive(type, record);
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

/** Live records whose external id field equals `value` (external ids match case-insensitively). */
export function findByExternalId(
  state: SalesforceState,
  type: SObjectType,
  field: string,
  value: string,
): SfRecord[] {
  const wanted = value.toLowerCase();
  return Object.values(state.records[type]).filter(
    (record) =>
      !record.IsDeleted &&
      typeof record[field] === 'string' &&
      (record[field] as string).toLowerCase() === wanted,
  );
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
