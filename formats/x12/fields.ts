import { quotedValue } from '../../lib/errors.ts';
import { decimalFitsCanonical, withoutExponent } from '../text-input/decimal.ts';
import { FormatError } from '../types.ts';
import { isIsoCurrency } from './iso4217.ts';
import { components, element, elementName, segmentLocation, type X12Segment } from './segment.ts';
import { ediDateProblem, ediTimeProblem, isInteger, isX12Decimal, widenTwoDigitYear } from './values.ts';

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

/**
 * Whether a transaction set's version (GS08) is one whose dates (DT, data element 373) are YYMMDD: every version
 * before 004010 (002xxx, 003xxx); from 004010 on they are CCYYMMDD.
 */
export function hasTwoDigitYears(version: string): boolean {
  return /^00[0-3]/.test(version);
}

export class X12Checks {
  private readonly format: string;
  private readonly twoDigitYears: boolean;
  /** `version`: the set's GS08, which says whether its dates are YYMMDD (before 004010) or CCYYMMDD. */
  constructor(format: string, version = '') {
    this.format = format;
    this.twoDigitYears = hasTwoDigitYears(version);
  }

  fail(location: string, message: string): never {
    throw new FormatError(this.format, location, message);
  }

  /**
   * Decimal (R) element: an absent optional element passes; text such as `TEN` or `5 EA` does not, nor a plus sign
   * (X12 sends none); a base-10 exponent (`1E2`) is X12's and stays as sent, the mapping's `$decimal` reading it as
   * the plain decimal it stands for, which must fit a canonical decimal.
   */
  decimal(segment: X12Segment, n: number, required = false): void {
    const value = element(segment, n);
    if (value === '' && !required) return;
    const name = elementName(segment, n);
    this.noPlusSign(segment, n, value);
    if (!isX12Decimal(value)) {
      this.fail(
        elementLocation(segment, n),
        `${name} must be numeric, found ${quotedValue(value)} (X12 R: digits with an optional point, a leading minus for a negative, an optional exponent as in 1E2)`,
      );
    }
    const plain = value.includes('E') ? withoutExponent(value) : value;
    if (plain === undefined || !decimalFitsCanonical(plain)) {
      this.fail(
        elementLocation(segment, n),
        `${name} ${value} has more digits than an exact decimal keeps (18 before the point, 6 after)`,
      );
    }
  }

  /** Numeric (N0, Nn with implied decimals) element: digits with an optional leading minus. */
  integer(segment: X12Segment, n: number, required = false): void {
    const value = element(segment, n);
    if (value === '' && !required) return;
    this.noPlusSign(segment, n, value);
    if (!isInteger(value)) {
      this.fail(
        elementLocation(segment, n),
        `${elementName(segment, n)} must be a whole number, found ${quotedValue(value)}`,
      );
    }
  }

  /** X12.6: "absence of a sign indicates a positive value; the plus sign (+) shall not be transmitted". */
  private noPlusSign(segment: X12Segment, n: number, value: string): void {
    if (!value.startsWith('+')) return;
    this.fail(
      elementLocation(segment, n),
      `${elementName(segment, n)} ${quotedValue(value)} has a plus sign, which X12 numbers do not carry (a number without a sign is positive): the sender writes ${quotedValue(value.slice(1))}`,
    );
  }

  /**
   * A unit of measurement (element 355, ID 2/2: EA, CA, LB…) that a quantity is counted in: an absent one passes (the
   * mapping falls back to the line's), anything but two letters or digits is refused rather than carried on as a unit
   * no receiver knows.
   */
  unit(segment: X12Segment, n: number): void {
    const value = element(segment, n);
    if (value === '' || /^[A-Za-z0-9]{2}$/.test(value)) return;
    this.fail(
      elementLocation(segment, n),
      `${elementName(segment, n)} ${quotedValue(value)} is not a unit of measurement code (X12 element 355: two letters or digits, such as EA, CA or LB)`,
    );
  }

  currency(segment: X12Segment, n: number): void {
    const value = element(segment, n);
    if (!isIsoCurrency(value)) {
      this.fail(
        elementLocation(segment, n),
        `${elementName(segment, n)} ${quotedValue(value)} is not an ISO 4217 currency code`,
      );
    }
  }

  /**
   * CCYYMMDD with a day the calendar has (no 30 February, no month 13); in a set of a version before 004010, whose
   * dates are YYMMDD, either form. Returns the segment to pick the fields from: the same one, or a copy with a
   * YYMMDD date widened to CCYYMMDD (`widenTwoDigitYear`), so mappings see one form; `segments` keep it as sent.
   */
  date(segment: X12Segment, n: number, required = false): X12Segment {
    const value = element(segment, n);
    if (value === '' && !required) return segment;
    const short = this.twoDigitYears && /^\d{6}$/.test(value);
    if (!short && !/^\d{8}$/.test(value)) {
      const form = this.twoDigitYears ? 'a CCYYMMDD or YYMMDD date' : 'a CCYYMMDD date';
      this.fail(
        elementLocation(segment, n),
        `${elementName(segment, n)} must be ${form}, found ${quotedValue(value)}`,
      );
    }
    // A YYMMDD day exists in 19YY iff it exists in 20YY (1969-1999 and 2069-2099 hold no century year).
    const problem = ediDateProblem(value);
    if (problem) this.fail(elementLocation(segment, n), `${elementName(segment, n)} ${problem}`);
    if (!short) return segment;
    const elements = segment.elements.slice();
    elements[n - 1] = widenTwoDigitYear(value);
    return { ...segment, elements };
  }

  /** A PO4 (item physical details, as the 850 and the 856 carry it), its quantities and measures checked. */
  po4(segment: X12Segment): Po4Node {
    for (const n of [1, 2, 6, 8, 10, 11, 12]) this.decimal(segment, n);
    this.integer(segment, 14);
    return pick(segment, po4Fields);
  }

  /**
   * A DTM: DTM02 checked as `date`, DTM03 as `time`; a date in DTM05 / DTM06 instead (D8 CCYYMMDD, DT
   * CCYYMMDDHHMM, RD8 CCYYMMDD-CCYYMMDD, RDT CCYYMMDDHHMM-CCYYMMDDHHMM) is checked and read as `date` / `time`, a
   * range's end as `endDate` / `endTime`, so a mapping finds it where DTM02 puts it. Other formats are kept as sent.
   */
  dtm(segment: X12Segment): DtmNode {
    const node: DtmNode = pick(this.date(segment, 2), dtmFields);
    this.time(segment, 3);
    if (node.date || !node.periodFormat || !node.period) return node;
    const forms: Record<string, RegExp> = {
      D8: /^(\d{8})()$/,
      DT: /^(\d{8})(\d{4})$/,
      RD8: /^(\d{8})()-(\d{8})()$/,
      RDT: /^(\d{8})(\d{4})-(\d{8})(\d{4})$/,
    };
    const form = forms[node.periodFormat];
    if (!form) return node;
    const match = form.exec(node.period);
    const example = {
      D8: 'CCYYMMDD',
      DT: 'CCYYMMDDHHMM',
      RD8: 'CCYYMMDD-CCYYMMDD',
      RDT: 'CCYYMMDDHHMM-CCYYMMDDHHMM',
    };
    const location = elementLocation(segment, 6);
    const name = elementName(segment, 6);
    if (!match) {
      this.fail(
        location,
        `${name} must be ${example[node.periodFormat as keyof typeof example]} (DTM05 ${node.periodFormat}), found ${quotedValue(node.period)}`,
      );
    }
    const [, date, time, endDate, endTime] = match as unknown as string[];
    for (const [d, t] of [
      [date, time],
      [endDate, endTime],
    ]) {
      if (d === undefined) continue;
      const problem = ediDateProblem(d) ?? (t ? ediTimeProblem(t) : undefined);
      if (problem) this.fail(location, `${name} ${problem}`);
    }
    if (endDate && endDate + (endTime ?? '') < date! + (time ?? '')) {
      this.fail(location, `${name} ${quotedValue(node.period)}: the range ends before it starts`);
    }
    node.date = date;
    if (time) node.time = time;
    if (endDate) node.endDate = endDate;
    if (endTime) node.endTime = endTime;
    return node;
  }

  /** HHMM, HHMMSS, HHMMSSd or HHMMSSdd with a real hour, minute and second (no 24:00, no 12:60). */
  time(segment: X12Segment, n: number): void {
    const value = element(segment, n);
    if (value === '') return;
    const problem = ediTimeProblem(value);
    if (problem) this.fail(elementLocation(segment, n), `${elementName(segment, n)} ${problem}`);
  }

  /** A mandatory element, e.g. BSN02 (the shipment's id): empty or absent, it is refused at its element. */
  mandatory(segment: X12Segment, n: number, what: string): void {
    if (element(segment, n).trim() === '') {
      this.fail(elementLocation(segment, n), `${elementName(segment, n)} (${what}) is mandatory but empty`);
    }
  }

  /** A mandatory segment, e.g. BEG in an 850: reported at the ST that lacks it. */
  present<T>(value: T | undefined, tag: string, set: X12Segment): T {
    if (value === undefined) this.fail(segmentLocation(set), `missing mandatory segment ${tag}`);
    return value;
  }
}

export const dtmFields = { qualifier: 1, date: 2, time: 3, timeCode: 4, periodFormat: 5, period: 6 } as const;
/**
 * A DTM as mappings read it: DTM02 / DTM03, or the same from DTM05 / DTM06 when the partner writes the date there
 * (`DTM*002****D8*20240320`, `DT` with the time, `RD8` / `RDT` a range: its end in `endDate` / `endTime`).
 */
export type DtmNode = Fields<keyof typeof dtmFields | 'endDate' | 'endTime'>;
export const refFields = { qualifier: 1, value: 2, description: 3 } as const;
/** REF: REF01 qualifier, REF02 its value, REF03 a description, REF04 (C040) up to three further qualifier / id pairs. */
export type RefNode = Fields<keyof typeof refFields> & { related?: { qualifier: string; id: string }[] };
/** A REF as every X12 reader names it (header, line, HL level, N1 loop): REF04's pairs as `related`, when given. */
export function ref(segment: X12Segment): RefNode {
  const node: RefNode = pick(segment, refFields);
  const c040 = components(segment, 4);
  const related = [0, 2, 4]
    .map((i) => ({ qualifier: c040[i] ?? '', id: c040[i + 1] ?? '' }))
    .filter((pair) => pair.qualifier !== '' || pair.id !== '');
  if (related.length > 0) node.related = related;
  return node;
}
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
/**
 * PO4 item physical details: PO401 pack, PO402 size, PO403 its unit, PO404 packaging; PO405 weight qualifier (G gross,
 * N net…), PO406 weight per pack, PO407 its unit; PO408 gross volume per pack, PO409 its unit; PO410 length, PO411
 * width, PO412 height, PO413 their unit; PO414 inner pack; PO415 surface / layer / position code, PO416 / PO417
 * assigned ids, PO418 number.
 */
export const po4Fields = {
  pack: 1,
  size: 2,
  unit: 3,
  packagingCode: 4,
  weightQualifier: 5,
  grossWeightPerPack: 6,
  weightUnit: 7,
  volume: 8,
  volumeUnit: 9,
  length: 10,
  width: 11,
  height: 12,
  dimensionUnit: 13,
  innerPack: 14,
  position: 15,
  positionFrom: 16,
  positionTo: 17,
  number: 18,
} as const;
export type Po4Node = Fields<keyof typeof po4Fields>;
