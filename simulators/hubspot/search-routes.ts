import type { Router } from 'express';
import type { SimContext } from '../common/types.ts';
import { contactView } from './contacts.ts';
import { validationError } from './errors.ts';
import type { ObjectType } from './object-types.ts';
import { matchesGroups, matchesQuery, parseFilterGroups, parseSorts, sortContacts } from './search.ts';
import type { HubSpotState } from './state.ts';

const MAX_SEARCH_LIMIT = 200;
/** HubSpot's search never pages past the 10,000th result of a query. */
export const SEARCH_RESULT_CAP = 10_000;

/** `POST /crm/v3/objects/<type>/search`: filterGroups, sorts, query, properties, limit, after. */
export function searchRoutes(router: Router, sim: SimContext<HubSpotState>, type: ObjectType): void {
  router.post(`${type.path}/search`, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const groups = parseFilterGroups(body.filterGroups, type);
    const sorts = parseSorts(body.sorts, type);
    const limit = body.limit === undefined ? 10 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_SEARCH_LIMIT) {
      throw validationError(`limit must be between 0 and ${MAX_SEARCH_LIMIT}`, {
        errors: [{ message: `limit must be at most ${MAX_SEARCH_LIMIT}`, code: 'INVALID_LIMIT' }],
      });
    }
    const after =
      body.after === undefined || body.after === null || body.after === '' ? 0 : Number(body.after);
    if (!Number.isInteger(after) || after < 0) throw validationError('after must be a non-negative integer');
    if (after >= SEARCH_RESULT_CAP) {
      throw validationError(
        `The search endpoint is limited to ${SEARCH_RESULT_CAP} total results for any given query; after=${after} is beyond it.`,
        { errors: [{ message: 'paging beyond 10000 results', code: 'MAX_RESULTS_EXCEEDED' }] },
      );
    }
    const query = typeof body.query === 'string' ? body.query : undefined;
    const properties =
      Array.isArray(body.properties) && body.properties.length > 0 ? body.properties.map(String) : undefined;
    const hits = sortContacts(
      Object.values(type.records(sim.state)).filter(
        (c) => !c.archived && !c.mergedInto && matchesGroups(c, groups) && matchesQuery(c, query, type),
      ),
      sorts,
    );
    const end = Math.min(after + limit, hits.length, SEARCH_RESULT_CAP);
    const response: Record<string, unknown> = {
      total: hits.length,
      results: hits.slice(after, end).map((c) => contactView(c, properties ? { properties } : {}, type)),
    };
    // At the cap the cursor is still handed out; using it gets the 400 a real sync runs into.
    if (end < hits.length) response.paging = { next: { after: String(end) } };
    res.json(response);
  });
}
