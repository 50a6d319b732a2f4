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
