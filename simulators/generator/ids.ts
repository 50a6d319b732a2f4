/**
 * Record ids in each system's own style. The Salesforce helpers are exported for the
 * Salesforce-like simulator, which must mint ids the same way for records created through its API.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** Key prefixes of the standard objects this project simulates. */
export const SALESFORCE_KEY_PREFIX = { Account: '001', Contact: '003' } as const;
export type SalesforceObject = keyof typeof SALESFORCE_KEY_PREFIX;

/**
 * The three-character suffix that makes a 15-character id case-insensitively unique: one character
 * per block of five, encoding which of the five are upper-case letters (bit i = character i).
 */
export function salesforceIdSuffix(id15: string): string {
  if (id15.length !== 15)
    throw new RangeError(`salesforceIdSuffix: expected 15 characters, got ${id15.length}`);
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const ch = id15.charCodeAt(block * 5 + i);
      if (ch >= 65 && ch <= 90) flags |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[flags];
  }
  return suffix;
}

export function toSalesforceId18(id15: string): string {
  return id15 + salesforceIdSuffix(id15);
}

/**
 * A Salesforce id: key prefix (3), pod identifier (2), reserved '0', then a base-62 sequence (9),
 * plus the checksum suffix. `sequence` must be unique per org for the ids to be.
 */
export function salesforceId(object: SalesforceObject, sequence: number, pod = '5g'): string {
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new RangeError(`salesforceId: sequence must be a non-negative integer, got ${sequence}`);
  }
  let encoded = '';
  let rest = sequence;
  do {
    encoded = BASE62[rest % 62] + encoded;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  if (encoded.length > 9)
    throw new RangeError(`salesforceId: sequence ${sequence} does not fit 9 base-62 digits`);
  return toSalesforceId18(`${SALESFORCE_KEY_PREFIX[object]}${pod}0${encoded.padStart(9, '0')}`);
}

/** True for an 18-character id whose suffix matches its first 15 characters. */
export function isValidSalesforceId(id: string, object?: SalesforceObject): boolean {
  if (!/^[0-9A-Za-z]{18}$/.test(id)) return false;
  if (object && !id.startsWith(SALESFORCE_KEY_PREFIX[object])) return false;
  return salesforceIdSuffix(id.slice(0, 15)) === id.slice(15);
}

/** SAP customer number (KUNNR): numeric, stored as CHAR 10 with leading zeros. */
export function sapKunnr(number: number): string {
  if (!Number.isSafeInteger(number) || number < 0 || number > 9_999_999_999) {
    throw new RangeError(`sapKunnr: ${number} is not a 10-digit customer number`);
  }
  return String(number).padStart(10, '0');
}

export function isValidSapKunnr(kunnr: string): boolean {
  return /^\d{10}$/.test(kunnr);
}

/** HubSpot record ids are numeric strings in the API (hs_object_id). */
export function isValidHubSpotId(id: string): boolean {
  return /^[1-9]\d{0,17}$/.test(id);
}

/** Odoo ids are positive integers (res.partner 1..6 are taken by the company and admin users). */
export function isValidOdooId(id: unknown): boolean {
  return typeof id === 'number' && Number.isInteger(id) && id > 0;
}
