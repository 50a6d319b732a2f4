import { quotedValue } from '../../lib/errors.ts';
import { odooFields } from '../odoo-fields/index.ts';
import { decodeUtf8 } from '../text-input/decode.ts';
import { parseJson } from '../text-input/json.ts';
import { isObject, ptr } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type FormatWriter, type ParsedDocument } from '../types.ts';
import { FORMAT, REGION_CODE, readPartner, WRITABLE_FIELDS } from './record.ts';

/** res.partner fields a values dict may set (stored, not computed). */
export const PARTNER_WRITABLE_FIELDS: ReadonlySet<string> = WRITABLE_FIELDS;

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
    if (name === 'id') {
      if (!Number.isSafeInteger(value) || (value as number) <= 0)
        throw new FormatError(FORMAT, ptr(where, 'id'), `id must be a record id, got ${quotedValue(value)}`);
      values.id = value;
      continue;
    }
    if (!WRITABLE_FIELDS.has(name))
      throw new FormatError(FORMAT, ptr(where, name), `${name} is not a writable res.partner field`);
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value))
      throw new FormatError(FORMAT, ptr(where, name), `${name} must be a string, number, boolean or false`);
    if (name === 'state_id' && typeof value === 'string' && !REGION_CODE.test(value))
      throw new FormatError(
        FORMAT,
        ptr(where, name),
        `state_id must be a res.country.state id or an ISO 3166-2 code such as DE-BY (the odoo-write-sink resolves it), got ${quotedValue(value)}`,
      );
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
