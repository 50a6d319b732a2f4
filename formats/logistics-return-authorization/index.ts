import { apiBodyFields, apiBodyPart as plain } from '../text-input/api-body.ts';
import { decodeUtf8 } from '../text-input/decode.ts';
import { parseJson } from '../text-input/json.ts';
import { ptr } from '../text-input/pointer.ts';
import type { FormatReader, FormatWriter, ParsedDocument } from '../types.ts';
import type { ReturnAuthorizationTree, ReturnFrom, ReturnLine } from './tree.ts';

export type * from './tree.ts';

const FORMAT = 'logistics-return-authorization';
/** As for despatch requests: at most 200 lines, the rest of the body's checks are the provider's. */
const MAX_LINES = 200;
const { address, text, optionalText, quantity, positiveInteger, lines, object } = apiBodyFields(FORMAT);

function readReturnFrom(value: unknown, loc: string): ReturnFrom | null {
  if (value === undefined || value === null) return null;
  const from = object(value, loc, 'returnFrom must be an object');
  return {
    $loc: loc,
    ...address(from, loc),
  };
}

function readLine(value: unknown, loc: string): ReturnLine {
  const line = object(value, loc, 'a line is an object');
  return {
    $loc: loc,
    lineNumber: positiveInteger(line, 'lineNumber', loc),
    sku: text(line, 'sku', loc),
    gtin: optionalText(line, 'gtin', loc),
    quantity: quantity(line.quantity, ptr(loc, 'quantity')),
    reason: optionalText(line, 'reason', loc),
  };
}

function readTree(value: unknown): ReturnAuthorizationTree {
  const root = object(value, '', 'expected a return authorization object');
  return {
    $loc: '',
    rmaNumber: text(root, 'rmaNumber', ''),
    orderNumber: text(root, 'orderNumber', ''),
    purchaseOrderNumber: text(root, 'purchaseOrderNumber', ''),
    reason: text(root, 'reason', ''),
    returnFrom: readReturnFrom(root.returnFrom, '/returnFrom'),
    lines: lines(root, MAX_LINES).map((line, i) => readLine(line, ptr('/lines', i))),
  };
}

export function parseReturnAuthorization(input: Buffer): ParsedDocument<ReturnAuthorizationTree>[] {
  const tree = readTree(parseJson(FORMAT, decodeUtf8(FORMAT, input)));
  return [{ format: FORMAT, kind: 'return-authorization', id: tree.rmaNumber, source: FORMAT, tree }];
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

export const writer: FormatWriter<ReturnAuthorizationTree> = {
  ...reader,
  extension: '.json',
  mediaType: 'application/json',
  write: writeReturnAuthorization,
};
