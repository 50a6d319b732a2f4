import { FormatError } from '../types.ts';
import { shown } from './pointer.ts';

/** 9999-12-31T23:59:59.999Z: the last instant an ISO 8601 four-digit year (and a canonical timestamp) can name. */
const LAST_MILLIS = 253_402_300_799_999;

/**
 * Epoch milliseconds (a system's own change stamp) as an ISO string, or a located refusal naming the field: a value
 * that is no whole number, before 1970 (no system here stamps a change before it) or past year 9999. `new Date` of a
 * huge number would throw a bare `Invalid time value`.
 */
export function epochMillisToIso(format: string, loc: string, name: string, value: unknown): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw new FormatError(
      format,
      loc,
      `${name} must be epoch milliseconds (a whole number), got ${shown(value)}`,
    );
  if (value < 0 || value > LAST_MILLIS)
    throw new FormatError(
      format,
      loc,
      `${name} ${value} is not an instant between 1970 and 9999 in epoch milliseconds`,
    );
  return new Date(value).toISOString();
}

/** Days since 1970-01-01 (Salesforce date fields on Pub/Sub) as `YYYY-MM-DD`, years 0001 to 9999; refused otherwise. */
export function epochDaysToDate(format: string, loc: string, name: string, value: unknown): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw new FormatError(
      format,
      loc,
      `${name} must be days since 1970-01-01 (a whole number), got ${shown(value)}`,
    );
  if (value < -719_162 || value > 2_932_896)
    throw new FormatError(format, loc, `${name} ${value} is not a day between the years 1 and 9999`);
  return new Date(value * 86_400_000).toISOString().slice(0, 10);
}
