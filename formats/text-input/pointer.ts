import { quotedText, quotedValue } from '../../lib/errors.ts';
import { JsonDecimal } from './json-number.ts';

/** Appends one reference token to a JSON pointer (RFC 6901), escaping `~` and `/`. */
export function ptr(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}/${key}`;
  if (key.indexOf('~') === -1 && key.indexOf('/') === -1) return `${base}/${key}`;
  return `${base}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

export type JsonObject = { [key: string]: unknown };

/** A JSON object (not an array, not null, not a number kept exactly as JsonDecimal). */
export function isObject(value: unknown): value is JsonObject {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonDecimal)
  );
}

/** A deep copy of raw JSON where every object carries its own `$loc`, for parts kept as they came. */
export function withLocs(value: unknown, loc: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => withLocs(v, ptr(loc, i)));
  // A number no double holds exactly stays as the digits that were sent.
  if (value instanceof JsonDecimal) return value.source;
  if (!isObject(value)) return value;
  const out: JsonObject = { $loc: loc };
  for (const [k, v] of Object.entries(value)) out[k] = withLocs(v, ptr(loc, k));
  return out;
}

/**
 * A document's value for an error message: `nothing` when absent (never `undefined`), JSON otherwise, cut after 60
 * characters, marked as a value (`quotedValue`: a viewer reads it as `"…"`).
 */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  return value instanceof JsonDecimal ? quotedText(value.source) : quotedValue(value);
}
