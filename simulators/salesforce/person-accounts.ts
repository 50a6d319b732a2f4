import type { SfError } from './errors.ts';
import { KEY_PREFIX, newId, to18 } from './ids.ts';
import { SOBJECTS } from './schema.ts';
import type { SfRecord } from './state.ts';
import type { FieldValues } from './validate.ts';

/**
 * Person accounts, enabled in the org: an Account created with the person account record type is a person account
 * (IsPersonAccount, read-only) holding a consumer. Its name is LastName (required) with FirstName and Salutation,
 * and Name, read-only, is "First Last"; its Person* fields are its hidden Contact's (PersonContactId). A business
 * account (no record type: the master one) has a Name and none of those fields. Not simulated: the hidden Contact
 * record itself and its change events, and converting an account from one kind to the other.
 */
export const PERSON_ACCOUNT_RECORD_TYPE_ID = to18('0125g000000PAcc');

const PERSON_FIELDS = Object.entries(SOBJECTS.Account)
  .filter(([, def]) => def.personAccount)
  .map(([name]) => name);

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
