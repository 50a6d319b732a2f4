import express, { type Request, type Response } from 'express';
import type { z } from 'zod';
import { errorMessage, isOutage, loggedError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { histogram } from '../../lib/metrics.ts';
import { DeadlineError, withDeadline } from '../../lib/retry.ts';
import { authenticate, type Denial } from './auth.ts';
import { detailsOf, type ErrorDetail, formatPath, HttpError, sendError } from './errors.ts';
import { buildOpenApi, type OpenApiDocument } from './openapi.ts';
import { messageFor, type Principal, type Role } from './roles.ts';
import {
  type AnyRouteSpec,
  compilePath,
  type OpenRouteSpec,
  type RouteBackend,
  type RouteHandler,
  type RouteSpec,
} from './route.ts';
import { type AdminToken, createTokenVerifier } from './tokens.ts';

export interface AdminApi {
  /** Declares a route: its handler runs only for a caller with the role, with params, query and body valid. */
  route<P = undefined, Q = undefined, B = undefined>(
    spec: RouteSpec<P, Q, B>,
    handler: RouteHandler<P, Q, B>,
  ): void;
  /** Every declared route; the ops server mounts it at the root. */
  readonly router: express.Router;
  /**
   * Mounted after `router`: a request to a declared path with a method the path does not take answers 405 with
   * `Allow` (as Kafka Connect's REST server does), where a 404 told the caller the path was wrong.
   */
  readonly methodNotAllowed: express.RequestHandler;
  /**
   * Lists a route the ops server serves itself, without the admin token check (route.ts OpenRouteSpec), in the
   * document: every route the hub serves is in it.
   */
  document(spec: OpenRouteSpec): void;
  /**
   * Checks an `Authorization` header as the admin routes do (for an open route's detail): the caller, or the 401 or
   * 403 to answer.
   */
  authenticate(
    authorization: string | undefined,
    role: Role,
  ): { ok: true; principal: Principal } | { ok: false; denial: Denial };
  /** The OpenAPI 3.1 document of the declared routes. */
  openapi(): OpenApiDocument;
}

export interface AdminApiOptions {
  /** Who may call: hashed tokens with roles (adminTokensFromEnv reads them). None: every route answers 401. */
  tokens: AdminToken[];
  logger: Logger;
  /** Rewrites a failure's message for the log (the hub's secrets as `[redacted]`: `hubSecretScrubber`). */
  scrub?: (text: string) => string;
  title?: string;
  version?: string;
}

const jsonTypes = ['application/json', 'application/*+json'];
const bodyLimit = '1mb';

/** Declared at import, as every layer's metrics are, so that the registry can be read without a hub (ops/monitoring/). */
const requestDuration = histogram({
  name: 'eai_admin_api_request_duration_seconds',
  help: 'Admin API requests by route template and status, and how long they took.',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.02, 0.1, 0.5, 2, 10],
});

/** Runs express.json and turns its failures into HttpErrors with messages that quote nothing of the body. */
function readJsonBody(parser: express.RequestHandler, req: Request, res: Response): Promise<void> {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is(jsonTypes)) {
    return Promise.reject(new HttpError(415, 'the body must be application/json'));
  }
  return new Promise((resolve, reject) => {
    parser(req, res, (error?: unknown) => {
      if (!error) return resolve();
      const type = (error as { type?: string }).type;
      if (type === 'entity.too.large')
        return reject(new HttpError(413, `the body is larger than ${bodyLimit}`));
      // express.json takes an object or a list only: `null` or `3` is valid JSON, but no body a route reads.
      if (type === 'entity.parse.failed')
        return reject(
          new HttpError(
            400,
            'the body is not a JSON object or list (malformed JSON, or a bare value such as null)',
          ),
        );
      const status = (error as { status?: number }).status;
      if (status === 415)
        return reject(new HttpError(415, 'the body has an unsupported encoding or charset'));
      reject(error);
    });
  });
}

/**
 * The paths of the strings in a request part that hold a NUL character (`%00`, `\u0000`): PostgreSQL's text takes
 * none, so such a value reached the workflows' and master data's queries and came back as a 500.
 */
function nulStrings(
  value: unknown,
  path: ReadonlyArray<string | number> = [],
): Array<ReadonlyArray<string | number>> {
  if (typeof value === 'string') return value.includes('\u0000') ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => nulStrings(item, [...path, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => nulStrings(item, [...path, key]));
  return [];
}

/** Validates params, query and body; every invalid field of the three is reported at once. */
function validate(spec: AnyRouteSpec, req: Request) {
  const details: ErrorDetail[] = [];
  const check = (where: 'params' | 'query' | 'body', schema: z.ZodType | undefined, value: unknown) => {
    if (!schema) return undefined;
    const nul = nulStrings(value);
    if (nul.length > 0) {
      for (const path of nul)
        details.push({
          in: where,
          path: formatPath(path),
          message: 'must not hold a NUL character (\\u0000)',
        });
      return undefined;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    details.push(...detailsOf(parsed.error, where));
    return undefined;
  };
  const input = {
    params: check('params', spec.params, { ...req.params }),
    query: check('query', spec.query, { ...req.query }),
    body: check('body', spec.body, req.body),
  };
  if (details.length) {
    const first = details[0]!;
    const field = [first.in, first.path].filter(Boolean).join('.').replace('.[', '[');
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    throw new HttpError(400, `invalid request: ${field}: ${first.message}${more}`, details);
  }
  return input;
}

/** An OpenAPI path template as a pattern of the request paths express routes to it. */
function pathPattern(template: string): RegExp {
  const parts = template
    .split('/')
    .map((part) => (/^\{.+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('/')}/?$`, 'i');
}

/** Backends found away by a request: the next request probes first, and while away answers 503 without waiting. */
const awayBackends = new WeakSet<RouteBackend>();

/** Why the backend does not answer its probe, or undefined when it does. */
function probeOf(backend: RouteBackend): Promise<string | undefined> {
  return withDeadline(backend.reachable(), backend.patienceMs, `${backend.name} probe`).then(
    (ok) => (ok ? undefined : 'not reachable'),
    (failure: unknown) => errorMessage(failure),
  );
}

/**
 * The route's answer, or 503 as its spec's `backend` says (route.ts RouteBackend). While the backend is known to be
 * away, the handler is not run at all (a client that retries for minutes would pile up a call per request): a probe
 * says whether it is back.
 */
async function answerWithBackend<T>(
  spec: AnyRouteSpec,
  backend: RouteBackend,
  run: () => Promise<T>,
): Promise<T> {
  const unavailable = (why: string, late: boolean) => {
    awayBackends.add(backend);
    return new HttpError(
      503,
      `${backend.name} is unreachable (${why}): ${backend.unavailable}` +
        // A change that timed out goes on in the background: it may still be done once the store is back.
        (late && spec.method !== 'get'
          ? '; what was asked may still be done once it is back: look before asking again'
          : ''),
    );
  };
  if (awayBackends.has(backend)) {
    const away = await probeOf(backend);
    if (away !== undefined) throw unavailable(away, false);
    awayBackends.delete(backend);
  }
  const work = run();
  for (;;) {
    try {
      return await withDeadline(work, backend.patienceMs, `${spec.method.toUpperCase()} ${spec.path}`);
    } catch (error) {
      if (error instanceof DeadlineError) {
        // Slow is not away: a store that answers its probe is waited for again.
        const away = await probeOf(backend);
        if (away === undefined) continue;
        throw unavailable(`no answer within ${backend.patienceMs / 1000} s; ${away}`, true);
      }
      if (!(error instanceof HttpError) && isOutage(error)) throw unavailable(errorMessage(error), false);
      throw error;
    }
  }
}

/**
 * The admin API: routes declared with zod schemas, bearer tokens with roles (deny by default), one JSON error
 * shape, and the OpenAPI document generated from the declarations. Tokens never reach a log line: requests are
 * logged by route template, status and the token's name.
 */
export function createAdminApi(options: AdminApiOptions): AdminApi {
  const verify = createTokenVerifier(options.tokens);
  const log = options.logger.child({ component: 'admin-api' });
  if (!options.tokens.length) log.warn('no admin tokens configured: every admin route answers 401');
  const info = { title: options.title ?? 'eai hub admin API', version: options.version ?? '1' };
  const router = express.Router();
  const routes: AnyRouteSpec[] = [];
  const openRoutes: OpenRouteSpec[] = [];
  /** Per path template: the path as express matches it (any case, a trailing slash or not) and its methods. */
  const paths = new Map<string, { pattern: RegExp; methods: Set<string>; connect: boolean }>();
  /** A route's method answered at its path (GET also HEAD); a wrong one there gets 405 with Allow. */
  function allowMethod(spec: { method: string; path: string }, connectErrors: boolean): void {
    const known = paths.get(spec.path);
    const methods = known?.methods ?? new Set<string>();
    methods.add(spec.method.toUpperCase());
    if (methods.has('GET')) methods.add('HEAD');
    paths.set(spec.path, {
      pattern: pathPattern(spec.path),
      methods,
      connect: (known?.connect ?? false) || connectErrors,
    });
  }
  const jsonParser = express.json({ limit: bodyLimit, type: jsonTypes });
  const metrics = requestDuration;
  let document: OpenApiDocument | undefined;

  async function serve(
    spec: AnyRouteSpec,
    handler: RouteHandler<unknown, unknown, unknown>,
    req: Request,
    res: Response,
  ) {
    const stop = metrics.startTimer({ method: spec.method, route: spec.path });
    let principal: string | undefined;
    let role: Role | undefined;
    let denial: Denial | undefined;
    try {
      const auth = authenticate(
        req.headers.authorization,
        spec.role,
        verify,
        spec.roleReason,
        options.tokens.length === 0,
      );
      if (!auth.ok) {
        denial = auth.denial;
        principal = auth.denial.principal;
        return sendError(
          res,
          auth.denial.status,
          auth.denial.message,
          undefined,
          auth.denial.headers,
          spec.connectErrors,
        );
      }
      principal = auth.principal.name;
      role = auth.principal.role;
      if (spec.body) await readJsonBody(jsonParser, req, res);
      const input = validate(spec, req);
      const run = () => handler({ ...input, principal: auth.principal });
      const result = spec.backend ? await answerWithBackend(spec, spec.backend, run) : await run();
      res.status(result.status).set(result.headers ?? {});
      if (result.body === undefined) res.end();
      else res.json(result.body);
    } catch (error) {
      // A refusal's message as the caller's role may read it (a value it quotes: plain for an operator, "…" for a
      // viewer); before the caller is known, without the values.
      if (error instanceof HttpError)
        return sendError(
          res,
          error.status,
          messageFor(role ?? 'viewer', error.message),
          error.details,
          {},
          spec.connectErrors,
        );
      // Its class, code and scrubbed message, never the whole object (a config with secrets, a customer record).
      const failure = loggedError(error, options.scrub);
      log.error({ error: failure, method: spec.method, route: spec.path, principal }, 'admin route failed');
      sendError(res, 500, 'internal error: the hub logged the cause', undefined, {}, spec.connectErrors);
    } finally {
      const status = res.statusCode;
      stop({ status: String(status) });
      const line = {
        method: spec.method.toUpperCase(),
        route: spec.path,
        status,
        principal,
        reason: denial?.reason,
      };
      (status >= 500 ? log.error : status >= 400 ? log.warn : log.info).call(log, line, 'admin request');
    }
  }

  return {
    router,
    methodNotAllowed(req, res, next) {
      const allowed = new Set<string>();
      let connect = false;
      for (const path of paths.values()) {
        if (!path.pattern.test(req.path)) continue;
        for (const method of path.methods) allowed.add(method);
        connect ||= path.connect;
      }
      if (allowed.size === 0 || allowed.has(req.method)) return next();
      const list = [...allowed].join(', ');
      sendError(
        res,
        405,
        `${req.method} is not a method of ${req.path}; it takes ${list}`,
        undefined,
        { Allow: list },
        connect,
      );
    },
    route(spec, handler) {
      const { expressPath, names } = compilePath(spec.path);
      const shape = (spec.params as { shape?: Record<string, unknown> } | undefined)?.shape;
      const declared = shape ? Object.keys(shape).sort() : [];
      if (shape || names.length) {
        if (declared.join() !== [...names].sort().join()) {
          throw new TypeError(
            `route ${spec.method} ${spec.path}: params schema has [${declared}] but the path has [${names}]`,
          );
        }
      }
      if ([...routes, ...openRoutes].some((r) => r.method === spec.method && r.path === spec.path)) {
        throw new TypeError(`route ${spec.method} ${spec.path} is declared twice`);
      }
      routes.push(spec);
      allowMethod(spec, spec.connectErrors === true);
      document = undefined;
      const run = handler as RouteHandler<unknown, unknown, unknown>;
      router[spec.method](expressPath, (req, res) => serve(spec, run, req, res));
    },
    document(spec) {
      compilePath(spec.path);
      const taken = [...routes, ...openRoutes].some((r) => r.method === spec.method && r.path === spec.path);
      if (taken) throw new TypeError(`route ${spec.method} ${spec.path} is declared twice`);
      openRoutes.push(spec);
      // Health, metrics and the document itself answer a wrong method 405 with Allow, as the admin routes do; the
      // webhook endpoints are the connectors' own to answer.
      if (spec.access !== 'connector') allowMethod(spec, false);
      document = undefined;
    },
    authenticate: (authorization, role) =>
      authenticate(authorization, role, verify, undefined, options.tokens.length === 0),
    openapi() {
      document ??= buildOpenApi(info, routes, openRoutes);
      return document;
    },
  };
}
