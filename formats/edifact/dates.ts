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

function plausible(iso: string): boolean {
  return [...iso.matchAll(/\d{4}-(\d{2})-(\d{2})/g)].every(
    (m) => Number(m[1]) >= 1 && Number(m[1]) <= 12 && Number(m[2]) >= 1 && Number(m[2]) <= 31,
  );
}

/** Decodes DTM C507 (qualifier:value:format). A value that does not match its declared format is an error. */
export function readDate(segment: EdifactSegment, check: EdifactChecks): EdifactDate {
  const date: EdifactDate = { $loc: segment.$loc, qualifier: value(segment, 1, 1) };
  const raw = value(segment, 1, 2);
  const format = value(segment, 1, 3);
  if (raw !== '') date.value = raw;
  if (format !== '') date.format = format;
  const known = PATTERNS[format];
  if (known && raw !== '') {
    const match = known.pattern.exec(raw);
    const iso = match ? known.iso(match as unknown as string[]) : '';
    if (!match || !plausible(iso))
      check.fail(check.at(segment, 1, 2), `DTM value ${JSON.stringify(raw)} does not match format ${format}`);
    date.iso = iso;
  }
  return date;
}
