import { decodeUtf8 } from '../text-input/decode.ts';
import { parseJson } from '../text-input/json.ts';
import { isObject, type JsonObject, ptr } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type FormatWriter, type ParsedDocument } from '../types.ts';
import type { DespatchLine, DespatchRequestTree, DespatchShipTo } from './tree.ts';

export type * from './tree.ts';

const FORMAT = 'logistics-despatch-request';
/**
 * Only the body's shape is checked here (required fields, whole quantities, at most 200 lines): lengths and code
 * patterns are the provider's to judge, and its 400 names the parameter (it may change them without telling us).
 */
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

function readShipTo(value: unknown, loc: string): DespatchShipTo {
  if (!isObject(value)) fail(loc, 'shipTo must be an object');
  return {
    $loc: loc,
    id: optionalText(value, 'id', loc),
    name: text(value, 'name', loc),
    street: text(value, 'street', loc),
    city: text(value, 'city', loc),
    postalCode: text(value, 'postalCode', loc),
    region: optionalText(value, 'region', loc),
    country: text(value, 'country', loc),
  };
}

function readLine(value: unknown, loc: string): DespatchLine {
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
    description: optionalText(value, 'description', loc),
    quantity: quantityOf(value.quantity, ptr(loc, 'quantity')),
  };
}

function readTree(root: unknown): DespatchRequestTree {
  if (!isObject(root)) fail('', 'expected a despatch request object');
  if (!Array.isArray(root.lines) || root.lines.length === 0 || root.lines.length > MAX_LINES)
    fail('/lines', `lines must hold 1 to ${MAX_LINES} lines`);
  return {
    $loc: '',
    orderNumber: text(root, 'orderNumber', ''),
    purchaseOrderNumber: text(root, 'purchaseOrderNumber', ''),
    shipTo: readShipTo(root.shipTo, '/shipTo'),
    lines: root.lines.map((line, i) => readLine(line, ptr('/lines', i))),
    format: optionalText(root, 'format', ''),
    partner: optionalText(root, 'partner', ''),
  };
}

export function parseDespatchRequest(input: Buffer): ParsedDocument<DespatchRequestTree>[] {
  const tree = readTree(parseJson(FORMAT, decodeUtf8(FORMAT, input)));
  return [{ format: FORMAT, kind: 'despatch-request', id: tree.orderNumber, source: FORMAT, tree }];
}

/** Leaves out nulls (the API's optional fields are absent, not null) and `$loc`. */
function plain(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k, v]) => k !== '$loc' && v !== null));
}

export function writeDespatchRequest(tree: DespatchRequestTree): Buffer {
  // Written through the reader's checks, so a body the provider would refuse fails here with its field.
  const { $loc: _loc, shipTo, lines, ...head } = tree;
  const body = {
    ...plain(head),
    shipTo: plain({ ...shipTo }),
    lines: (lines ?? []).map((line) => ({ ...plain({ ...line }), quantity: Number(line.quantity) })),
  };
  const checked = readTree(JSON.parse(JSON.stringify(body)));
  const out = {
    ...plain({ ...checked, shipTo: undefined, lines: undefined }),
    shipTo: plain({ ...checked.shipTo }),
    lines: checked.lines.map((line) => ({ ...plain({ ...line }), quantity: Number(line.quantity) })),
  };
  return Buffer.from(`${JSON.stringify(out, null, 2)}\n`);
}

export const reader: FormatReader<DespatchRequestTree> = {
  name: FORMAT,
  family: 'scm',
  description:
    "Logistics provider's despatch request (POST /api/despatch-requests: order, ship-to, lines with SKU / GTIN and whole quantities)",
  parse: parseDespatchRequest,
};

export const writer: FormatWriter<DespatchRequestTree> = { ...reader, write: writeDespatchRequest };
