import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { errorMessage } from '../../lib/errors.ts';
import { createLogger } from '../../lib/logger.ts';
import type { StartOptions } from '../common/types.ts';
import { customerRoutes } from './customer-routes.ts';
import { applySapSeed } from './customers.ts';
import { sapCoreErrorBody } from './errors.ts';
import { pollInbound } from './inbound.ts';
import { dropOrders } from './outbound.ts';
import { backgroundRequest, createBackgroundSimulator, InstanceTimers, numberOption } from './runtime.ts';
import { type SapFolders, sapSimRoutes } from './sim-routes.ts';
import { emptySapState, type SapState } from './state.ts';

const log = createLogger('sim-sap');

export interface SapStartOptions extends StartOptions {
  /** Where ORDERS05 files are dropped (env EAI_SIM_SAP_DROP_DIR); default `sap-outbound` next to the state file. */
  dropDir?: string;
  /** Where ORDRSP files are picked up (env EAI_SIM_SAP_INBOUND_DIR); default `sap-inbound` next to the drop dir. */
  inboundDir?: string;
  /** Write one file of `idocsPerFile` orders every interval; 0 = on demand only (env EAI_SIM_SAP_INTERVAL_MS). */
  intervalMs?: number;
  idocsPerFile?: number;
  /** Write `<file>.ready` after each data file is complete (env EAI_SIM_SAP_READY=1). */
  readyMarker?: boolean;
  /** Inbound folder polling period (env EAI_SIM_SAP_POLL_MS, default 1000; 0 = only `POST /sim/inbound/poll`). */
  pollMs?: number;
  requireInboundReadyMarker?: boolean;
}

export function sapFolders(options: SapStartOptions): SapFolders {
  const base = options.statePath
    ? dirname(options.statePath)
    : join(tmpdir(), `eai-sim-sap-${process.pid}-${Date.now().toString(36)}`);
  const dropDir = options.dropDir ?? process.env.EAI_SIM_SAP_DROP_DIR ?? join(base, 'sap-outbound');
  return {
    dropDir,
    inboundDir:
      options.inboundDir ?? process.env.EAI_SIM_SAP_INBOUND_DIR ?? join(dirname(dropDir), 'sap-inbound'),
    readyMarker: options.readyMarker ?? process.env.EAI_SIM_SAP_READY === '1',
    idocsPerFile: numberOption(options.idocsPerFile, 'EAI_SIM_SAP_IDOCS_PER_FILE', 3),
    intervalMs: numberOption(options.intervalMs, 'EAI_SIM_SAP_INTERVAL_MS', 0),
    pollMs: numberOption(options.pollMs, 'EAI_SIM_SAP_POLL_MS', 1000),
    requireReadyMarker: options.requireInboundReadyMarker ?? false,
  };
}

export const sapSimulator = createBackgroundSimulator<SapState, SapStartOptions>('sap', 4104, (options) => {
  const folders = sapFolders(options);
  const timers = new InstanceTimers();
  return {
    spec: {
      name: 'sap',
      initialState: emptySapState,
      errorBody: sapCoreErrorBody,
      applySeed: applySapSeed,
      // SAP's own idempotency header for OData V2 batch/changesets is the Repeatability-Request-ID.
      idempotencyKey: (req) => req.get('Repeatability-Request-ID') ?? undefined,
      routes: (router, sim) => {
        customerRoutes(router, sim);
        sapSimRoutes(router, sim, folders);
      },
    },
    begin: (sim) => {
      const guarded = (job: string, run: () => void) => () => {
        try {
          run();
        } catch (error) {
          log.error({ job, error: errorMessage(error) }, 'background job failed');
        }
      };
      if (folders.intervalMs > 0) {
        const request = {
          count: folders.idocsPerFile,
          idocsPerFile: folders.idocsPerFile,
          variant: 'mixed' as const,
          readyMarker: folders.readyMarker,
        };
        timers.every(
          folders.intervalMs,
          guarded('orders', () =>
            dropOrders(sim, folders.dropDir, request, backgroundRequest('TIMER', '/schedule/orders')),
          ),
        );
      }
      if (folders.pollMs > 0)
        timers.every(
          folders.pollMs,
          guarded('inbound', () => pollInbound(sim, folders)),
        );
    },
    stop: () => timers.clear(),
  };
});
