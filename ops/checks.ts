import { kafkaReachable, registryAnswers } from '../bus/index.ts';
import { postgresReachable } from '../store/probe.ts';
import type { DependencyCheck } from './server.ts';

/** The hub's readiness dependencies: the Kafka cluster and the schema registry (a DOWN says which and why). */
export function busChecks(brokers: string, registryUrl: string): Record<string, DependencyCheck> {
  return {
    kafka: () => kafkaReachable(brokers),
    schemaRegistry: () => registryAnswers(registryUrl),
  };
}

/** PostgreSQL answers `select 1` within `timeoutMs`. */
export function postgresCheck(databaseUrl: string, timeoutMs = 2000): DependencyCheck {
  return () => postgresReachable(databaseUrl, timeoutMs);
}

/** Everything the hub depends on: the bus, and PostgreSQL when given a database URL (a role of the hub uses it). */
export function hubChecks(endpoints: {
  brokers: string;
  registryUrl: string;
  databaseUrl?: string;
}): Record<string, DependencyCheck> {
  return {
    ...busChecks(endpoints.brokers, endpoints.registryUrl),
    ...(endpoints.databaseUrl ? { postgres: postgresCheck(endpoints.databaseUrl) } : {}),
  };
}
