import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One registry, one prefix (`eai_`), base units (seconds, bytes), as Prometheus naming asks. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'eai_' });

export const metrics = {
  eventsPublished: new Counter({
    name: 'eai_bus_events_published_total',
    help: 'Canonical events published to Kafka, by topic.',
    labelNames: ['topic'],
    registers: [metricsRegistry],
  }),
  eventsConsumed: new Counter({
    name: 'eai_bus_events_consumed_total',
    help: 'Events handled by consumer runners, by group and outcome (ok, dead_lettered).',
    labelNames: ['group', 'outcome'],
    registers: [metricsRegistry],
  }),
  readinessCheckSeconds: new Histogram({
    name: 'eai_readiness_check_duration_seconds',
    help: 'Time to check one readiness dependency.',
    labelNames: ['dependency'],
    buckets: [0.005, 0.02, 0.1, 0.5, 2],
    registers: [metricsRegistry],
  }),
};
