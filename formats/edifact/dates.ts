import { deriveFrom } from '../derived.ts';
import { isoCalendarProblem } from '../text-input/calendar.ts';
import type { EdifactChecks, Fields } from './fields.ts';
import { type EdifactSegment, value } from './segment.ts';

/** A DTM with its C507 parts and, for the formats below, the value decoded to ISO 8601 (no zone unless 303 says). */
export type EdifactDate = Fields<'qualifier' | 'value' | 'format' | 'iso'>;

const PATTERNS: Record<string, { pattern: RegExp; iso: (m: string[]) => string }> = {
  '102': { pattern: /^(\d{4})(\d{2})(\d{2})$/, iso: (m) => `${m[1]}-${m[2]}-${m[3]}` },
  '101': { pattern: /^(\d{2})(\d{2})(\d{2})$/, iso: (m) => `20${m[1]}-${m[2]}-${m[3]}` },
  '203': {
    pattern: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/,
    iso: (m) => `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}`,
  },
  '204': {
    pattern: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/,
    iso: (m) => `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`,
  },
  '303': {
    pattern: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})([+-]?\d{2})$/,
    iso: (m) =>
      `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}${Number(m[6]) < 0 ? '-' : '+'}${String(Math.abs(Number(m[6]))).padStart(2, '0')}:00`,
  },
  '718': {
    pattern: /^(\d{4})(\d{2})(\d{2})-?(\d{4})(\d{2})(\d{2})$/,
    iso: (m) => `${m[1]}-${m[2]}-${m[3]}/${m[4]}-${m[5]}-${m[6]}`,
  },
};

/** The calendar problem of each date (and time) in the ISO text, the first one found (718 holds two dates). */
function calendarProblemOf(iso: string): string | undefined {
  for (const part of iso.split('/')) {
    const problem = isoCalendarProblem(part);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Decodes DTM C507 (qualifier:value:format). A value that does not match its declared format, or names a day or
 * time the calendar does not have (30 February, hour 24), is refused at C507.2; a format code this reader does not
 * decode is refused at C507.3, naming the code and the ones it knows (a date it cannot read would otherwise vanish).
 */
export function readDate(segment: EdifactSegment, check: EdifactChecks): EdifactDate {
  const date: EdifactDate = { $loc: segment.$loc, qualifier: value(segment, 1, 1) };
  const raw = value(segment, 1, 2);
  const format = value(segment, 1, 3);
  if (raw !== '') date.value = raw;
  if (format !== '') date.format = format;
  const known = PATTERNS[format];
  if (raw !== '' && format !== '' && !known)
    check.fail(
      check.at(segment, 1, 3),
      `DTM format code ${JSON.stringify(format)} is not one this reader decodes (${Object.keys(PATTERNS).join(', ')})`,
    );
  if (known && raw !== '') {
    const match = known.pattern.exec(raw);
    const iso = match ? known.iso(match as unknown as string[]) : '';
    if (!match)
      check.fail(check.at(segment, 1, 2), `DTM value ${JSON.stringify(raw)} does not match format ${format}`);
    const problem = calendarProblemOf(iso);
    if (problem)
      check.fail(check.at(segment, 1, 2), `DTM value ${JSON.stringify(raw)} (format ${format}): ${problem}`);
    date.iso = iso;
    // A mapping reads the date as `iso`: that uses the DTM's value and format (the usage count says so).
    deriveFrom(date, 'iso', ['value', 'format']);
  }
  return date;
}
