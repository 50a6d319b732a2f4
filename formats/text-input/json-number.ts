import { quotedValue } from '../../lib/errors.ts';
import { FormatError } from '../types.ts';
import { CANONICAL_DECIMAL } from './decimal.ts';
import { shown } from './pointer.ts';

/**
 * A JSON number that a double cannot hold exactly (`12345678901234567890`, `0.1000000000000000055`, `1e400`,
 * `1e-400`): the parser keeps its source text instead of a rounded, infinite or zero value. Numbers a double holds
 * exactly stay plain numbers, so ordinary documents cost nothing extra.
 */
export class JsonDecimal {
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }
  /** What JSON.stringify (and so `eai map --tree`) shows: the number as it was written. */
  toJSON(): string {
    return this.source;
  }
}

/** The exact decimal value of a JSON number text: sign, significant digits and the power of ten they are scaled by. */
interface DecimalParts {
  negative: boolean;
  /** No leading or trailing zeros; '' for zero. */
  digits: string;
  /** value = digits × 10^exponent. */
  exponent: number;
}

const NUMBER = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

function parts(source: string): DecimalParts | undefined {
  const m = NUMBER.exec(source);
  if (!m) return undefined;
  const [, sign, whole = '', fraction = '', exp = '0'] = m;
  const all = `${whole}${fraction}`;
  const lead = all.search(/[1-9]/);
  if (lead === -1) return { negative: false, digits: '', exponent: 0 };
  const trimmed = all.slice(lead).replace(/0+$/, '');
  const trailing = all.length - lead - trimmed.length;
  // An exponent beyond what Number reads exactly is beyond any bound the readers accept anyway.
  const e = Number(exp);
  return { negative: sign === '-', digits: trimmed, exponent: e - fraction.length + trailing };
}

/**
 * Whether a double holds the number this JSON text writes, exactly (so `String(Number(text))` is that number), and
 * a whole number is a safe integer (1e25 is exact in a double, but `String` writes an id of 26 digits as `1e+25`).
 */
export function exactInDouble(source: string): boolean {
  const n = Number(source);
  if (!Number.isFinite(n) || (Number.isInteger(n) && !Number.isSafeInteger(n))) return false;
  const a = parts(source);
  const b = parts(String(n));
  return (
    !!a &&
    !!b &&
    a.digits === b.digits &&
    a.exponent === b.exponent &&
    (a.negative === b.negative || a.digits === '')
  );
}

/**
 * A decimal string for a number, exactly as written, or why it cannot be one: more decimal places or digits than
 * `bounds` allow (never rounded), infinite, or not a number at all.
 */
export function plainDecimal(
  source: string,
  bounds: { precision: number; scale: number } = CANONICAL_DECIMAL,
): { value: string } | { problem: string } {
  const p = parts(source);
  if (!p) return { problem: `${quotedValue(source)} is not a number` };
  if (p.digits === '') return { value: '0' };
  const scale = Math.max(0, -p.exponent);
  const integerDigits = p.digits.length + p.exponent;
  if (scale > bounds.scale)
    return { problem: `${source} has ${scale} decimal places; at most ${bounds.scale} are kept exactly` };
  if (integerDigits > bounds.precision - bounds.scale)
    return {
      problem: `${source} has ${integerDigits} digits before the decimal point; at most ${bounds.precision - bounds.scale} fit`,
    };
  const sign = p.negative ? '-' : '';
  if (p.exponent >= 0) return { value: `${sign}${p.digits}${'0'.repeat(p.exponent)}` };
  const padded = p.digits.padStart(scale + 1, '0');
  return { value: `${sign}${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}` };
}

/**
 * An amount or quantity read from JSON as an exact decimal string: a plain number (exact in a double) or a
 * JsonDecimal (its source digits). Refused at `loc`, naming `name`, when it is no number, infinite, or does not fit
 * a canonical decimal.
 */
export function jsonDecimal(format: string, loc: string, name: string, value: unknown): string {
  const source =
    value instanceof JsonDecimal ? value.source : typeof value === 'number' ? String(value) : undefined;
  if (source === undefined)
    throw new FormatError(format, loc, `${name} must be a JSON number, got ${shown(value)}`);
  const read = plainDecimal(source);
  if ('problem' in read) throw new FormatError(format, loc, `${name}: ${read.problem}`);
  return read.value;
}

/**
 * A number kept as text where a field is not necessarily an amount (an sObject field, a HubSpot property, a CDC
 * custom field): whole numbers keep all their digits (ids of any length), others must fit a canonical decimal.
 */
export function jsonNumberText(format: string, loc: string, name: string, value: JsonDecimal): string {
  if (/^-?\d+$/.test(value.source)) return value.source;
  return jsonDecimal(format, loc, name, value);
}
