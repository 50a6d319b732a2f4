import { counter } from '../lib/metrics.ts';

/** The bus's own metrics: what was published and what consumer runners did with what they read. */
export const busMetrics = {
  eventsPublished: counter({
    name: 'eai_bus_events_published_total',
    help: 'Canonical events acknowledged by Kafka after a publish, by topic.',
    labelNames: ['topic'],
  }),
  eventsConsumed: counter({
    name: 'eai_bus_events_consumed_total',
    help: 'Records finished by consumer runners, by group and outcome (ok, dead_lettered, tombstone: a null value skipped).',
    labelNames: ['group', 'outcome'],
  }),
};
