import { decimalFitsCanonical } from '../text-input/decimal.ts';
import { FormatError } from '../types.ts';
import { isIsoCurrency } from './iso4217.ts';
import { element, elementName, segmentLocation, type X12Segment } from './segment.ts';
import { ediDateProblem, ediTimeProblem, isDecimal, isInteger } from './values.ts';

export type Fields<K extends string> = { $loc: string } & Partial<Record<K, string>>;

/** Names a segment's elements for mapping authors; empty elements are left out so `exists()` means present. */
export function pick<K extends string>(segment: X12Segment, names: Record<K, number>): Fields<K> {
  const node = { $loc: segment.$loc } as Fields<K>;
  for (const name in names) {
    const value = element(segment, names[name]);
    if (value !== '') (node as Record<string, string>)[name] = value;
  }
  return node;
}

/** Qualifier / id pairs such as PO106/PO107, PO108/PO109 … or LIN02/LIN03 …, in order. */
export function pairs(segment: X12Segment, first: number, last: number): { qualifier: string; id: string }[] {
  const result: { qualifier: string; id: string }[] = [];
  for (let n = first; n < Math.min(segment.elements.length, last) + 1; n += 2) {
    const qualifier = element(segment, n);
    const id = element(segment, n + 1);
    if (qualifier !== '' || id !== '') result.push({ qualifier, id });
  }
  return result;
}

export function elementLocation(segment: X12Segment, n: number): string {
  return `${segmentLocation(segment)}, element ${elementName(segment, n)}`;
}

export class X12Checks {
  private readonly format: string;
  constructor(format: string) {
    this.format = format;
  }

  fail(location: string, message: string): never {
    throw new FormatError(this.format, location, message);
  }

  /** Numeric (R) element: an absent optional element passes; text such as `TEN` or `5 EA` does not. */
  decimal(segment: X12Segment, n: number, required = false): void {
    const value = element(segment, n);
    if (value === '' && !required) return;
    if (!isDecimal(value) || value.includes(',')) {
      this.fail(
        elementLocation(segment, n),
        `${elementName(segment, n)} must be numeric, found ${JSON.stringify(value)}`,
      );
    }
    if (!decimalFitsCanonical(value)) {
      this.fail(
        elementLocation(segment, n),
        `${elementName(segment, n)} ${value} has more digits than an exact decimal keeps (18 before the point, 6 after)`,
      );
    }
  }

  integer(segment: X12Segment, n: number, required = false): void {
    const value = element(segment, n);
    if (value === '' && !required) return;
    if (!isInteger(value)) {
      this.fail(
        elementLocation(segment, n),
        `${elementName(segment, n)} must be a whole number, found ${JSON.stringify(value)}`,
      );
    }
  }

  currency(segment: X12Segment, n: number): void {
    const value = element(segment, n);
    if (!isIsoCurrency(value)) {
      this.fail(
        elementLocation(segment, n),
        `${elementName(segment, n)} ${JSON.stringify(value)} is not an ISO 4217 currency code`,
      );
    }
  }

  /** CCYYMMDD with a day the calendar has (no 30 February, no month 13). */
  date(segment: X12Segment, n: number, required = false): void {
    const value = element(segment, n);
    if (value === '' && !required) return;
    if (!/^\d{8}$/.test(value)) {
      this.fail(
        elementLocation(segment, n),
        `${elementName(segment, n)} must be a CCYYMMDD date, found ${JSON.stringify(value)}`,
      );
    }
    const problem = ediDateProblem(value);
    if (problem) this.fail(elementLocation(segment, n), `${elementName(segment, n)} ${problem}`);
  }

  /** HHMM, HHMMSS, HHMMSSd or HHMMSSdd with a real hour, minute and second (no 24:00, no 12:60). */
  time(segment: X12Segment, n: number): void {
    const value = element(segment, n);
    if (value === '') return;
    const problem = ediTimeProblem(value);
    if (problem) this.fail(elementLocation(segment, n), `${elementName(segment, n)} ${problem}`);
  }

  /** A mandatory segment, e.g. BEG in an 850: reported at the ST that lacks it. */
  present<T>(value: T | undefined, tag: string, set: X12Segment): T {
    if (value === undefined) this.fail(segmentLocation(set), `missing mandatory segment ${tag}`);
    return value;
  }
}

export const dtmFields = { qualifier: 1, date: 2, time: 3, timeCode: 4 } as const;
export const refFields = { qualifier: 1, value: 2, description: 3 } as const;
/** FOB (F.O.B. related instructions), as the 850 and the 856 carry it. */
export const fobFields = {
  paymentMethod: 1,
  locationQualifier: 2,
  location: 3,
  termsQualifier: 4,
  terms: 5,
  termsLocationQualifier: 6,
  termsLocation: 7,
  riskOfLossQualifier: 8,
  riskOfLoss: 9,
} as const;
