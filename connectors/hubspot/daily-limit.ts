import { errorMessage } from '../../lib/errors.ts';
import type { HubspotGet } from './rest.ts';

/**
 * HubSpot's daily API limit (its usage guidelines): once the account has spent its calls of the day, every call is
 * answered 429 `{status: "error", message: "You have reached your daily limit.", errorType: "RATE_LIMIT",
 * policyName: "DAILY", correlationId, requestId}` until the limit resets at midnight in the account's time zone
 * setting (`GET /account-info/v3/details`: `timeZone`). The burst limits (`policyName` TEN_SECONDLY_ROLLING, or
 * SECONDLY) pass within seconds: the sink's backoff is right for them.
 */
export function isDailyLimit(status: number, body: string): boolean {
  if (status !== 429) return false;
  try {
    return (JSON.parse(body) as { policyName?: unknown } | null)?.policyName === 'DAILY';
  } catch {
    return false;
  }
}

/** Sent again this long after the computed midnight: HubSpot's clock and ours are not quite the same. */
export const RESET_MARGIN_MS = 1000;
/**
 * A daily 429 within the first hour after the account's midnight means HubSpot has not reset yet (a clock ahead of
 * HubSpot's, a reset a little late): no account spends its daily limit (250,000 calls and more) in an hour at 100
 * calls per 10 s, so the next try is in 5 minutes, not a day later.
 */
export const EARLY_RETRY_MS = 5 * 60_000;
/** Without the account's time zone the reset hour is unknown: tried again every hour (at most 24 calls a day). */
export const UNKNOWN_ZONE_RETRY_MS = 60 * 60_000;

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock time in `timeZone` at `at` (ms). Throws a RangeError for a zone Intl does not know. */
function wallTime(at: number, timeZone: string): WallTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: part('year'),
    month: part('month'),
    day: part('day'),
    hour: part('hour'),
    minute: part('minute'),
    second: part('second'),
  };
}

/** How far `timeZone`'s wall clock is ahead of UTC at `at`, in ms (to the second). */
function offsetAt(at: number, timeZone: string): number {
  const w = wallTime(at, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at / 1000) * 1000;
}

/**
 * The next midnight in `timeZone` after `now` (ms): the instant the account's next day begins. Where the zone skips
 * midnight (a daylight-saving change at 00:00), the instant its day begins, 01:00. Throws a RangeError for a zone Intl
 * does not know.
 */
export function nextMidnight(now: number, timeZone: string): number {
  const today = wallTime(now, timeZone);
  const midnight = Date.UTC(today.year, today.month - 1, today.day + 1);
  // The offset at midnight can differ from now's (a daylight-saving change in between): the instant by now's offset,
  // then by that instant's; the earlier of those that fall on the next day (where midnight is skipped, only the first).
  const first = midnight - offsetAt(now, timeZone);
  const second = midnight - offsetAt(first, timeZone);
  const onNextDay = [first, second].filter((at) => {
    const wall = wallTime(at, timeZone);
    return Date.UTC(wall.year, wall.month - 1, wall.day) === midnight;
  });
  return onNextDay.length > 0 ? Math.min(...onNextDay) : Math.max(first, second);
}

/** When to send again after a daily 429, and why, as the warn line and the status say it. */
export interface DailyLimitWait {
  until: number;
  reason: string;
}

/**
 * The wait a daily 429 at `now` calls for: until the account's next midnight (and `RESET_MARGIN_MS`), or 5 minutes
 * within the hour after a midnight (HubSpot has not reset yet), or, without a time zone (`problem` says why), an hour.
 */
export function dailyLimitWait(now: number, timeZone: string | undefined, problem?: string): DailyLimitWait {
  const spent = "HubSpot's daily API limit is spent";
  if (timeZone !== undefined) {
    try {
      const wall = wallTime(now, timeZone);
      if (wall.hour === 0)
        return {
          until: now + EARLY_RETRY_MS,
          reason: `${spent} and not reset yet at midnight ${timeZone}: tried again in ${EARLY_RETRY_MS / 60_000} min`,
        };
      return {
        until: nextMidnight(now, timeZone) + RESET_MARGIN_MS,
        reason: `${spent}; it resets at midnight in the account's time zone, ${timeZone}`,
      };
    } catch (error) {
      problem = `its time zone ${JSON.stringify(timeZone)} is unknown here (${errorMessage(error)})`;
    }
  }
  return {
    until: now + UNKNOWN_ZONE_RETRY_MS,
    reason: `${spent}, and the account's time zone, whose midnight resets it, could not be read (${problem ?? 'not asked'}): tried again in ${UNKNOWN_ZONE_RETRY_MS / 60_000} min`,
  };
}

/**
 * The account's time zone setting, `GET /account-info/v3/details` → `timeZone`, read once and kept (a failed read is
 * tried again at the next call). It is asked before the limit is spent (at the sink's first write): once it is, HubSpot
 * answers every call 429, this one too.
 */
export function createAccountTimeZone(get: HubspotGet, signal: AbortSignal) {
  let known: string | undefined;
  let asking: Promise<{ timeZone?: string; problem?: string }> | undefined;
  async function ask(): Promise<{ timeZone?: string; problem?: string }> {
    try {
      const body = await get('/account-info/v3/details', signal);
      const timeZone =
        body === null ? undefined : (JSON.parse(body.toString('utf8')) as { timeZone?: unknown }).timeZone;
      if (typeof timeZone !== 'string' || timeZone === '')
        return { problem: 'GET /account-info/v3/details named no timeZone' };
      known = timeZone;
      return { timeZone };
    } catch (error) {
      return { problem: errorMessage(error) };
    }
  }
  return {
    /** The time zone, or why it is not known; one read at a time. */
    read(): Promise<{ timeZone?: string; problem?: string }> {
      if (known !== undefined) return Promise.resolve({ timeZone: known });
      asking ??= ask().finally(() => {
        asking = undefined;
      });
      return asking;
    },
  };
}

/** A daily 429's wait as the REST reads throw it (`HttpLimitWaitError`): until when, why, and the clock it was read at. */
export type DailyLimitCheck = (
  status: number,
  body: string,
) => Promise<{ until: Date; reason: string; now: number } | undefined>;

/**
 * The check the source's reads (`createHubspotGet`'s `dailyLimit`) make of a 429: a daily one waits until the reset
 * (`dailyLimitWait`, the account's time zone read once by `zone`), against the clock `now`; any other, undefined.
 */
export function dailyLimitCheck(
  zone: { read(): Promise<{ timeZone?: string; problem?: string }> },
  now: () => number,
): DailyLimitCheck {
  return async (status, body) => {
    if (!isDailyLimit(status, body)) return undefined;
    const { timeZone, problem } = await zone.read();
    const at = now();
    const wait = dailyLimitWait(at, timeZone, problem);
    return { until: new Date(wait.until), reason: wait.reason, now: at };
  };
}
