import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Catalogue, SeriesInfo } from './promql-check.ts';

/**
 * The series a hub exports, without starting one: print-hub-metrics.ts loads ops/hub.ts (every layer a hub runs
 * declares its metrics when its module loads) in a process of its own, whose registry holds nothing else. A metric
 * made only inside a function would be missing, so a rule on it fails its check rather than passing unchecked
 * (monitoring.spec.ts also checks that every `eai_` metric the code declares is there).
 */

/** Labels Prometheus adds to every series it scrapes (the target's). */
export const TARGET_LABELS = ['job', 'instance'] as const;

export interface MetricFamily {
  name: string;
  /** prom-client's class: counter, gauge, histogram, summary. */
  type: string;
  labels: string[];
}

const script = fileURLToPath(new URL('print-hub-metrics.ts', import.meta.url));

/** Each metric family of the hub: its name, type and own labels. */
export async function hubMetricFamilies(): Promise<MetricFamily[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as MetricFamily[];
}

/**
 * Every series name a query can select, with its type and labels (its own and the target's): a histogram's
 * `_bucket` (with `le`), `_sum` and `_count`, a summary's quantiles, `_sum` and `_count`; and Prometheus's `up`.
 */
export function catalogueOf(families: MetricFamily[]): Catalogue {
  const catalogue = new Map<string, SeriesInfo>();
  const add = (name: string, type: SeriesInfo['type'], labels: readonly string[]) =>
    catalogue.set(name, { type, labels: new Set([...labels, ...TARGET_LABELS]) });
  for (const { name, type, labels } of families) {
    if (type === 'histogram') {
      add(`${name}_bucket`, 'counter', [...labels, 'le']);
      add(`${name}_sum`, 'counter', labels);
      add(`${name}_count`, 'counter', labels);
    } else if (type === 'summary') {
      add(name, 'gauge', [...labels, 'quantile']);
      add(`${name}_sum`, 'counter', labels);
      add(`${name}_count`, 'counter', labels);
    } else add(name, type === 'counter' ? 'counter' : 'gauge', labels);
  }
  add('up', 'gauge', []);
  return catalogue;
}
