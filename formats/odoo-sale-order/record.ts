import { empty, odooFields } from '../odoo-fields/index.ts';
import { isIsoCurrency } from '../text-input/currency.ts';
import { isObject, type JsonObject, ptr } from '../text-input/pointer.ts';
import { FormatError } from '../types.ts';
import type { OrderLine, SaleOrderTree } from './tree.ts';

export const FORMAT = 'odoo-sale-order';
const STATES = new Set(['draft', 'sent', 'sale', 'done', 'cancel']);
const { ref, text, html, decimal, datetime, recordId } = odooFields(FORMAT);

function fail(loc: string, message: string): never {
  throw new FormatError(FORMAT, loc, message);
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
    discount: decimal(value, 'discount', loc),
    customerLead: decimal(value, 'customer_lead', loc),
  };
}

const isGoods = (l: unknown) => !isObject(l) || empty(l.display_type);

export function readOrder(record: unknown, loc: string): SaleOrderTree {
  if (!isObject(record)) fail(loc, 'a sale.order record is an object');
  const id = recordId(record, loc);
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
    id,
    name: text(record, 'name', loc),
    state: state as SaleOrderTree['state'],
    dateOrder: datetime(record, 'date_order', loc),
    writeDate: datetime(record, 'write_date', loc),
    writeUser: ref(record, 'write_uid', loc),
    clientOrderRef: text(record, 'client_order_ref', loc),
    commitmentDate: datetime(record, 'commitment_date', loc),
    createDate: datetime(record, 'create_date', loc),
    note: html(record, 'note', loc),
    paymentTerm: ref(record, 'payment_term_id', loc),
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
    // Section and note lines (display_type line_section / line_note) are headings and remarks between the goods:
    // no product, no unit, quantity 0. They are no order line.
    lines: ids ? [] : list.flatMap((l, i) => (isGoods(l) ? [line(l, ptr(ptr(loc, 'order_line'), i))] : [])),
    other: Object.fromEntries(
      Object.entries(record).filter(([key, v]) => !READ_FIELDS.has(key) && !empty(v)),
    ),
  };
}

/**
 * The sale.order fields readOrder reads, in the order it reads them: what a reader of Odoo asks for (the Odoo
 * connector's `ORDER_FIELDS` comes from it). Any other field of a record goes to `other`.
 */
export const SALE_ORDER_FIELDS = [
  'name',
  'state',
  'date_order',
  'write_date',
  'write_uid',
  'client_order_ref',
  'commitment_date',
  'create_date',
  'note',
  'payment_term_id',
  'partner_id',
  'partner_shipping_id',
  'partner_invoice_id',
  'currency_id',
  'company_id',
  'amount_untaxed',
  'amount_tax',
  'amount_total',
  'order_line',
] as const;

/** The fields `other` leaves out: those read, and `id`, `display_name`, which the order's id and number stand for. */
const READ_FIELDS = new Set<string>(['id', 'display_name', ...SALE_ORDER_FIELDS]);
