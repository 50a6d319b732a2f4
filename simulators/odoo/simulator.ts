import { createSimulator } from '../common/simulator.ts';
import type { SimulatorDefinition } from '../common/types.ts';
import { odooErrorBody } from './errors.ts';
import { rpcRoutes, VERSION_INFO } from './rpc-routes.ts';
import { applyOdooSeed } from './seed.ts';
import { odooSimRoutes } from './sim-routes.ts';
import { emptyOdooState, type OdooState } from './state.ts';

export const odooSimulator: SimulatorDefinition = createSimulator<OdooState>(
  {
    name: 'odoo',
    initialState: emptyOdooState,
    errorBody: odooErrorBody,
    applySeed: applyOdooSeed,
    // A reset empties the business data, not the users a client authenticated with.
    preserveOnReset: (previous, fresh) => {
      fresh.users = previous.users;
      fresh.records['res.users'] = previous.records['res.users'] ?? {};
    },
    routes: (router, sim) => {
      router.get('/web/webclient/version_info', (_req, res) => {
        res.json({ jsonrpc: '2.0', id: null, result: VERSION_INFO });
      });
      odooSimRoutes(router, sim);
      rpcRoutes(router, sim);
    },
  },
  4103,
);
