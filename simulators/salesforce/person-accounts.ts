import type { SfError } from './errors.ts';
import { KEY_PREFIX, newId, to18 } from './ids.ts';
import type { RecordChange } from './records.ts';
import { SOBJECTS } from './schema.ts';
import type { SalesforceState, SfRecord } from './state.ts';
import type { FieldValues } from './validate.ts';

/**
 * Person accounts, enabled in the org: an Account created with the person account record type is a person account
 * (IsPersonAccount, read-only) holding a consumer. Its name is LastName (required) with FirstName and Salutation,
 * and Name, read-only, is "First Last"; its Person* fields are its hidden Contact's (PersonContactId). A business
 * account (no record type: the master one) has a Name and none of those fields. The hidden Contact is a record of
 * its own (IsPersonAccount true, AccountId the account) that every write to the account keeps in step, with a
 * change event of its own after the account's (`withHiddenContacts`). Not simulated: writing that Contact through
 * the Contact API (refused), and converting an account from one kind to the other.
 */
export const PERSON_ACCOUNT_RECORD_TYPE_ID = to18('0125g000000PAcc');

const PERSON_FIELDS = Object.entries(SOBJECTS.Account)
  .filter(([, def]) => def.personAccount)
  .map(([name]) => name);

/** Each person field of the Account and its hidden Contact's field (PersonEmail → Email, FirstName → FirstName). */
const CONTACT_FIELD_OF: Array<[string, string]> = PERSON_FIELDS.filter((name) => name !== 'PersonContactId')
  .map((name): [string, string] => [name, name.startsWith('Person') ? name.slice('Person'.length) : name])
  .filter(([, contactField]) => contactField in SOBJECTS.Contact);

function unwritable(field: string, why: string): SfError {
  return {
    message: `Unable to create/update fields: ${field}. ${why}`,
    errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
    fields: [field],
  };
}

/** Whether the Account the values create (or the one they update) is a person account. */
export function isPersonAccount(values: FieldValues, existing?: SfRecord): boolean {
  return existing ? existing.IsPersonAccount === true : values.RecordTypeId === PERSON_ACCOUNT_RECORD_TYPE_ID;
}

/** What an Account body may not do for the kind of account it creates or updates. */
export function personAccountProblems(values: FieldValues, existing?: SfRecord): SfError[] {
  const person = isPersonAccount(values, existing);
  const problems: SfError[] = [];
  const recordType = values.RecordTypeId;
  if (
    recordType !== undefined &&
    recordType !== null &&
    to18(String(recordType)) !== PERSON_ACCOUNT_RECORD_TYPE_ID
  )
    problems.push({
      message: `Record Type ID: this ID value isn't valid for the user: ${recordType}`,
      errorCode: 'INVALID_CROSS_REFERENCE_KEY',
      fields: ['RecordTypeId'],
    });
  else if (existing && 'RecordTypeId' in values && recordType !== (existing.RecordTypeId ?? null))
    problems.push(unwritable('RecordTypeId', 'The simulator does not convert accounts.'));
  if (person && 'Name' in values)
    problems.push(unwritable('Name', 'A person account is named by its FirstName and LastName.'));
  if (!person)
    for (const field of PERSON_FIELDS.filter((name) => name in values))
      problems.push(unwritable(field, 'Only a person account has it.'));
  return problems;
}

/** Required fields the schema cannot say alone: a business account's Name, a person account's LastName. */
export function requiredAccountField(values: FieldValues, existing?: SfRecord): string {
  return isPersonAccount(values, existing) ? 'LastName' : 'Name';
}

/** What the platform sets on a person account: IsPersonAccount, Name, and at creation its hidden Contact's id. */
export function derivePersonAccount(record: SfRecord): void {
  record.IsPersonAccount = record.RecordTypeId === PERSON_ACCOUNT_RECORD_TYPE_ID;
  if (!record.IsPersonAccount) return;
  record.Name = [record.FirstName, record.LastName]
    .filter((part) => typeof part === 'string' && part !== '')
    .join(' ');
  record.PersonContactId ??= newId(KEY_PREFIX.Contact);
}

/** A write to a person account's hidden Contact through the Contact API: the simulator keeps it in step with its Account only. */
export function personContactProblems(existing?: SfRecord): SfError[] {
  return existing?.IsPersonAccount === true
    ? [
        {
          message:
            "insufficient access rights on object id: this Contact is a person account's; the simulator writes it through its Account only",
          errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY',
          fields: [],
        },
      ]
    : [];
}

/**
 * The changes of one transaction with, after each change to a person account, the change the platform makes with
 * it to the account's hidden Contact (created with it, its person fields copied, deleted with it). Salesforce sends
 * both change events: a Contact UPDATE whose account change touched no person field still holds LastModifiedDate.
 */
export function withHiddenContacts(state: SalesforceState, changes: RecordChange[]): RecordChange[] {
  return changes.flatMap((change) =>
    change.type === 'Account' && change.record.IsPersonAccount === true
      ? [change, hiddenContactChange(state, change)]
      : [change],
  );
}

function hiddenContactChange(state: SalesforceState, change: RecordChange): RecordChange {
  const account = change.record;
  const id = String(account.PersonContactId);
  let contact = state.records.Contact[id];
  const created = !contact;
  if (!contact) {
    contact = Object.fromEntries(
      Object.keys(SOBJECTS.Contact).map((name) => [name, null]),
    ) as unknown as SfRecord;
    Object.assign(contact, {
      Id: id,
      CreatedDate: account.CreatedDate,
      CreatedById: account.CreatedById,
      OwnerId: account.OwnerId,
    });
    state.records.Contact[id] = contact;
  }
  const changed: string[] = [];
  for (const [accountField, contactField] of CONTACT_FIELD_OF) {
    const value = account[accountField] ?? null;
    if (contact[contactField] === value) continue;
    contact[contactField] = value;
    changed.push(contactField);
  }
  Object.assign(contact, {
    AccountId: account.Id,
    IsPersonAccount: true,
    IsDeleted: account.IsDeleted,
    Name: account.Name,
    LastModifiedDate: account.LastModifiedDate,
    LastModifiedById: account.LastModifiedById,
    SystemModstamp: account.SystemModstamp,
  });
  const changeType = created ? 'CREATE' : change.changeType;
  return { type: 'Contact', changeType, record: contact, changed: changeType === 'UPDATE' ? changed : [] };
}
