import { type SfError, SfValidationError, sfError } from './errors.ts';
import { isValidId, KEY_PREFIX, to18 } from './ids.ts';
import { type FieldDef, SOBJECTS, type SObjectType } from './schema.ts';
import type { SalesforceState } from './state.ts';

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
  const target = def.referenceTo;
  if (def.type === 'reference' && (target === 'Account' || target === 'Contact' || target === 'Case')) {
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
  const missing = Object.entries(schema)
    .filter(
      ([name, def]) =>
        def.required && (mode === 'create' ? values[name] == null : name in values && values[name] == null),
    )
    .map(([name]) => name);
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
