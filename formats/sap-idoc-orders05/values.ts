import { quotedValue } from '../../lib/errors.ts';
import { isIsoCurrency } from '../text-input/currency.ts';
import { decimalFitsCanonical } from '../text-input/decimal.ts';
import { FormatError } from '../types.ts';
import { fieldLoc, type XmlSegment } from './xml.ts';

export const FORMAT = 'sap-idoc-orders05';

/** SAP packed numbers in IDocs: optional sign in front or (SAP style) behind, optional decimals. */
const SAP_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)-?$/;

export function checkNumbers(segment: XmlSegment, names: string[]): void {
  for (const name of names) {
    const value = segment.fields[name];
    if (value !== undefined && value !== '' && !SAP_NUMBER.test(value)) {
      throw new FormatError(
        FORMAT,
        fieldLoc(segment, name),
        `${name} is not a number: ${quotedValue(value)}`,
      );
    }
    if (value !== undefined && value !== '' && !decimalFitsCanonical(value)) {
      throw new FormatError(
        FORMAT,
        fieldLoc(segment, name),
        `${name} ${value} has more digits than an exact decimal keeps (18 before the point, 6 after)`,
      );
    }
  }
}

export function checkCurrencies(segment: XmlSegment, names: string[]): void {
  for (const name of names) {
    const value = segment.fields[name];
    if (value !== undefined && value !== '' && !isIsoCurrency(value)) {
      throw new FormatError(
        FORMAT,
        fieldLoc(segment, name),
        `${name} is not an ISO 4217 currency code: ${quotedValue(value)}`,
      );
    }
  }
}

/** `YYYYMMDD` → `YYYY-MM-DD`; empty or all-zero dates (SAP's "no date") → null; anything else is refused. */
export function sapDate(segment: XmlSegment, name: string): string | null {
  const value = segment.fields[name];
  if (value === undefined || value === '' || /^0+$/.test(value)) return null;
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  const iso = m ? `${m[1]}-${m[2]}-${m[3]}` : '';
  if (
    !m ||
    Number.isNaN(Date.parse(`${iso}T00:00:00Z`)) ||
    new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) !== iso
  ) {
    throw new FormatError(
      FORMAT,
      fieldLoc(segment, name),
      `${name} is not a date (YYYYMMDD): ${quotedValue(value)}`,
    );
  }
  return iso;
}

/**
 * `HHMMSS` or `HHMM` → `HH:MM:SS`, only when there is a date to go with it. Real IDocs write UZEIT / EZEIT either way
 * (SAP's own ORDERS05 samples carry `1230`) or leave it blank (→ null); a time no clock shows (`2561`, `12345`,
 * letters) is refused with its location.
 */
export function sapTime(segment: XmlSegment, name: string, date: string | null): string | null {
  const value = segment.fields[name]?.trim();
  if (date === null || value === undefined || value === '') return null;
  const m = /^([01]\d|2[0-3])([0-5]\d)([0-5]\d)?$/.exec(value);
  if (!m)
    throw new FormatError(
      FORMAT,
      fieldLoc(segment, name),
      `${name} is not a time (HHMMSS or HHMM): ${quotedValue(value)}`,
    );
  return `${m[1]}:${m[2]}:${m[3] ?? '00'}`;
}
