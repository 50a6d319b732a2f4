import { isPlainZonedTimestamp } from '../text-input/calendar.ts';
import { isIsoCurrency } from '../text-input/currency.ts';
import { MAX_JSON_DEPTH } from '../text-input/json.ts';
import { FINANCIAL, FULFILLMENT, fitsCanonicalDecimal, isAlpha2, listElseOne, splitTags } from './record.ts';
import type {
  ShopifyAddress,
  ShopifyAmount,
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
  ShopifyTaxLine,
  ShopifyTransaction,
} from './tree.ts';

/**
 * An order webhook body read straight from its bytes into its tree, in one pass: no JSON.parse of the whole order
 * into snake_case objects that readOrder then copies (half the reader's time and most of its garbage), no scan of
 * the text beforehand for depth and long numbers. The structure is read from the bytes (a typed array reads a byte
 * several times faster than charCodeAt reads a character); a short kept string is sliced from `text`, the same bytes
 * decoded (decodeUtf8: valid UTF-8, so a character's place is its byte's less the continuation bytes before it), a
 * long one decoded from the bytes (`string` below says why).
 * Only the ordinary shape is read here: anything else (a `{"order": …}` with more keys, a key twice, an escaped key not
 * kept, a number where text is expected or one with a fraction, a value readOrder would refuse, malformed JSON,
 * nesting deeper than readers allow, a byte-order mark) makes it give up, undefined, and the document is read again
 * the general way (parseJson and readOrder), which has the last word and names every refusal. So what this returns
 * is what readOrder returns for the same text, key order included (scan.spec.ts compares the two on the fixtures,
 * generated orders and mutations of them).
 */
export function scanOrder(input: Uint8Array, decoded: string): ShopifyOrderTree | undefined {
  // A Uint8Array that is not a Buffer is viewed as one (for its decoders), not copied.
  bytes = (
    Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  ) as NodeBuffer;
  length = input.length;
  text = decoded;
  at = 0;
  shift = 0;
  try {
    space();
    const tree = document();
    space();
    return at === length ? tree : undefined;
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  } finally {
    bytes = EMPTY;
    text = '';
  }
}

/** Thrown (never out of scanOrder) when the text is not one this reads: the general way reads it. */
const GIVE_UP = new Error('not the ordinary shape');

/** Node's Buffer, with its native decoders (not in its typings): the bytes as ASCII or UTF-8, in a new string. */
type NodeBuffer = Buffer & {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
};

const EMPTY = Buffer.alloc(0) as NodeBuffer;

/** The document being read (one at a time: reading never yields): its bytes, their length and its text. */
let bytes = EMPTY;
let length = 0;
let text = '';
/** The byte being read, and how many more bytes than characters stand before it (UTF-8 continuation bytes). */
let at = 0;
let shift = 0;

function giveUp(): never {
  throw GIVE_UP;
}

/** Skips JSON whitespace (space, tab, line feed, carriage return). */
function space(): void {
  const b = bytes;
  let i = at;
  let c = b[i];
  while (c === 32 || c === 10 || c === 13 || c === 9) c = b[++i];
  at = i;
}

/** The byte at the position after whitespace, not consumed (-1 at the end). */
function peek(): number {
  const c = bytes[at];
  if (c === 32 || c === 10 || c === 13 || c === 9) space();
  return at < length ? bytes[at]! : -1;
}

function expect(c: number): void {
  if (peek() !== c) giveUp();
  at++;
}

/**
 * A string, as its text. One with an escape (`\u0026`, as Rails writes `&`) is decoded by JSON.parse; a long one is
 * decoded from the bytes: sliced from the text, V8 would make it a view into the whole document's text (a
 * SlicedString, from 13 characters), which keeps that text alive as long as the tree and is slower to read (the Avro
 * string writer's UTF-8 copy of it most of all).
 */
function string(): string {
  if (peek() !== 34) giveUp();
  const start = at + 1;
  const from = start - shift;
  const before = shift;
  escaped = false;
  const end = closingQuote(start);
  at = end + 1;
  if (escaped) return JSON.parse(text.slice(from - 1, end - shift + 1)) as string;
  // Every character past ASCII has a continuation byte: the shift grew.
  if (end - start >= SLICED)
    return shift === before ? bytes.latin1Slice(start, end) : bytes.utf8Slice(start, end);
  return text.slice(from, end - shift);
}

/** SlicedString::kMinLength: V8 copies a shorter substring. */
const SLICED = 13;

/** Whether the string closingQuote last read holds an escape. */
let escaped = false;

/**
 * Where the string whose bytes start at `start` ends (its closing quote), counting its continuation bytes into
 * `shift` and noting an escape in `escaped`; gives up at a control character or a malformed escape.
 */
function closingQuote(start: number): number {
  const b = bytes;
  const n = length;
  let extra = 0;
  for (let i = start; i < n; i++) {
    const c = b[i]!;
    if (c === 34) {
      shift += extra;
      return i;
    }
    if (c === 92) {
      i = escapeEnd(i + 1);
      escaped = true;
    } else if (c < 32) giveUp();
    // A continuation byte adds no character; a four-byte sequence makes two (a surrogate pair).
    else if (c >= 0x80) extra += c < 0xc0 ? 1 : c >= 0xf0 ? -1 : 0;
  }
  return giveUp();
}

/** The last byte of the escape whose letter is at `letter` (`"\/bfnrt`, or `u` and four hex digits), checked. */
function escapeEnd(letter: number): number {
  const e = bytes[letter];
  if (e === 117) {
    for (let k = 1; k <= 4; k++) if (!isHex(bytes[letter + k])) giveUp();
    return letter + 4;
  }
  if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116)
    return letter;
  return giveUp();
}

const isHex = (c: number | undefined) =>
  c !== undefined && ((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102));

/** The bytes of `word` (true, false, null) at the position, consumed. */
function literal(word: string): void {
  const b = bytes;
  for (let j = 0; j < word.length; j++) if (b[at + j] !== word.charCodeAt(j)) giveUp();
  at += word.length;
}

/** A string, or null for `null`. */
function textOrNull(): string | null {
  if (peek() === 110) {
    literal('null');
    return null;
  }
  return string();
}

function flag(): boolean | null {
  const c = peek();
  if (c === 116) literal('true');
  else if (c === 102) literal('false');
  else {
    literal('null');
    return null;
  }
  return c === 116;
}

/**
 * A whole number of at most 15 digits (exact in a double), as its digits: what readOrder makes of an id, a quantity
 * or an order number. A sign, a fraction, an exponent or a leading zero: the general way.
 */
function digits(): string {
  peek();
  const b = bytes;
  const start = at;
  let i = start;
  let c = b[i];
  if (c === 48) c = b[++i];
  else while (c !== undefined && c >= 48 && c <= 57) c = b[++i];
  const count = i - start;
  if (
    count === 0 ||
    count > 15 ||
    c === 46 ||
    c === 101 ||
    c === 69 ||
    (c !== undefined && c >= 48 && c <= 57)
  )
    giveUp();
  at = i;
  // Copied out of the bytes from SLICED digits on, as a long string is (see string).
  return count >= SLICED ? bytes.latin1Slice(start, i) : text.slice(start - shift, i - shift);
}

function idOrNull(): string | null {
  if (peek() === 110) {
    literal('null');
    return null;
  }
  return digits();
}

/**
 * A decimal string readOrder keeps as it is (fitsCanonicalDecimal), a whole number's digits (`"grams": 250`: what
 * String makes of it; 15 digits always fit a canonical decimal), or null.
 */
function decimalOrNull(): string | null {
  const c = peek();
  if (c >= 48 && c <= 57) return digits();
  const value = textOrNull();
  if (value !== null && !fitsCanonicalDecimal(value)) giveUp();
  return value;
}

function timestampOrNull(): string | null {
  const value = textOrNull();
  if (value !== null && !isPlainZonedTimestamp(value)) giveUp();
  return value;
}

/**
 * Skips a value of a key the tree does not keep, checking its syntax as JSON.parse would (malformed, or nested past
 * MAX_JSON_DEPTH as parseJson refuses: gives up). `depth`: the containers open around it.
 */
function skip(depth: number): void {
  const c = peek();
  if (c === 34) {
    at = closingQuote(at + 1) + 1;
  } else if (c === 123 || c === 91) {
    if (depth >= MAX_JSON_DEPTH) giveUp();
    at++;
    const close = c === 123 ? 125 : 93;
    if (peek() === close) {
      at++;
      return;
    }
    do {
      if (close === 125) {
        if (peek() !== 34) giveUp();
        at = closingQuote(at + 1) + 1;
        expect(58);
      }
      skip(depth + 1);
    } while (next(close));
  } else if (c === 116) literal('true');
  else if (c === 102) literal('false');
  else if (c === 110) literal('null');
  else number();
}

/** A JSON number, checked and skipped: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?. */
function number(): void {
  if (bytes[at] === 45) at++;
  if (bytes[at] === 48) at++;
  else if (run() === 0) giveUp();
  if (bytes[at] === 46) {
    at++;
    if (run() === 0) giveUp();
  }
  const e = bytes[at];
  if (e === 101 || e === 69) {
    const sign = bytes[++at];
    if (sign === 43 || sign === 45) at++;
    if (run() === 0) giveUp();
  }
}

/** Skips digits, saying how many. */
function run(): number {
  const b = bytes;
  const start = at;
  let i = start;
  let c = b[i];
  while (c !== undefined && c >= 48 && c <= 57) c = b[++i];
  at = i;
  return i - start;
}

/** After a member or element: true at a comma (consumed), false at `close` (consumed). */
function next(close: number): boolean {
  const c = peek();
  at++;
  if (c === 44) return true;
  if (c !== close) giveUp();
  return false;
}

/** The keys of one kind of object, each with its number: per first character, the keys starting with it. */
type Keys = Array<Array<{ name: string; index: number }> | undefined>;

function keys(names: string[]): Keys {
  const table: Keys = [];
  names.forEach((name, index) => {
    const first = name.charCodeAt(0);
    table[first] = [...(table[first] ?? []), { name, index }];
  });
  return table;
}

/**
 * The number of the key at the position (consumed, with its colon), or -1 for a key not in the table: the names
 * (ASCII) of its first byte's candidates compared with the bytes, each with its closing quote; any other key is
 * read as a string.
 */
function key(table: Keys): number {
  if (peek() !== 34) giveUp();
  const start = at + 1;
  const candidates = table[bytes[start]!];
  if (candidates !== undefined)
    for (let k = 0; k < candidates.length; k++) {
      const { name, index } = candidates[k]!;
      const end = start + name.length;
      if (bytes[end] === 34 && standsAt(start, name)) {
        at = end + 1;
        expect(58);
        return index;
      }
    }
  escaped = false;
  at = closingQuote(start) + 1;
  // An escaped key may spell a kept one (`"na\u006de"` is `name` to JSON.parse).
  if (escaped) giveUp();
  expect(58);
  return -1;
}

/** Whether `name` stands in the bytes at `start` (its first character already compared). */
function standsAt(start: number, name: string): boolean {
  const b = bytes;
  for (let j = 1; j < name.length; j++) if (b[start + j] !== name.charCodeAt(j)) return false;
  return true;
}

/**
 * The members of an object (the position at its `{`): `read(index)` reads the value of each known key, whose
 * value it keeps; a key met twice gives up (JSON.parse would keep the last). `depth`: the containers around it.
 */
function members(table: Keys, seen: unknown[], read: (index: number) => unknown, depth: number): void {
  expect(123);
  if (peek() === 125) {
    at++;
    return;
  }
  do {
    const index = key(table);
    if (index === -1) skip(depth + 1 + outer);
    else {
      if (seen[index] !== undefined) giveUp();
      seen[index] = read(index);
    }
  } while (next(125));
}

/** A list (null: none) of objects read by `item` (given its index). */
function list<T>(item: (index: number) => T): T[] {
  const c = peek();
  if (c === 110) {
    literal('null');
    return [];
  }
  if (c !== 91) giveUp();
  at++;
  const out: T[] = [];
  if (peek() === 93) {
    at++;
    return out;
  }
  do out.push(item(out.length));
  while (next(93));
  // Pushing gave the array room for 17 items; the tree keeps a copy of the exact size (as readOrder's map makes).
  return out.slice();
}

/** An object, or null for `null`. */
function objectOrNull<T>(read: () => T): T | null {
  if (peek() === 110) {
    literal('null');
    return null;
  }
  return read();
}

/** Where the order stands: the root (a webhook body), or `/order` in the `{"order": …}` a GET answers. */
let base = '';
/** The containers around the order: 0, or 1 in `{"order": …}`. */
let outer = 0;

const WRAPPER = keys(['order']);

/** The order, at the root or as the one key of `{"order": …}` (a root with more keys: the general way decides). */
function document(): ShopifyOrderTree {
  base = '';
  outer = 0;
  const open = at;
  expect(123);
  if (peek() === 34 && key(WRAPPER) === 0) {
    base = '/order';
    outer = 1;
    const tree = order();
    expect(125);
    return tree;
  }
  // A webhook body: read again from its `{` (only whitespace before it: nothing shifted).
  at = open;
  shift = 0;
  return order();
}

const ORDER = keys([
  'id',
  'name',
  'order_number',
  'email',
  'phone',
  'created_at',
  'updated_at',
  'processed_at',
  'cancelled_at',
  'cancel_reason',
  'closed_at',
  'currency',
  'presentment_currency',
  'total_price',
  'subtotal_price',
  'total_tax',
  'total_discounts',
  'total_line_items_price',
  'taxes_included',
  'financial_status',
  'fulfillment_status',
  'test',
  'tags',
  'note',
  'note_attributes',
  'source_name',
  'po_number',
  'customer',
  'billing_address',
  'shipping_address',
  'line_items',
  'shipping_lines',
  'discount_codes',
  // A webhook body with an `order` key: the general way decides which object is the order.
  'order',
  'total_price_set',
  'subtotal_price_set',
  'total_tax_set',
  'total_discounts_set',
  'total_shipping_price_set',
  'fulfillments',
  'refunds',
  'current_total_price',
  'current_subtotal_price',
  'current_total_tax',
  'current_total_discounts',
  'current_total_price_set',
  'current_subtotal_price_set',
  'current_total_tax_set',
  'current_total_discounts_set',
  'original_total_duties_set',
  'current_total_duties_set',
  'discount_applications',
]);

function orderValue(index: number): unknown {
  switch (index) {
    case 0:
      return digits();
    case 2:
      return idOrNull();
    case 5:
    case 6:
    case 7:
    case 8:
    case 10:
      return timestampOrNull();
    case 13:
    case 14:
    case 15:
    case 16:
    case 17:
      return decimalOrNull();
    case 18:
    case 21:
      return flag();
    case 24:
      return list((i) => nameValue(`${base}/note_attributes/${i}`, 2));
    case 27:
      return objectOrNull(customer);
    case 28:
      return objectOrNull(() => address(`${base}/billing_address`));
    case 29:
      return objectOrNull(() => address(`${base}/shipping_address`));
    case 30:
      return list((i) => lineItem(`${base}/line_items/${i}`));
    case 31:
      return list((i) => shippingLine(`${base}/shipping_lines/${i}`));
    case 32:
      return list((i) => discountCode(`${base}/discount_codes/${i}`));
    case 33:
      return giveUp();
    case 34:
    case 35:
    case 36:
    case 37:
    case 38:
      return presentmentOrNull(1);
    case 39:
      return list((i) => fulfillment(`${base}/fulfillments/${i}`));
    case 40:
      return list((i) => refund(`${base}/refunds/${i}`));
    case 41:
    case 42:
    case 43:
    case 44:
      return decimalOrNull();
    case 45:
    case 46:
    case 47:
    case 48:
      return presentmentOrNull(1);
    case 49:
    case 50:
      return moneySetOrNull(1);
    case 51:
      return list((i) => discountApplication(`${base}/discount_applications/${i}`));
    default:
      return textOrNull();
  }
}

/** What readOrder checks beyond each field's type, and the tree it builds, field for field in its order. */
function order(): ShopifyOrderTree {
  const v: unknown[] = new Array(52);
  members(ORDER, v, orderValue, 0);
  const currency = v[11] as string | undefined | null;
  const presentment = (v[12] ?? null) as string | null;
  const financialStatus = (v[19] ?? null) as string | null;
  const fulfillmentStatus = (v[20] ?? null) as string | null;
  if (
    v[0] === undefined ||
    v[5] === undefined ||
    v[5] === null ||
    currency === undefined ||
    currency === null ||
    !isIsoCurrency(currency) ||
    (presentment !== null && !isIsoCurrency(presentment)) ||
    (financialStatus !== null && !FINANCIAL.has(financialStatus)) ||
    (fulfillmentStatus !== null && !FULFILLMENT.has(fulfillmentStatus))
  )
    giveUp();
  const tags = (v[22] ?? null) as string | null;
  const originalDuties = (v[49] ?? null) as MoneySet | null;
  const currentDuties = (v[50] ?? null) as MoneySet | null;
  return {
    $loc: base,
    id: v[0] as string,
    name: (v[1] ?? null) as string | null,
    orderNumber: (v[2] ?? null) as string | null,
    email: (v[3] ?? null) as string | null,
    phone: (v[4] ?? null) as string | null,
    createdAt: v[5] as string,
    updatedAt: (v[6] ?? null) as string | null,
    processedAt: (v[7] ?? null) as string | null,
    cancelledAt: (v[8] ?? null) as string | null,
    cancelReason: (v[9] ?? null) as string | null,
    closedAt: (v[10] ?? null) as string | null,
    currency,
    presentmentCurrency: presentment,
    totalPrice: (v[13] ?? null) as string | null,
    subtotalPrice: (v[14] ?? null) as string | null,
    totalTax: (v[15] ?? null) as string | null,
    totalDiscounts: (v[16] ?? null) as string | null,
    totalLineItemsPrice: (v[17] ?? null) as string | null,
    totalPricePresentment: (v[34] ?? null) as string | null,
    subtotalPricePresentment: (v[35] ?? null) as string | null,
    totalTaxPresentment: (v[36] ?? null) as string | null,
    totalDiscountsPresentment: (v[37] ?? null) as string | null,
    totalShippingPricePresentment: (v[38] ?? null) as string | null,
    currentTotalPrice: (v[41] ?? null) as string | null,
    currentSubtotalPrice: (v[42] ?? null) as string | null,
    currentTotalTax: (v[43] ?? null) as string | null,
    currentTotalDiscounts: (v[44] ?? null) as string | null,
    currentTotalPricePresentment: (v[45] ?? null) as string | null,
    currentSubtotalPricePresentment: (v[46] ?? null) as string | null,
    currentTotalTaxPresentment: (v[47] ?? null) as string | null,
    currentTotalDiscountsPresentment: (v[48] ?? null) as string | null,
    originalTotalDuties: originalDuties?.[0] ?? null,
    originalTotalDutiesPresentment: originalDuties?.[1] ?? null,
    currentTotalDuties: currentDuties?.[0] ?? null,
    currentTotalDutiesPresentment: currentDuties?.[1] ?? null,
    taxesIncluded: (v[18] ?? null) as boolean | null,
    financialStatus,
    fulfillmentStatus,
    test: (v[21] ?? null) as boolean | null,
    tags: splitTags(tags),
    note: (v[23] ?? null) as string | null,
    noteAttributes: (v[24] ?? []) as ShopifyNameValue[],
    sourceName: (v[25] ?? null) as string | null,
    poNumber: (v[26] ?? null) as string | null,
    customer: (v[27] ?? null) as ShopifyCustomer | null,
    billingAddress: (v[28] ?? null) as ShopifyAddress | null,
    shippingAddress: (v[29] ?? null) as ShopifyAddress | null,
    lineItems: (v[30] ?? []) as ShopifyLineItem[],
    shippingLines: (v[31] ?? []) as ShopifyShippingLine[],
    discountCodes: (v[32] ?? []) as ShopifyDiscountCode[],
    fulfillments: (v[39] ?? []) as ShopifyFulfillment[],
    refunds: (v[40] ?? []) as ShopifyRefund[],
    discountApplications: (v[51] ?? []) as ShopifyDiscountApplication[],
  };
}

const CUSTOMER = keys(['id', 'email', 'first_name', 'last_name', 'phone']);

const customerValue = (index: number) => (index === 0 ? idOrNull() : textOrNull());

function customer(): ShopifyCustomer {
  const v: unknown[] = new Array(5);
  members(CUSTOMER, v, customerValue, 1);
  return {
    $loc: `${base}/customer`,
    id: (v[0] ?? null) as string | null,
    email: (v[1] ?? null) as string | null,
    firstName: (v[2] ?? null) as string | null,
    lastName: (v[3] ?? null) as string | null,
    phone: (v[4] ?? null) as string | null,
  };
}

const ADDRESS = keys([
  'name',
  'first_name',
  'last_name',
  'company',
  'address1',
  'address2',
  'city',
  'province',
  'province_code',
  'zip',
  'country',
  'country_code',
  'phone',
]);

function address(loc: string): ShopifyAddress {
  const v: unknown[] = new Array(13);
  members(ADDRESS, v, textOrNull, 1);
  const countryCode = (v[11] ?? null) as string | null;
  if (countryCode !== null && !isAlpha2(countryCode)) giveUp();
  const lines: string[] = [];
  for (const line of [v[4], v[5]] as Array<string | null | undefined>)
    if (line !== undefined && line !== null && line.trim() !== '') lines.push(line);
  return {
    $loc: loc,
    name: (v[0] ?? null) as string | null,
    firstName: (v[1] ?? null) as string | null,
    lastName: (v[2] ?? null) as string | null,
    company: (v[3] ?? null) as string | null,
    lines,
    city: (v[6] ?? null) as string | null,
    province: (v[7] ?? null) as string | null,
    provinceCode: (v[8] ?? null) as string | null,
    zip: (v[9] ?? null) as string | null,
    country: (v[10] ?? null) as string | null,
    countryCode,
    phone: (v[12] ?? null) as string | null,
  };
}

const LINE_ITEM = keys([
  'id',
  'variant_id',
  'product_id',
  'sku',
  'title',
  'variant_title',
  'name',
  'vendor',
  'quantity',
  'price',
  'total_discount',
  'fulfillment_status',
  'requires_shipping',
  'taxable',
  'gift_card',
  'grams',
  'properties',
  'discount_allocations',
  'tax_lines',
  'price_set',
  'duties',
]);

/** The location of the line item being read, for its properties' locations. */
let lineLoc = '';

function lineItemValue(index: number): unknown {
  switch (index) {
    case 0:
    case 8:
      return digits();
    case 1:
    case 2:
      return idOrNull();
    case 9:
    case 10:
    case 15:
      return decimalOrNull();
    case 12:
    case 13:
    case 14:
      return flag();
    case 16: {
      const loc = lineLoc;
      return list((i) => nameValue(`${loc}/properties/${i}`, 4));
    }
    case 17: {
      const loc = lineLoc;
      return list((i) => discountAllocation(`${loc}/discount_allocations/${i}`));
    }
    case 18: {
      const loc = lineLoc;
      return list((i) => taxLine(`${loc}/tax_lines/${i}`));
    }
    case 19:
      return presentmentOrNull(3);
    case 20: {
      const loc = lineLoc;
      return list((i) => duty(`${loc}/duties/${i}`));
    }
    default:
      return textOrNull();
  }
}

function lineItem(loc: string): ShopifyLineItem {
  const v: unknown[] = new Array(21);
  lineLoc = loc;
  members(LINE_ITEM, v, lineItemValue, 2);
  if (v[0] === undefined || v[8] === undefined) giveUp();
  return {
    $loc: loc,
    id: v[0] as string,
    variantId: (v[1] ?? null) as string | null,
    productId: (v[2] ?? null) as string | null,
    sku: (v[3] ?? null) as string | null,
    title: (v[4] ?? null) as string | null,
    variantTitle: (v[5] ?? null) as string | null,
    name: (v[6] ?? null) as string | null,
    vendor: (v[7] ?? null) as string | null,
    quantity: v[8] as string,
    price: (v[9] ?? null) as string | null,
    pricePresentment: (v[19] ?? null) as string | null,
    totalDiscount: (v[10] ?? null) as string | null,
    fulfillmentStatus: (v[11] ?? null) as string | null,
    requiresShipping: (v[12] ?? null) as boolean | null,
    taxable: (v[13] ?? null) as boolean | null,
    giftCard: (v[14] ?? null) as boolean | null,
    grams: (v[15] ?? null) as string | null,
    properties: (v[16] ?? []) as ShopifyNameValue[],
    discountAllocations: (v[17] ?? []) as ShopifyAmount[],
    taxLines: (v[18] ?? []) as ShopifyTaxLine[],
    duties: (v[20] ?? []) as ShopifyDuty[],
  };
}

const AMOUNT = keys(['amount']);

const amountValue = () => decimalOrNull();

const MONEY_SET = keys(['presentment_money']);

/** The containers around the money set being read (presentmentOrNull), for its presentment_money's. */
let setDepth = 0;

/** The amount of a set's presentment_money ({amount, currency_code}), or null. */
function presentmentMoney(): string | null {
  return moneyOrNull(setDepth + 1);
}

/** The amount of a money object ({amount, currency_code}), or null. `depth`: the containers around it. */
function moneyOrNull(depth: number): string | null {
  if (peek() === 110) {
    literal('null');
    return null;
  }
  const v: unknown[] = new Array(1);
  members(AMOUNT, v, amountValue, depth);
  return (v[0] ?? null) as string | null;
}

/** A money set's amounts: in the shop's currency (shop_money) and in the presentment currency. */
type MoneySet = [string | null, string | null];

const MONEY_BOTH = keys(['shop_money', 'presentment_money']);

/** The containers around the money set moneySetOrNull reads, for its money objects'. */
let bothDepth = 0;

const moneyBothValue = () => moneyOrNull(bothDepth + 1);

/** A money set with both its amounts (the order's duties), or null. `depth`: the containers around the set. */
function moneySetOrNull(depth: number): MoneySet | null {
  if (peek() === 110) {
    literal('null');
    return null;
  }
  const v: unknown[] = new Array(2);
  bothDepth = depth;
  members(MONEY_BOTH, v, moneyBothValue, depth);
  return [(v[0] ?? null) as string | null, (v[1] ?? null) as string | null];
}

const DUTY = keys([
  'id',
  'harmonized_system_code',
  'country_code_of_origin',
  'shop_money',
  'presentment_money',
]);

function dutyValue(index: number): unknown {
  if (index === 0) {
    const c = peek();
    return c >= 48 && c <= 57 ? digits() : textOrNull();
  }
  return index >= 3 ? moneyOrNull(5) : textOrNull();
}

/** A duty on a line item (its tax lines skipped); its id as Shopify writes it, a string, or a number's digits. */
function duty(loc: string): ShopifyDuty {
  const v: unknown[] = new Array(5);
  members(DUTY, v, dutyValue, 4);
  return {
    $loc: loc,
    id: (v[0] ?? null) as string | null,
    harmonizedSystemCode: (v[1] ?? null) as string | null,
    countryCodeOfOrigin: (v[2] ?? null) as string | null,
    amount: (v[3] ?? null) as string | null,
    amountPresentment: (v[4] ?? null) as string | null,
  };
}

const DISCOUNT_APPLICATION = keys([
  'type',
  'value',
  'value_type',
  'allocation_method',
  'target_selection',
  'target_type',
  'code',
  'title',
  'description',
]);

const discountApplicationValue = (index: number) => (index === 1 ? decimalOrNull() : textOrNull());

/** A discount as the order applied it (its line items' discount allocations point at it by position). */
function discountApplication(loc: string): ShopifyDiscountApplication {
  const v: unknown[] = new Array(9);
  members(DISCOUNT_APPLICATION, v, discountApplicationValue, 2);
  return {
    $loc: loc,
    type: (v[0] ?? null) as string | null,
    value: (v[1] ?? null) as string | null,
    valueType: (v[2] ?? null) as string | null,
    allocationMethod: (v[3] ?? null) as string | null,
    targetSelection: (v[4] ?? null) as string | null,
    targetType: (v[5] ?? null) as string | null,
    code: (v[6] ?? null) as string | null,
    title: (v[7] ?? null) as string | null,
    description: (v[8] ?? null) as string | null,
  };
}

/**
 * A money set (`price_set`: {shop_money, presentment_money}, shop_money skipped: the plain field beside the set has
 * it) as its presentment amount, or null. `depth`: the containers around the set.
 */
function presentmentOrNull(depth: number): string | null {
  if (peek() === 110) {
    literal('null');
    return null;
  }
  const v: unknown[] = new Array(1);
  setDepth = depth;
  members(MONEY_SET, v, presentmentMoney, depth);
  return (v[0] ?? null) as string | null;
}

const DISCOUNT_ALLOCATION = keys(['amount', 'amount_set']);

const discountAllocationValue = (index: number) => (index === 0 ? decimalOrNull() : presentmentOrNull(5));

/** A discount allocation of a line item: its amount, in the shop's and the presentment currency. */
function discountAllocation(loc: string): ShopifyAmount {
  const v: unknown[] = new Array(2);
  members(DISCOUNT_ALLOCATION, v, discountAllocationValue, 4);
  return {
    $loc: loc,
    amount: (v[0] ?? null) as string | null,
    amountPresentment: (v[1] ?? null) as string | null,
  };
}

const TAX_LINE = keys(['title', 'price', 'price_set']);

const taxLineValue = (index: number) =>
  index === 1 ? decimalOrNull() : index === 2 ? presentmentOrNull(5) : textOrNull();

/** A tax line of a line item: its title and price (its rate is skipped). */
function taxLine(loc: string): ShopifyTaxLine {
  const v: unknown[] = new Array(3);
  members(TAX_LINE, v, taxLineValue, 4);
  return {
    $loc: loc,
    title: (v[0] ?? null) as string | null,
    price: (v[1] ?? null) as string | null,
    pricePresentment: (v[2] ?? null) as string | null,
  };
}

const NAME_VALUE = keys(['name', 'value']);

/** A value that is text, or a whole number kept as its digits (what String makes of it: `"Ring size": 7`). */
function nameValueValue(index: number): string | null {
  const c = peek();
  return index === 1 && c >= 48 && c <= 57 ? digits() : textOrNull();
}

/**
 * A note attribute or line item property whose value is text, a whole number or null; any other value: the general
 * way.
 * `depth`: the containers around the object (its list's included).
 */
function nameValue(loc: string, depth: number): ShopifyNameValue {
  const v: unknown[] = new Array(2);
  members(NAME_VALUE, v, nameValueValue, depth);
  const name = v[0] as string | null | undefined;
  if (name === undefined || name === null || name === '') giveUp();
  return { $loc: loc, name, value: (v[1] ?? null) as string | null };
}

const SHIPPING_LINE = keys(['id', 'title', 'code', 'price']);

const shippingLineValue = (index: number) =>
  index === 0 ? idOrNull() : index === 3 ? decimalOrNull() : textOrNull();

function shippingLine(loc: string): ShopifyShippingLine {
  const v: unknown[] = new Array(4);
  members(SHIPPING_LINE, v, shippingLineValue, 2);
  return {
    $loc: loc,
    id: (v[0] ?? null) as string | null,
    title: (v[1] ?? null) as string | null,
    code: (v[2] ?? null) as string | null,
    price: (v[3] ?? null) as string | null,
  };
}

const DISCOUNT_CODE = keys(['code', 'amount', 'type']);

const discountCodeValue = (index: number) => (index === 1 ? decimalOrNull() : textOrNull());

function discountCode(loc: string): ShopifyDiscountCode {
  const v: unknown[] = new Array(3);
  members(DISCOUNT_CODE, v, discountCodeValue, 2);
  const code = v[0] as string | null | undefined;
  if (code === undefined || code === null) giveUp();
  return { $loc: loc, code, amount: (v[1] ?? null) as string | null, type: (v[2] ?? null) as string | null };
}

const FULFILLMENT_KEYS = keys([
  'id',
  'name',
  'status',
  'shipment_status',
  'created_at',
  'tracking_company',
  'tracking_number',
  'tracking_numbers',
  'tracking_url',
  'tracking_urls',
  'line_items',
]);

/** The location of the fulfillment being read, for its line items' locations. */
let fulfillmentLoc = '';

/** A list of texts (tracking numbers, URLs), the non-empty ones; null in it: the general way. */
function texts(): string[] {
  const out: string[] = [];
  for (const t of list(string)) if (t !== '') out.push(t);
  return out;
}

function fulfillmentValue(index: number): unknown {
  switch (index) {
    case 0:
      return idOrNull();
    case 4:
      return timestampOrNull();
    case 7:
    case 9:
      return texts();
    case 10: {
      const loc = fulfillmentLoc;
      return list((i) => lineQuantity(`${loc}/line_items/${i}`));
    }
    default:
      return textOrNull();
  }
}

/** A fulfillment: its state, its tracking and how many of which line items it ships. */
function fulfillment(loc: string): ShopifyFulfillment {
  const v: unknown[] = new Array(11);
  fulfillmentLoc = loc;
  members(FULFILLMENT_KEYS, v, fulfillmentValue, 2);
  return {
    $loc: loc,
    id: (v[0] ?? null) as string | null,
    name: (v[1] ?? null) as string | null,
    status: (v[2] ?? null) as string | null,
    shipmentStatus: (v[3] ?? null) as string | null,
    createdAt: (v[4] ?? null) as string | null,
    trackingCompany: (v[5] ?? null) as string | null,
    trackingNumbers: listElseOne((v[7] ?? []) as string[], (v[6] ?? null) as string | null),
    trackingUrls: listElseOne((v[9] ?? []) as string[], (v[8] ?? null) as string | null),
    lineItems: (v[10] ?? []) as ShopifyLineQuantity[],
  };
}

const LINE_QUANTITY = keys(['id', 'quantity']);

const lineQuantityValue = () => digits();

/** A fulfillment's line item: the order line's id and the quantity shipped (the rest of the line is skipped). */
function lineQuantity(loc: string): ShopifyLineQuantity {
  const v: unknown[] = new Array(2);
  members(LINE_QUANTITY, v, lineQuantityValue, 4);
  if (v[0] === undefined || v[1] === undefined) giveUp();
  return { $loc: loc, lineItemId: v[0] as string, quantity: v[1] as string };
}

const REFUND = keys([
  'id',
  'created_at',
  'processed_at',
  'note',
  'refund_line_items',
  'transactions',
  'order_adjustments',
]);

/** The location of the refund being read, for its lists' locations. */
let refundLoc = '';

function refundValue(index: number): unknown {
  switch (index) {
    case 0:
      return idOrNull();
    case 1:
    case 2:
      return timestampOrNull();
    case 4: {
      const loc = refundLoc;
      return list((i) => refundLineItem(`${loc}/refund_line_items/${i}`));
    }
    case 5: {
      const loc = refundLoc;
      return list((i) => transaction(`${loc}/transactions/${i}`));
    }
    case 6: {
      const loc = refundLoc;
      return list((i) => orderAdjustment(`${loc}/order_adjustments/${i}`));
    }
    default:
      return textOrNull();
  }
}

function refund(loc: string): ShopifyRefund {
  const v: unknown[] = new Array(7);
  refundLoc = loc;
  members(REFUND, v, refundValue, 2);
  return {
    $loc: loc,
    id: (v[0] ?? null) as string | null,
    createdAt: (v[1] ?? null) as string | null,
    processedAt: (v[2] ?? null) as string | null,
    note: (v[3] ?? null) as string | null,
    refundLineItems: (v[4] ?? []) as ShopifyRefundLineItem[],
    transactions: (v[5] ?? []) as ShopifyTransaction[],
    orderAdjustments: (v[6] ?? []) as ShopifyOrderAdjustment[],
  };
}

const REFUND_LINE_ITEM = keys([
  'line_item_id',
  'quantity',
  'restock_type',
  'subtotal',
  'total_tax',
  'subtotal_set',
  'total_tax_set',
]);

const refundLineItemValue = (index: number) =>
  index <= 1 ? digits() : index === 2 ? textOrNull() : index >= 5 ? presentmentOrNull(5) : amountOrNull();

/**
 * An amount Shopify writes as a JSON number (a refund line's `"subtotal": 195.66`), as the digits String makes of
 * that number, which readOrder keeps: digits, a point and 1 to 6 more (so no exponent), the last not 0, at most 15 in
 * all (exact in a double). Any other number: the general way. A string or a whole number: as decimalOrNull reads it.
 */
function amountOrNull(): string | null {
  const c = peek();
  if (c < 48 || c > 57) return decimalOrNull();
  const b = bytes;
  const start = at;
  let i = start;
  if (b[i] === 48) i++;
  else while (b[i]! >= 48 && b[i]! <= 57) i++;
  if (b[i] !== 46) return decimalOrNull();
  const point = i++;
  while (b[i]! >= 48 && b[i]! <= 57) i++;
  const fraction = i - point - 1;
  const next = b[i];
  if (fraction === 0 || fraction > 6 || b[i - 1] === 48 || i - start - 1 > 15 || next === 101 || next === 69)
    giveUp();
  at = i;
  return text.slice(start - shift, i - shift);
}

/**
 * A refund line item: which line, how many, restocked how, and the amounts refunded for it (Shopify writes these as
 * JSON numbers, `195.66`: one with a fraction makes the order read the general way).
 */
function refundLineItem(loc: string): ShopifyRefundLineItem {
  const v: unknown[] = new Array(7);
  members(REFUND_LINE_ITEM, v, refundLineItemValue, 4);
  if (v[0] === undefined || v[1] === undefined) giveUp();
  return {
    $loc: loc,
    lineItemId: v[0] as string,
    quantity: v[1] as string,
    restockType: (v[2] ?? null) as string | null,
    subtotal: (v[3] ?? null) as string | null,
    totalTax: (v[4] ?? null) as string | null,
    subtotalPresentment: (v[5] ?? null) as string | null,
    totalTaxPresentment: (v[6] ?? null) as string | null,
  };
}

const TRANSACTION = keys(['id', 'kind', 'status', 'gateway', 'amount', 'currency']);

const transactionValue = (index: number) =>
  index === 0 ? idOrNull() : index === 4 ? decimalOrNull() : textOrNull();

function transaction(loc: string): ShopifyTransaction {
  const v: unknown[] = new Array(6);
  members(TRANSACTION, v, transactionValue, 4);
  const currency = (v[5] ?? null) as string | null;
  if (currency !== null && !isIsoCurrency(currency)) giveUp();
  return {
    $loc: loc,
    id: (v[0] ?? null) as string | null,
    kind: (v[1] ?? null) as string | null,
    status: (v[2] ?? null) as string | null,
    gateway: (v[3] ?? null) as string | null,
    amount: (v[4] ?? null) as string | null,
    currency,
  };
}

const ORDER_ADJUSTMENT = keys([
  'id',
  'kind',
  'reason',
  'amount',
  'tax_amount',
  'amount_set',
  'tax_amount_set',
]);

const orderAdjustmentValue = (index: number) =>
  index === 0 ? idOrNull() : index >= 5 ? presentmentOrNull(5) : index >= 3 ? amountOrNull() : textOrNull();

/** A refund's order adjustment (a shipping refund, a refund discrepancy), in both currencies. */
function orderAdjustment(loc: string): ShopifyOrderAdjustment {
  const v: unknown[] = new Array(7);
  members(ORDER_ADJUSTMENT, v, orderAdjustmentValue, 4);
  return {
    $loc: loc,
    id: (v[0] ?? null) as string | null,
    kind: (v[1] ?? null) as string | null,
    reason: (v[2] ?? null) as string | null,
    amount: (v[3] ?? null) as string | null,
    taxAmount: (v[4] ?? null) as string | null,
    amountPresentment: (v[5] ?? null) as string | null,
    taxAmountPresentment: (v[6] ?? null) as string | null,
  };
}
