import { isoCalendarProblem } from '../text-input/calendar.ts';
import { isIsoCurrency } from '../text-input/currency.ts';
import { jsonDecimal } from '../text-input/json-number.ts';
import { isObject, type JsonObject, ptr } from '../text-input/pointer.ts';
import { FormatError } from '../types.ts';
import type { OrderLine, Ref, SaleOrderTree } from './tree.ts';

export const FORMAT = 'odoo-sale-order';
const STATES = new Set(['draft', 'sent', 'sale', 'done', 'cancel']);

function fail(loc: string, message: string): never {
  throw new FormatError(FORMAT, loc, message);
}

/** Odoo sends `false` for every empty field, whatever its type. */
function empty(value: unknown): boolean {
  return value === false || value === null || value === undefined;
}

function ref(record: JsonObject, key: string, loc: string): Ref | null {
  const value = record[key];
  if (empty(value)) return null;
  if (!Array.isArray(value) || typeof value[0] !== 'number' || typeof value[1] !== 'string') {
    fail(ptr(loc, key), `${key} must be a many2one [id, "name"] or false`);
  }
  return { $loc: ptr(loc, key), id: value[0], name: value[1] };
}

function text(record: JsonObject, key: string, loc: string): string | null {
  const value = record[key];
  if (empty(value)) return null;
  if (typeof value !== 'string') fail(ptr(loc, key), `${key} must be a string`);
  return value;
}

/** Money and quantities as exact decimal strings: the digits Odoo wrote, never through a double. */
function decimal(record: JsonObject, key: string, loc: string): string | null {
  const value = record[key];
  if (empty(value)) return null;
  return jsonDecimal(FORMAT, ptr(loc, key), key, value);
}

function datetime(record: JsonObject, key: string, loc: string): string | null {
  const value = text(record, key, loc);
  if (value === null) return null;
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value);
  const iso = m ? `${m[1]}T${m[2]}Z` : '';
  if (!m || Number.isNaN(Date.parse(iso)))
    fail(ptr(loc, key), `${key} is not an Odoo datetime (YYYY-MM-DD HH:MM:SS): ${value}`);
  const problem = isoCalendarProblem(iso);
  if (problem) fail(ptr(loc, key), `${key} ${value}: ${problem}`);
  return iso;
}

function line(value: unknown, loc: string): OrderLine {
  if (!isObject(value)) fail(loc, 'an order line is an object');
  return {
    $loc: loc,
    id: typeof value.id === 'number' ? value.id : null,
    product: ref(value, 'product_id', loc),
    description: text(value, 'name', loc),
    quantity: decimal(value, 'product_uom_qty', loc),
    // Odoo 19 renamed product_uom to product_uom_id.
    uom: ref(value, 'product_uom' in value ? 'product_uom' : 'product_uom_id', loc),
    priceUnit: decimal(value, 'price_unit', loc),
    priceSubtotal: decimal(value, 'price_subtotal', loc),
    customerLead: decimal(value, 'customer_lead', loc),
  };
}

export function readOrder(record: unknown, loc: string): SaleOrderTree {
  if (!isObject(record)) fail(loc, 'a sale.order record is an object');
  if (typeof record.id !== 'number' || !Number.isSafeInteger(record.id))
    fail(
      ptr(loc, 'id'),
      `id must be a whole-number record id, got ${JSON.stringify(record.id) ?? 'nothing'}`,
    );
  const state = text(record, 'state', loc);
  if (state !== null && !STATES.has(state)) fail(ptr(loc, 'state'), `unknown sale.order state ${state}`);
  const currency = ref(record, 'currency_id', loc);
  if (currency && !isIsoCurrency(currency.name))
    fail(ptr(loc, 'currency_id'), `currency ${currency.name} is not an ISO 4217 code`);
  const lines = record.order_line;
  if (!empty(lines) && !Array.isArray(lines)) fail(ptr(loc, 'order_line'), 'order_line must be a list');
  const list = Array.isArray(lines) ? lines : [];
  const ids = list.every((l) => typeof l === 'number');
  if (!ids && !list.every(isObject)) fail(ptr(loc, 'order_line'), 'order_line mixes ids and records');
  return {
    $loc: loc,
    id: record.id,
    name: text(record, 'name', loc),
    state: state as SaleOrderTree['state'],
    dateOrder: datetime(record, 'date_order', loc),
    writeDate: datetime(record, 'write_date', loc),
    writeUser: ref(record, 'write_uid', loc),
    clientOrderRef: text(record, 'client_order_ref', loc),
    partner: ref(record, 'partner_id', loc),
    partnerShipping: ref(record, 'partner_shipping_id', loc),
    partnerInvoice: ref(record, 'partner_invoice_id', loc),
    currency,
    company: ref(record, 'company_id', loc),
    amountUntaxed: decimal(record, 'amount_untaxed', loc),
    amountTax: decimal(record, 'amount_tax', loc),
    amountTotal: decimal(record, 'amount_total', loc),
    lineIds: ids
      ? (list as number[])
      : list.map((l) => (l as JsonObject).id).filter((id): id is number => typeof id === 'number'),
    lines: ids ? [] : list.map((l, i) => line(l, ptr(ptr(loc, 'order_line'), i))),
  };
}
