import { quotedValue } from '../../lib/errors.ts';
import { FormatError } from '../types.ts';
import { isObject, type JsonObject, ptr } from './pointer.ts';

/**
 * Field readers for a JSON request body of an HTTP API (the logistics provider's despatch requests and return
 * authorizations): only the body's shape is checked, lengths and code patterns are the provider's to judge (its 400
 * names the parameter, and it may change them without telling us). Every refusal names the format and the pointer.
 */
export function apiBodyFields(format: string) {
  const fail = (loc: string, message: string): never => {
    throw new FormatError(format, loc, message);
  };
  const text = (value: JsonObject, key: string, loc: string): string => {
    const v = value[key];
    if (typeof v !== 'string' || v === '') fail(ptr(loc, key), `${key} must be a non-empty string`);
    return v as string;
  };
  const optionalText = (value: JsonObject, key: string, loc: string): string | null =>
    value[key] === undefined || value[key] === null ? null : text(value, key, loc);
  return {
    fail,
    text,
    optionalText,
    /** A postal address's fields (name, street, city, postal code, optional region, country). */
    address: (value: JsonObject, loc: string) => ({
      name: text(value, 'name', loc),
      street: text(value, 'street', loc),
      city: text(value, 'city', loc),
      postalCode: text(value, 'postalCode', loc),
      region: optionalText(value, 'region', loc),
      country: text(value, 'country', loc),
    }),
    /** A whole number of units above 0 (JSON number or numeric text), as its decimal text. */
    quantity: (value: unknown, loc: string): string => {
      const textual = typeof value === 'number' ? String(value) : value;
      if (typeof textual !== 'string' || !/^\s*\+?0*[1-9]\d{0,8}(\.0*)?\s*$/.test(textual))
        fail(loc, `quantity must be a whole number of units above 0, got ${quotedValue(value)}`);
      return String(Number.parseInt((textual as string).trim(), 10));
    },
    /** An optional positive integer (a line number). */
    positiveInteger: (value: JsonObject, key: string, loc: string): number | null => {
      const v = value[key];
      if (v === undefined || v === null) return null;
      if (!(Number.isInteger(v) && Number(v) > 0)) fail(ptr(loc, key), `${key} must be a positive integer`);
      return v as number;
    },
    /** The body's `lines`: an array of 1 to `max` entries. */
    lines: (root: JsonObject, max: number): unknown[] => {
      if (!Array.isArray(root.lines) || root.lines.length === 0 || root.lines.length > max)
        fail('/lines', `lines must hold 1 to ${max} lines`);
      return root.lines as unknown[];
    },
    /** `value` as an object, else a refusal with `message` at `loc`. */
    object: (value: unknown, loc: string, message: string): JsonObject => {
      if (!isObject(value)) fail(loc, message);
      return value as JsonObject;
    },
  };
}

/** A tree part as the API body wants it: nulls left out (optional fields are absent, not null), `$loc` dropped. */
export function apiBodyPart(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k, v]) => k !== '$loc' && v !== null));
}
