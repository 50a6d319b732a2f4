import { describe, expect, it } from 'vitest';
import { type Catalogue, checkQuery } from './promql-check.ts';

const series = (type: 'counter' | 'gauge', ...labels: string[]) => ({
  type,
  labels: new Set([...labels, 'job', 'instance']),
});
const catalogue: Catalogue = new Map([
  ['eai_connector_records_failed_total', series('counter', 'connector')],
  ['eai_connector_lag_seconds', series('gauge', 'connector')],
  ['eai_connector_running', series('gauge', 'connector', 'state')],
  ['eai_connector_next_restart_timestamp_seconds', series('gauge', 'connector')],
  ['eai_step_seconds_bucket', series('counter', 'type', 'le')],
  ['eai_sync_status', series('gauge', 'system')],
  ['eai_sync_drift_records', series('gauge', 'system', 'kind')],
]);
const problems = (expr: string) => checkQuery(expr, catalogue).problems;
const labels = (expr: string) => [...(checkQuery(expr, catalogue).labels ?? ['?'])].sort();

describe('a PromQL expression checked against the series a process exports', () => {
  it('passes one that names only metrics and labels that exist', () => {
    expect(
      problems(
        'eai_connector_running{state="FAILED"} == 1 unless on (job, instance, connector) eai_connector_next_restart_timestamp_seconds > 0',
      ),
    ).toEqual([]);
    expect(
      problems('histogram_quantile(0.9, sum by (type, le) (rate(eai_step_seconds_bucket[5m])))'),
    ).toEqual([]);
  });

  it('refuses what does not parse, naming where', () => {
    expect(problems('rate(eai_connector_records_failed_total[5m]')).toEqual([
      expect.stringMatching(/^syntax error at character \d+/),
    ]);
    expect(problems('sum by (connector (eai_connector_lag_seconds)')[0]).toMatch(/syntax error/);
  });

  it('names a metric the process does not export, and a label its metric lacks', () => {
    expect(problems('eai_connector_lag_records > 10')).toEqual(['unknown metric eai_connector_lag_records']);
    expect(problems('eai_connector_running{status="FAILED"}')).toEqual([
      'eai_connector_running has no label status (its labels: connector, instance, job, state)',
    ]);
  });

  it('names grouping and matching labels the series do not carry', () => {
    expect(problems('sum by (system) (eai_connector_lag_seconds)')[0]).toMatch(
      /^sum by system: .* no such label/,
    );
    expect(problems('eai_connector_lag_seconds and on (system) eai_sync_status')[0]).toMatch(/^on system:/);
    expect(problems('eai_sync_status * on (system) group_left (state) eai_sync_drift_records')[0]).toMatch(
      /^group_left state:/,
    );
    expect(problems('histogram_quantile(0.9, sum by (type) (rate(eai_step_seconds_bucket[5m])))')[0]).toMatch(
      /needs the buckets' label le/,
    );
    expect(problems('label_replace(eai_sync_status, "s", "$1", "systm", "(.*)")')[0]).toMatch(
      /label_replace\(\) reads systm/,
    );
  });

  it('refuses a range function of an instant vector, a counter function of a gauge and the reverse', () => {
    expect(problems('rate(eai_connector_records_failed_total)')[0]).toMatch(/takes a range vector/);
    expect(problems('increase(eai_connector_lag_seconds[1h])')).toEqual([
      'increase() of eai_connector_lag_seconds, a gauge: use it on counters only',
    ]);
    expect(problems('deriv(eai_connector_records_failed_total[1h])')[0]).toMatch(
      /use rate\(\) or increase\(\)/,
    );
  });

  it('infers the labels of the result, which templates and legends may name', () => {
    expect(labels('sum by (job, type) (rate(eai_step_seconds_bucket[5m])) > 0.2')).toEqual(['job', 'type']);
    expect(labels('max without (instance) (eai_connector_lag_seconds)')).toEqual(['connector', 'job']);
    expect(labels('time() - eai_connector_lag_seconds > 300')).toEqual(['connector', 'instance', 'job']);
    expect(
      labels('eai_connector_lag_seconds / on (connector) eai_connector_next_restart_timestamp_seconds'),
    ).toEqual(['connector']);
    expect(labels('eai_sync_status * on (system) group_left (kind) eai_sync_drift_records')).toEqual([
      'instance',
      'job',
      'kind',
      'system',
    ]);
    expect(labels('histogram_quantile(0.9, sum by (type, le) (rate(eai_step_seconds_bucket[5m])))')).toEqual([
      'type',
    ]);
  });
});
