import { decimalFitsCanonical } from '../text-input/decimal.ts';
import { FormatError } from '../types.ts';
import { isIsoCurrency } from '../x12/iso4217.ts';
import { isDecimal, isInteger } from '../x12/values.ts';
import { type EdifactSegment, positionName, segmentLocation, value } from './segment.ts';

export type Fields<K extends string> = { $loc: string } & Partial<Record<K, string>>;

/** A position: data element n, or component c of composite n. */
export type Position = number | readonly [number, number];

/** Names a segment's elements/components for mapping authors; empty values are left out. */
export function pick<K extends string>(segment: EdifactSegment, names: Record<K, Position>): Fields<K> {
  const node = { $loc: segment.$loc } as Fields<K>;
  for (const name in names) {
    const position = names[name];
    const found =
      typeof position === 'number' ? value(segment, position) : value(segment, position[0], position[1]);
    if (found !== '') (node as Record<string, string>)[name] = found;
  }
  return node;
}

/**
 * Joins free-text components (C080 names, C273 descriptions). Senders cut text at 35 characters, often mid-word:
 * a full 35-character part continues without a space, a shorter part ended at a word.
 */
export function joinFreeText(parts: readonly string[]): string {
  let text = '';
  let previous = '';
  for (const part of parts) {
    if (part === '') continue;
    text += text === '' || previous.length >= 35 ? part : ` ${part}`;
    previous = part;
  }
  return text;
}

export class EdifactChecks {
  private readonly format: string;
  /** The year of the message's document date (DTM+137), which MMDD dates (DTM format 106) are in. */
  readonly documentYear: string | undefined;
  constructor(format: string, documentYear?: string) {
    this.format = format;
    this.documentYear = documentYear;
  }

  fail(location: string, message: string): never {
    throw new FormatError(this.format, location, message);
  }

  at(segment: EdifactSegment, n: number, c?: number): string {
    return `${segmentLocation(segment)}, element ${positionName(segment, n, c)}`;
  }

  /** A numeric (n) data element; EDIFACT allows `.` or `,` as decimal mark whatever the UNA says. */
  decimal(segment: EdifactSegment, n: number, c: number, required = false): void {
    const found = value(segment, n, c);
    if (found === '' && !required) return;
    if (!isDecimal(found))
      this.fail(
        this.at(segment, n, c),
        `${positionName(segment, n, c)} must be numeric, found ${JSON.stringify(found)}`,
      );
    if (!decimalFitsCanonical(found))
      this.fail(
        this.at(segment, n, c),
        `${positionName(segment, n, c)} ${found} has more digits than an exact decimal keeps (18 before the point, 6 after)`,
      );
  }

  integer(segment: EdifactSegment, n: number, c: number, required = false): void {
    const found = value(segment, n, c);
    if (found === '' && !required) return;
    if (!isInteger(found))
      this.fail(
        this.at(segment, n, c),
        `${positionName(segment, n, c)} must be a whole number, found ${JSON.stringify(found)}`,
      );
  }

  currency(segment: EdifactSegment, n: number, c: number): void {
    const found = value(segment, n, c);
    if (found !== '' && !isIsoCurrency(found)) {
      this.fail(
        this.at(segment, n, c),
        `${positionName(segment, n, c)} ${JSON.stringify(found)} is not an ISO 4217 currency code`,
      );
    }
  }

  present<T>(found: T | undefined, tag: string, unh: EdifactSegment): T {
    if (found === undefined) this.fail(segmentLocation(unh), `missing mandatory segment ${tag}`);
    return found;
  }
}
