/**
 * Prints the hub's metric families as JSON (name, prom-client type, label names), read from a fresh process's
 * registry once ops/hub.ts is loaded: every layer declares its metrics when its module loads (lib/metrics.ts), so
 * this is what a hub exports, whichever roles it runs, without starting one. hub-metrics.ts runs it.
 */
import { metricsRegistry } from '../../lib/metrics.ts';

interface Declared {
  name: string;
  labelNames?: readonly string[];
  constructor: { name: string };
}

await import('../hub.ts');
const families = (metricsRegistry.getMetricsAsArray() as unknown as Declared[]).map((metric) => ({
  name: metric.name,
  type: metric.constructor.name.toLowerCase(),
  labels: [...(metric.labelNames ?? [])],
}));
process.stdout.write(`${JSON.stringify(families)}\n`);
