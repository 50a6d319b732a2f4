import type pg from 'pg';
import type { Publisher, TransportProducer } from '../bus/index.ts';
import { EaiError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { ParkedRetryPolicy, Timers } from './config.ts';
import type { StateReports } from './states.ts';

/**
 * What steps need from the running process (Temporal's `createActivities(deps)`): set once by the engine before
 * DBOS launches, read by step bodies only. Workflow bodies touch only `states`, which takes their reports and gives
 * nothing back, so they stay deterministic.
 */
export interface StepRetry {
  maxAttempts: number;
  intervalSeconds: number;
  backoffRate: number;
}

export interface OrchestratorDeps {
  /**
   * This deployment's `ce_source` (commands.ts orchestratorSource): its commands carry it, and receipts of commands
   * of another source are not its own. Set from the database before any workflow runs.
   */
  source: string;
  publisher: Publisher;
  /** For the alert events (JSON, not canonical Avro). */
  producer: TransportProducer;
  /** Runs SQL on the orchestrator's database (kept events, executors). */
  query: <R = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<{ rows: R[] }>;
  /** The same database's pool, for a transaction (parked-retry.ts: a retry recorded under its row lock). */
  pool: pg.Pool;
  /** The schedule and bounds of automatic retries of parked instances. */
  parkedRetry: ParkedRetryPolicy;
  /** Where instances report their state (WAITING, PARKED…) to operators. */
  states: StateReports;
  sapUrl?: string;
  timers: Timers;
  stepRetry: StepRetry;
  log: Logger;
  /**
   * Called before every attempt of every step and compensation (`workflowId`, step name); may throw. For fault
   * injection in tests and drills; unset in production.
   */
  beforeStep?: (workflowId: string, step: string) => void | Promise<void>;
  /**
   * Told when an instance of this process finishes, with its outcome (again if a replay after a crash finishes it);
   * for tests and benchmarks, unset in production.
   */
  onFinished?: (workflowId: string, outcome: string) => void;
}

let bound: OrchestratorDeps | undefined;

export function bindDeps(deps: OrchestratorDeps | undefined): void {
  bound = deps;
}

export function deps(): OrchestratorDeps {
  if (!bound)
    throw new EaiError('orchestrator dependencies not bound: start the engine first', { retriable: true });
  return bound;
}
