import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StartOptions } from '../common/types.ts';
import { createBackgroundSimulator, InstanceTimers, numberOption } from '../sap/runtime.ts';
import { apiRoutes } from './api-routes.ts';
import { type DespatchConfig, DespatchWorker } from './despatch.ts';
import { logisticsErrorBody } from './errors.ts';
import { returnRoutes } from './returns.ts';
import { logisticsSimRoutes } from './sim-routes.ts';
import { emptyLogisticsState, type LogisticsState } from './state.ts';

export interface LogisticsStartOptions extends StartOptions {
  /** Where ASN files are dropped (env EAI_SIM_LOGISTICS_OUTBOUND_DIR); default next to the state file. */
  outboundDir?: string;
  /** Request → despatch (env EAI_SIM_LOGISTICS_DESPATCH_MS, default 5000). */
  despatchDelayMs?: number;
  /** Despatch → delivery (env EAI_SIM_LOGISTICS_DELIVERY_MS, default 10000). */
  deliveryDelayMs?: number;
  /** Return authorised → received (env EAI_SIM_LOGISTICS_RETURN_MS, default 10000). */
  returnDelayMs?: number;
  /** EPCIS capture endpoint always posted to (env EAI_SIM_LOGISTICS_CAPTURE_URL). */
  captureUrl?: string;
  /** Bearer token sent to `captureUrl` (env EAI_SIM_LOGISTICS_CAPTURE_TOKEN). */
  captureToken?: string;
}

export function logisticsConfig(options: LogisticsStartOptions): DespatchConfig {
  const base = options.statePath
    ? dirname(options.statePath)
    : join(tmpdir(), `eai-sim-logistics-${process.pid}-${Date.now().toString(36)}`);
  const captureUrl = options.captureUrl ?? process.env.EAI_SIM_LOGISTICS_CAPTURE_URL;
  const captureToken = options.captureToken ?? process.env.EAI_SIM_LOGISTICS_CAPTURE_TOKEN;
  return {
    outboundDir:
      options.outboundDir ?? process.env.EAI_SIM_LOGISTICS_OUTBOUND_DIR ?? join(base, 'logistics-outbound'),
    despatchDelayMs: numberOption(options.despatchDelayMs, 'EAI_SIM_LOGISTICS_DESPATCH_MS', 5000),
    deliveryDelayMs: numberOption(options.deliveryDelayMs, 'EAI_SIM_LOGISTICS_DELIVERY_MS', 10_000),
    returnDelayMs: numberOption(options.returnDelayMs, 'EAI_SIM_LOGISTICS_RETURN_MS', 10_000),
    ...(captureUrl ? { captureUrl } : {}),
    ...(captureToken ? { captureToken } : {}),
  };
}

export const logisticsSimulator = createBackgroundSimulator<LogisticsState, LogisticsStartOptions>(
  'logistics',
  4105,
  (options) => {
    const config = logisticsConfig(options);
    const timers = new InstanceTimers();
    let worker: DespatchWorker | undefined;
    const getWorker = () => {
      if (!worker) throw new Error('logistics simulator not started');
      return worker;
    };
    return {
      spec: {
        name: 'logistics',
        initialState: emptyLogisticsState,
        errorBody: logisticsErrorBody,
        routes: (router, sim) => {
          worker = new DespatchWorker(sim, config, timers);
          apiRoutes(router, sim, getWorker, config.despatchDelayMs);
          returnRoutes(router, sim, getWorker, config.returnDelayMs);
          logisticsSimRoutes(router, sim, config.outboundDir);
          router.get('/sim/config', (_req, res) => {
            // The capture token is a secret: shown only as set or not.
            const { captureToken, ...shown } = config;
            res.json({ ...shown, ...(captureToken ? { captureToken: '(set)' } : {}) });
          });
        },
      },
      // A restarted simulator carries on with what its saved state left pending.
      begin: (sim) => {
        for (const request of Object.values(sim.state.requests)) getWorker().schedule(request);
        for (const ret of Object.values(sim.state.returns ?? {})) getWorker().scheduleReturn(ret);
      },
      stop: () => timers.clear(),
    };
  },
);
