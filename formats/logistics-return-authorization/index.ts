import { decodeUtf8 } from '../text-input/decode.ts';
import { parseJson } from '../text-input/json.ts';
import { isObject, type JsonObject, ptr } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type FormatWriter, type ParsedDocument } from '../types.ts';
import type { ReturnAuthorizationTree, ReturnFrom, ReturnLine } from './tree.ts';

export type * from './tree.ts';

const FORMAT = 'logistics-return-authorization';
/** As for despatch requests: the body's shape is checked here, lengths and code patterns are the provider's to judge. */
const MAX_LINES = 200;

function fail(loc: string, message: string): never {
  throw new FormatError(FORMAT, loc, message);
}

function text(value: JsonObject, key: string, loc: string): string {
  const v = value[key];
  if (typeof v !== 'string' || v === '') fail(ptr(loc, key), `${key} must be a non-empty string`);
  return v;
}

function optionalText(value: JsonObject, key: string, loc: string): string | null {
  return value[key] === undefined || value[key] === null ? null : text(value, key, loc);
}

function quantityOf(value: unknown, loc: string): string {
  const textual = typeof value === 'number' ? String(value) : value;
  if (typeof textual !== 'string' || !/^\s*\+?0*[1-9]\d{0,8}(\.0*)?\s*$/.test(textual))
    fail(loc, `quantity must be a whole number of units above 0, got ${JSON.stringify(value)}`);
  return String(Number.parseInt(textual.trim(), 10));
}

function readReturnFrom(value: unknown, loc: string): ReturnFrom | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) fail(loc, 'returnFrom must be an object');
  return {
    $loc: loc,
    name: text(value, 'name', loc),
    street: text(value, 'street', loc),
    city: text(value, 'city', loc),
    postalCode: text(value, 'postalCode', loc),
    region: optionalText(value, 'region', loc),
    country: text(value, 'country', loc),
  };
}

function readLine(value: unknown, loc: string): ReturnLine {
  if (!isObject(value)) fail(loc, 'a line is an object');
  const lineNumber = value.lineNumber;
  if (
    lineNumber !== undefined &&
    lineNumber !== null &&
    !(Number.isInteger(lineNumber) && Number(lineNumber) > 0)
  )
    fail(ptr(loc, 'lineNumber'), 'lineNumber must be a positive integer');
  return {
    $loc: loc,
    lineNumber: (lineNumber as number | null | undefined) ?? null,
    sku: text(value, 'sku', loc),
    gtin: optionalText(value, 'gtin', loc),
    quantity: quantityOf(value.quantity, ptr(loc, 'quantity')),
    reason: optionalText(value, 'reason', loc),
  };
}

function readTree(root: unknown): ReturnAuthorizationTree {
  if (!isObject(root)) fail('', 'expected a return authorization object');
  if (!Array.isArray(root.lines) || root.lines.length === 0 || root.lines.length > MAX_LINES)
    fail('/lines', `lines must hold 1 to ${MAX_LINES} lines`);
  return {
    $loc: '',
    rmaNumber: text(root, 'rmaNumber', ''),
    orderNumber: text(root, 'orderNumber', ''),
    purchaseOrderNumber: text(root, 'purchaseOrderNumber', ''),
    reason: text(root, 'reason', ''),
    returnFrom: readReturnFrom(root.returnFrom, '/returnFrom'),
    lines: root.lines.map((line, i) => readLine(line, ptr('/lines', i))),
  };
}

export function parseReturnAuthorization(input: Buffer): ParsedDocument<ReturnAuthorizationTree>[] {
  const tree = readTree(parseJson(FORMAT, decodeUtf8(FORMAT, input)));
  return [{ format: FORMAT, kind: 'return-authorization', id: tree.rmaNumber, source: FORMAT, tree }];
}

/** Leaves out nulls (the API's optional fields are absent, not null) and `$loc`. */
function plain(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k, v]) => k !== '$loc' && v !== null));
}

function body(tree: ReturnAuthorizationTree): Record<string, unknown> {
  const { returnFrom, lines } = tree;
  return {
    ...plain({ ...tree, returnFrom: null, lines: null }),
    ...(returnFrom ? { returnFrom: plain({ ...returnFrom }) } : {}),
    lines: (lines ?? []).map((line) => ({ ...plain({ ...line }), quantity: Number(line.quantity) })),
  };
}

export function writeReturnAuthorization(tree: ReturnAuthorizationTree): Buffer {
  // Written through the reader's checks, so a body the provider would refuse fails here with its field.
  const checked = readTree(JSON.parse(JSON.stringify(body(tree))));
  return Buffer.from(`${JSON.stringify(body(checked), null, 2)}\n`);
}

export const reader: FormatReader<ReturnAuthorizationTree> = {
  name: FORMAT,
  family: 'scm',
  description:
    "Logistics provider's return authorization (POST /api/return-authorizations: the seller's RMA number, the original order, reason, lines with SKU / GTIN and whole quantities)",
  parse: parseReturnAuthorization,
};

export const writer: FormatWriter<ReturnAuthorizationTree> = { ...reader, write: writeReturnAuthorization };
