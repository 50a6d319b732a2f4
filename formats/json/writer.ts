import { isObject, ptr } from '../text-input/pointer.ts';
import { FormatError, type FormatWriter } from '../types.ts';
import { JSON_FORMAT } from './index.ts';

/** What a from-canonical mapping builds for a JSON document: an object (a tree the reader read, `$loc` and all, too). */
export type JsonWriteTree = Record<string, unknown>;

function fail(loc: string, message: string): never {
  throw new FormatError(JSON_FORMAT, loc, message);
}

/**
 * The value without the reader's `$loc` keys (a tree read from JSON writes back as it was sent). Refused at its JSON
 * pointer: a number JSON cannot hold (NaN, Infinity), a value JSON has no form for (a function, undefined in a list).
 */
function plain(value: unknown, loc: string): unknown {
  if (Array.isArray(value))
    return value.map((v, i) => {
      if (v === undefined) fail(ptr(loc, i), 'nothing at this place of a list (JSON has no undefined)');
      return plain(v, ptr(loc, i));
    });
  if (typeof value === 'number' && !Number.isFinite(value))
    fail(loc, `${value} is not a number JSON can hold`);
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value;
  if (!isObject(value)) fail(loc, `a ${typeof value} has no JSON form`);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$loc' || v === undefined) continue;
    // A key `__proto__` is data like any other (an assignment would set the object's prototype instead).
    Object.defineProperty(out, key, {
      value: plain(v, ptr(loc, key)),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * One JSON object per document, as the other JSON writers write their bodies: indented by two spaces, a final line
 * break, UTF-8 without a byte-order mark. The json reader reads it back as one document with the same values.
 * Refused: a tree that is not an object, or an empty one (the reader refuses it: nothing to map).
 */
export function writeJson(tree: JsonWriteTree): Buffer {
  if (!isObject(tree)) fail('', 'a json document is an object');
  const body = plain(tree, '') as Record<string, unknown>;
  if (Object.keys(body).length === 0) fail('', 'an empty object: nothing to write');
  return Buffer.from(`${JSON.stringify(body, null, 2)}\n`, 'utf8');
}

export const writer: FormatWriter<JsonWriteTree> = {
  name: JSON_FORMAT,
  family: 'any',
  description: 'A JSON object per document (the mapping’s tree as it is, indented, UTF-8)',
  extension: '.json',
  mediaType: 'application/json',
  write: writeJson,
};
