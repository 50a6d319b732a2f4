/**
 * `new Date(millis).toISOString()` without the Date: the hub writes one or more such strings per record (a mapped
 * `$timestamp`, the document's receivedAt, the event's `ce_time`), and V8's toISOString costs about four times this
 * arithmetic. Years 1000–9999 are computed here (days to a civil date as in Howard Hinnant's `civil_from_days`);
 * anything else, fractional or invalid millis included, is the Date's to write (or refuse with its RangeError).
 */
export function isoTimestamp(millis: number): string {
  if (!Number.isInteger(millis)) return new Date(millis).toISOString();
  const days = Math.floor(millis / 86_400_000);
  // The date part of the last day written: the instants a process writes mostly fall on a few days.
  if (days !== lastDays) {
    if (!civilDate(days)) return new Date(millis).toISOString();
    lastDays = days;
  }
  let rest = millis - days * 86_400_000;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  // One string of its 24 characters: a template literal makes a concatenation of its parts (a ConsString, from 13
  // characters), which every reader of the text (the Avro writer reading it back as a timestamp, a header writer)
  // first has V8 copy into a flat string, and then reads through it; String.fromCharCode writes the flat one at once.
  return String.fromCharCode(
    y0,
    y1,
    y2,
    y3,
    45, // -
    m0,
    m1,
    45,
    d0,
    d1,
    84, // T
    48 + Math.floor(hour / 10),
    48 + (hour % 10),
    58, // :
    48 + Math.floor(minute / 10),
    48 + (minute % 10),
    58,
    48 + Math.floor(second / 10),
    48 + (second % 10),
    46, // .
    48 + Math.floor(milli / 100),
    48 + (Math.floor(milli / 10) % 10),
    48 + (milli % 10),
    90, // Z
  );
}

let lastDays = Number.NaN;
/** The character codes of the last day's `YYYY`, `MM` and `DD`. */
let y0 = 0;
let y1 = 0;
let y2 = 0;
let y3 = 0;
let m0 = 0;
let m1 = 0;
let d0 = 0;
let d1 = 0;

/** The civil date of a day since the epoch into `y0`…`d1`, for years 1000–9999; false (nothing set) for others. */
function civilDate(days: number): boolean {
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  // Months counted from March, so that February's leap day is the year's last.
  const fromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * fromMarch + 2) / 5) + 1;
  const month = fromMarch < 10 ? fromMarch + 3 : fromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 1000 || year > 9999) return false;
  y0 = 48 + Math.floor(year / 1000);
  y1 = 48 + (Math.floor(year / 100) % 10);
  y2 = 48 + (Math.floor(year / 10) % 10);
  y3 = 48 + (year % 10);
  m0 = 48 + Math.floor(month / 10);
  m1 = 48 + (month % 10);
  d0 = 48 + Math.floor(day / 10);
  d1 = 48 + (day % 10);
  return true;
}

/**
 * `Date.UTC(year, month - 1, day, hour, minute, second, millis)` for fields that exist (years 100–9999, month 1–12, a
 * day the month has, hour 0–23, minute and second 0–59, millis 0–999), by arithmetic (Howard Hinnant's
 * `days_from_civil`, the inverse of isoTimestamp's): the readers of ISO timestamps call it once per timestamp they
 * read, and Date.UTC costs several times this. Other fields are the caller's to check first.
 */
export function utcMillis(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
): number {
  // Years counted from March, so that February's leap day is the year's last.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  const days = era * 146_097 + dayOfEra - 719_468;
  return days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis;
}

/**
 * isoTimestamp with its last answer remembered, for one call site that writes the same instant many times in a row (a
 * batch's receive time, the events made in one millisecond): each call site makes its own.
 */
export function lastIsoTimestamp(): (millis: number) => string {
  let last = Number.NaN;
  let text = '';
  return (millis) => {
    if (millis !== last) {
      text = isoTimestamp(millis);
      last = millis;
    }
    return text;
  };
}
