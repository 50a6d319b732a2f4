import { validationError } from './errors.ts';
import type { HubSpotState } from './state.ts';

/**
 * Contact properties this portal knows (the generator's plus a few common ones, two custom ids and a custom
 * Sensitive Data property, `passport_number`, the example of HubSpot's Sensitive Data guide).
 */
export const CONTACT_PROPERTIES = new Set([
  'email',
  'firstname',
  'lastname',
  'company',
  'phone',
  'mobilephone',
  'website',
  'address',
  'city',
  'state',
  'zip',
  'country',
  'date_of_birth',
  'jobtitle',
  'lifecyclestage',
  'hs_lead_status',
  'hs_additional_emails',
  'eai_golden_id',
  'external_id',
  'hs_object_id',
  'createdate',
  'lastmodifieddate',
  'hs_merged_object_ids',
  'passport_number',
]);

/**
 * Company properties this portal knows: HubSpot's default ones a B2B customer record uses (name, domain, phone, the
 * address, industry…) and the same two custom unique ids as contacts (`eai_golden_id`, `external_id`).
 */
export const COMPANY_PROPERTIES = new Set([
  'name',
  'domain',
  'website',
  'phone',
  'address',
  'address2',
  'city',
  'state',
  'zip',
  'country',
  'industry',
  'description',
  'numberofemployees',
  'annualrevenue',
  'type',
  'lifecyclestage',
  'eai_golden_id',
  'external_id',
  'hs_object_id',
  'createdate',
  'hs_lastmodifieddate',
]);

/** The portal's own properties (the rest are HubSpot's defaults). */
export const CUSTOM_PROPERTIES = new Set(['eai_golden_id', 'external_id', 'passport_number']);
/** Marked `dataSensitivity: sensitive` in a new portal: their webhooks carry "REDACTED", never the value. */
export const DEFAULT_SENSITIVE_PROPERTIES = ['passport_number'];

/** Written by HubSpot itself; an input setting them is refused. */
export const READ_ONLY = new Set([
  'hs_object_id',
  'createdate',
  'lastmodifieddate',
  'hs_lastmodifieddate',
  'hs_merged_object_ids',
]);
/** Compared as points in time by search filters and sorts. */
export const DATETIME_PROPERTIES = new Set(['createdate', 'lastmodifieddate', 'hs_lastmodifieddate']);
/** A contact's properties always returned with those a request names (object-types.ts has each type's). */
export const ALWAYS_RETURNED = ['createdate', 'hs_object_id', 'lastmodifieddate'];

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface PropertyProblem {
  isValid: false;
  message: string;
  error: string;
  name: string;
}

/**
 * Checks and normalises input properties to strings, as HubSpot stores them. Problems are reported as
 * HubSpot does: a VALIDATION_ERROR whose message embeds the per-property results as JSON. `known`: the object type's
 * properties (contacts' by default).
 */
export function validateProperties(input: unknown, known = CONTACT_PROPERTIES): Record<string, string> {
  if (input === undefined) return {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw validationError('Invalid input JSON: "properties" must be an object');
  }
  const problems: PropertyProblem[] = [];
  const values: Record<string, string> = {};
  for (const [name, raw] of Object.entries(input as Record<string, unknown>)) {
    if (!known.has(name)) {
      problems.push({
        isValid: false,
        message: `Property "${name}" does not exist`,
        error: 'PROPERTY_DOESNT_EXIST',
        name,
      });
      continue;
    }
    if (READ_ONLY.has(name)) {
      problems.push({
        isValid: false,
        message: `"${name}" is a read only property; its value cannot be set.`,
        error: 'READ_ONLY_VALUE',
        name,
      });
      continue;
    }
    if (raw !== null && typeof raw === 'object') {
      problems.push({ isValid: false, message: `${name} must be a string`, error: 'INVALID_STRING', name });
      continue;
    }
    const value = raw === null || raw === undefined ? '' : String(raw);
    if (name === 'email' && value !== '' && !EMAIL.test(value)) {
      problems.push({
        isValid: false,
        message: `Email address ${value} is invalid`,
        error: 'INVALID_EMAIL',
        name,
      });
      continue;
    }
    values[name] = name === 'email' ? value.trim().toLowerCase() : value;
  }
  if (problems.length > 0) {
    throw validationError(`Property values were not valid: ${JSON.stringify(problems)}`);
  }
  return values;
}

/**
 * Properties usable as `idProperty`: hs_object_id, the custom unique ones and, for contacts, email (a company's domain
 * is not unique in HubSpot).
 */
export function checkIdProperty(
  state: HubSpotState,
  idProperty: string | undefined,
  objectType: 'contacts' | 'companies' = 'contacts',
): string {
  const name = idProperty ?? 'hs_object_id';
  if (
    (name === 'email' && objectType === 'contacts') ||
    name === 'hs_object_id' ||
    state.uniqueProperties.includes(name)
  )
    return name;
  throw validationError(`Property ${name} is not a unique identifier property of ${objectType}`, {
    errors: [{ message: `${name} is not unique`, code: 'INVALID_ID_PROPERTY' }],
  });
}

/** Parses a comma-separated `properties=` query value (also accepted repeated). */
export function propertyList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
  const names = parts.map((p) => p.trim()).filter((p) => p !== '');
  return names.length > 0 ? names : undefined;
}
