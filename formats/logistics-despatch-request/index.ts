import { apiBodyFields, apiBodyPart as plain } from '../text-input/api-body.ts';
import { decodeUtf8 } from '../text-input/decode.ts';
import { parseJson } from '../text-input/json.ts';
import { ptr } from '../text-input/pointer.ts';
import type { FormatReader, FormatWriter, ParsedDocument } from '../types.ts';
import type { DespatchLine, DespatchRequestTree, DespatchShipTo } from './tree.ts';

export type * from './tree.ts';

const FORMAT = 'logistics-despatch-request';
/** At most 200 lines; the rest of the body's checks are the provider's (see `apiBodyFields`). */
const MAX_LINES = 200;
const { address, text, optionalText, quantity, positiveInteger, lines, object } = apiBodyFields(FORMAT);

function readShipTo(value: unknown, loc: string): DespatchShipTo {
  const shipTo = object(value, loc, 'shipTo must be an object');
  return {
    $loc: loc,
    id: optionalText(shipTo, 'id', loc),
    ...address(shipTo, loc),
  };
}

function readLine(value: unknown, loc: string): DespatchLine {
  const line = object(value, loc, 'a line is an object');
  return {
    $loc: loc,
    lineNumber: positiveInteger(line, 'lineNumber', loc),
    sku: text(line, 'sku', loc),
    gtin: optionalText(line, 'gtin', loc),
    description: optionalText(line, 'description', loc),
    quantity: quantity(line.quantity, ptr(loc, 'quantity')),
  };
}

function readTree(value: unknown): DespatchRequestTree {
  const root = object(value, '', 'expected a despatch request object');
  return {
    $loc: '',
    orderNumber: text(root, 'orderNumber', ''),
    purchaseOrderNumber: text(root, 'purchaseOrderNumber', ''),
    shipTo: readShipTo(root.shipTo, '/shipTo'),
    lines: lines(root, MAX_LINES).map((line, i) => readLine(line, ptr('/lines', i))),
    format: optionalText(root, 'format', ''),
    partner: optionalText(root, 'partner', ''),
  };
}

export function parseDespatchRequest(input: Buffer): ParsedDocument<DespatchRequestTree>[] {
  const tree = readTree(parseJson(FORMAT, decodeUtf8(FORMAT, input)));
  return [{ format: FORMAT, kind: 'despatch-request', id: tree.orderNumber, source: FORMAT, tree }];
}

function body(tree: DespatchRequestTree): Record<string, unknown> {
  const { shipTo, lines } = tree;
  return {
    ...plain({ ...tree, shipTo: null, lines: null }),
    shipTo: plain({ ...shipTo }),
    lines: (lines ?? []).map((line) => ({ ...plain({ ...line }), quantity: Number(line.quantity) })),
  };
}

export function writeDespatchRequest(tree: DespatchRequestTree): Buffer {
  // Written through the reader's checks, so a body the provider would refuse fails here with its field.
  const checked = readTree(JSON.parse(JSON.stringify(body(tree))));
  return Buffer.from(`${JSON.stringify(body(checked), null, 2)}\n`);
}

export const reader: FormatReader<DespatchRequestTree> = {
  name: FORMAT,
  family: 'scm',
  description:
    "Logistics provider's despatch request (POST /api/despatch-requests: order, ship-to, lines with SKU / GTIN and whole quantities)",
  parse: parseDespatchRequest,
};

export const writer: FormatWriter<DespatchRequestTree> = {
  ...reader,
  extension: '.json',
  mediaType: 'application/json',
  write: writeDespatchRequest,
};
