import { quotedValue } from '../../lib/errors.ts';
import { odooFields } from '../odoo-fields/index.ts';
import { decodeUtf8 } from '../text-input/decode.ts';
import { parseJson } from '../text-input/json.ts';
import { isObject, ptr } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type FormatWriter, type ParsedDocument } from '../types.ts';
import { ADDRESS_FIELDS, FORMAT, REGION_CODE, readPartner, WRITABLE_FIELDS } from './record.ts';

/** res.partner fields a values dict may set (stored, not computed). */
export const PARTNER_WRITABLE_FIELDS: ReadonlySet<string> = WRITABLE_FIELDS;

/** res.partner's address fields (a partner's own address, or a child address's). */
export const PARTNER_ADDRESS_FIELDS: readonly string[] = ADDRESS_FIELDS;

/** A values dict's state_id given as a region, ISO 3166-2 (`DE-BY`): country code, state code. */
export const PARTNER_REGION_CODE: RegExp = REGION_CODE;

import type { PartnerTree, PartnerValuesTree } from './tree.ts';

export type * from './tree.ts';

const { resultList } = odooFields(FORMAT);

/** A JSON-RPC response envelope or the bare search_read result (or a values list); one document per record. */
export function parsePartners(input: Buffer): ParsedDocument<PartnerTree>[] {
  const { list, base } = resultList(parseJson(FORMAT, decodeUtf8(FORMAT, input)));
  return list.map((record, i) => {
    const tree = readPartner(record, ptr(base, i));
    return {
      format: FORMAT,
      kind: tree.id === null ? 'res.partner.values' : 'res.partner',
      id: tree.id === null ? `ref:${tree.ref}` : String(tree.id),
      source: 'odoo',
      tree,
    };
  });
}

/** What a child address values dict may set: its type (invoice or delivery) and the address fields. */
const CHILD_ADDRESS_FIELDS = new Set(['type', ...ADDRESS_FIELDS]);

/**
 * `child_ids` of a values dict: the partner's invoice and delivery addresses, each `{type, street, …}` (Odoo's child
 * partners of that type), which the odoo-write-sink writes onto the partner's child of that type or creates.
 */
function childAddresses(value: unknown, where: string): Array<Record<string, unknown>> {
  if (!Array.isArray(value))
    throw new FormatError(FORMAT, where, 'child_ids must be a list of address values dicts');
  return value.map((child, i) => {
    const at = ptr(where, i);
    if (!isObject(child)) throw new FormatError(FORMAT, at, 'a child address must be a values dict');
    if (child.type !== 'invoice' && child.type !== 'delivery')
      throw new FormatError(
        FORMAT,
        ptr(at, 'type'),
        `a child address's type must be invoice or delivery, got ${quotedValue(child.type)}`,
      );
    const address: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(child)) {
      if (name === '$loc' || field === undefined) continue;
      if (!CHILD_ADDRESS_FIELDS.has(name))
        throw new FormatError(FORMAT, ptr(at, name), `${name} is not an address field of a child address`);
      checkScalar(name, field, ptr(at, name));
      address[name] = field === null ? false : field;
    }
    return address;
  });
}

/** A values dict's value: a string, number, boolean or false (null); state_id a state id or ISO 3166-2. */
function checkScalar(name: string, value: unknown, at: string): void {
  if (value !== null && !['string', 'number', 'boolean'].includes(typeof value))
    throw new FormatError(FORMAT, at, `${name} must be a string, number, boolean or false`);
  if (name === 'state_id' && typeof value === 'string' && !REGION_CODE.test(value))
    throw new FormatError(
      FORMAT,
      at,
      `state_id must be a res.country.state id or an ISO 3166-2 code such as DE-BY (the odoo-write-sink resolves it), got ${quotedValue(value)}`,
    );
}

/**
 * One values dict as the list `create` takes (`[{…}]`), Odoo's field names: the key is `id` (a partner Odoo's id
 * is known for) or else `ref` (the sink upserts by it), many2one values are ids, `false` clears a field. Fields Odoo computes, or that are not res.partner's, are
 * refused with their name.
 */
export function writePartnerValues(tree: PartnerValuesTree): Buffer {
  const where = tree.$loc ?? '';
  if (!isObject(tree.values)) throw new FormatError(FORMAT, where, 'values must be an object');
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(tree.values)) {
    if (name === '$loc' || value === undefined) continue;
    if (name === 'child_ids') {
      values.child_ids = childAddresses(value, ptr(where, 'child_ids'));
      continue;
    }
    if (name === 'id') {
      if (!Number.isSafeInteger(value) || (value as number) <= 0)
        throw new FormatError(FORMAT, ptr(where, 'id'), `id must be a record id, got ${quotedValue(value)}`);
      values.id = value;
      continue;
    }
    if (!WRITABLE_FIELDS.has(name))
      throw new FormatError(FORMAT, ptr(where, name), `${name} is not a writable res.partner field`);
    checkScalar(name, value, ptr(where, name));
    values[name] = value === null ? false : value;
  }
  if (values.id === undefined && (typeof values.ref !== 'string' || values.ref.trim() === ''))
    throw new FormatError(
      FORMAT,
      ptr(where, 'ref'),
      'ref (the key of the upsert) must be a non-empty string when there is no id',
    );
  return Buffer.from(`${JSON.stringify([values], null, 2)}\n`);
}

export const reader: FormatReader<PartnerTree> = {
  name: FORMAT,
  family: 'erp',
  description:
    'Odoo res.partner records from JSON-RPC execute_kw search_read (envelope or bare result), or create values',
  parse: parsePartners,
};

export const writer: FormatWriter<PartnerValuesTree> = {
  name: FORMAT,
  family: 'erp',
  description: reader.description,
  extension: '.json',
  mediaType: 'application/json',
  write: writePartnerValues,
};
