import type { z } from 'zod';
import type { Principal, Role } from './roles.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteResponse {
  description: string;
  /** The JSON body's schema; leave it out for no body (204). Error statuses without one get the Error schema. */
  schema?: z.ZodType;
  /** The body's media type when it is not `application/json` (`/metrics`: Prometheus text). */
  contentType?: string;
}

/**
 * A route the ops server serves itself, outside the admin API's token check (the probes, `/metrics`, the document
 * itself, the webhook sources' endpoints), declared as data so that the OpenAPI document lists it as well: the
 * document is generated from these and the admin routes, never written by hand.
 */
export interface OpenRouteSpec {
  method: HttpMethod;
  /** OpenAPI style, as RouteSpec's. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /**
   * Who may call: `open` anyone; `open-viewer-detail` anyone, and a viewer token (or more) gets the detail too;
   * `connector` no admin token, the connector checks the sender's own credentials (a signature, a bearer token).
   */
  access: 'open' | 'open-viewer-detail' | 'connector';
  params?: z.ZodType;
  /** A request body the route reads as it comes (a webhook's raw bytes): its media type and what it holds. */
  body?: { contentType: string; description: string };
  responses: Record<number, RouteResponse>;
}

/** One admin route, declared as data: the router, the validation and the OpenAPI document all come from it. */
export interface RouteSpec<P = undefined, Q = undefined, B = undefined> {
  method: HttpMethod;
  /** OpenAPI style, e.g. `/connectors/{name}/offsets`; each `{param}` must be a key of `params`. */
  path: string;
  summary: string;
  description?: string;
  /** Groups routes in the document, e.g. `connectors`. */
  tag: string;
  /** The least role that may call it. */
  role: Role;
  /**
   * Why it needs that role, when it is not plain from the route (a read kept from viewers): said in the 403 answer
   * and the document, e.g. `a dead letter's body is the original document, personal data included`.
   */
  roleReason?: string;
  /**
   * The store its answer waits on (PostgreSQL): the answer is 503 at once when the store is away, instead of waiting
   * for as long as the store's client retries (routes/postgres.ts).
   */
  backend?: RouteBackend;
  /**
   * Its errors also carry Kafka Connect's keys, `error_code` (the status) and `message` (the `error` again), for the
   * tools built for Connect's REST API (the connector routes).
   */
  connectErrors?: boolean;
  params?: z.ZodType<P>;
  /** Query values arrive as strings (or string arrays when repeated): use z.coerce for numbers and booleans. */
  query?: z.ZodType<Q>;
  /** A JSON body (application/json, at most 1 MB). */
  body?: z.ZodType<B>;
  /**
   * The body as the OpenAPI document describes it, when `body` checks only its envelope (a JSON object) and the
   * handler checks the rest itself, so that one answer names every problem: a connector definition, whose options
   * only its type's plugin knows (connectors/runtime/definition.ts validateDefinition). Default: `body`.
   */
  documentedBody?: z.ZodType;
  responses: Record<number, RouteResponse>;
}

/**
 * A store a route's answer waits on. The handler gets `patienceMs`; without an outcome by then the store is probed
 * (`reachable`, one quick check with no retries): when it answers the handler is given the same again, else the
 * answer is 503 with `unavailable`. A failure that says the store is away (lib/errors.ts `isOutage`: connection
 * refused, reset, PostgreSQL shutting down) is 503 at once. Once found away, the next requests probe it first and
 * answer 503 without running their handlers until it answers again.
 */
export interface RouteBackend {
  /** As people call it: `PostgreSQL`. */
  name: string;
  patienceMs: number;
  reachable(): Promise<boolean>;
  /** What the 503 answer says after the store's name and why: what is affected and what to do. */
  unavailable: string;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler<P, Q, B> = (input: RouteInput<P, Q, B>) => Promise<RouteResult>;

// biome-ignore lint/suspicious/noExplicitAny: a list of routes of any input types
export type AnyRouteSpec = RouteSpec<any, any, any>;

const segment = /^(?:[A-Za-z0-9._~-]+|\{([A-Za-z_][A-Za-z0-9_]*)\})$/;

/**
 * Checks an OpenAPI path template and returns express's form of it (`/a/{b}` → `/a/:b`) and its parameter names.
 * A malformed template is a programming error and throws at declaration.
 */
export function compilePath(template: string): { expressPath: string; names: string[] } {
  if (!template.startsWith('/')) throw new TypeError(`route path "${template}" must start with /`);
  const names: string[] = [];
  const parts = template === '/' ? [] : template.slice(1).split('/');
  const expressParts = parts.map((part) => {
    const match = segment.exec(part);
    if (!match) throw new TypeError(`route path "${template}": segment "${part}" is not a name or {param}`);
    if (!match[1]) return part;
    if (names.includes(match[1])) throw new TypeError(`route path "${template}": {${match[1]}} twice`);
    names.push(match[1]);
    return `:${match[1]}`;
  });
  return { expressPath: `/${expressParts.join('/')}`, names };
}
