import { type SfError, SfValidationError, sfError } from './errors.ts';
import { isValidId, KEY_PREFIX, to18 } from './ids.ts';
import { personAccountProblems, personContactProblems, requiredAccountField } from './person-accounts.ts';
import { findByExternalId } from './records.ts';
import { canonicalField, type FieldDef, isSObjectType, SOBJECTS, type SObjectType } from './schema.ts';
import type { SalesforceState, SfRecord } from './state.ts';

export type FieldValues = Record<string, string | boolean | null>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'START_ARRAY';
  if (value !== null && typeof value === 'object') return 'START_OBJECT';
  return 'VALUE';
}

/** Jackson-style deserialisation of one value: numbers become text, objects in a text field fail the whole request. */
function coerce(field: string, def: FieldDef, value: unknown): string | boolean | null {
  if (value === null) return null;
  if (def.type === 'boolean') {
    if (typeof value === 'boolean') return value;
  } else if (typeof value === 'string') {
    return value;
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  throw sfError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${def.type === 'boolean' ? 'boolean' : 'string'} from ${typeName(value)} value for field ${field}`,
  );
}

function checkValue(
  state: SalesforceState,
  field: string,
  def: FieldDef,
  value: string | boolean | null,
): SfError | undefined {
  if (typeof value !== 'string') return undefined;
  if (def.maxLength !== undefined && value.length > def.maxLength) {
    return {
      message: `${def.label}: data value too large: ${value.slice(0, 40)} (max length=${def.maxLength})`,
      errorCode: 'STRING_TOO_LONG',
      fields: [field],
    };
  }
  if (def.type === 'email' && value !== '' && !EMAIL.test(value)) {
    return {
      message: `${def.label}: invalid email address: ${value}`,
      errorCode: 'INVALID_EMAIL_ADDRESS',
      fields: [field],
    };
  }
  if (def.type === 'date' && (!DATE.test(value) || Number.isNaN(Date.parse(value)))) {
    return {
      message: `${def.label}: value not of required type: ${value}`,
      errorCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
      fields: [field],
    };
  }
  if (def.restricted && def.values && !def.values.includes(value)) {
    return {
      message: `${field}: bad value for restricted picklist field: ${value}`,
      errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      fields: [field],
    };
  }
  const target = def.referenceTo;
  if (def.type === 'reference' && target && isSObjectType(target)) {
    if (!isValidId(value) || !value.startsWith(KEY_PREFIX[target])) {
      return {
        message: `${def.label}: id value of incorrect type: ${value}`,
        errorCode: 'MALFORMED_ID',
        fields: [field],
      };
    }
    const referenced = state.records[target][to18(value)];
    if (!referenced || referenced.IsDeleted) {
      return {
        message: 'invalid cross reference id',
        errorCode: 'INVALID_CROSS_REFERENCE_KEY',
        fields: [field],
      };
    }
  }
  return undefined;
}

/**
 * A relationship named by the parent's external id instead of its Id (`"Account": {"SAP_Customer_Number__c": "…"}`
 * for AccountId), as the REST API takes it on create, update and upsert: the parent found by that field, or an
 * error: not an external id field, no such parent, or several.
 */
function foreignKey(
  state: SalesforceState,
  type: SObjectType,
  name: string,
  raw: unknown,
): { field: string; id: string } | SfError | undefined {
  const field = `${name}Id`;
  const def = SOBJECTS[type][field];
  const target = def?.referenceTo;
  if (def?.type !== 'reference' || !target || !isSObjectType(target)) return undefined;
  const entries = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? Object.entries(raw) : [];
  const [key, value] = entries.length === 1 ? entries[0]! : [];
  const keyField = key === undefined ? undefined : canonicalField(target, key);
  if (!keyField || !SOBJECTS[target][keyField]?.externalId || typeof value !== 'string')
    return {
      message: `${name}: a relationship names its ${target} by one external id field and its value`,
      errorCode: 'INVALID_FIELD',
      fields: [field],
    };
  const matches = findByExternalId(state, target, keyField, value);
  if (matches.length === 1) return { field, id: matches[0]!.Id };
  return {
    message:
      matches.length === 0
        ? `Foreign key external ID: ${value} not found for field ${keyField} in entity ${target}`
        : `Foreign key external ID: ${value} matches more than one record for field ${keyField} in entity ${target}`,
    errorCode: 'INVALID_FIELD',
    fields: [field],
  };
}

/**
 * Checks a request body for a create or an update the way the REST API does: unknown and read-only
 * fields, types, lengths, formats, references, required fields. Throws SfValidationError with every
 * problem, or an immediate JSON_PARSER_ERROR for a value that cannot be read at all.
 */
export function validateFields(
  state: SalesforceState,
  type: SObjectType,
  body: unknown,
  mode: 'create' | 'update',
  ignore: string[] = [],
  /** The record an update writes to (an Account's kind, business or person, decides what it may hold). */
  existing?: SfRecord,
): FieldValues {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw sfError(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${type} from ${typeName(body)} value`,
    );
  }
  const schema = SOBJECTS[type];
  const values: FieldValues = {};
  const errors: SfError[] = [];
  for (const [name, raw] of Object.entries(body)) {
    if (name === 'attributes' || ignore.includes(name)) continue;
    const def = schema[name];
    const related = def ? undefined : foreignKey(state, type, name, raw);
    if (related && 'id' in related) {
      values[related.field] = related.id;
      continue;
    }
    if (related) {
      errors.push(related);
      continue;
    }
    if (!def) {
      errors.push({
        message: `No such column '${name}' on sobject of type ${type}`,
        errorCode: 'INVALID_FIELD',
        fields: [name],
      });
      continue;
    }
    if (def.readOnly) {
      errors.push({
        message: `Unable to create/update fields: ${name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
        fields: [name],
      });
      continue;
    }
    let value = coerce(name, def, raw);
    if (def.type === 'reference' && typeof value === 'string' && isValidId(value)) value = to18(value);
    const problem = checkValue(state, name, def, value);
    if (problem) errors.push(problem);
    else values[name] = value;
  }
  if (type === 'Account' && errors.length === 0) errors.push(...personAccountProblems(values, existing));
  if (type === 'Contact' && errors.length === 0) errors.push(...personContactProblems(existing));
  // An Account's Name is required of a business account only; a person account's LastName instead.
  const required = Object.entries(schema)
    .filter(([name, def]) => def.required && !(type === 'Account' && name === 'Name'))
    .map(([name]) => name);
  if (type === 'Account') required.push(requiredAccountField(values, existing));
  const missing = required.filter((name) =>
    mode === 'create' ? values[name] == null : name in values && values[name] == null,
  );
  if (missing.length > 0 && errors.length === 0) {
    errors.push({
      message: `Required fields are missing: [${missing.join(', ')}]`,
      errorCode: 'REQUIRED_FIELD_MISSING',
      fields: missing,
    });
  }
  if (errors.length > 0) throw new SfValidationError(errors);
  return values;
}
