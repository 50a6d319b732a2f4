import { createHash } from 'node:crypto';
import { type DocumentResult, parses, readEach } from '../each-document.ts';
import { decodeUtf8 } from '../text-input/decode.ts';
import { parseJsonOrLines } from '../text-input/json.ts';
import { JsonDecimal } from '../text-input/json-number.ts';
import { isObject, ptr, shown } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type ParsedDocument } from '../types.ts';

export const JSON_FORMAT = 'json';

/** A JSON object as it was sent, keys as written, with its `$loc`: the JSON pointer of the object in the input. */
export interface JsonTree {
  $loc: string;
  [key: string]: unknown;
}

/** One document of the input: a JSON object and its pointer. */
interface Item {
  value: unknown;
  loc: string;
}

function fail(loc: string, message: string): never {
  throw new FormatError(JSON_FORMAT, loc, message);
}

/** What a value is, for a refusal: `null`, `an array`, `a number` (one kept exactly too), `a string`, `a boolean`. */
const what = (value: unknown) =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : value instanceof JsonDecimal
        ? 'a number'
        : `a ${typeof value}`;

/**
 * The value with `$loc` on each object; a number no double holds exactly (a 20-digit id) as the digits that were
 * sent. The depth is bounded: the parser refused anything nested deeper than 64 levels.
 */
function treeOf(value: unknown, loc: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => treeOf(v, ptr(loc, i)));
  if (value instanceof JsonDecimal) return value.source;
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = { $loc: loc };
  for (const [key, v] of Object.entries(value)) {
    if (key === '$loc')
      fail(ptr(loc, key), '"$loc" is reserved for the location the hub adds to each object');
    // A key `__proto__` is data like any other (an assignment would set the object's prototype instead).
    if (key === '__proto__')
      Object.defineProperty(out, key, {
        value: treeOf(v, ptr(loc, key)),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = treeOf(v, ptr(loc, key));
  }
  return out;
}

function readDocument({ value, loc }: Item): ParsedDocument<JsonTree> {
  if (!isObject(value)) fail(loc, `a document is a JSON object, got ${what(value)}: ${shown(value)}`);
  if (Object.keys(value).length === 0) fail(loc, 'an empty object: nothing to map');
  const tree = treeOf(value, loc) as JsonTree;
  // The content names the document: a redelivery, or the same object as a line of a file, keeps its id.
  const id = createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
  return { format: JSON_FORMAT, kind: 'object', id, source: JSON_FORMAT, tree };
}

/**
 * Any JSON: one object per document, read as sent. The input is an object (one document), an array of objects
 * (one each, as a list answer holds them) or JSON lines (one per line; a line holding an array, one per object of
 * it). What breaks the text (UTF-8, syntax, nesting, an empty array) refuses all of it; an element or a line that is
 * not an object, or is empty, refuses that document alone (`parseEach`).
 */
export function eachJsonDocument(input: Buffer): DocumentResult<JsonTree>[] {
  const values = parseJsonOrLines(JSON_FORMAT, decodeUtf8(JSON_FORMAT, input));
  const items = values.flatMap(({ value, base }): Item[] => {
    if (!Array.isArray(value)) return [{ value, loc: base }];
    if (value.length === 0) fail(base, 'an empty array: no documents in it');
    return value.map((v, i) => ({ value: v, loc: ptr(base, i) }));
  });
  return readEach(items, readDocument, () => undefined, asFormatError);
}

function asFormatError(error: unknown): FormatError {
  return error instanceof FormatError
    ? error
    : new FormatError(JSON_FORMAT, '', String(error), { cause: error });
}

export const reader: FormatReader<JsonTree> = {
  name: JSON_FORMAT,
  family: 'any',
  description:
    'Any JSON: an object per document (webhook body, API answer), each object of an array, or JSON lines; keys as sent',
  ...parses(eachJsonDocument),
};
