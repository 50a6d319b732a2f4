import { isoCalendarProblem, isPlainZonedTimestamp } from '../text-input/calendar.ts';
import { isIsoCurrency } from '../text-input/currency.ts';
import { CANONICAL_DECIMAL } from '../text-input/decimal.ts';
import { parseJson } from '../text-input/json.ts';
import { JsonDecimal, plainDecimal } from '../text-input/json-number.ts';
import { isObject, type JsonObject, ptr, shown } from '../text-input/pointer.ts';
import { FormatError } from '../types.ts';
import type {
  ShopifyAddress,
  ShopifyCustomer,
  ShopifyDiscountApplication,
  ShopifyDiscountCode,
  ShopifyDuty,
  ShopifyFulfillment,
  ShopifyLineItem,
  ShopifyLineQuantity,
  ShopifyNameValue,
  ShopifyOrderAdjustment,
  ShopifyOrderTree,
  ShopifyRefund,
  ShopifyRefundLineItem,
  ShopifyShippingLine,
  ShopifyTransaction,
} from './tree.ts';

export const FORMAT = 'shopify-order';

export const FINANCIAL = new Set([
  'pending',
  'authorized',
  'partially_paid',
  'paid',
  'partially_refunded',
  'refunded',
  'voided',
  'expired',
]);
// 'pending': what Shopify's own orders/create test notification (Settings > Notifications > Send test) carries.
export const FULFILLMENT = new Set(['fulfilled', 'partial', 'restocked', 'unfulfilled', 'pending', 'null']);
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

function fail(loc: string, message: string): never {
  throw new FormatError(FORMAT, loc, message);
}

const absent = (value: unknown) => value === undefined || value === null;

function text(value: unknown, key: string, loc: string): string | null {
  if (absent(value)) return null;
  if (typeof value !== 'string') fail(ptr(loc, key), `${key} must be a string, got ${shown(value)}`);
  return value;
}

function flag(value: unknown, key: string, loc: string): boolean | null {
  if (absent(value)) return null;
  if (typeof value !== 'boolean') fail(ptr(loc, key), `${key} must be true or false, got ${shown(value)}`);
  return value;
}

/** Ids as their exact digits: Shopify's are 64-bit, past 2^53 the parser keeps them as JsonDecimal. */
function id(value: unknown, key: string, loc: string, required = false): string | null {
  // toFixed(0) writes a safe integer's digits as String does, without going through V8's number-to-string cache
  // (a miss for nearly every 64-bit id, and a write into that old-space table): a third cheaper per id.
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value.toFixed(0);
  if (value instanceof JsonDecimal && /^\d+$/.test(value.source)) return value.source;
  if (absent(value)) {
    if (required) fail(ptr(loc, key), `missing ${key}`);
    return null;
  }
  fail(ptr(loc, key), `${key} must be a whole-number id, got ${shown(value)}`);
}

/** Money and quantities: Shopify's REST API writes amounts as decimal strings ("199.00"); numbers are accepted too. */
function decimal(value: unknown, key: string, loc: string): string | null {
  if (absent(value)) return null;
  if (typeof value === 'string' && fitsCanonicalDecimal(value)) return value;
  const source =
    typeof value === 'string'
      ? value.trim()
      : typeof value === 'number'
        ? String(value)
        : value instanceof JsonDecimal
          ? value.source
          : undefined;
  if (source === undefined || !/^-?\d+(\.\d+)?$/.test(source))
    fail(ptr(loc, key), `${key} must be a decimal amount, got ${shown(value)}`);
  const read = plainDecimal(source);
  if ('problem' in read) fail(ptr(loc, key), `${key}: ${read.problem}`);
  return source;
}

/** Digits before and after the point that always fit a canonical decimal, whatever the digits are. */
const WHOLE_DIGITS = CANONICAL_DECIMAL.precision - CANONICAL_DECIMAL.scale;

/**
 * Whether a decimal string is `-?digits(.digits)?` with at most as many digits before and after the point as a
 * canonical decimal holds: then plainDecimal finds no problem with it (zeros it would trim only make it shorter).
 * False says nothing: `decimal` then reads the value the general way, with its messages.
 */
export function fitsCanonicalDecimal(value: string): boolean {
  const length = value.length;
  let at = value.charCodeAt(0) === 45 ? 1 : 0;
  const wholeStart = at;
  while (at < length && isDigit(value.charCodeAt(at))) at++;
  const whole = at - wholeStart;
  if (whole === 0 || whole > WHOLE_DIGITS) return false;
  if (at === length) return true;
  if (value.charCodeAt(at) !== 46) return false;
  const fractionStart = ++at;
  while (at < length && isDigit(value.charCodeAt(at))) at++;
  const fraction = at - fractionStart;
  return at === length && fraction > 0 && fraction <= CANONICAL_DECIMAL.scale;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

function timestamp(read: unknown, key: string, loc: string): string | null {
  const value = text(read, key, loc);
  if (value === null) return null;
  if (isPlainZonedTimestamp(value)) return value;
  if (!TIMESTAMP.test(value))
    fail(ptr(loc, key), `${key} is not an ISO 8601 timestamp with an offset: ${value}`);
  const problem = isoCalendarProblem(value);
  if (problem) fail(ptr(loc, key), `${key} ${value}: ${problem}`);
  return value;
}

function list(value: unknown, key: string, loc: string): unknown[] {
  if (absent(value)) return [];
  if (!Array.isArray(value)) fail(ptr(loc, key), `${key} must be a list`);
  return value;
}

function object(value: unknown, key: string, loc: string): JsonObject | null {
  if (absent(value)) return null;
  if (!isObject(value)) fail(ptr(loc, key), `${key} must be an object`);
  return value;
}

/** The amount in the presentment currency of a money set (`price_set`: {shop_money, presentment_money}), or null. */
function presentmentAmount(value: unknown, key: string, loc: string): string | null {
  return setAmount(value, key, loc, 'presentment_money');
}

/** The amount of one side of a money set (`shop_money` or `presentment_money`), or null. */
function setAmount(
  value: unknown,
  key: string,
  loc: string,
  side: 'shop_money' | 'presentment_money',
): string | null {
  const set = object(value, key, loc);
  return set ? moneyAmount(set[side], side, ptr(loc, key)) : null;
}

/** The amount of a money object ({amount, currency_code}), or null. */
function moneyAmount(value: unknown, key: string, loc: string): string | null {
  const money = object(value, key, loc);
  return money ? decimal(money.amount, 'amount', ptr(loc, key)) : null;
}

/** A whole number of items (a quantity), as its digits. */
function count(value: unknown, key: string, loc: string): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    fail(ptr(loc, key), `${key} must be a whole number of items, got ${shown(value)}`);
  return String(value);
}

/** A list of texts (tracking numbers, tracking URLs): the non-empty ones, in order. */
function texts(value: unknown, key: string, loc: string): string[] {
  const out: string[] = [];
  list(value, key, loc).forEach((v, i) => {
    const t = text(v, String(i), ptr(loc, key));
    if (t !== null && t !== '') out.push(t);
  });
  return out;
}

/** Shopify's list field (tracking_numbers), else its one-value field of old (tracking_number). */
export function listElseOne(values: string[], one: string | null): string[] {
  return values.length > 0 || one === null || one === '' ? values : [one];
}

function address(value: unknown, key: string, loc: string): ShopifyAddress | null {
  const a = object(value, key, loc);
  if (!a) return null;
  const at = ptr(loc, key);
  const countryCode = text(a.country_code, 'country_code', at);
  if (countryCode !== null && !isAlpha2(countryCode))
    fail(
      ptr(at, 'country_code'),
      `country_code must be an ISO 3166-1 alpha-2 code, got ${shown(countryCode)}`,
    );
  const lines: string[] = [];
  for (const line of [text(a.address1, 'address1', at), text(a.address2, 'address2', at)])
    if (line !== null && line.trim() !== '') lines.push(line);
  return {
    $loc: at,
    name: text(a.name, 'name', at),
    firstName: text(a.first_name, 'first_name', at),
    lastName: text(a.last_name, 'last_name', at),
    company: text(a.company, 'company', at),
    lines,
    city: text(a.city, 'city', at),
    province: text(a.province, 'province', at),
    provinceCode: text(a.province_code, 'province_code', at),
    zip: text(a.zip, 'zip', at),
    country: text(a.country, 'country', at),
    countryCode,
    phone: text(a.phone, 'phone', at),
  };
}

/** Two capital letters A-Z (an ISO 3166-1 alpha-2 code's form). */
export function isAlpha2(code: string): boolean {
  const first = code.charCodeAt(0);
  const second = code.charCodeAt(1);
  return code.length === 2 && first >= 65 && first <= 90 && second >= 65 && second <= 90;
}

function customer(record: JsonObject, loc: string): ShopifyCustomer | null {
  const c = object(record.customer, 'customer', loc);
  if (!c) return null;
  const at = ptr(loc, 'customer');
  return {
    $loc: at,
    id: id(c.id, 'id', at),
    email: text(c.email, 'email', at),
    firstName: text(c.first_name, 'first_name', at),
    lastName: text(c.last_name, 'last_name', at),
    phone: text(c.phone, 'phone', at),
  };
}

function lineItem(value: unknown, loc: string): ShopifyLineItem {
  if (!isObject(value)) fail(loc, 'a line item is an object');
  const quantity = count(value.quantity, 'quantity', loc);
  return {
    $loc: loc,
    id: id(value.id, 'id', loc, true) as string,
    variantId: id(value.variant_id, 'variant_id', loc),
    productId: id(value.product_id, 'product_id', loc),
    sku: text(value.sku, 'sku', loc),
    title: text(value.title, 'title', loc),
    variantTitle: text(value.variant_title, 'variant_title', loc),
    name: text(value.name, 'name', loc),
    vendor: text(value.vendor, 'vendor', loc),
    quantity,
    price: decimal(value.price, 'price', loc),
    pricePresentment: presentmentAmount(value.price_set, 'price_set', loc),
    totalDiscount: decimal(value.total_discount, 'total_discount', loc),
    fulfillmentStatus: text(value.fulfillment_status, 'fulfillment_status', loc),
    requiresShipping: flag(value.requires_shipping, 'requires_shipping', loc),
    taxable: flag(value.taxable, 'taxable', loc),
    giftCard: flag(value.gift_card, 'gift_card', loc),
    grams: decimal(value.grams, 'grams', loc),
    properties: list(value.properties, 'properties', loc).map((v, i) =>
      nameValue(v, ptr(ptr(loc, 'properties'), i), 'line item property'),
    ),
    discountAllocations: list(value.discount_allocations, 'discount_allocations', loc).map((v, i) => {
      const at = ptr(ptr(loc, 'discount_allocations'), i);
      if (!isObject(v)) fail(at, 'a discount allocation is an object');
      return {
        $loc: at,
        amount: decimal(v.amount, 'amount', at),
        amountPresentment: presentmentAmount(v.amount_set, 'amount_set', at),
      };
    }),
    taxLines: list(value.tax_lines, 'tax_lines', loc).map((v, i) => {
      const at = ptr(ptr(loc, 'tax_lines'), i);
      if (!isObject(v)) fail(at, 'a tax line is an object');
      return {
        $loc: at,
        title: text(v.title, 'title', at),
        price: decimal(v.price, 'price', at),
        pricePresentment: presentmentAmount(v.price_set, 'price_set', at),
      };
    }),
    duties: list(value.duties, 'duties', loc).map((v, i) => duty(v, ptr(ptr(loc, 'duties'), i))),
  };
}

function duty(value: unknown, loc: string): ShopifyDuty {
  if (!isObject(value)) fail(loc, 'a duty is an object');
  return {
    $loc: loc,
    // Shopify writes a duty's id as a string ("2").
    id: typeof value.id === 'string' ? value.id : id(value.id, 'id', loc),
    harmonizedSystemCode: text(value.harmonized_system_code, 'harmonized_system_code', loc),
    countryCodeOfOrigin: text(value.country_code_of_origin, 'country_code_of_origin', loc),
    amount: moneyAmount(value.shop_money, 'shop_money', loc),
    amountPresentment: moneyAmount(value.presentment_money, 'presentment_money', loc),
  };
}

function discountApplication(value: unknown, loc: string): ShopifyDiscountApplication {
  if (!isObject(value)) fail(loc, 'a discount application is an object');
  return {
    $loc: loc,
    type: text(value.type, 'type', loc),
    value: decimal(value.value, 'value', loc),
    valueType: text(value.value_type, 'value_type', loc),
    allocationMethod: text(value.allocation_method, 'allocation_method', loc),
    targetSelection: text(value.target_selection, 'target_selection', loc),
    targetType: text(value.target_type, 'target_type', loc),
    code: text(value.code, 'code', loc),
    title: text(value.title, 'title', loc),
    description: text(value.description, 'description', loc),
  };
}

/** A note attribute or a line item property (`what`): {name, value}. */
function nameValue(value: unknown, loc: string, what: string): ShopifyNameValue {
  if (!isObject(value)) fail(loc, `a ${what} is an object {name, value}`);
  const name = text(value.name, 'name', loc);
  if (name === null || name === '') fail(ptr(loc, 'name'), `a ${what} needs a name`);
  const raw = value.value;
  // Shopify stores these values as text; a number or boolean from an app is kept as its JSON text, and so is an object
  // or a list: a storefront field named `properties[Name][First]` comes back nested (shopify_api's
  // order_with_properties fixture), which is the customer's input, not a broken order.
  const shownValue =
    absent(raw) || typeof raw === 'string'
      ? ((raw as string | null | undefined) ?? null)
      : typeof raw === 'number' || typeof raw === 'boolean'
        ? String(raw)
        : JSON.stringify(raw);
  return { $loc: loc, name, value: shownValue };
}

function shippingLine(value: unknown, loc: string): ShopifyShippingLine {
  if (!isObject(value)) fail(loc, 'a shipping line is an object');
  return {
    $loc: loc,
    id: id(value.id, 'id', loc),
    title: text(value.title, 'title', loc),
    code: text(value.code, 'code', loc),
    price: decimal(value.price, 'price', loc),
  };
}

function discountCode(value: unknown, loc: string): ShopifyDiscountCode {
  if (!isObject(value)) fail(loc, 'a discount code is an object');
  const code = text(value.code, 'code', loc);
  if (code === null) fail(ptr(loc, 'code'), 'a discount code needs its code');
  return {
    $loc: loc,
    code,
    amount: decimal(value.amount, 'amount', loc),
    type: text(value.type, 'type', loc),
  };
}

/** A fulfillment's line item: the order's line item it ships (its id) and how many of it. */
function lineQuantity(value: unknown, loc: string): ShopifyLineQuantity {
  if (!isObject(value)) fail(loc, 'a fulfillment line item is an object');
  return {
    $loc: loc,
    lineItemId: id(value.id, 'id', loc, true) as string,
    quantity: count(value.quantity, 'quantity', loc),
  };
}

function fulfillment(value: unknown, loc: string): ShopifyFulfillment {
  if (!isObject(value)) fail(loc, 'a fulfillment is an object');
  return {
    $loc: loc,
    id: id(value.id, 'id', loc),
    name: text(value.name, 'name', loc),
    status: text(value.status, 'status', loc),
    shipmentStatus: text(value.shipment_status, 'shipment_status', loc),
    createdAt: timestamp(value.created_at, 'created_at', loc),
    trackingCompany: text(value.tracking_company, 'tracking_company', loc),
    trackingNumbers: listElseOne(
      texts(value.tracking_numbers, 'tracking_numbers', loc),
      text(value.tracking_number, 'tracking_number', loc),
    ),
    trackingUrls: listElseOne(
      texts(value.tracking_urls, 'tracking_urls', loc),
      text(value.tracking_url, 'tracking_url', loc),
    ),
    lineItems: list(value.line_items, 'line_items', loc).map((v, i) =>
      lineQuantity(v, ptr(ptr(loc, 'line_items'), i)),
    ),
  };
}

function refundLineItem(value: unknown, loc: string): ShopifyRefundLineItem {
  if (!isObject(value)) fail(loc, 'a refund line item is an object');
  return {
    $loc: loc,
    lineItemId: id(value.line_item_id, 'line_item_id', loc, true) as string,
    quantity: count(value.quantity, 'quantity', loc),
    restockType: text(value.restock_type, 'restock_type', loc),
    subtotal: decimal(value.subtotal, 'subtotal', loc),
    totalTax: decimal(value.total_tax, 'total_tax', loc),
    subtotalPresentment: presentmentAmount(value.subtotal_set, 'subtotal_set', loc),
    totalTaxPresentment: presentmentAmount(value.total_tax_set, 'total_tax_set', loc),
  };
}

function transaction(value: unknown, loc: string): ShopifyTransaction {
  if (!isObject(value)) fail(loc, 'a transaction is an object');
  const currency = text(value.currency, 'currency', loc);
  if (currency !== null && !isIsoCurrency(currency))
    fail(ptr(loc, 'currency'), `currency ${currency} is not an ISO 4217 code`);
  return {
    $loc: loc,
    id: id(value.id, 'id', loc),
    kind: text(value.kind, 'kind', loc),
    status: text(value.status, 'status', loc),
    gateway: text(value.gateway, 'gateway', loc),
    amount: decimal(value.amount, 'amount', loc),
    currency,
  };
}

function orderAdjustment(value: unknown, loc: string): ShopifyOrderAdjustment {
  if (!isObject(value)) fail(loc, 'an order adjustment is an object');
  return {
    $loc: loc,
    id: id(value.id, 'id', loc),
    kind: text(value.kind, 'kind', loc),
    reason: text(value.reason, 'reason', loc),
    amount: decimal(value.amount, 'amount', loc),
    taxAmount: decimal(value.tax_amount, 'tax_amount', loc),
    amountPresentment: presentmentAmount(value.amount_set, 'amount_set', loc),
    taxAmountPresentment: presentmentAmount(value.tax_amount_set, 'tax_amount_set', loc),
  };
}

function refund(value: unknown, loc: string): ShopifyRefund {
  if (!isObject(value)) fail(loc, 'a refund is an object');
  return {
    $loc: loc,
    id: id(value.id, 'id', loc),
    createdAt: timestamp(value.created_at, 'created_at', loc),
    processedAt: timestamp(value.processed_at, 'processed_at', loc),
    note: text(value.note, 'note', loc),
    refundLineItems: list(value.refund_line_items, 'refund_line_items', loc).map((v, i) =>
      refundLineItem(v, ptr(ptr(loc, 'refund_line_items'), i)),
    ),
    transactions: list(value.transactions, 'transactions', loc).map((v, i) =>
      transaction(v, ptr(ptr(loc, 'transactions'), i)),
    ),
    orderAdjustments: list(value.order_adjustments, 'order_adjustments', loc).map((v, i) =>
      orderAdjustment(v, ptr(ptr(loc, 'order_adjustments'), i)),
    ),
  };
}

/** Shopify keeps tags as one comma-separated string: its non-blank parts, trimmed. */
export function splitTags(tags: string | null): string[] {
  return tags === null || tags === ''
    ? []
    : tags
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
}

/** One order object of Shopify's Admin REST API, as its tree. */
export function readOrder(record: unknown, loc: string): ShopifyOrderTree {
  if (!isObject(record)) fail(loc, 'an order is a JSON object');
  const orderId = id(record.id, 'id', loc, true) as string;
  const createdAt = timestamp(record.created_at, 'created_at', loc);
  if (createdAt === null) fail(ptr(loc, 'created_at'), 'missing created_at');
  const currency = text(record.currency, 'currency', loc);
  if (currency === null) fail(ptr(loc, 'currency'), 'missing currency');
  if (!isIsoCurrency(currency)) fail(ptr(loc, 'currency'), `currency ${currency} is not an ISO 4217 code`);
  const presentment = text(record.presentment_currency, 'presentment_currency', loc);
  if (presentment !== null && !isIsoCurrency(presentment))
    fail(ptr(loc, 'presentment_currency'), `presentment_currency ${presentment} is not an ISO 4217 code`);
  const financialStatus = text(record.financial_status, 'financial_status', loc);
  if (financialStatus !== null && !FINANCIAL.has(financialStatus))
    fail(ptr(loc, 'financial_status'), `unknown financial_status ${financialStatus}`);
  const fulfillmentStatus = text(record.fulfillment_status, 'fulfillment_status', loc);
  if (fulfillmentStatus !== null && !FULFILLMENT.has(fulfillmentStatus))
    fail(ptr(loc, 'fulfillment_status'), `unknown fulfillment_status ${fulfillmentStatus}`);
  const orderNumber = record.order_number;
  if (!absent(orderNumber) && !(typeof orderNumber === 'number' && Number.isSafeInteger(orderNumber)))
    fail(ptr(loc, 'order_number'), `order_number must be a whole number, got ${shown(orderNumber)}`);
  const tags = text(record.tags, 'tags', loc);
  const at = (key: string) => ptr(loc, key);
  return {
    $loc: loc,
    id: orderId,
    name: text(record.name, 'name', loc),
    orderNumber: absent(orderNumber) ? null : String(orderNumber),
    email: text(record.email, 'email', loc),
    phone: text(record.phone, 'phone', loc),
    createdAt,
    updatedAt: timestamp(record.updated_at, 'updated_at', loc),
    processedAt: timestamp(record.processed_at, 'processed_at', loc),
    cancelledAt: timestamp(record.cancelled_at, 'cancelled_at', loc),
    cancelReason: text(record.cancel_reason, 'cancel_reason', loc),
    closedAt: timestamp(record.closed_at, 'closed_at', loc),
    currency,
    presentmentCurrency: presentment,
    totalPrice: decimal(record.total_price, 'total_price', loc),
    subtotalPrice: decimal(record.subtotal_price, 'subtotal_price', loc),
    totalTax: decimal(record.total_tax, 'total_tax', loc),
    totalDiscounts: decimal(record.total_discounts, 'total_discounts', loc),
    totalLineItemsPrice: decimal(record.total_line_items_price, 'total_line_items_price', loc),
    totalPricePresentment: presentmentAmount(record.total_price_set, 'total_price_set', loc),
    subtotalPricePresentment: presentmentAmount(record.subtotal_price_set, 'subtotal_price_set', loc),
    totalTaxPresentment: presentmentAmount(record.total_tax_set, 'total_tax_set', loc),
    totalDiscountsPresentment: presentmentAmount(record.total_discounts_set, 'total_discounts_set', loc),
    totalShippingPricePresentment: presentmentAmount(
      record.total_shipping_price_set,
      'total_shipping_price_set',
      loc,
    ),
    currentTotalPrice: decimal(record.current_total_price, 'current_total_price', loc),
    currentSubtotalPrice: decimal(record.current_subtotal_price, 'current_subtotal_price', loc),
    currentTotalTax: decimal(record.current_total_tax, 'current_total_tax', loc),
    currentTotalDiscounts: decimal(record.current_total_discounts, 'current_total_discounts', loc),
    currentTotalPricePresentment: presentmentAmount(
      record.current_total_price_set,
      'current_total_price_set',
      loc,
    ),
    currentSubtotalPricePresentment: presentmentAmount(
      record.current_subtotal_price_set,
      'current_subtotal_price_set',
      loc,
    ),
    currentTotalTaxPresentment: presentmentAmount(record.current_total_tax_set, 'current_total_tax_set', loc),
    currentTotalDiscountsPresentment: presentmentAmount(
      record.current_total_discounts_set,
      'current_total_discounts_set',
      loc,
    ),
    originalTotalDuties: setAmount(
      record.original_total_duties_set,
      'original_total_duties_set',
      loc,
      'shop_money',
    ),
    originalTotalDutiesPresentment: presentmentAmount(
      record.original_total_duties_set,
      'original_total_duties_set',
      loc,
    ),
    currentTotalDuties: setAmount(
      record.current_total_duties_set,
      'current_total_duties_set',
      loc,
      'shop_money',
    ),
    currentTotalDutiesPresentment: presentmentAmount(
      record.current_total_duties_set,
      'current_total_duties_set',
      loc,
    ),
    taxesIncluded: flag(record.taxes_included, 'taxes_included', loc),
    financialStatus,
    fulfillmentStatus,
    test: flag(record.test, 'test', loc),
    tags: splitTags(tags),
    note: text(record.note, 'note', loc),
    noteAttributes: list(record.note_attributes, 'note_attributes', loc).map((v, i) =>
      nameValue(v, ptr(at('note_attributes'), i), 'note attribute'),
    ),
    sourceName: text(record.source_name, 'source_name', loc),
    poNumber: text(record.po_number, 'po_number', loc),
    customer: customer(record, loc),
    billingAddress: address(record.billing_address, 'billing_address', loc),
    shippingAddress: address(record.shipping_address, 'shipping_address', loc),
    lineItems: list(record.line_items, 'line_items', loc).map((v, i) =>
      lineItem(v, ptr(at('line_items'), i)),
    ),
    shippingLines: list(record.shipping_lines, 'shipping_lines', loc).map((v, i) =>
      shippingLine(v, ptr(at('shipping_lines'), i)),
    ),
    discountCodes: list(record.discount_codes, 'discount_codes', loc).map((v, i) =>
      discountCode(v, ptr(at('discount_codes'), i)),
    ),
    fulfillments: list(record.fulfillments, 'fulfillments', loc).map((v, i) =>
      fulfillment(v, ptr(at('fulfillments'), i)),
    ),
    refunds: list(record.refunds, 'refunds', loc).map((v, i) => refund(v, ptr(at('refunds'), i))),
    discountApplications: list(record.discount_applications, 'discount_applications', loc).map((v, i) =>
      discountApplication(v, ptr(at('discount_applications'), i)),
    ),
  };
}

/** An order as sent and where it stands in the input: the root, `/order`, or `/orders/<n>`. */
export interface OrderItem {
  value: unknown;
  loc: string;
}

/**
 * The orders of a JSON text, parsed whole (parseJson): one, a webhook body or the `{"order": …}` of
 * GET /orders/{id}.json, or each of the `{"orders": […]}` a page of GET /orders.json holds (an export of a shop's
 * orders). Each is read on its own (readOrder), so one order that is not valid is refused alone.
 */
export function orderItems(text: string): OrderItem[] {
  const root = parseJson(FORMAT, text);
  if (!isObject(root)) {
    throw new FormatError(FORMAT, '', 'an order is a JSON object (or {"order": {…}}, or {"orders": […]})');
  }
  if ('orders' in root && !('id' in root)) {
    if (!Array.isArray(root.orders)) {
      fail('/orders', `orders is the list of a GET /orders.json page, got ${shown(root.orders)}`);
    }
    if (root.orders.length === 0) fail('/orders', 'an empty list: no orders in this page');
    return root.orders.map((value, i) => ({ value, loc: ptr('/orders', i) }));
  }
  const wrapped = 'order' in root && !('id' in root);
  return [wrapped ? { value: root.order, loc: '/order' } : { value: root, loc: '' }];
}

/**
 * An order's JSON text the general way: parsed whole (parseJson), then read into the tree (a webhook body, or the
 * `{"order": …}` of a GET), each refusal at its place.
 */
export function readOrderJson(text: string): ShopifyOrderTree {
  const [item, more] = orderItems(text);
  if (!item || more) fail('/orders', 'a page of several orders: each is a document of its own (parseEach)');
  return readOrder(item.value, item.loc);
}
