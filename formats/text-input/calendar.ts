import { utcMillis } from '../../lib/iso-time.ts';

/**
 * Whether numbers read from a date or time name a real one: month 1–12, a day the month has (29 February only in
 * leap years), hour 0–23, minute and second 0–59. `Date.parse` rolls 30 February over to 1 March and reads hour 24
 * as the next day, so every reader checks here before it converts. Undefined when fine, else what is wrong.
 */
export function calendarProblem(parts: {
  year?: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
}): string | undefined {
  const { year = 2000, month, day, hour, minute, second } = parts;
  if (month !== undefined && (month < 1 || month > 12)) return `month ${month} does not exist`;
  if (day !== undefined) {
    const days = month === undefined ? 31 : daysIn(year, month);
    if (day < 1 || day > days)
      return month === undefined
        ? `day ${day} does not exist`
        : `${MONTHS[month - 1]} has no day ${day}${month === 2 && day === 29 ? ` in ${year}` : ''}`;
  }
  if (hour !== undefined && (hour < 0 || hour > 23)) return `hour ${hour} does not exist (00–23)`;
  if (minute !== undefined && (minute < 0 || minute > 59)) return `minute ${minute} does not exist (00–59)`;
  if (second !== undefined && (second < 0 || second > 59)) return `second ${second} does not exist (00–59)`;
  return undefined;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The problem with an ISO 8601 `YYYY-MM-DD[THH:MM[:SS]]…` text's date and time parts, if any. */
export function isoCalendarProblem(iso: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(iso);
  if (!m) return undefined;
  const n = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  return calendarProblem({
    year: n(m[1]),
    month: n(m[2]),
    day: n(m[3]),
    hour: n(m[4]),
    minute: n(m[5]),
    second: n(m[6]),
  });
}

/**
 * Whether `text` is `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM` and names a real date and time (isoMillis reads
 * it): the shape most timestamps come in. False says nothing (other shapes, a problem): then the caller's general
 * reading decides, with its own messages.
 */
export function isPlainZonedTimestamp(text: string): boolean {
  return (text.length === 20 || text.length === 25) && isoMillis(text) !== undefined;
}

const digit = (text: string, at: number) => {
  const c = text.charCodeAt(at) - 48;
  return c >= 0 && c <= 9 ? c : Number.NaN;
};
const digits2 = (text: string, at: number) => digit(text, at) * 10 + digit(text, at + 1);

/**
 * `YYYY-MM-DDTHH:MM:SS[.f{1,3}](Z|±HH:MM)` read as Date.parse reads it, without its general parser; undefined for any
 * other text or an impossible date or time (then Date.parse has its say).
 */
export function isoMillis(text: string): number | undefined {
  const length = text.length;
  if (length < 20 || text[4] !== '-' || text[7] !== '-' || text[10] !== 'T') return undefined;
  if (text[13] !== ':' || text[16] !== ':') return undefined;
  const year = digits2(text, 0) * 100 + digits2(text, 2);
  const month = digits2(text, 5);
  const day = digits2(text, 8);
  const hour = digits2(text, 11);
  const minute = digits2(text, 14);
  const second = digits2(text, 17);
  let at = 19;
  let millis = 0;
  if (text[at] === '.') {
    let places = 0;
    for (at++; at < length && places < 4 && text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57; at++) {
      millis = millis * 10 + digit(text, at);
      places++;
    }
    if (places === 0 || places > 3) return undefined;
    millis *= 10 ** (3 - places);
  }
  let offset = 0;
  if (text[at] === 'Z' && at === length - 1) offset = 0;
  else if ((text[at] === '+' || text[at] === '-') && at === length - 6 && text[at + 3] === ':') {
    const hours = digits2(text, at + 1);
    const minutes = digits2(text, at + 4);
    if (!(hours <= 23 && minutes <= 59)) return undefined;
    offset = (text[at] === '-' ? -1 : 1) * (hours * 60 + minutes);
  } else return undefined;
  // NaN fails every comparison; two-digit years would be taken as 19xx by Date.UTC.
  if (!(year >= 100 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59))
    return undefined;
  if (day > daysIn(year, month)) return undefined;
  return utcMillis(year, month, day, hour, minute, second, millis) - offset * 60_000;
}
