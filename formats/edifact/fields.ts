import { quotedValue } from '../../lib/errors.ts';
import { decimalFitsCanonical } from '../text-input/decimal.ts';
import { FormatError } from '../types.ts';
import { isIsoCurrency } from '../x12/iso4217.ts';
import { isDecimal, isInteger } from '../x12/values.ts';
import { components, type EdifactSegment, positionName, segmentLocation, value } from './segment.ts';

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
        `${positionName(segment, n, c)} must be numeric, found ${quotedValue(found)}`,
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
        `${positionName(segment, n, c)} must be a whole number, found ${quotedValue(found)}`,
      );
  }

  currency(segment: EdifactSegment, n: number, c: number): void {
    const found = value(segment, n, c);
    if (found !== '' && !isIsoCurrency(found)) {
      this.fail(
        this.at(segment, n, c),
        `${positionName(segment, n, c)} ${quotedValue(found)} is not an ISO 4217 currency code`,
      );
    }
  }

  /**
   * A composite of free text (C273 item description, C108 free text, C058 / C080 / C059 name and address) holds at
   * most the components its definition has. More (trailing empty ones aside) mean a component separator left
   * unreleased in the text (`IMD+F++:::Suppe 1:10 und So?e 1:6'`, for `1?:10`): the text would be cut there and
   * its rest read as other components or dropped, so the segment is refused at that element, saying to release it.
   */
  composite(segment: EdifactSegment, n: number, max: number, name: string): void {
    const parts = components(segment, n);
    let count = parts.length;
    while (count > max && parts[count - 1] === '') count--;
    if (count > max)
      this.fail(
        this.at(segment, n),
        `${positionName(segment, n)} has ${count} components but ${name} has ${max}: is a component separator (:) in its text not released? Write it as ?: (${JSON.stringify(parts.slice(max - 1).join(':'))})`,
      );
  }

  /**
   * 3453 (language, ISO 639: `DE`, `en`) as component c of element n. Digits or words there are the rest of a text
   * whose component separator was not released (`IMD+F++:::Suppe:f Sup 1:10'`): refused, not taken as a language.
   */
  language(segment: EdifactSegment, n: number, c: number): void {
    const found = value(segment, n, c);
    if (found !== '' && !/^[A-Za-z]{2,3}$/.test(found))
      this.fail(
        this.at(segment, n, c),
        `${positionName(segment, n, c)} ${JSON.stringify(found)} is not a language code (ISO 639, 2 or 3 letters): is a component separator (:) in the text before it not released? Write it as ?:`,
      );
  }

  present<T>(found: T | undefined, tag: string, unh: EdifactSegment): T {
    if (found === undefined) this.fail(segmentLocation(unh), `missing mandatory segment ${tag}`);
    return found;
  }
}
