import { counter, gauge, histogram } from '../lib/metrics.ts';

/**
 * Where the parked gauge reads its figures: set by a running engine, unset when it stops. Undefined figures: not known
 * now (the database did not answer in time); the gauge keeps what it last read.
 */
let parkedSource: (() => Promise<Array<{ type: string; parked: number }> | undefined>) | undefined;

export function setParkedSource(source: typeof parkedSource): void {
  parkedSource = source;
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
    help: 'Instances parked now (a compensation that failed, or a step whose system stayed unavailable; waiting for an automatic or an operator retry), by type; read from the orchestrator database at each scrape.',
    labelNames: ['type'] as const,
    async collect() {
      const figures = parkedSource ? await parkedSource() : [];
      if (figures === undefined) return;
      this.reset();
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
