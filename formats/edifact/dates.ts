import { quotedValue } from '../../lib/errors.ts';
import { deriveFrom } from '../derived.ts';
import { isoCalendarProblem } from '../text-input/calendar.ts';
import type { EdifactChecks, Fields } from './fields.ts';
import { type EdifactSegment, value } from './segment.ts';

/** A DTM with its C507 parts and, for the formats below, the value decoded to ISO 8601 (no zone unless 303 says). */
export type EdifactDate = Fields<'qualifier' | 'value' | 'format' | 'iso'>;

/** Each format code the reader decodes: its layout (as code list 2379 writes it), pattern and ISO 8601 reading. */
const PATTERNS: Record<string, { layout: string; pattern: RegExp; iso: (m: string[]) => string }> = {
  '102': { layout: 'CCYYMMDD', pattern: /^(\d{4})(\d{2})(\d{2})$/, iso: (m) => `${m[1]}-${m[2]}-${m[3]}` },
  '101': { layout: 'YYMMDD', pattern: /^(\d{2})(\d{2})(\d{2})$/, iso: (m) => `20${m[1]}-${m[2]}-${m[3]}` },
  '201': {
    layout: 'YYMMDDHHMM',
    pattern: /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/,
    iso: (m) => `20${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}`,
  },
  '203': {
    layout: 'CCYYMMDDHHMM',
    pattern: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/,
    iso: (m) => `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}`,
  },
  '204': {
    layout: 'CCYYMMDDHHMMSS',
    pattern: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/,
    iso: (m) => `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`,
  },
  '303': {
    layout: 'CCYYMMDDHHMMZZZ',
    pattern: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})([+-]?\d{2})$/,
    iso: (m) =>
      `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}${Number(m[6]) < 0 ? '-' : '+'}${String(Math.abs(Number(m[6]))).padStart(2, '0')}:00`,
  },
  '718': {
    layout: 'CCYYMMDD-CCYYMMDD',
    pattern: /^(\d{4})(\d{2})(\d{2})-?(\d{4})(\d{2})(\d{2})$/,
    iso: (m) => `${m[1]}-${m[2]}-${m[3]}/${m[4]}-${m[5]}-${m[6]}`,
  },
  '719': {
    layout: 'CCYYMMDDHHMM-CCYYMMDDHHMM',
    pattern: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})-?(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/,
    iso: (m) => `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}/${m[6]}-${m[7]}-${m[8]}T${m[9]}:${m[10]}`,
  },
  // CCYYWW, a week (a delivery week): read as 718 is, a range of days, the ISO 8601 week from Monday to Sunday.
  '616': {
    layout: 'CCYYWW',
    pattern: /^(\d{4})(\d{2})$/,
    iso: (m) => isoWeekRange(Number(m[1]), Number(m[2])),
  },
};

/** MMDD (106): the year is the message's document date's (DTM+137), given by the tree builder. */
const MONTH_DAY = /^(\d{2})(\d{2})$/;

const DAY_MS = 86_400_000;

/** `2024-03-11/2024-03-17` for week 11 of 2024 (ISO 8601: weeks start on Monday, week 1 holds 4 January); '' when the year has no such week. */
export function isoWeekRange(year: number, week: number): string {
  const january4 = Date.UTC(year, 0, 4);
  const monday1 = january4 - ((new Date(january4).getUTCDay() + 6) % 7) * DAY_MS;
  const weeks = isoWeeksIn(year);
  if (week < 1 || week > weeks) return '';
  const monday = monday1 + (week - 1) * 7 * DAY_MS;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return `${day(monday)}/${day(monday + 6 * DAY_MS)}`;
}

/** 53 when the year's 28 December falls in week 53 (a year starting on Thursday, or a leap year on Wednesday), else 52. */
function isoWeeksIn(year: number): number {
  const weekday = (y: number, m: number, d: number) => new Date(Date.UTC(y, m, d)).getUTCDay();
  const january1 = weekday(year, 0, 1);
  const december31 = weekday(year, 11, 31);
  return january1 === 4 || december31 === 4 ? 53 : 52;
}

/**
 * The year of a message's document date (DTM+137, in any format that names the year), for the MMDD (106) dates of
 * the same message; undefined when it has none.
 */
export function documentYearOf(segments: readonly EdifactSegment[]): string | undefined {
  for (const segment of segments) {
    if (segment.tag !== 'DTM' || value(segment, 1, 1) !== '137') continue;
    const raw = value(segment, 1, 2);
    const format = value(segment, 1, 3);
    if ((format === '101' || format === '201') && /^\d{6}/.test(raw)) return `20${raw.slice(0, 2)}`;
    if (/^(102|203|204|303|616|718|719)$/.test(format) && /^\d{4}/.test(raw)) return raw.slice(0, 4);
  }
  return undefined;
}

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
  const known = format === '106' ? monthDay(segment, raw, check) : PATTERNS[format];
  if (raw !== '' && format !== '' && !known)
    check.fail(
      check.at(segment, 1, 3),
      `DTM+${date.qualifier} format code ${JSON.stringify(format)} is not one this reader decodes (${[...Object.keys(PATTERNS), '106'].sort().join(', ')})`,
    );
  if (known && raw !== '') {
    const match = known.pattern.exec(raw);
    const iso = match ? known.iso(match as unknown as string[]) : '';
    if (!match) check.fail(check.at(segment, 1, 2), mismatch(date.qualifier ?? '', raw, format));
    if (format === '616' && iso === '')
      check.fail(
        check.at(segment, 1, 2),
        `DTM value ${quotedValue(raw)} (format 616, CCYYWW): week ${match![2]} does not exist in ${match![1]}`,
      );
    const problem = calendarProblemOf(iso);
    if (problem)
      check.fail(check.at(segment, 1, 2), `DTM value ${quotedValue(raw)} (format ${format}): ${problem}`);
    date.iso = iso;
    // A mapping reads the date as `iso`: that uses the DTM's value and format (the usage count says so).
    deriveFrom(date, 'iso', ['value', 'format']);
  }
  return date;
}

/**
 * A value that is not in its declared format, saying the format's layout and, when the value has the layout of
 * other formats (12 digits under 102: a date and time, 203), which, and how the sender writes it: partners' EDI
 * translators send a time under a date-only code.
 */
function mismatch(qualifier: string, raw: string, format: string): string {
  const layout = format === '106' ? 'MMDD' : PATTERNS[format]?.layout;
  const fits = Object.entries(PATTERNS)
    .filter(([, known]) => known.pattern.test(raw))
    .map(([code, known]) => `${code} (${known.layout})`);
  const said = `DTM value ${quotedValue(raw)} does not match format ${format}${layout ? ` (${layout})` : ''}`;
  if (fits.length === 0) return said;
  const code = fits[0]!.slice(0, 3);
  const own = layout ? `, or ${layout} under ${format}` : '';
  return `${said}; it has the layout of format ${fits.join(' or ')}: the sender writes DTM+${qualifier}:${raw}:${code}${own}`;
}

/** 106 (MMDD) with the year of the message's document date; refused at C507.2 when the message has none. */
function monthDay(
  segment: EdifactSegment,
  raw: string,
  check: EdifactChecks,
): { pattern: RegExp; iso: (m: string[]) => string } {
  const year = check.documentYear;
  if (year === undefined && MONTH_DAY.test(raw))
    check.fail(
      check.at(segment, 1, 2),
      `DTM value ${quotedValue(raw)} (format 106, MMDD) has no year, and the message has no document date (DTM+137) to take it from`,
    );
  return { pattern: MONTH_DAY, iso: (m) => `${year}-${m[1]}-${m[2]}` };
}
