import { counter, gauge, histogram } from '../../lib/metrics.ts';

/** Per connector: records in / out / skipped / failed, last success, lag; the same numbers feed its status. */
export const connectorMetrics = {
  recordsIn: counter({
    name: 'eai_connector_records_in_total',
    help: 'Documents read by a source, or canonical records received by a sink.',
    labelNames: ['connector'],
  }),
  recordsOut: counter({
    name: 'eai_connector_records_out_total',
    help: 'Canonical records a source committed to Kafka, or records a sink applied to its target.',
    labelNames: ['connector'],
  }),
  recordsSkipped: counter({
    name: 'eai_connector_records_skipped_total',
    help: 'Sources: documents read that mapped to no record and no dead letter (the mapping selects nothing from them). Sinks: records received but not for the sink (its mapping writes nothing for them), so not applied.',
    labelNames: ['connector'],
  }),
  recordsFailed: counter({
    name: 'eai_connector_records_failed_total',
    help: 'Documents or records sent to a dead-letter topic.',
    labelNames: ['connector'],
  }),
  lastSuccess: gauge({
    name: 'eai_connector_last_success_timestamp_seconds',
    help: 'Unix time of the last batch a connector committed or applied.',
    labelNames: ['connector'],
  }),
  lagRecords: gauge({
    name: 'eai_connector_lag_records',
    help: 'Sinks: records on their topics not yet applied.',
    labelNames: ['connector'],
  }),
  lagSeconds: gauge({
    name: 'eai_connector_lag_seconds',
    help: 'Sinks: age of the oldest record not yet applied (0 when caught up).',
    labelNames: ['connector'],
  }),
  retryingSince: gauge({
    name: 'eai_connector_retrying_since_timestamp_seconds',
    help: 'Sinks: Unix time since which the record in hand has been retried (its target down, 429, 5xx), from the start of its first failed attempt, its partition waiting behind it; 0 when none is (alert on time() - this, where it is > 0).',
    labelNames: ['connector'],
  }),
  readFailingSince: gauge({
    name: 'eai_connector_read_failing_since_timestamp_seconds',
    help: 'Sources: Unix time since which its reads have failed in a row (a poll: the system down or refusing), the task trying again by itself; 0 when they work (alert on time() - this, where it is > 0).',
    labelNames: ['connector'],
  }),
  transactionSeconds: histogram({
    name: 'eai_connector_transaction_seconds',
    help: "Sources: time from a batch's send to its commit on Kafka (one transaction, retries included).",
    labelNames: ['connector'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
  transactionDocuments: histogram({
    name: 'eai_connector_transaction_documents',
    help: 'Sources: documents whose records one committed transaction holds.',
    labelNames: ['connector'],
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
  }),
  restarts: counter({
    name: 'eai_connector_restarts_total',
    help: "Restarts a connector made by itself after a transient failure (its definition's `restart`); an operator's are not counted.",
    labelNames: ['connector'],
  }),
  nextRestart: gauge({
    name: 'eai_connector_next_restart_timestamp_seconds',
    help: 'Unix time of the restart a FAILED connector will make by itself (its failure transient); 0 when none is pending (a FAILED connector with 0 waits for an operator).',
    labelNames: ['connector'],
  }),
  running: gauge({
    name: 'eai_connector_running',
    help: '1 for the state (RUNNING, PAUSED, STOPPED, FAILED) of a connector assigned to this instance, else 0.',
    labelNames: ['connector', 'state'],
  }),
};

/**
 * A connector's records in / out / skipped / failed and restarts series at 0, so that `/metrics` shows them before the first
 * record (a dashboard or an alert on failures sees 0, not nothing); the counters keep what they hold when called again.
 */
export function initialiseSeries(connector: string): void {
  for (const metric of [
    connectorMetrics.recordsIn,
    connectorMetrics.recordsOut,
    connectorMetrics.recordsSkipped,
    connectorMetrics.recordsFailed,
    connectorMetrics.restarts,
  ])
    metric.inc({ connector }, 0);
}

/**
 * Removes every series of a connector that left this instance (deleted, or its slot moved to another one): a deleted
 * sink's last lag stayed in `/metrics` until the hub restarted, and an alert on lag fired for a connector that no longer
 * existed; one that moved was served by both instances, the old one frozen. Kafka Connect drops a connector's metrics
 * with it.
 */
export function forgetSeries(connector: string): void {
  for (const metric of Object.values(connectorMetrics)) {
    if (metric === connectorMetrics.running) continue;
    metric.remove({ connector });
  }
  for (const state of ['RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'UNASSIGNED'])
    connectorMetrics.running.remove({ connector, state });
}

/** The live counters of one connector task, as its status shows them. */
export interface TaskCounters {
  recordsIn: number;
  recordsOut: number;
  /** Sources: documents their mapping selects nothing from. Sinks: records not for the sink, handled without applying anything. */
  recordsSkipped: number;
  /** How many of them were skipped for each reason, in the words the mapping step or the sink gave it. */
  skippedReasons: Record<string, number>;
  recordsFailed: number;
  lastSuccessAt: string | null;
  lastError: string | null;
  /**
   * Sinks: the record being retried (the partition waits behind it), from its first failed attempt (the task's own
   * retries within a put included, `attemptFailed`), or null.
   */
  retrying: { since: string; attempts: number; error: string } | null;
  lagRecords: number | null;
  lagSeconds: number | null;
}

export function newCounters(): TaskCounters {
  return {
    recordsIn: 0,
    recordsOut: 0,
    recordsSkipped: 0,
    skippedReasons: {},
    recordsFailed: 0,
    lastSuccessAt: null,
    lastError: null,
    retrying: null,
    lagRecords: null,
    lagSeconds: null,
  };
}

/**
 * The counters another instance reported (its status on the status topic), with what an older hub did not report yet
 * at its start value (`skippedReasons` came later): a status from a hub of another version still has every field.
 */
export function reportedCounters(reported: Partial<TaskCounters> | undefined): TaskCounters {
  return { ...newCounters(), ...reported };
}

/** The most reasons a connector's status tells apart; records skipped for any further one count under OTHER_REASONS. */
export const MAX_SKIPPED_REASONS = 20;
export const OTHER_REASONS = 'other reasons';

/**
 * `count` records skipped for `reason`: in the counters (by reason, at most MAX_SKIPPED_REASONS of them: a sink that
 * put an id into its reason would otherwise grow the status without end) and in `eai_connector_records_skipped_total`.
 */
export function countSkipped(connector: string, counters: TaskCounters, reason: string, count = 1): void {
  counters.recordsSkipped += count;
  const reasons = counters.skippedReasons;
  const known =
    reasons[reason] !== undefined || Object.keys(reasons).length < MAX_SKIPPED_REASONS - 1
      ? reason
      : OTHER_REASONS;
  reasons[known] = (reasons[known] ?? 0) + count;
  connectorMetrics.recordsSkipped.inc({ connector }, count);
}
