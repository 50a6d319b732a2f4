import avro from 'avsc';
import { utcMillis } from '../lib/iso-time.ts';

/**
 * How canonical values look in TypeScript: decimals are strings ("1234.50" in, "1234.5" out: exact, never a JS
 * float), timestamp-millis are Dates (ISO strings and epoch numbers are accepted when writing), dates are
 * `YYYY-MM-DD` strings. Values that do not fit (too many decimals, not a number) are invalid, never rounded.
 */
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Normal form of a decimal string: no leading `+`, no trailing fractional zeros. */
export function normalizeDecimal(value: string): string {
  const match = DECIMAL.exec(value.trim());
  if (!match) return value;
  const [, sign = '', whole = '0', fraction = ''] = match;
  const int = whole.replace(/^0+(?=\d)/, '');
  const frac = fraction.replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return body === '0' ? '0' : `${sign}${body}`;
}

/** Length of the minimal big-endian two's complement of an integer below 2^47 in magnitude. */
export function unscaledLength(unscaled: number): number {
  // -n - 1 has the magnitude that decides a negative number's length in two's complement.
  const magnitude = unscaled < 0 ? -unscaled - 1 : unscaled;
  let length = 1;
  while (length < 6 && magnitude >= SIGN_BIT[length]!) length++;
  return length;
}

/** 2^(8n - 1): the smallest magnitude that no longer fits in n bytes of two's complement. */
const SIGN_BIT = [0, 2 ** 7, 2 ** 15, 2 ** 23, 2 ** 31, 2 ** 39];

function smallUnscaledBytes(unscaled: number): Buffer {
  const length = unscaledLength(unscaled);
  const bytes = Buffer.allocUnsafe(length);
  bytes.writeIntBE(unscaled, 0, length);
  return bytes;
}

/**
 * The unscaled integer of a plain decimal string (`-12.50`) below 10^14, read without regex, slices or BigInt;
 * undefined for anything else (longer, spaces, invalid), which the general path then reads or refuses.
 */
export function fastUnscaled(value: string, scale: number, precision: number): number | undefined {
  const length = value.length;
  let i = value.charCodeAt(0) === 45 ? 1 : 0;
  const negative = i === 1;
  let unscaled = 0;
  let digits = 0;
  let fractionDigits = -1;
  for (; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c === 46) {
      if (fractionDigits >= 0 || digits === 0) return undefined;
      fractionDigits = 0;
      continue;
    }
    if (c < 48 || c > 57) return undefined;
    digits++;
    if (fractionDigits >= 0 && ++fractionDigits > scale) {
      if (c !== 48) return undefined;
      continue;
    }
    unscaled = unscaled * 10 + (c - 48);
    if (unscaled >= 1e14) return undefined;
  }
  if (digits === 0 || fractionDigits === 0) return undefined;
  for (let pad = Math.max(fractionDigits, 0); pad < scale; pad++) {
    unscaled *= 10;
    if (unscaled >= 1e14) return undefined;
  }
  if (unscaled >= 10 ** precision) return undefined;
  return negative ? -unscaled : unscaled;
}

const UNSET = Symbol('unset');

/**
 * The canonical logical types. avsc's validation converts a value once to pick a nullable union's branch and again
 * to check it: the last text conversion is remembered (conversions are pure). The compiled writers (avro-writer.ts)
 * convert once and call `toUnderlying` directly.
 */
export abstract class MemoLogicalType extends avro.types.LogicalType {
  private lastIn: unknown = UNSET;
  private lastOut: unknown;
  /** The underlying Avro value of a value (a Buffer, epoch milliseconds, days), undefined if it does not fit; never throws. */
  abstract toUnderlying(value: unknown): unknown;
  override _toValue(value: unknown): unknown {
    if (value === this.lastIn) return this.lastOut;
    const out = this.toUnderlying(value);
    // Only primitives: an object (a Date) could change between two calls.
    if (typeof value === 'string' || typeof value === 'number') {
      this.lastIn = value;
      this.lastOut = out;
    }
    return out;
  }
}

/** Its scale and precision are read by the compiled writers (avro-writer.ts), which write small decimals themselves. */
export class DecimalType extends MemoLogicalType {
  readonly scale: number;
  readonly precision: number;
  constructor(schema: avro.Schema, opts?: object) {
    super(schema, opts);
    const attrs = schema as unknown as { precision: number; scale?: number };
    this.precision = attrs.precision;
    this.scale = attrs.scale ?? 0;
  }
  override _fromValue(buffer: Buffer): string {
    let unscaled = 0n;
    for (const byte of buffer) unscaled = (unscaled << 8n) | BigInt(byte);
    if (buffer.length > 0 && (buffer[0]! & 0x80) !== 0) unscaled -= 1n << BigInt(buffer.length * 8);
    const negative = unscaled < 0n;
    const digits = (negative ? -unscaled : unscaled).toString().padStart(this.scale + 1, '0');
    const whole = digits.slice(0, digits.length - this.scale);
    const fraction = digits.slice(digits.length - this.scale);
    return normalizeDecimal(`${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`);
  }
  toUnderlying(value: unknown): Buffer | undefined {
    if (typeof value !== 'string') return undefined;
    const fast = fastUnscaled(value, this.scale, this.precision);
    if (fast !== undefined) return smallUnscaledBytes(fast);
    const match = DECIMAL.exec(value.length > 0 && value.trim() !== value ? value.trim() : value);
    if (!match) return undefined;
    const [, sign, whole = '0', fraction = ''] = match;
    let significant = fraction.length;
    while (significant > 0 && fraction.charCodeAt(significant - 1) === 48) significant--;
    if (significant > this.scale) return undefined;
    const scaled =
      fraction.length >= this.scale ? fraction.slice(0, this.scale) : fraction.padEnd(this.scale, '0');
    let digits = `${whole}${scaled}`;
    let start = 0;
    while (start < digits.length - 1 && digits.charCodeAt(start) === 48) start++;
    if (start > 0) digits = digits.slice(start);
    if (digits.length > this.precision) return undefined;
    // Most amounts fit in 6 bytes: exact in a double, written without BigInt (the publish hot path).
    if (digits.length <= 14) return smallUnscaledBytes(sign ? -Number(digits) : Number(digits));
    let unscaled = BigInt(digits) * (sign ? -1n : 1n);
    const bytes: number[] = [];
    // Two's complement, big-endian, minimal length (as the Avro spec and Java's BigInteger.toByteArray write it).
    do {
      bytes.unshift(Number(unscaled & 0xffn));
      unscaled >>= 8n;
    } while (
      !((unscaled === 0n && (bytes[0]! & 0x80) === 0) || (unscaled === -1n && (bytes[0]! & 0x80) !== 0))
    );
    return Buffer.from(bytes);
  }
  override _resolve(type: avro.Type): ((value: unknown) => unknown) | undefined {
    if (type instanceof DecimalType && type.scale === this.scale) return (value) => value;
    return undefined;
  }
  override _export(schema: avro.Schema): void {
    const attrs = schema as unknown as Record<string, unknown>;
    attrs.precision = this.precision;
    attrs.scale = this.scale;
  }
}

const ZONED = /T.*(?:Z|[+-]\d\d:?\d\d)$/;

/**
 * Epoch milliseconds of `YYYY-MM-DDTHH:MM:SS[.sss]Z` (what toISOString writes, the common case), read from
 * char codes; undefined for any other form or an out-of-range field, which Date.parse then reads or refuses.
 */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether the fields name a real instant: Date.parse would roll `02-30` over into March, or `24:00` into tomorrow. */
function fieldsExist(year: number, month: number, day: number, hour: number, minute: number, second: number) {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1]!);
}

const ISO_FIELDS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/;

/**
 * Epoch milliseconds of `YYYY-MM-DDTHH:MM:SS[.sss]Z` (what toISOString writes, the common case), read from
 * char codes; null when its fields do not exist; undefined for any other form.
 */
function fastIsoUtc(text: string): number | null | undefined {
  const length = text.length;
  if ((length !== 20 && length !== 24) || text.charCodeAt(length - 1) !== 90) return undefined;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84) return undefined;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  if (length === 24 && text.charCodeAt(19) !== 46) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const ms = length === 24 ? digitsAt(text, 20, 3) : 0;
  // Years below 100 mean 19xx to Date.UTC: left to Date.parse, as is anything that is not a digit (-1).
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || ms < 0) return undefined;
  if (!fieldsExist(year, month, day, hour, minute, second)) return null;
  return utcMillis(year, month, day, hour, minute, second, ms);
}

/** The decimal number in `count` characters from `from`, or -1 if one is not a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Any other zoned ISO 8601 text: its fields must exist, then Date.parse applies the offset. */
function parseZoned(text: string): number | undefined {
  // A time without a zone would be read in the process's zone: refused rather than guessed.
  if (!ZONED.test(text)) return undefined;
  const fields = ISO_FIELDS.exec(text);
  if (!fields) return undefined;
  const [year, month, day, hour, minute, second = 0] = fields
    .slice(1)
    .map((f) => (f === undefined ? 0 : Number(f)));
  if (!fieldsExist(year!, month!, day!, hour!, minute!, second)) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

class TimestampMillisType extends MemoLogicalType {
  override _fromValue(value: number): Date {
    return new Date(value);
  }
  toUnderlying(value: unknown): number | undefined {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
    if (typeof value === 'string') {
      const fast = fastIsoUtc(value);
      if (fast !== undefined) return fast ?? undefined;
      return parseZoned(value);
    }
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    return undefined;
  }
  override _resolve(type: avro.Type): ((value: unknown) => unknown) | undefined {
    if (type instanceof TimestampMillisType || avro.Type.isType(type, 'long')) return (value) => value;
    return undefined;
  }
}

const DAY_MS = 86_400_000;

class DateType extends MemoLogicalType {
  override _fromValue(days: number): string {
    return new Date(days * DAY_MS).toISOString().slice(0, 10);
  }
  toUnderlying(value: unknown): number | undefined {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
    const time = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) return undefined;
    return time / DAY_MS;
  }
  override _resolve(type: avro.Type): ((value: unknown) => unknown) | undefined {
    if (type instanceof DateType || avro.Type.isType(type, 'int')) return (value) => value;
    return undefined;
  }
}

/** Pass as `logicalTypes` wherever an avsc Type is made from a canonical schema. */
export const logicalTypes = {
  decimal: DecimalType,
  'timestamp-millis': TimestampMillisType,
  date: DateType,
} as unknown as Record<string, new (schema: avro.Schema, opts?: object) => avro.types.LogicalType>;

/** Fresh options each call: avsc keeps its type registry inside the options object it is given. */
export function avroOptions(): Partial<avro.ForSchemaOptions> {
  return { logicalTypes, wrapUnions: 'auto' };
}
