import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { SimContext } from '../common/types.ts';
import { isValidId } from './ids.ts';
import type { SalesforceState } from './state.ts';

/** The org's daily API request allocation the simulator reports (a Developer Edition org's 15,000). */
export const DAILY_API_REQUESTS = 15_000;

/**
 * A data API request as its kind: method and path, a record id as `{id}`, an external id's value as `{value}` and a
 * query locator as `{locator}`, so that a test counts "GET …/sobjects/Account/{id}" however many records it read.
 */
export function apiRoute(method: string, path: string): string {
  const segments = path.split('?')[0]!.split('/');
  const kinds = segments.map((segment, index) => {
    if (
      (segments[index - 1] === 'query' || segments[index - 1] === 'queryAll') &&
      index === segments.length - 1
    )
      return '{locator}';
    if (segments[index - 3] === 'sobjects' && index === segments.length - 1) return '{value}';
    return isValidId(segment) ? '{id}' : segment;
  });
  return `${method} ${kinds.join('/')}`;
}

/**
 * Counts each data API request that passed the session check, as the org's API usage does (Salesforce counts every
 * REST call against the rolling 24 hours' allocation), and says the count in `Sforce-Limit-Info: api-usage=n/max` as
 * the REST API does on its answers. Kept in the state (a reset starts again at 0); not a change of its own, so saved
 * with the next one.
 */
export function countApiRequests(sim: SimContext<SalesforceState>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    sim.state.apiUsage ??= { total: 0, byRoute: {} };
    const usage = sim.state.apiUsage;
    usage.total += 1;
    const route = apiRoute(req.method, req.originalUrl);
    usage.byRoute[route] = (usage.byRoute[route] ?? 0) + 1;
    res.set('Sforce-Limit-Info', `api-usage=${usage.total}/${DAILY_API_REQUESTS}`);
    next();
  };
}

/** `GET /sim/api-usage`: the data API requests since the start or the last reset, in all and per kind (`apiRoute`). */
export function apiUsageRoute(router: Router, sim: SimContext<SalesforceState>): void {
  router.get('/sim/api-usage', (_req, res) => {
    res.json({ max: DAILY_API_REQUESTS, ...(sim.state.apiUsage ?? { total: 0, byRoute: {} }) });
  });
}
