import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import { SimHttpError } from '../common/http-error.ts';
import type { SimContext } from '../common/types.ts';
import type { HubSpotState } from './state.ts';

/** The account's time zone setting when none was set: HubSpot's example account's. */
export const DEFAULT_TIME_ZONE = 'US/Eastern';

/** Whether Intl knows `name` as an IANA time zone (HubSpot's settings are IANA names, links like US/Eastern too). */
function knownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `at`, in ms (from Intl's `longOffset`: "GMT-05:00"). */
function utcOffsetMs(timeZone: string, at: Date): number {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  const ms = (Number(match[2]) * 60 + Number(match[3])) * 60_000;
  return match[1] === '-' ? -ms : ms;
}

/** `-05:00` for -18 000 000 ms. */
function offsetText(ms: number): string {
  const minutes = Math.abs(ms) / 60_000;
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0');
  return `${ms < 0 ? '-' : '+'}${pad(minutes / 60)}:${pad(minutes % 60)}`;
}

/**
 * HubSpot's 429 once the account's daily API limit is spent, as its usage guidelines document it (no `category`, no
 * Retry-After): every API call is answered so until the limit resets at midnight in the account's time zone.
 */
export function dailyLimitBody(): Record<string, string> {
  return {
    status: 'error',
    message: 'You have reached your daily limit.',
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName: 'DAILY',
    requestId: randomUUID(),
  };
}

/** Put after the token check on every API route: while the daily limit is reached, each call gets the daily 429. */
export function dailyLimit(sim: SimContext<HubSpotState>) {
  return (_req: Request, _res: Response, next: NextFunction): void => {
    if (sim.state.dailyLimitReached) throw new SimHttpError(429, dailyLimitBody());
    next();
  };
}

const dailyLimitSchema = z.object({ reached: z.boolean() });

/**
 * `GET /account-info/v3/details` (the account's settings: its time zone, whose midnight resets the daily API limit),
 * and the control routes `POST /sim/daily-limit {reached}` (the account's daily limit spent, or reset) and the
 * account's `timeZone` (`POST /sim/app {timeZone}`, sim-routes.ts).
 */
export function accountRoutes(router: Router, sim: SimContext<HubSpotState>): void {
  router.get('/account-info/v3/details', (_req, res) => {
    const timeZone = sim.state.timeZone ?? DEFAULT_TIME_ZONE;
    const offset = utcOffsetMs(timeZone, new Date());
    res.json({
      portalId: sim.state.app.portalId,
      accountType: 'STANDARD',
      timeZone,
      companyCurrency: 'USD',
      additionalCurrencies: [],
      utcOffset: offsetText(offset),
      utcOffsetMilliseconds: offset,
      uiDomain: 'app.hubspot.com',
      dataHostingLocation: 'na1',
    });
  });
}

/** `POST /sim/daily-limit {reached}` and `GET /sim/daily-limit`: a test spends the account's daily limit, or resets it. */
export function dailyLimitRoutes(router: Router, sim: SimContext<HubSpotState>): void {
  router.get('/sim/daily-limit', (_req, res) => {
    res.json({ reached: sim.state.dailyLimitReached === true });
  });
  router.post('/sim/daily-limit', (req, res) => {
    const parsed = dailyLimitSchema.safeParse(req.body);
    if (!parsed.success) throw new SimHttpError(400, { error: 'reached must be true or false' });
    sim.state.dailyLimitReached = parsed.data.reached;
    sim.markDirty();
    res.json({ reached: parsed.data.reached });
  });
}

/** Refines a time zone name for `POST /sim/app {timeZone}`. */
export const timeZoneSchema = z
  .string()
  .refine(knownTimeZone, 'not an IANA time zone (e.g. US/Eastern, Europe/Paris)');
