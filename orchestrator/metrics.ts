import { counter, gauge, histogram } from '../lib/metrics.ts';

/** The parked instances by type, as the database counts them (a type with none is absent). */
type ParkedFigures = Array<{ type: string; parked: number }>;

/**
 * Where the parked gauge reads its figures: set by a running engine, unset when it stops. Undefined figures: not known
 * now (the database did not answer in time); the gauge keeps what it last read.
 */
let parkedSource: (() => Promise<ParkedFigures | undefined>) | undefined;
/** The workflow types the running engine has definitions of: each one's series is 0 when none of it is parked. */
let parkedTypes: readonly string[] = [];

/**
 * Sets (or, undefined, unsets) where the parked gauge reads its figures, and the `types` the engine runs: a counted
 * scrape exports each of them, 0 when none is parked, as Prometheus practice has it for the label sets that are known,
 * so a dashboard shows 0 rather than "no data" and `absent()` tells a hub that counts none from one that does not
 * count. A type parked in the database but no longer defined is exported as counted.
 */
export function setParkedSource(source: typeof parkedSource, types: readonly string[] = []): void {
  parkedSource = source;
  parkedTypes = source ? types : [];
}

/** The orchestrator's metrics; incremented inside steps only, so a replayed workflow does not count twice. */
export const orchestratorMetrics = {
  stepSeconds: histogram({
    name: 'eai_workflow_step_duration_seconds',
    help: 'Duration of one workflow step attempt that succeeded, by workflow type and step.',
    labelNames: ['type', 'step'] as const,
    buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
  }),
  finished: counter({
    name: 'eai_workflows_finished_total',
    help: 'Workflow instances that ended, by type and outcome (COMPLETED, COMPENSATED).',
    labelNames: ['type', 'outcome'] as const,
  }),
  timeouts: counter({
    name: 'eai_workflow_timeouts_total',
    help: 'Timers that fired (escalations and final timeouts), by type and wait.',
    labelNames: ['type', 'wait', 'kind'] as const,
  }),
  compensations: counter({
    name: 'eai_workflow_compensations_total',
    help: 'Compensation steps run, by type, step and outcome (ok, failed).',
    labelNames: ['type', 'step', 'outcome'] as const,
  }),
  parkedNow: gauge({
    name: 'eai_workflows_parked',
    help: 'Instances parked now (a compensation that failed, or a step whose system stayed unavailable; waiting for an automatic or an operator retry), by type; read from the orchestrator database at each scrape, 0 for each type the orchestrator runs with none parked.',
    labelNames: ['type'] as const,
    async collect() {
      const figures = parkedSource ? await parkedSource() : [];
      if (figures === undefined) return;
      this.reset();
      for (const type of parkedTypes) this.set({ type }, 0);
      for (const { type, parked } of figures) this.set({ type }, parked);
    },
  }),
  parked: counter({
    name: 'eai_workflow_parked_total',
    help: 'Instances parked (compensation_failed or step_unavailable; parked again after an automatic retry not counted), by type.',
    labelNames: ['type'] as const,
  }),
  /** Counted by the runner of parked-retry.ts, outside any workflow. */
  autoRetries: counter({
    name: 'eai_workflow_auto_retries_total',
    help: 'Automatic retries of parked instances, by type and outcome (retried: sent; failed: could not be sent, tried at the next scan; gave_up: the bounds reached, the instance waits for an operator).',
    labelNames: ['type', 'outcome'] as const,
  }),
  routed: counter({
    name: 'eai_workflow_events_routed_total',
    help: 'Canonical events handled by the event router, by topic and outcome (sent, started, ignored, uncorrelated: references no instance recorded, not_applied: a change the running instance does not apply, e.g. an order amendment).',
    labelNames: ['topic', 'outcome'] as const,
  }),
  takeovers: counter({
    name: 'eai_workflow_takeovers_total',
    help: 'Workflows of a dead instance resumed by this one.',
  }),
};
