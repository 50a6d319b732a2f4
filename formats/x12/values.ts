import { quotedValue } from '../../lib/errors.ts';
import { calendarProblem } from '../text-input/calendar.ts';
import { withoutExponent } from '../text-input/decimal.ts';

/** Value checks shared by the EDI readers. Values stay strings; these only say whether a string is well-formed. */

/** X12 R / N types and EDIFACT n: optional minus, digits, one decimal mark ('.' or, in EDIFACT, ','). */
const DECIMAL = /^-?(?:\d+(?:[.,]\d*)?|[.,]\d+)$/;
const INTEGER = /^-?\d+$/;

export function isDecimal(value: string): boolean {
  return DECIMAL.test(value);
}

export function isInteger(value: string): boolean {
  return INTEGER.test(value);
}

/**
 * X12's decimal (R, X12.6 section 3.5.1 "Data Element Types"): an optional leading minus (no plus: "the plus sign
 * shall not be transmitted"), digits with an optional decimal point, and optionally a base-10 exponent appended: `E`,
 * an optional minus, digits (`1E2` is 100, `-2.5E-3` is -0.0025). No triad separators, no decimal comma.
 */
const X12_DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:E-?\d+)?$/;

export function isX12Decimal(value: string): boolean {
  return X12_DECIMAL.test(value);
}

interface ScaledDecimal {
  units: bigint;
  scale: number;
}

function toScaled(value: string): ScaledDecimal {
  // An X12 R value with an exponent (`1E2`) stands for its plain decimal (`100`).
  const normalized = (withoutExponent(value) ?? value).replace(',', '.');
  const negative = normalized.startsWith('-');
  const [whole = '', fraction = ''] = (negative ? normalized.slice(1) : normalized).split('.');
  const units = BigInt(`${whole || '0'}${fraction}`) * (negative ? -1n : 1n);
  return { units, scale: fraction.length };
}

function rescale(value: ScaledDecimal, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

/** Exact decimal sum of well-formed decimal strings (an X12 R's exponent form too) (hash totals must not drift like floats). */
export function sumDecimals(values: readonly string[]): string {
  let total: ScaledDecimal = { units: 0n, scale: 0 };
  for (const value of values) {
    const next = toScaled(value);
    const scale = Math.max(total.scale, next.scale);
    total = { units: rescale(total, scale) + rescale(next, scale), scale };
  }
  const negative = total.units < 0n;
  const digits = (negative ? -total.units : total.units).toString().padStart(total.scale + 1, '0');
  const whole = digits.slice(0, digits.length - total.scale);
  const fraction = digits.slice(digits.length - total.scale);
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Numeric equality of two well-formed decimal strings: `20`, `20.0` and `020` are equal. */
export function decimalsEqual(a: string, b: string): boolean {
  const x = toScaled(a);
  const y = toScaled(b);
  const scale = Math.max(x.scale, y.scale);
  return rescale(x, scale) === rescale(y, scale);
}

/** GS1 mod-10 check digit over all digits but the last (GTIN-8/12/13/14, SSCC-18). */
export function hasValidGs1CheckDigit(digits: string): boolean {
  if (!/^\d{8,18}$/.test(digits)) return false;
  let sum = 0;
  for (let i = digits.length - 2, weight = 3; i >= 0; i--, weight = weight === 3 ? 1 : 3) {
    sum += Number(digits[i]) * weight;
  }
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}

/**
 * What is wrong with an EDI date (`CCYYMMDD`, or `YYMMDD` read as 20YY), if anything: its form, or a day the
 * calendar does not have (30 February, month 13).
 */
export function ediDateProblem(date: string): string | undefined {
  const m = /^(\d{2})?(\d{2})(\d{2})(\d{2})$/.exec(date);
  if (!m) return `${quotedValue(date)} is not a date (CCYYMMDD or YYMMDD)`;
  const problem = calendarProblem({
    year: Number(`${m[1] ?? '20'}${m[2]}`),
    month: Number(m[3]),
    day: Number(m[4]),
  });
  return problem && `${quotedValue(date)}: ${problem}`;
}

/** A YYMMDD date as CCYYMMDD by POSIX's rule for two-digit years: 69-99 are 1969-1999, 00-68 are 2000-2068. */
export function widenTwoDigitYear(date: string): string {
  return `${Number(date.slice(0, 2)) >= 69 ? '19' : '20'}${date}`;
}

/** What is wrong with an EDI time (`HHMM`, `HHMMSS`, X12 also `HHMMSSd` / `HHMMSSdd`), if anything. */
export function ediTimeProblem(time: string): string | undefined {
  const m = /^(\d{2})(\d{2})(?:(\d{2})\d{0,2})?$/.exec(time);
  if (!m) return `${quotedValue(time)} is not a time (HHMM or HHMMSS)`;
  const problem = calendarProblem({
    hour: Number(m[1]),
    minute: Number(m[2]),
    second: m[3] === undefined ? undefined : Number(m[3]),
  });
  return problem && `${quotedValue(time)}: ${problem}`;
}
