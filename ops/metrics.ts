import { gauge, histogram } from '../lib/metrics.ts';

/** The ops server's own metrics; the registry it serves is the process's one (lib/metrics.ts). */
export const opsMetrics = {
  readinessCheckSeconds: histogram({
    name: 'eai_readiness_check_duration_seconds',
    help: 'Time to check one readiness dependency.',
    labelNames: ['dependency'],
    buckets: [0.005, 0.02, 0.1, 0.5, 2],
  }),
  dependencyUp: gauge({
    name: 'eai_dependency_up',
    help: 'Readiness per dependency (kafka, schemaRegistry, postgres): 1 when it answers, else 0; checked at each scrape of /metrics and each /health/ready, the hub ready when all are 1.',
    labelNames: ['dependency'],
  }),
};
