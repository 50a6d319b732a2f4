import type { NextFunction, Request, Response } from 'express';
import { createSimulator } from '../common/simulator.ts';
import type { SimulatorDefinition } from '../common/types.ts';
import { apiUsageRoute, countApiRequests } from './api-usage.ts';
import { requireSession, tokenRoute } from './auth.ts';
import { CDC_CHANNELS } from './cdc.ts';
import { compositeRetrieveRoutes, compositeRoutes } from './composite-routes.ts';
import { salesforceErrorBody, sfError } from './errors.ts';
import { queryRoutes } from './query-routes.ts';
import { applySalesforceSeed } from './seed.ts';
import { salesforceSimRoutes } from './sim-routes.ts';
import { soapRoutes } from './soap-routes.ts';
import { sobjectRoutes } from './sobject-routes.ts';
import { emptySalesforceState, type SalesforceState } from './state.ts';

export const LATEST_VERSION = 'v62.0';

/** Versions the data API answers to: v20.0 up to the simulated v62.0. */
function checkVersion(req: Request, _res: Response, next: NextFunction): void {
  const match = /^v(\d{2})\.0$/.exec(String(req.params.version));
  const number = Number(match?.[1]);
  if (!match || number < 20 || number > 62)
    throw sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  next();
}

export const salesforceSimulator: SimulatorDefinition = createSimulator<SalesforceState>(
  {
    name: 'salesforce',
    initialState: emptySalesforceState,
    errorBody: salesforceErrorBody,
    // Over the org's API request limit the REST API answers 403 REQUEST_LIMIT_EXCEEDED, without a Retry-After.
    rateLimit: { status: 403, retryAfter: false },
    applySeed: applySalesforceSeed,
    channels: CDC_CHANNELS,
    // A reset empties the data, not the org: ids of org and users, OAuth clients and sessions stay valid.
    preserveOnReset: (previous, fresh) => {
      fresh.orgId = previous.orgId;
      fresh.uiUserId = previous.uiUserId;
      fresh.clients = previous.clients;
      fresh.tokens = previous.tokens;
    },
    routes: (router, sim) => {
      router.get('/services/data', (_req, res) => {
        res.json([
          { label: "Winter '25", url: `/services/data/${LATEST_VERSION}`, version: LATEST_VERSION.slice(1) },
        ]);
      });
      tokenRoute(router, sim);
      salesforceSimRoutes(router, sim);
      apiUsageRoute(router, sim);
      soapRoutes(router, sim);
      router.use('/services/data/:version', checkVersion, requireSession(sim), countApiRequests(sim));
      sobjectRoutes(router, sim);
      queryRoutes(router, sim);
      compositeRoutes(router, sim);
      compositeRetrieveRoutes(router, sim);
    },
  },
  4101,
);
