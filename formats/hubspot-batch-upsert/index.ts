import { contentId, decodeUtf8 } from '../text-input/decode.ts';
import { parseJson } from '../text-input/json.ts';
import { JsonDecimal, jsonNumberText } from '../text-input/json-number.ts';
import { isObject, ptr } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type FormatWriter, type ParsedDocument } from '../types.ts';
import type { HubspotBatchUpsertTree, UpsertInput } from './tree.ts';

export type * from './tree.ts';

const FORMAT = 'hubspot-batch-upsert';
/** HubSpot's batch endpoints take at most 100 inputs per call. */
const MAX_INPUTS = 100;

function fail(loc: string, message: string): never {
  throw new FormatError(FORMAT, loc, message);
}

function readInput(value: unknown, loc: string): UpsertInput {
  if (!isObject(value)) fail(loc, 'an input is an object');
  if (typeof value.id !== 'string' || value.id === '') fail(ptr(loc, 'id'), 'id must be a non-empty string');
  if (value.idProperty !== undefined && typeof value.idProperty !== 'string')
    fail(ptr(loc, 'idProperty'), 'idProperty must be a string');
  if (!isObject(value.properties)) fail(ptr(loc, 'properties'), 'properties must be an object');
  const properties: UpsertInput['properties'] = { $loc: ptr(loc, 'properties') };
  for (const [name, v] of Object.entries(value.properties)) {
    if (!/^[a-z0-9_]+$/.test(name))
      fail(ptr(ptr(loc, 'properties'), name), `not a HubSpot property name: ${name}`);
    if (typeof v === 'string') properties[name] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') properties[name] = String(v);
    // A number a double cannot hold (a 20-digit id, 1e400) is kept as its exact digits or refused, never rounded.
    else if (v instanceof JsonDecimal)
      properties[name] = jsonNumberText(FORMAT, ptr(ptr(loc, 'properties'), name), name, v);
    else fail(ptr(ptr(loc, 'properties'), name), `${name} must be a string, number or boolean`);
  }
  return {
    $loc: loc,
    idProperty: (value.idProperty as string | undefined) ?? null,
    id: value.id,
    properties,
  };
}

export function parseBatchUpsert(input: Buffer): ParsedDocument<HubspotBatchUpsertTree>[] {
  const root = parseJson(FORMAT, decodeUtf8(FORMAT, input));
  if (!isObject(root) || !Array.isArray(root.inputs))
    fail(isObject(root) ? '/inputs' : '', 'expected {"inputs": [...]}');
  if (root.inputs.length === 0 || root.inputs.length > MAX_INPUTS)
    fail('/inputs', `inputs must hold 1 to ${MAX_INPUTS} items`);
  const tree = { $loc: '', inputs: root.inputs.map((v, i) => readInput(v, ptr('/inputs', i))) };
  const first = tree.inputs[0]!;
  return [
    {
      format: FORMAT,
      kind: 'contacts/batch/upsert',
      id: tree.inputs.length === 1 ? first.id : contentId(input),
      source: FORMAT,
      tree,
    },
  ];
}

export function writeBatchUpsert(tree: HubspotBatchUpsertTree): Buffer {
  if (tree.inputs.length === 0 || tree.inputs.length > MAX_INPUTS)
    fail(tree.$loc, `inputs must hold 1 to ${MAX_INPUTS} items`);
  const inputs = tree.inputs.map(({ idProperty, id, properties }) => {
    const { $loc: _loc, ...values } = properties;
    return idProperty === null ? { id, properties: values } : { idProperty, id, properties: values };
  });
  return Buffer.from(`${JSON.stringify({ inputs }, null, 2)}\n`);
}

export const reader: FormatReader<HubspotBatchUpsertTree> = {
  name: FORMAT,
  family: 'crm',
  description:
    'HubSpot CRM v3 contacts or companies batch upsert body ({"inputs":[{idProperty,id,properties}]})',
  parse: parseBatchUpsert,
};

export const writer: FormatWriter<HubspotBatchUpsertTree> = {
  ...reader,
  extension: '.json',
  mediaType: 'application/json',
  write: writeBatchUpsert,
};
