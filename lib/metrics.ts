import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's one metrics registry (prom-client), one prefix (`eai_`), base units (seconds, bytes), as
 * Prometheus naming asks. Each layer declares its metrics beside its code; ops/ serves them at /metrics.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'eai_' });
// prom-client's defaults include gauges named `…_total` (the active handles, requests and resources summed), which
// Prometheus reserves for counters (`promtool check metrics` flags them); their per-type twins without the suffix
// stay, and say the same.
for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total'])
  metricsRegistry.removeSingleMetric(`eai_nodejs_${name}`);

type Config<T extends string> = { name: string; help: string; labelNames?: readonly T[] };

/** Returns the metric of that name if it is declared already (a module loaded twice), else declares it. */
function declare<M>(name: string, make: () => M): M {
  return (metricsRegistry.getSingleMetric(name) as M | undefined) ?? make();
}

export function counter<T extends string>(config: Config<T>): Counter<T> {
  return declare(config.name, () => new Counter({ ...config, registers: [metricsRegistry] }));
}

/** A gauge; `collect` (optional) sets its values at each scrape, for figures read from elsewhere (a database). */
export function gauge<T extends string>(
  config: Config<T> & { collect?: (this: Gauge<T>) => void | Promise<void> },
): Gauge<T> {
  return declare(config.name, () => new Gauge({ ...config, registers: [metricsRegistry] }));
}

export function histogram<T extends string>(config: Config<T> & { buckets: number[] }): Histogram<T> {
  return declare(config.name, () => new Histogram({ ...config, registers: [metricsRegistry] }));
}
