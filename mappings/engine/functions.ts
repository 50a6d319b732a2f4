import jsonata from 'jsonata';
import { isGln } from '../../formats/gs1.ts';
import { isoMillis } from '../../formats/text-input/calendar.ts';
import { CANONICAL_DECIMAL, withoutExponent } from '../../formats/text-input/decimal.ts';
import { decodeHtmlReferences } from '../../formats/text-input/html-text.ts';
import { quotedValue } from '../../lib/errors.ts';
import { isoTimestamp } from '../../lib/iso-time.ts';
import { normalizeDecimal } from '../../schemas/logical-types.ts';

/**
 * The functions mapping expressions may call besides JSONata's own. JSONata computes with JS doubles, so money
 * and quantities never go through its arithmetic: `$decimal` reads them as exact strings, `$decimalMul`,
 * `$decimalSum` and `$decimalDiv` compute on scaled BigInts. Every function here leaves `undefined` as `undefined`, so an absent
 * input field stays absent instead of becoming a wrong value.
 */
export class MappingFunctionError extends Error {}

const DECIMAL_INPUT = /^([+-])?(\d*)(?:\.(\d*))?([+-])?$/;

/** A number as documents write it (`8.000`, `2.500-` with SAP's trailing sign, `+12`, ` 7 `, `1E2`) as an exact decimal string. */
export function decimal(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    // A whole number (a quantity) is written as it is already normal: digits, a sign, no point (-0 as 0).
    if (Number.isSafeInteger(value)) return String(value);
    if (!Number.isFinite(value))
      throw new MappingFunctionError(`$decimal: ${quotedValue(value)} is not a finite number`);
    return normalizeDecimal(String(value).includes('e') ? value.toFixed(20) : String(value));
  }
  // A string in the common form needs no trimming first (the form has no spaces).
  const plain = typeof value === 'string' ? simpleDecimal(value) : undefined;
  if (plain !== undefined) return plain;
  const text = String(value).trim();
  if (text === '') return undefined;
  const simple = simpleDecimal(text);
  if (simple !== undefined) return simple;
  const match = DECIMAL_INPUT.exec(text);
  // A base-10 exponent, as X12's decimals (R) may carry one (`1E2`): the plain decimal it stands for.
  const expanded = match ? undefined : withoutExponent(text);
  if (expanded !== undefined) return normalizeDecimal(expanded);
  if (!match || (match[1] && match[4]) || `${match[2]}${match[3] ?? ''}` === '') {
    throw new MappingFunctionError(`$decimal: ${quotedValue(text)} is not a number`);
  }
  const negative = (match[1] ?? match[4]) === '-';
  return normalizeDecimal(`${negative ? '-' : ''}${match[2] || '0'}${match[3] ? `.${match[3]}` : ''}`);
}

/**
 * The normal form of the most common input, digits with at most one inner point after an optional leading sign
 * (`34.90`, `007`, `-1`, `+2.50`): what the general reading below gives for it, without its regular expressions
 * (`-` kept unless the number is zero, `+` dropped); undefined for anything else.
 */
function simpleDecimal(text: string): string | undefined {
  const length = text.length;
  const first = text.charCodeAt(0);
  const from = first === 45 || first === 43 ? 1 : 0;
  if (length === from) return undefined;
  let point = -1;
  for (let i = from; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 && point === -1 && i > from && i < length - 1) point = i;
    else if (c < 48 || c > 57) return undefined;
  }
  let start = from;
  const wholeEnd = point === -1 ? length : point;
  while (start < wholeEnd - 1 && text.charCodeAt(start) === 48) start++;
  let end = length;
  if (point !== -1) {
    while (end > point + 1 && text.charCodeAt(end - 1) === 48) end--;
    if (end === point + 1) end = point;
  }
  const body = start === 0 && end === length ? text : text.slice(start, end);
  return first !== 45 || body === '0' ? body : `-${body}`;
}

function toScaled(value: string): { units: bigint; scale: number } {
  const [whole, fraction = ''] = value.replace('-', '').split('.');
  const units = BigInt(`${whole}${fraction}`) * (value.startsWith('-') ? -1n : 1n);
  return { units, scale: fraction.length };
}

function fromScaled(units: bigint, scale: number): string {
  const negative = units < 0n;
  return fromDigits(negative, (negative ? -units : units).toString(), scale);
}

/**
 * `unsigned` (digits without leading zeros) over 10^scale, in normal form: what normalizeDecimal gives the written
 * out number, without its regular expressions (the whole part has no leading zeros to drop; only the fraction's
 * trailing zeros go, and the sign of zero).
 */
function fromDigits(negative: boolean, unsigned: string, scale: number): string {
  const digits = unsigned.padStart(scale + 1, '0');
  const point = digits.length - scale;
  let end = digits.length;
  while (end > point && digits.charCodeAt(end - 1) === 48) end--;
  const body = end > point ? `${digits.slice(0, point)}.${digits.slice(point, end)}` : digits.slice(0, point);
  return body === '0' ? '0' : negative ? `-${body}` : body;
}

export function decimalMul(a: unknown, b: unknown): string | undefined {
  // Most operands (a price, a quantity, '-1') are read as they are, without a string made for them.
  const fast = smallProduct(a, b);
  if (fast !== undefined) return fast;
  const x = decimal(a);
  const y = decimal(b);
  if (x === undefined || y === undefined) return undefined;
  // Amounts times quantities fit a double exactly (a product below 2^53); larger ones take BigInts.
  const small = smallProduct(x, y);
  if (small !== undefined) return small;
  const p = toScaled(x);
  const q = toScaled(y);
  return fromScaled(p.units * q.units, p.scale + q.scale);
}

export function decimalSum(values: unknown): string | undefined {
  const list = Array.isArray(values) ? values : [values];
  // Amounts of at most 15 digits add up exactly in doubles while the total stays below 2^53 (a line's price, its
  // discounts, its taxes), read as they are; the rest are read by `decimal` and, if still too large, take BigInts.
  const fast = smallTotal(list);
  if (fast !== undefined) return fast === NONE ? undefined : fast;
  const read = list.map(decimal).filter((v) => v !== undefined);
  if (read.length === 0) return undefined;
  const small = smallTotal(read);
  if (small !== undefined) return small;
  const scale = Math.max(...read.map((v) => toScaled(v).scale));
  let total = 0n;
  for (const v of read) {
    const { units, scale: s } = toScaled(v);
    total += units * 10n ** BigInt(scale - s);
  }
  return fromScaled(total, scale);
}

/** 10^n for the places a small decimal may have (at most 15 digits). */
const POWERS = Array.from({ length: 23 }, (_, n) => 10 ** n);

/** The places of the number `smallUnits` read last. */
let unitsScale = 0;

/**
 * A decimal in its most common forms as an exact whole number of its last place, its places in `unitsScale`,
 * without a string made: a safe whole number, or a string of digits with at most one inner point after an optional
 * sign (what `simpleDecimal` reads), at most 15 digits (exact in a double). NaN for anything else (absent, spaces, an
 * exponent, SAP's trailing sign, more digits…), which `decimal` then reads the general way (and refuses what is no
 * number). Leading and trailing zeros are kept (`34.90` is 3490 of 2 places): the value is the same.
 */
function smallUnits(value: unknown): number {
  if (typeof value === 'number') {
    unitsScale = 0;
    return Number.isSafeInteger(value) ? value : Number.NaN;
  }
  if (typeof value !== 'string') return Number.NaN;
  const length = value.length;
  const first = value.charCodeAt(0);
  const from = first === 45 || first === 43 ? 1 : 0;
  if (length === from || length - from > 16) return Number.NaN;
  let units = 0;
  let point = -1;
  for (let i = from; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) units = units * 10 + (c - 48);
    else if (c === 46 && point === -1 && i > from && i < length - 1) point = i;
    else return Number.NaN;
  }
  // 16 characters with a point are 15 digits; without one, 16 are too many.
  if (point === -1 && length - from > 15) return Number.NaN;
  unitsScale = point === -1 ? 0 : length - point - 1;
  return first === 45 ? -units : units;
}

/**
 * `units` of 10^-scale (a safe integer) in normal form, as `fromDigits` writes it (`fromDigits` itself for what its
 * arithmetic here could not vouch for: undefined).
 */
function smallText(units: number, scale: number): string | undefined {
  if (units === 0) return '0';
  while (scale > 0 && units % 10 === 0) {
    units /= 10;
    scale--;
  }
  if (scale === 0) return String(units);
  if (scale >= POWERS.length) return undefined;
  const negative = units < 0;
  const magnitude = negative ? -units : units;
  const power = POWERS[scale]!;
  const whole = Math.floor(magnitude / power);
  const fraction = magnitude - whole * power;
  if (!(fraction > 0 && fraction < power)) return fromDigits(negative, String(magnitude), scale);
  const digits = String(fraction);
  const body = `${whole}.${digits.length < scale ? digits.padStart(scale, '0') : digits}`;
  return negative ? `-${body}` : body;
}

/** a × b in exact integer doubles, when `smallUnits` reads both and the product is below 2^53; else undefined. */
function smallProduct(a: unknown, b: unknown): string | undefined {
  const m = smallUnits(a);
  if (Number.isNaN(m)) return undefined;
  const scale = unitsScale;
  const n = smallUnits(b);
  if (Number.isNaN(n)) return undefined;
  const product = m * n;
  return Number.isSafeInteger(product) ? smallText(product, scale + unitsScale) : undefined;
}

/** `decimalSum` of nothing: undefined, told apart from `smallTotal`'s "not read here". */
const NONE = '';

/**
 * `decimalSum` of a list whose items `smallUnits` reads (absent ones left out, as `decimal` leaves them), while
 * the total stays exact: NONE for no items, undefined for a list the general way sums.
 */
function smallTotal(values: unknown[]): string | undefined {
  let total = 0;
  let scale = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === undefined || value === null) continue;
    let units = smallUnits(value);
    if (Number.isNaN(units)) return undefined;
    count++;
    const places = unitsScale;
    if (places > scale) {
      total *= POWERS[places - scale]!;
      scale = places;
    } else if (places < scale) units *= POWERS[scale - places]!;
    // Each step checked: a total scaled past 2^53 is no longer exact, whatever is added to it after.
    if (!Number.isSafeInteger(total) || !Number.isSafeInteger(units)) return undefined;
    total += units;
    if (!Number.isSafeInteger(total)) return undefined;
  }
  if (count === 0) return NONE;
  return smallText(total, scale);
}

/**
 * `$decimalDiv(a, b)`: a ÷ b to the canonical decimal's places (6), rounded half away from zero, as money is
 * rounded (BigDecimal's HALF_UP): a unit price from a line's net amount and its quantity (`178.90 / 3` is
 * `59.633333`). Dividing by zero is refused: which value stands for it is the mapping's to say (guard it).
 */
export function decimalDiv(a: unknown, b: unknown): string | undefined {
  const x = decimal(a);
  const y = decimal(b);
  if (x === undefined || y === undefined) return undefined;
  // A quantity of one, the most common line: the amount itself when it has no more places than the result.
  if (y === '1') {
    const point = x.indexOf('.');
    if (point === -1 || x.length - point - 1 <= CANONICAL_DECIMAL.scale) return x;
  }
  const small = smallQuotient(x, y);
  if (small !== undefined) return small;
  const p = toScaled(x);
  const q = toScaled(y);
  if (q.units === 0n) throw new MappingFunctionError(`$decimalDiv: ${quotedValue(x)} divided by zero`);
  // (p / 10^ps) / (q / 10^qs) in units of 10^-scale, one place more to round on.
  const scale = CANONICAL_DECIMAL.scale;
  const shift = scale + 1 + q.scale - p.scale;
  const numerator = shift >= 0 ? p.units * 10n ** BigInt(shift) : p.units;
  const denominator = shift >= 0 ? q.units : q.units * 10n ** BigInt(-shift);
  const tenfold = numerator / denominator;
  const rounded = (tenfold + (tenfold < 0n ? -5n : 5n)) / 10n;
  return fromScaled(rounded, scale);
}

/**
 * `decimalDiv`'s quotient in exact integer doubles (the numerator, shifted to the result's places and one more,
 * below 2^53: a line's amount over its quantity), or undefined for larger ones and a zero divisor. The double
 * division truncates to the integer quotient BigInt division gives: n / d is an integer, or at least 1/|d| from one,
 * and a double's rounding moves it by less than |n / d| · 2^-53, below 1/|d| while |n| < 2^53.
 */
function smallQuotient(x: string, y: string): string | undefined {
  const p = smallUnits(x);
  const pScale = unitsScale;
  const q = smallUnits(y);
  if (Number.isNaN(p) || Number.isNaN(q) || q === 0) return undefined;
  const shift = CANONICAL_DECIMAL.scale + 1 + unitsScale - pScale;
  if (shift >= POWERS.length || -shift >= POWERS.length) return undefined;
  const numerator = shift >= 0 ? p * POWERS[shift]! : p;
  const denominator = shift >= 0 ? q : q * POWERS[-shift]!;
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator)) return undefined;
  const tenfold = Math.trunc(numerator / denominator);
  const rounded = Math.trunc((tenfold + (tenfold < 0 ? -5 : 5)) / 10);
  return (
    smallText(rounded, CANONICAL_DECIMAL.scale) ??
    fromDigits(rounded < 0, String(Math.abs(rounded)), CANONICAL_DECIMAL.scale)
  );
}

/**
 * `$htmlText(x)`: text an HTML-minded system sent with character references (WooCommerce's product and line names:
 * `Salt &amp; Pepper`, `Hoodie &ndash; Blue`, `&#8220;Classic&#8221;`) as the characters they stand for. A reference
 * it does not know, or a number that is no character, stays as written; tags are not touched.
 */
export function htmlText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return decodeHtmlReferences(String(value));
}

/** Leading zeros off (`000010` → `10`, `0000` → `0`); SAP pads numbers and ids with them. */
export function trimZeros(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  if (text === '') return undefined;
  return text.replace(/^0+(?=.)/, '');
}

/**
 * `$wrap(text, width, lines?)`: the text in lines of at most `width` characters, broken at spaces (a word longer than
 * a line is cut), for fixed-width fields that continue each other: SAP's NAME1 to NAME4 (35 each), which SAP's
 * own readers join again with a space. With `lines`, a text that needs more refuses the document, naming the field,
 * rather than losing its end.
 */
export function wrap(value: unknown, width: unknown, lines?: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const size = Number(width);
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`$wrap: the width must be a whole number above 0, got ${String(width)}`);
  const out: string[] = [];
  let line: string[] = [];
  for (const word of String(value).trim().split(/\s+/).filter(Boolean)) {
    let chars = [...word];
    if (line.length > 0 && line.length + 1 + chars.length <= size) {
      line.push(' ', ...chars);
      continue;
    }
    if (line.length > 0) out.push(line.join(''));
    while (chars.length > size) {
      out.push(chars.slice(0, size).join(''));
      chars = chars.slice(size);
    }
    line = chars;
  }
  if (line.length > 0) out.push(line.join(''));
  if (lines !== undefined && out.length > Number(lines))
    throw new Error(
      `$wrap: a text of ${[...String(value)].length} characters needs ${out.length} lines of ${size}; the field holds ${Number(lines)} (${Number(lines) * size} characters)`,
    );
  return out;
}

const DATE = /^(\d{4})-?(\d{2})-?(\d{2})$/;
const TIME = /^(\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,3})\d*)?)?$/;
const ZONED = /(?:Z|[+-]\d\d:?\d\d)$/;
/** An ISO 8601 timestamp with a zone, any precision (what `Date.parse` reads alike on every engine). */
const ZONED_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)$/;

/** Minutes east of UTC that `zone` has at the instant `utcMillis`. */
function zoneOffsetMinutes(utcMillis: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMillis));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return Math.round((asUtc - Math.floor(utcMillis / 1000) * 1000) / 60_000);
}

/**
 * The last zoned timestamps read and their results (such a result does not depend on `time` or `zone`): a document
 * names the same instants several times (created, updated, the event's time), mostly within a few calls. Compared
 * as strings, most recent first: a Map would hash each new text first (a runtime call per string), which cost
 * more than the comparisons and as much as reading the text again.
 */
const RECENT = 16;
// Filled with a text no document holds: an empty text is not a remembered one (it has no time).
const recentTexts: string[] = new Array(RECENT).fill('\u0000');
const recentResults: string[] = new Array(RECENT).fill('');
let newest = 0;

/**
 * A point in time as an ISO string in UTC. `date` is `YYYY-MM-DD` / `YYYYMMDD`, or a full ISO timestamp with a zone
 * (then `time` and `zone` are ignored); `time` is `HH:MM[:SS]` / `HHMM[SS]`; `zone` an IANA zone name or `UTC`, the
 * zone the document's local times are in (IDocs, EDI and Odoo write none).
 */
export function timestamp(date: unknown, time?: unknown, zone: unknown = 'UTC'): string | undefined {
  // A document names the same instant several times (created, updated, the event's time): read once.
  if (typeof date === 'string') {
    for (let i = 0, at = newest; i < RECENT; i++, at = at === 0 ? RECENT - 1 : at - 1)
      if (recentTexts[at] === date) return recentResults[at]!;
    // The common case, read without trimming, splitting or the regex below: isoMillis reads only a whole zoned
    // timestamp (no spaces around it), which is what the general path would read with it too.
    const millis = isoMillis(date);
    if (millis !== undefined) return remember(date, isoTimestamp(millis));
  }
  if (date === undefined || date === null || String(date).trim() === '') return undefined;
  const text = String(date).trim();
  const [datePart = '', inlineTime] = text.split(/[T ]/, 2);
  if (inlineTime !== undefined && ZONED.test(text)) {
    const millis = isoMillis(text) ?? Date.parse(text.replace(' ', 'T'));
    if (Number.isNaN(millis))
      throw new MappingFunctionError(`$timestamp: ${quotedValue(text)} is not a timestamp`);
    const iso = isoTimestamp(millis);
    return typeof date === 'string' ? remember(date, iso) : iso;
  }
  const timePart = inlineTime ?? (time === undefined || time === null ? '' : String(time).trim());
  return timestampOf([datePart, timePart], zone);
}

function remember(date: string, iso: string): string {
  newest = newest === RECENT - 1 ? 0 : newest + 1;
  recentTexts[newest] = date;
  recentResults[newest] = iso;
  return iso;
}

function timestampOf([datePart = '', timePart = '']: string[], zone: unknown): string {
  const d = DATE.exec(datePart);
  if (!d)
    throw new MappingFunctionError(
      `$timestamp: ${quotedValue(datePart)} is not a date (YYYY-MM-DD or YYYYMMDD)`,
    );
  const t = timePart === '' ? ['', '00', '00', '00', '0'] : TIME.exec(timePart);
  if (!t)
    throw new MappingFunctionError(
      `$timestamp: ${quotedValue(timePart)} is not a time (HH:MM[:SS] or HHMM[SS])`,
    );
  const [year, month, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const [hour, minute, second] = [Number(t[1]), Number(t[2]), Number(t[3] ?? 0)];
  const millis = Number((t[4] ?? '0').padEnd(3, '0'));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(local);
  if (
    check.getUTCDate() !== day ||
    check.getUTCMonth() !== month - 1 ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new MappingFunctionError(
      `$timestamp: ${quotedValue(`${datePart} ${timePart}`)} is not a valid date and time`,
    );
  }
  // A date without a time is midnight UTC in every zone (the canonical schemas' convention, which $localDate reads
  // back as that day): read in the partner's zone it would be the evening before in UTC.
  if (timePart === '') return check.toISOString();
  return isoTimestamp(wallClockMillis('timestamp', local, zone));
}

/** The instant of a wall-clock time (`local`: its fields read as UTC) in `zone`, an IANA name or `UTC`. */
function wallClockMillis(name: string, local: number, zone: unknown): number {
  const zoneName = String(zone ?? 'UTC');
  if (zoneName === 'UTC' || zoneName === 'Z') return local;
  try {
    // The offset at the local time read as UTC, then again at the result: right across DST changes.
    const utc = local - zoneOffsetMinutes(local, zoneName) * 60_000;
    return local - zoneOffsetMinutes(utc, zoneName) * 60_000;
  } catch {
    throw new MappingFunctionError(`$${name}: "${zoneName}" is not a time zone name`);
  }
}

/**
 * The wall-clock date and time (`YYYY-MM-DDTHH:MM:SS`) of an instant in `zone`, for writing to a system that keeps
 * local dates and times (SAP's DATUM / UZEIT, Salesforce's date fields). `time` is an ISO timestamp with a zone (the
 * canonical form) or epoch milliseconds. A value at exactly 00:00:00.000 UTC is a date without a time (the canonical
 * schemas' convention: "a date without time is midnight UTC") and keeps its day in every zone: an order dated 5 May
 * is not written as 4 May to a system in New York.
 */
function localDateTime(name: string, time: unknown, zone: unknown): string | undefined {
  if (time === undefined || time === null || String(time).trim() === '') return undefined;
  const text = String(time).trim();
  const millis =
    typeof time === 'number'
      ? time
      : (isoMillis(text) ?? (ZONED_ISO.test(text) ? Date.parse(text) : Number.NaN));
  if (!Number.isFinite(millis))
    throw new MappingFunctionError(`$${name}: ${quotedValue(time)} is not a timestamp with a zone`);
  const zoneName = String(zone ?? 'UTC');
  let offset = 0;
  if (millis % 86_400_000 !== 0 && zoneName !== 'UTC' && zoneName !== 'Z') {
    try {
      offset = zoneOffsetMinutes(millis, zoneName);
    } catch {
      throw new MappingFunctionError(`$${name}: "${zoneName}" is not a time zone name`);
    }
  }
  return new Date(Math.floor(millis / 1000) * 1000 + offset * 60_000).toISOString().slice(0, 19);
}

/** `$localDate(time, zone?)`: the instant's date in `zone` (default `options.timeZone`), `YYYY-MM-DD`. */
export function localDate(time: unknown, zone: unknown = 'UTC'): string | undefined {
  return localDateTime('localDate', time, zone)?.slice(0, 10);
}

/** `$localTime(time, zone?)`: the instant's wall-clock time in `zone` (default `options.timeZone`), `HH:MM:SS`. */
export function localTime(time: unknown, zone: unknown = 'UTC'): string | undefined {
  return localDateTime('localTime', time, zone)?.slice(11, 19);
}

type PictureFunction = { implementation: (this: unknown, ...args: unknown[]) => unknown };
/**
 * JSONata's own `$toMillis` and `$fromMillis` (XPath picture strings): their implementations, called as JSONata
 * calls them. Picture parts the text leaves out would be taken from this (fixed) time; `parseTime` refuses pictures
 * without a date, so none is.
 */
const jsonataToMillis = (await jsonata('$toMillis').evaluate({})) as PictureFunction;
const jsonataFromMillis = (await jsonata('$fromMillis').evaluate({})) as PictureFunction;
const JSONATA_THIS = { environment: { timestamp: new Date(0) } };
/** A picture's year, month and day (`[Y…]`, `[M…]` not minutes `[m…]`, `[D…]`); its time (`[H…]`, `[h…]`); its offset. */
const PICTURE_DATE = [/\[Y/, /\[M/, /\[D/];
const PICTURE_TIME = /\[[Hh]/;
const PICTURE_ZONE = /\[[Zz]/;

/**
 * `$parseTime(text, picture, zone?)`: a date and time written in a form of the partner's own (ShipStation's
 * `12/8/2011 12:56 PM`: `[M]/[D]/[Y] [h]:[m01] [P]`), read with JSONata's picture parsing (`$toMillis`'s pictures)
 * as the wall clock of `zone` (default `options.timeZone`), as `$timestamp` reads one: ISO 8601 UTC. A picture with
 * an offset (`[Z]`) takes the text's. A date alone is midnight UTC (the canonical convention). A text the picture
 * does not read, or a date that does not exist (`2/30/2024`), is refused: nothing is made up.
 */
export function parseTime(text: unknown, picture: unknown, zone: unknown = 'UTC'): string | undefined {
  if (text === undefined || text === null || String(text).trim() === '') return undefined;
  if (typeof picture !== 'string' || picture === '')
    throw new MappingFunctionError('$parseTime: a picture is needed, e.g. "[M]/[D]/[Y] [h]:[m01] [P]"');
  if (!PICTURE_DATE.every((part) => part.test(picture)))
    throw new MappingFunctionError(
      `$parseTime: the picture "${picture}" has no year, month and day ([Y], [M], [D]): a date is not made up`,
    );
  const value = String(text).trim();
  let millis: unknown;
  try {
    millis = jsonataToMillis.implementation.call(JSONATA_THIS, value, picture);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new MappingFunctionError(`$parseTime: the picture "${picture}" is not one JSONata reads (${code})`);
  }
  if (typeof millis !== 'number' || !Number.isFinite(millis))
    throw new MappingFunctionError(
      `$parseTime: ${quotedValue(value)} does not match the picture "${picture}"`,
    );
  if (PICTURE_ZONE.test(picture)) return isoTimestamp(millis);
  // JSONata rolls 2/30 over to 3/1: written back with the picture, a real date gives the numbers it was read from.
  const numbers = (t: string) => (t.match(/\d+/g) ?? []).map(Number).join(' ');
  if (
    numbers(String(jsonataFromMillis.implementation.call(JSONATA_THIS, millis, picture))) !== numbers(value)
  )
    throw new MappingFunctionError(
      `$parseTime: ${quotedValue(value)} is not a date and time that exists ("${picture}")`,
    );
  if (!PICTURE_TIME.test(picture)) return isoTimestamp(millis);
  return isoTimestamp(wallClockMillis('parseTime', millis, zone));
}

/** A calendar date `YYYY-MM-DD` from `YYYYMMDD`, `YYYY-MM-DD` or an ISO timestamp (its date part as written). */
export function date(value: unknown): string | undefined {
  if (value === undefined || value === null || String(value).trim() === '') return undefined;
  const d = DATE.exec(
    String(value)
      .trim()
      .slice(0, 10)
      .replace(/^(\d{8}).*/, '$1'),
  );
  if (!d) throw new MappingFunctionError(`$date: ${quotedValue(value)} is not a date`);
  const text = `${d[1]}-${d[2]}-${d[3]}`;
  if (
    Number.isNaN(Date.parse(`${text}T00:00:00Z`)) ||
    new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) !== text
  ) {
    throw new MappingFunctionError(`$date: ${quotedValue(value)} is not a calendar date`);
  }
  return text;
}

/**
 * Whether `$date` reads the value as a calendar date: for data that may hold impossible ones (a birth date typed
 * `19450493`), so a mapping can keep the rest of the record, e.g. `$isDate(x) ? $date(x)`.
 */
export function isDate(value: unknown): boolean {
  if (value === undefined || value === null || String(value).trim() === '') return false;
  try {
    return date(value) !== undefined;
  } catch {
    return false;
  }
}

/** JSONata's deep equality (utils.isDeepEqual): arrays element by element, objects by the same keys in any order. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  const keys = Object.getOwnPropertyNames(a).sort();
  const others = Object.getOwnPropertyNames(b).sort();
  if (keys.length !== others.length || keys.some((k, i) => k !== others[i])) return false;
  return keys.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A key equal for two scalars exactly when JSONata's deep equality says they are equal; undefined for objects. */
function scalarKey(value: unknown): string | undefined {
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'number') return `n${value}`;
  if (typeof value === 'boolean' || value === null) return String(value);
  return undefined;
}

/**
 * `$distinct` as JSONata defines it (first occurrences in order, deep equality, a sequence stays a sequence), but
 * linear for scalars: JSONata's own compares every value with every kept one, so a list of 20,000 field names
 * took seconds. Objects are still compared pairwise, among objects only.
 */
export function distinct(values: unknown): unknown {
  if (!Array.isArray(values) || values.length <= 1) return values;
  const out: unknown[] = [];
  if ((values as { sequence?: boolean }).sequence === true) (out as { sequence?: boolean }).sequence = true;
  const seen = new Set<string>();
  const objects: unknown[] = [];
  for (const value of values) {
    const key = scalarKey(value);
    if (key !== undefined) {
      if (seen.has(key)) continue;
      seen.add(key);
    } else {
      if (objects.some((o) => deepEqual(o, value))) continue;
      objects.push(value);
    }
    out.push(value);
  }
  return out;
}

/**
 * `$difference(values, excluded)`: the values not among `excluded`, in order (scalars compared as `in` does). The
 * same as `values[$not($ in excluded)]`, without `in`'s scan of `excluded` per value.
 */
export function difference(values: unknown, excluded: unknown): unknown[] | undefined {
  if (values === undefined) return undefined;
  const list = Array.isArray(values) ? values : [values];
  const drop = new Set<unknown>(
    excluded === undefined ? [] : Array.isArray(excluded) ? excluded : [excluded],
  );
  return list.filter((v) => !drop.has(v));
}

export type LookupTables = Record<string, Record<string, unknown>>;

/**
 * `$lookup(table, code)`: the table's value for the code; a table's `"*"` entry is its fallback. `undefined` when
 * the code is absent and there is no fallback, so the schema check, not a silent default, reports it.
 */
export function makeLookup(tables: LookupTables) {
  return (table: string, code: unknown, fallback?: unknown): unknown => {
    const entries = tables[table];
    if (!entries) throw new MappingFunctionError(`$lookup: no lookup table "${table}"`);
    if (code === undefined || code === null) return fallback;
    const key = String(code).trim();
    if (Object.hasOwn(entries, key)) return entries[key];
    if (fallback !== undefined) return fallback;
    return Object.hasOwn(entries, '*') ? entries['*'] : undefined;
  };
}

/**
 * `$lookupCode(table, value)`: the table read backwards, the code whose value this is (its first in the table's
 * order; values compared trimmed and case-insensitively; the `"*"` fallback is no code). `undefined` when no code
 * has it, so a mapping that writes a code list's code from a canonical name uses the same table it read it with.
 */
export function makeLookupCode(tables: LookupTables) {
  const reversed = new Map<string, Map<string, string>>();
  const key = (value: unknown) => String(value).trim().toLowerCase();
  return (table: string, value: unknown): string | undefined => {
    const entries = tables[table];
    if (!entries) throw new MappingFunctionError(`$lookupCode: no lookup table "${table}"`);
    if (value === undefined || value === null) return undefined;
    let codes = reversed.get(table);
    if (!codes) {
      codes = new Map();
      for (const [code, named] of Object.entries(entries)) {
        if (code !== '*' && named !== null && !codes.has(key(named))) codes.set(key(named), code);
      }
      reversed.set(table, codes);
    }
    return codes.get(key(value));
  };
}

/**
 * `$columnKey(name)`: a table column's name lowercased without spaces and punctuation, accents kept ("First Name",
 * "first_name" and "FIRST-NAME" are `firstname`, "Code Postal" is `codepostal`, "Téléphone" `téléphone`): how a CSV
 * mapping's columns table lists names, and how csv-columns.ts reads a header against it.
 */
export function columnKey(name: unknown): string | undefined {
  if (name === undefined || name === null) return undefined;
  return String(name)
    .replace(/[^A-Za-z0-9À-ÖØ-öø-ÿĀ-ž]/g, '')
    .toLowerCase();
}

/** Bindings every expression sees (as `$name`). */
export function mappingFunctions(tables: LookupTables, timeZone: string): Record<string, unknown> {
  return {
    decimal,
    decimalMul,
    decimalSum,
    decimalDiv,
    trimZeros,
    htmlText,
    wrap,
    timestamp: (d: unknown, t?: unknown, zone?: unknown) => timestamp(d, t, zone ?? timeZone),
    localDate: (t: unknown, zone?: unknown) => localDate(t, zone ?? timeZone),
    localTime: (t: unknown, zone?: unknown) => localTime(t, zone ?? timeZone),
    parseTime: (text: unknown, picture: unknown, zone?: unknown) =>
      parseTime(text, picture, zone ?? timeZone),
    date,
    isDate,
    // whether a value is a GLN: 13 digits, the last the GS1 check digit of the others
    isGln,
    lookup: makeLookup(tables),
    lookupCode: makeLookupCode(tables),
    distinct,
    difference,
    columnKey,
  };
}
