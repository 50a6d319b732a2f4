import { createSimulator } from '../common/simulator.ts';
import type { SimulatorDefinition } from '../common/types.ts';
import { accountRoutes, dailyLimit, dailyLimitRoutes } from './account-routes.ts';
import { requireToken } from './auth.ts';
import { batchRoutes } from './batch-routes.ts';
import { companyRoutes } from './company-routes.ts';
import { hubspotErrorBody } from './errors.ts';
import { contactRoutes, mergeRoute, objectRoutes } from './object-routes.ts';
import { OBJECT_TYPES } from './object-types.ts';
import { propertyRoutes } from './property-routes.ts';
import { searchRoutes } from './search-routes.ts';
import { applyHubSpotSeed } from './seed.ts';
import { hubspotSimRoutes } from './sim-routes.ts';
import { emptyHubSpotState, type HubSpotState } from './state.ts';

export const hubspotSimulator: SimulatorDefinition = createSimulator<HubSpotState>(
  {
    name: 'hubspot',
    initialState: emptyHubSpotState,
    errorBody: hubspotErrorBody,
    applySeed: applyHubSpotSeed,
    // A reset empties the portal's data, not the app: tokens, secret and ids stay valid.
    preserveOnReset: (previous, fresh) => {
      fresh.app = previous.app;
      fresh.uiUserId = previous.uiUserId;
      fresh.uniqueProperties = previous.uniqueProperties;
      fresh.sensitiveProperties = previous.sensitiveProperties;
      fresh.lastId = previous.lastId;
      // The account's setting; its spent daily limit is not kept (a reset is a new day).
      fresh.timeZone = previous.timeZone;
    },
    routes: (router, sim) => {
      hubspotSimRoutes(router, sim);
      companyRoutes(router, sim);
      dailyLimitRoutes(router, sim);
      router.use(['/crm/v3', '/account-info/v3'], requireToken(sim), dailyLimit(sim));
      accountRoutes(router, sim);
      // Search and batch routes first: their fixed paths would otherwise be taken as a record id.
      for (const type of OBJECT_TYPES) {
        searchRoutes(router, sim, type);
        batchRoutes(router, sim, type);
      }
      contactRoutes(router, sim);
      for (const type of OBJECT_TYPES) {
        mergeRoute(router, sim, type);
        objectRoutes(router, sim, type);
      }
      propertyRoutes(router, sim);
    },
  },
  4102,
);
