import { epochDaysToDate, epochMillisToIso } from '../text-input/epoch.ts';
import { JsonDecimal, jsonNumberText } from '../text-input/json-number.ts';
import type { JsonObject } from '../text-input/pointer.ts';

const FORMAT = 'salesforce-cdc';

/** Sub-field order of Salesforce compound Address fields, used when the payload's own object is null. */
const ADDRESS_ORDER = [
  'Street',
  'City',
  'State',
  'PostalCode',
  'Country',
  'StateCode',
  'CountryCode',
  'Latitude',
  'Longitude',
  'GeocodeAccuracy',
];

/**
 * Datetime and date fields of Account / Contact / Case (standard fields; custom ones are left as sent). A person
 * account's Account event carries its Contact's as Person* fields.
 */
const DATETIMES = new Set([
  'CreatedDate',
  'LastModifiedDate',
  'SystemModstamp',
  'LastViewedDate',
  'LastReferencedDate',
  'EmailBouncedDate',
  'LastCURequestDate',
  'LastCUUpdateDate',
  'ClosedDate',
  'PersonEmailBouncedDate',
  'PersonLastCURequestDate',
  'PersonLastCUUpdateDate',
]);
const DATES = new Set(['Birthdate', 'LastActivityDate', 'PersonBirthdate']);

/**
 * Pub/Sub bitmaps: `0x…` marks top-level fields by their position in the event schema (bit 0 = ChangeEventHeader);
 * `N-0x…` marks sub-fields of the compound field at position N. The decoded payload keeps the schema's order,
 * which is what makes decoding possible without the schema itself.
 */
export function decodeFieldList(
  list: string[],
  payload: JsonObject,
): { names: string[]; undecoded: string[] } {
  const order = Object.keys(payload);
  const names: string[] = [];
  const undecoded: string[] = [];
  for (const entry of list) {
    const bitmap = /^(?:(\d+)-)?0x([0-9a-fA-F]+)$/.exec(entry);
    if (!bitmap) {
      names.push(entry);
      continue;
    }
    const bits = BigInt(`0x${bitmap[2]}`);
    const parentIndex = bitmap[1] === undefined ? undefined : Number(bitmap[1]);
    const parent = parentIndex === undefined ? undefined : order[parentIndex];
    const parentValue = parent === undefined ? undefined : payload[parent];
    const fields =
      parentIndex === undefined
        ? order
        : parent === undefined
          ? undefined
          : parentValue && typeof parentValue === 'object'
            ? Object.keys(parentValue)
            : parent.endsWith('Address')
              ? ADDRESS_ORDER
              : undefined;
    const highest = bits.toString(2).length - 1;
    if (!fields || highest >= fields.length) {
      undecoded.push(entry);
      continue;
    }
    for (let i = 0; i <= highest; i++) {
      if ((bits >> BigInt(i)) & 1n) {
        const name = fields[i];
        // Bit 0 of the top-level map is the header itself; a compound parent bit is implied by its sub-fields.
        if (name === undefined || name === 'ChangeEventHeader') continue;
        names.push(parent === undefined ? name : `${parent}.${name}`);
      }
    }
  }
  return { names, undecoded };
}

/** Epoch milliseconds (Pub/Sub) become ISO strings; ISO strings (CometD) stay; dates become `YYYY-MM-DD`. */
export function normaliseValue(field: string, value: unknown, loc: string): unknown {
  if (DATETIMES.has(field) && (typeof value === 'number' || value instanceof JsonDecimal))
    return epochMillisToIso(FORMAT, loc, field, value);
  if (DATES.has(field) && (typeof value === 'number' || value instanceof JsonDecimal))
    return epochDaysToDate(FORMAT, loc, field, value);
  // A number a double cannot hold is kept as its exact digits (whole) or decimal string, or refused when too long.
  if (value instanceof JsonDecimal) return jsonNumberText(FORMAT, loc, field, value);
  return value;
}
