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
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
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
 * Whether `text` is `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM` and names a real date and time, read without
 * regular expressions: the shape most timestamps come in. False says nothing (other shapes, day 29–31, a problem):
 * then the caller's general reading decides, with its own messages.
 */
export function isPlainZonedTimestamp(text: string): boolean {
  const length = text.length;
  if (length !== 20 && length !== 25) return false;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84) return false;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return false;
  if (length === 20) {
    if (text.charCodeAt(19) !== 90) return false;
  } else {
    const sign = text.charCodeAt(19);
    if ((sign !== 43 && sign !== 45) || text.charCodeAt(22) !== 58) return false;
    if (!(twoDigits(text, 20) >= 0 && twoDigits(text, 23) >= 0)) return false;
  }
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  // Days 29 to 31 depend on the month and year: left to the general reading.
  return (
    twoDigits(text, 0) >= 0 &&
    twoDigits(text, 2) >= 0 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= 28 &&
    twoDigits(text, 11) <= 23 &&
    twoDigits(text, 14) <= 59 &&
    twoDigits(text, 17) <= 59
  );
}

/** The two decimal digits at `at` as a number, or NaN (which fails every comparison). */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN;
}
