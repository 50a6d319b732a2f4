import { quotedValue } from '../../lib/errors.ts';
import { empty, odooFields, type Ref } from '../odoo-fields/index.ts';
import { isObject, type JsonObject, ptr } from '../text-input/pointer.ts';
import { FormatError } from '../types.ts';
import type { PartnerTree, StateRef } from './tree.ts';

export const FORMAT = 'odoo-res-partner';
/**
 * A region as ISO 3166-2 (`DE-BY`, `FR-20R`, `AU-NSW`): a values dict may give state_id so, for the odoo-write-sink to
 * resolve to the res.country.state id (country code and state code).
 */
export const REGION_CODE = /^([A-Z]{2})-([A-Z0-9]{1,3})$/;
const TYPES = new Set(['contact', 'invoice', 'delivery', 'other', 'private', 'followup']);
const { ref, text, decimal, datetime } = odooFields(FORMAT);

function fail(loc: string, message: string): never {
  throw new FormatError(FORMAT, loc, message);
}

function bool(record: JsonObject, key: string, loc: string): boolean | null {
  const value = record[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') fail(ptr(loc, key), `${key} must be true or false`);
  return value;
}

/** A many2one as search_read writes it (`[id, "name"]`) or as a values dict does (the bare id). */
function many2one(record: JsonObject, key: string, loc: string): Ref | null {
  const value = record[key];
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0)
    return { $loc: ptr(loc, key), id: value, name: '' };
  return ref(record, key, loc);
}

/**
 * `state_id` as search_read answers it (`[id, "Bavaria (DE)"]`, no code), or as the odoo-polling-source reads it in:
 * the res.country.state record, its country's code read in too,
 * `{"id": 105, "display_name": "Bavaria (DE)", "code": "BY", "country_id": {"id": 57, "code": "DE"}}`.
 */
function stateOf(record: JsonObject, loc: string): StateRef | null {
  const value = record.state_id;
  // A values dict's region to resolve (the writer's REGION_CODE): no id yet.
  if (typeof value === 'string' && !('id' in record)) {
    const code = REGION_CODE.exec(value);
    if (!code) fail(ptr(loc, 'state_id'), `state_id must be a state id or an ISO 3166-2 code such as DE-BY`);
    return { $loc: ptr(loc, 'state_id'), id: 0, name: value, code: code[2]!, countryCode: code[1]! };
  }
  if (!isObject(value)) {
    const pair = many2one(record, 'state_id', loc);
    return pair && { ...pair, code: null, countryCode: null };
  }
  const at = ptr(loc, 'state_id');
  if (!Number.isSafeInteger(value.id) || (value.id as number) <= 0)
    fail(ptr(at, 'id'), `state_id.id must be a record id, got ${quotedValue(value.id)}`);
  const country = value.country_id;
  if (!empty(country) && !isObject(country))
    fail(ptr(at, 'country_id'), 'state_id.country_id must be the country read in: {"id", "code"}');
  return {
    $loc: at,
    id: value.id as number,
    name: text(value, 'display_name', at) ?? '',
    code: text(value, 'code', at),
    countryCode: isObject(country) ? text(country, 'code', ptr(at, 'country_id')) : null,
  };
}

/**
 * One res.partner: a search_read record (with its `id`), or a values dict to write (no `id`, keyed by `ref`, many2one
 * values as bare ids).
 */
export function readPartner(record: unknown, loc: string, childOfValues = false): PartnerTree {
  if (!isObject(record)) fail(loc, 'a res.partner record is an object');
  let id: number | null = null;
  if ('id' in record) {
    if (typeof record.id !== 'number' || !Number.isSafeInteger(record.id))
      fail(ptr(loc, 'id'), `id must be a whole-number record id, got ${quotedValue(record.id)}`);
    id = record.id;
  } else if (!childOfValues && (typeof record.ref !== 'string' || record.ref.trim() === '')) {
    fail(ptr(loc, 'ref'), 'a values dict without id needs its key in ref');
  }
  const type = text(record, 'type', loc);
  if (type !== null && !TYPES.has(type)) fail(ptr(loc, 'type'), `unknown address type ${quotedValue(type)}`);
  const companyType = text(record, 'company_type', loc);
  if (companyType !== null && companyType !== 'person' && companyType !== 'company')
    fail(ptr(loc, 'company_type'), `company_type must be person or company, got ${quotedValue(companyType)}`);
  const isCompany = bool(record, 'is_company', loc);
  const email = text(record, 'email', loc);
  const childIds = record.child_ids;
  if (!empty(childIds) && !Array.isArray(childIds))
    fail(ptr(loc, 'child_ids'), 'child_ids must be a list of ids or of child partners read in');
  return {
    $loc: loc,
    id,
    name: text(record, 'name', loc),
    isCompany: isCompany ?? (companyType === null ? null : companyType === 'company'),
    parent: many2one(record, 'parent_id', loc),
    type,
    street: text(record, 'street', loc),
    street2: text(record, 'street2', loc),
    zip: text(record, 'zip', loc),
    city: text(record, 'city', loc),
    state: stateOf(record, loc),
    country: many2one(record, 'country_id', loc),
    phone: text(record, 'phone', loc),
    mobile: text(record, 'mobile', loc),
    email,
    website: text(record, 'website', loc),
    vat: text(record, 'vat', loc),
    ref: text(record, 'ref', loc),
    lang: text(record, 'lang', loc),
    comment: text(record, 'comment', loc),
    customerRank: empty(record.customer_rank) ? null : decimal(record, 'customer_rank', loc),
    supplierRank: empty(record.supplier_rank) ? null : decimal(record, 'supplier_rank', loc),
    active: bool(record, 'active', loc),
    createDate: datetime(record, 'create_date', loc),
    writeDate: datetime(record, 'write_date', loc),
    writeUser: ref(record, 'write_uid', loc),
    children: (Array.isArray(childIds) ? childIds : []).flatMap((child, i) => {
      const at = ptr(ptr(loc, 'child_ids'), i);
      // A values dict's child addresses are keyed by their parent and type, not by id or ref.
      if (isObject(child)) return [readPartner(child, at, id === null)];
      if (!Number.isSafeInteger(child))
        fail(at, `a child_ids item is an id or a partner read in, got ${quotedValue(child)}`);
      return [];
    }),
  };
}

/** res.partner's address fields: a partner's own address, or an invoice or delivery child's. */
export const ADDRESS_FIELDS = ['street', 'street2', 'zip', 'city', 'state_id', 'country_id'];

/** res.partner fields a values dict may set (stored, not computed); the writer refuses others. */
export const WRITABLE_FIELDS = new Set([
  'name',
  'is_company',
  'company_type',
  'parent_id',
  'type',
  'street',
  'street2',
  'zip',
  'city',
  'state_id',
  'country_id',
  'phone',
  'mobile',
  'email',
  'website',
  'vat',
  'ref',
  'lang',
  'comment',
  'customer_rank',
  'supplier_rank',
  'active',
]);
