import { createSimulator } from '../common/simulator.ts';
import type { SimulatorDefinition } from '../common/types.ts';
import { odooErrorBody } from './errors.ts';
import { json2Routes } from './json2-routes.ts';
import { rpcRoutes, versionInfo } from './rpc-routes.ts';
import { applyOdooSeed } from './seed.ts';
import { odooSimRoutes } from './sim-routes.ts';
import { emptyOdooState, type OdooState } from './state.ts';

export const odooSimulator: SimulatorDefinition = createSimulator<OdooState>(
  {
    name: 'odoo',
    initialState: emptyOdooState,
    errorBody: odooErrorBody,
    applySeed: applyOdooSeed,
    // A reset empties the business data, not the users a client authenticated with nor the server's version.
    preserveOnReset: (previous, fresh) => {
      fresh.users = previous.users;
      fresh.serverVersion = previous.serverVersion ?? '17.0';
      fresh.records['res.users'] = previous.records['res.users'] ?? {};
    },
    routes: (router, sim) => {
      router.get('/web/webclient/version_info', (_req, res) => {
        res.json({ jsonrpc: '2.0', id: null, result: versionInfo(sim.state.serverVersion) });
      });
      odooSimRoutes(router, sim);
      rpcRoutes(router, sim);
      json2Routes(router, sim);
    },
  },
  4103,
);
