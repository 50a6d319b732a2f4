import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { createLogger } from '../../lib/logger.ts';
import { EffectLog } from './effects.ts';
import { faultMiddleware, PendingTimers } from './fault-middleware.ts';
import { FaultRegistry } from './faults.ts';
import { SimHttpError } from './http-error.ts';
import { idempotencyKeyOf, idempotencyMiddleware } from './idempotency.ts';
import { readSeedFile } from './seed.ts';
import { controlRoutes } from './sim-routes.ts';
import { loadStateFile, saveStateFile } from './state-file.ts';
import type {
  RunningSimulator,
  SimContext,
  SimulatorDefinition,
  SimulatorSpec,
  StartOptions,
} from './types.ts';
import { WebhookDispatcher } from './webhooks.ts';

const log = createLogger('simulator');

/** Builds a simulator definition from its spec; each `start()` runs an independent instance. */
export function createSimulator<S>(spec: SimulatorSpec<S>, defaultPort: number): SimulatorDefinition {
  return { name: spec.name, defaultPort, start: (options) => startSimulatorInstance(spec, options ?? {}) };
}

async function startSimulatorInstance<S>(
  spec: SimulatorSpec<S>,
  options: StartOptions,
): Promise<RunningSimulator> {
  const faults = new FaultRegistry();
  const effects = new EffectLog();
  const webhooks = new WebhookDispatcher(faults, options.webhookRetry);
  const timers = new PendingTimers();
  let state = spec.initialState();
  let dirty = false;
  let url = '';

  const context: SimContext<S> = {
    name: spec.name,
    get state() {
      return state;
    },
    get url() {
      return url;
    },
    webhooks,
    markDirty: () => {
      dirty = true;
    },
    recordEffect: (req, input) => {
      dirty = true;
      return effects.record(req, input, req.res ? idempotencyKeyOf(req.res) : undefined);
    },
    forgetAnswers: (mentions) => {
      const forgotten = effects.forgetAnswers(mentions);
      if (forgotten > 0) dirty = true;
      return forgotten;
    },
  };

  const seedRecords = options.seed ? readSeedFile(options.seed) : [];
  const applySeed = () => {
    if (seedRecords.length > 0) spec.applySeed?.(seedRecords, context);
  };
  const save = () => {
    dirty = false;
    if (!options.statePath) return;
    saveStateFile(options.statePath, {
      format: 'eai-simulator-state/1',
      name: spec.name,
      savedAt: new Date().toISOString(),
      state,
      effects: effects.effects,
      answers: effects.answers,
      subscribers: webhooks.list(),
    });
  };

  const saved = options.statePath ? loadStateFile<S>(options.statePath, spec.name) : undefined;
  if (saved) {
    state = saved.state;
    effects.effects = saved.effects;
    effects.answers = saved.answers;
    webhooks.restore(saved.subscribers);
  } else {
    applySeed();
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Saves state once a state-changing response is complete, before the bytes leave.
  app.use((_req: Request, res: Response, next: NextFunction) => {
    const originalEnd = res.end.bind(res) as (...args: unknown[]) => Response;
    res.end = ((...args: unknown[]) => {
      if (dirty) save();
      return originalEnd(...args);
    }) as Response['end'];
    next();
  });
  app.use(faultMiddleware(faults, timers, spec.errorBody, spec.rateLimit));
  app.use(express.json({ limit: '20mb', type: ['application/json', 'application/*+json', 'text/plain'] }));
  app.use(express.urlencoded({ extended: false }));
  app.use(
    controlRoutes({
      name: spec.name,
      faults,
      effects,
      webhooks,
      channels: spec.channels,
      markDirty: context.markDirty,
      reset: (empty) => {
        const previous = state;
        state = spec.initialState();
        spec.preserveOnReset?.(previous, state);
        effects.clear();
        faults.clear();
        webhooks.reset();
        if (!empty) applySeed();
        dirty = true;
      },
    }),
  );
  app.use(idempotencyMiddleware(effects, spec.idempotencyKey, context.markDirty));
  const router = Router();
  spec.routes(router, context);
  app.use(router);
  app.use((req: Request, res: Response) => {
    res
      .status(404)
      .json(
        spec.errorBody({ status: 404, code: 'NOT_FOUND', message: `no route ${req.method} ${req.path}` }),
      );
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof SimHttpError) {
      res.status(error.status).set(error.headers).json(error.body);
      return;
    }
    const parseFailed = (error as { type?: string }).type === 'entity.parse.failed';
    const status = (error as { status?: number }).status ?? 500;
    if (parseFailed) {
      res.status(400).json(spec.errorBody({ status: 400, code: 'BAD_JSON', message: 'malformed JSON body' }));
    } else if (status >= 400 && status < 500) {
      res.status(status).json(spec.errorBody({ status, code: 'BAD_REQUEST', message: 'bad request' }));
    } else {
      log.error({ err: error, simulator: spec.name, path: req.path }, 'simulator route failed');
      res.status(500).json(spec.errorBody({ status: 500, code: 'INTERNAL', message: 'internal error' }));
    }
  });

  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  // Node's 5 s keep-alive loses a race with clients in the same process: after an event loop blocked longer than
  // that (a mapping compiled on a loaded machine), the server's timer closes the idle socket as the client's next
  // request goes out on it (ECONNRESET). A longer idle time, which clients learn from the Keep-Alive header, as
  // load balancers in front of SaaS APIs keep (60 s), makes the race need a minute's block.
  server.keepAliveTimeout = 60_000;
  const address = server.address() as AddressInfo;
  url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    name: spec.name,
    url,
    close: async () => {
      webhooks.close();
      timers.clear();
      if (dirty) save();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
