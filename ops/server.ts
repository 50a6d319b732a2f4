import { createServer, type Server, type ServerResponse } from 'node:http';
import express from 'express';
import type { WebhookRequest, WebhookResponse } from '../connectors/index.ts';
import type { Logger } from '../lib/logger.ts';
import { metricsRegistry } from '../lib/metrics.ts';
import { type AdminApi, errorHandler, notFound, roleOff, sendError } from './api/index.ts';
import { opsMetrics } from './metrics.ts';
import { type DeclaredWebhookRoutes, openRoutes, type Readiness } from './open-routes.ts';
import {
  answerWebhook,
  takeWebhookRequest,
  WEBHOOK_BODY_LIMIT,
  type WebhookBodyLimit,
  webhookHeaders,
} from './webhook-http.ts';

/**
 * Kubernetes-style probes and metrics. Liveness says only that the process can serve (a broker outage must not
 * get the pod restarted); readiness checks the dependencies; /metrics is Prometheus text. Those three and
 * /openapi.json are open (readiness's per-dependency checks and details only to a viewer token, unless
 * `healthDetails` is `always`); the admin API's routes (ops/api/) each need a bearer token. Every route served here
 * is declared in open-routes.ts and listed in the document. Anything else is a JSON 404.
 */
export type DependencyCheck = () => Promise<boolean>;

/** Who sees readiness's detail, as Spring Boot's `management.endpoint.health.show-details`. */
export type HealthDetails = 'when-authorized' | 'always';

export interface OpsOptions {
  host?: string;
  port?: number;
  /** Readiness dependencies by name, e.g. kafka, schemaRegistry. */
  checks: Record<string, DependencyCheck>;
  checkTimeoutMs?: number;
  /** The admin API: its routes are mounted at the root (they carry their own paths), its document at /openapi.json. */
  api?: AdminApi;
  /** Webhook endpoints of source connectors, `/webhooks/<connector>/…`: no admin token, each source checks signatures. */
  webhooks?: (connector: string, request: WebhookRequest) => Promise<WebhookResponse>;
  /** The routes connector types serve under their webhook endpoints (`webhookRoutes`), for the OpenAPI document. */
  webhookRoutes?: readonly DeclaredWebhookRoutes[];
  /** The body limit each connector's webhook declared: longer bodies are refused before they are read. */
  webhookBodyLimit?: WebhookBodyLimit;
  /** Facts shown in readiness's detail that never make the hub unready (e.g. a failing connector). */
  details?: () => Promise<Record<string, unknown>>;
  /**
   * Who sees readiness's `checks` and `details` (connector names, states, errors): `when-authorized` (default) a
   * caller with a viewer token (or more) of `api`, `always` anyone (EAI_HEALTH_DETAILS). The status and its code are
   * open either way, for probes.
   */
  healthDetails?: HealthDetails;
  /** For failures no route handled. */
  logger?: Logger;
  /** Rewrites such a failure's message for the log (the hub's secrets: `hubSecretScrubber`). */
  scrub?: (text: string) => string;
  /** Paths of roles this hub does not run, each with the hint its 404 gives (how to run the role). */
  rolesOff?: Array<{ paths: string[]; hint: string }>;
  /**
   * How long a client may take to send a request, and how long `close` waits for the requests under way before it
   * cuts their connections (default `clientTimeouts`); smaller in tests.
   */
  timeouts?: Partial<typeof clientTimeouts>;
}

/**
 * How long a client may take to send its request's headers, and the whole request, before the connection is closed
 * (408): a client that trickles its headers or its body (slow loris) holds a connection and a socket buffer for as
 * long as it is let, and webhook senders reach this port without a token. Node's own limits are 60 s and 300 s; a
 * 9 MiB webhook body still has a minute at 150 KB/s. Checked every `checkEveryMs`.
 */
export const clientTimeouts = { headersMs: 15_000, requestMs: 60_000, checkEveryMs: 5_000, drainMs: 10_000 };

interface CheckResult {
  name: string;
  ok: boolean;
  error?: string;
}

async function runCheck(name: string, check: DependencyCheck, timeoutMs: number): Promise<CheckResult> {
  const stop = opsMetrics.readinessCheckSeconds.startTimer({ dependency: name });
  try {
    const ok = await Promise.race([
      check(),
      new Promise<boolean>((_, reject) =>
        setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs),
      ),
    ]);
    return { name, ok, error: ok ? undefined : 'not reachable' };
  } catch (error) {
    return { name, ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    stop();
  }
}

/**
 * Checks every readiness dependency, each within `checkTimeoutMs`, and sets `eai_dependency_up`, so that a scrape of
 * /metrics says what /health/ready says (an alert needs no probe of its own). Calls while a check is under way share it.
 */
function readinessChecks(options: OpsOptions): () => Promise<CheckResult[]> {
  let running: Promise<CheckResult[]> | undefined;
  const check = async () => {
    const results = await Promise.all(
      Object.entries(options.checks).map(([name, probe]) =>
        runCheck(name, probe, options.checkTimeoutMs ?? 3000),
      ),
    );
    opsMetrics.dependencyUp.reset();
    for (const { name, ok } of results) opsMetrics.dependencyUp.set({ dependency: name }, ok ? 1 : 0);
    return results;
  };
  return () => {
    running ??= check().finally(() => {
      running = undefined;
    });
    return running;
  };
}

export function createOpsApp(options: OpsOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const started = Date.now();
  const api = options.api;
  for (const route of openRoutes({
    webhooks: options.webhooks !== undefined,
    webhookRoutes: options.webhookRoutes,
  }))
    api?.document(route);
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'UP', uptimeSeconds: Math.round((Date.now() - started) / 1000) });
  });
  const readiness = readinessChecks(options);
  app.get('/health/ready', async (req, res) => {
    // The detail names connectors, their states and errors, and the dependencies' addresses: a viewer's, not
    // anyone's. No token: the bare answer, for probes; a token that is not known: 401, as the admin routes say it.
    const authorization = req.headers.authorization;
    let detail = options.healthDetails === 'always';
    if (!detail && authorization !== undefined && api) {
      const auth = api.authenticate(authorization, 'viewer');
      if (!auth.ok) {
        const { status, message, headers } = auth.denial;
        return sendError(res, status, message, undefined, headers);
      }
      detail = true;
    }
    const results = await readiness();
    const ready = results.every((r) => r.ok);
    const answer: Readiness = { status: ready ? 'UP' : 'DOWN' };
    if (detail) {
      answer.checks = Object.fromEntries(
        results.map((r) => [r.name, r.ok ? { status: 'UP' } : { status: 'DOWN', error: r.error }]),
      );
      const details = options.details
        ? await options.details().catch((error: Error) => ({ error: error.message }))
        : undefined;
      if (details) answer.details = details;
    }
    res.status(ready ? 200 : 503).json(answer);
  });
  const webhooks = options.webhooks;
  if (webhooks) {
    // What takeWebhookRequest leaves (chunked, compressed, over the limit, an escaped name): the raw bytes, as the
    // sender signed them; the source checks signatures itself. Reading stops at the connector's own body limit (413).
    const readers = new Map<number, express.RequestHandler>();
    const readBody: express.RequestHandler = (req, res, next) => {
      const own = options.webhookBodyLimit?.(String(req.params.connector));
      const limit = Math.min(own ?? WEBHOOK_BODY_LIMIT, WEBHOOK_BODY_LIMIT);
      const reader = readers.get(limit) ?? express.raw({ type: () => true, limit });
      readers.set(limit, reader);
      reader(req, res, next);
    };
    app.all('/webhooks/:connector{/*rest}', readBody, (req, res) => {
      const connector = String(req.params.connector);
      const base = `/webhooks/${connector}`;
      answerWebhook(
        res,
        webhooks,
        connector,
        {
          method: req.method,
          path: req.path.slice(base.length) || '/',
          url: `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`,
          headers: webhookHeaders(req.headers),
          rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        },
        options.logger,
      );
    });
  }
  app.get('/metrics', async (_req, res) => {
    await readiness();
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
  if (api) {
    app.get('/openapi.json', (_req, res) => {
      res.json(api.openapi());
    });
    app.use(api.router);
    app.use(api.methodNotAllowed);
  }
  for (const { paths, hint } of options.rolesOff ?? []) app.use(paths, roleOff(hint));
  app.use(notFound);
  app.use(errorHandler(options.logger, options.scrub));
  return app;
}

export async function startOpsServer(
  options: OpsOptions,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const app = createOpsApp(options);
  const webhooks = options.webhooks;
  const timeouts = { ...clientTimeouts, ...options.timeouts };
  // The answers not yet sent, and whether the server is closing: each then says `Connection: close`.
  const answering = new Set<ServerResponse>();
  let closing = false;
  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: timeouts.checkEveryMs,
    },
    (req, res) => {
      if (closing) res.shouldKeepAlive = false;
      answering.add(res);
      res.once('close', () => answering.delete(res));
      if (webhooks && takeWebhookRequest(req, res, webhooks, options.logger, options.webhookBodyLimit))
        return;
      app(req, res);
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${localHost(options.host ?? '127.0.0.1')}:${port}`,
    server,
    close: () => closeServer(server, answering, timeouts.drainMs, () => (closing = true)),
  };
}

/**
 * The host of the server's URL: this machine's loopback for a server on every interface (`0.0.0.0`, `::`), an IPv6
 * address in brackets.
 */
function localHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Stops taking connections and resolves once the requests under way are answered. Node's `server.close()` closes only
 * idle keep-alive connections: a client with requests in flight on one (a webhook sender, a proxy, another hub
 * forwarding) sent the next on it, which was served, and the close never ended (seen in the HA trial: a SIGTERM
 * waited out the 30 s shutdown timeout while the hub kept its connectors, and the other instance forwarded webhooks to
 * a port that refused them). So every answer from now on closes its connection, and after `drainMs` the connections
 * still open are cut (their senders retry).
 */
function closeServer(
  server: Server,
  answering: Set<ServerResponse>,
  drainMs: number,
  startClosing: () => void,
): Promise<void> {
  startClosing();
  for (const res of answering) if (!res.headersSent) res.shouldKeepAlive = false;
  return new Promise<void>((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), drainMs);
    cut.unref();
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
