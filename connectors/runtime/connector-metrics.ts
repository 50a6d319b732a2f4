import { counter, gauge } from '../../lib/metrics.ts';

/** Per connector: records in / out / failed, last success, lag; the same numbers feed its status. */
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
  running: gauge({
    name: 'eai_connector_running',
    help: '1 when the connector runs on this instance, else 0.',
    labelNames: ['connector', 'state'],
  }),
};

/** The live counters of one connector task, as its status shows them. */
export interface TaskCounters {
  recordsIn: number;
  recordsOut: number;
  recordsFailed: number;
  lastSuccessAt: string | null;
  lastError: string | null;
  lagRecords: number | null;
  lagSeconds: number | null;
}

export function newCounters(): TaskCounters {
  return {
    recordsIn: 0,
    recordsOut: 0,
    recordsFailed: 0,
    lastSuccessAt: null,
    lastError: null,
    lagRecords: null,
    lagSeconds: null,
  };
}
