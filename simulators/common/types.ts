import type { Request, Router } from 'express';
import type { Effect, EffectInput } from './effects.ts';
import type { RetryPolicy, WebhookDispatcher } from './webhooks.ts';

/** Generic error situations the core answers itself; each simulator turns them into its own error body. */
export type SimErrorCode =
  | 'BAD_JSON'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'SERVER_ERROR'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface SimErrorInfo {
  status: number;
  code: SimErrorCode;
  message: string;
}

/** What a simulator author writes: its state, its routes and its error shape. */
export interface SimulatorSpec<S> {
  name: string;
  /** A fresh, empty state (called at start and on reset). Must be JSON-serialisable. */
  initialState: () => S;
  /** Mounts the system's own API. Read `sim.state` on every request: reset replaces it. */
  routes: (router: Router, sim: SimContext<S>) => void;
  /** The system's own error body for errors the core answers (bad JSON, unknown route, faults). */
  errorBody: (error: SimErrorInfo) => unknown;
  /**
   * How the system answers a request over its limit (the `rate_limit` fault): its status, and whether it says when to
   * come back (Retry-After). Default 429 with Retry-After; Salesforce's REST API answers 403 REQUEST_LIMIT_EXCEEDED
   * without one.
   */
  rateLimit?: { status: number; retryAfter: boolean };
  /** Loads seed records (one JSON value per JSONL line) into `sim.state`. */
  applySeed?: (records: unknown[], sim: SimContext<S>) => void;
  /** The system's own idempotency key, when it has one; the `Idempotency-Key` header is always honoured. */
  idempotencyKey?: (req: Request) => string | undefined;
  /** Carries over what a reset must not forget (sessions, org identity) from the old state into the fresh one. */
  preserveOnReset?: (previous: S, fresh: S) => void;
  /** Channels a webhook subscriber may ask for (`POST /sim/subscriptions`); any when absent. */
  channels?: string[];
}

/** Handed to the simulator's routes: state plus the shared machinery. */
export interface SimContext<S> {
  readonly name: string;
  /** Current state; mutate it in place inside a request, the core saves it when the response ends. */
  readonly state: S;
  /** Records an applied state change (for `GET /sim/effects`) and marks state to be saved. */
  recordEffect(req: Request, effect: EffectInput): Effect;
  /** Marks state to be saved without recording an effect (e.g. a token issued). */
  markDirty(): void;
  /**
   * Forgets the stored idempotent answers whose body contains `mentions` (a record erased for good: its answers
   * must not hand its data out again). Returns how many.
   */
  forgetAnswers(mentions: string): number;
  /** Outbound webhooks (subscribers, ordered delivery with retries, webhook faults). */
  readonly webhooks: WebhookDispatcher;
  /** The base URL the simulator listens on, e.g. http://127.0.0.1:41234 (set once started). */
  readonly url: string;
}

export interface StartOptions {
  port?: number;
  host?: string;
  /** JSON file: loaded at start when it exists, written after each state-changing request. */
  statePath?: string;
  /** JSONL file of seed records, applied when no saved state exists and on `POST /sim/reset`. */
  seed?: string;
  /** Overrides for webhook retries (tests use short delays). */
  webhookRetry?: Partial<RetryPolicy>;
}

export interface RunningSimulator {
  name: string;
  url: string;
  close(): Promise<void>;
}

export interface SimulatorDefinition {
  name: string;
  /** Port used by `eai sim <name>` when none is given. */
  defaultPort: number;
  start(options?: StartOptions): Promise<RunningSimulator>;
}
