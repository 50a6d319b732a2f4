import pg from 'pg';
import { kafkaReachable, registryReachable } from '../bus/index.ts';
import type { DependencyCheck } from './server.ts';

/** The hub's readiness dependencies: the Kafka cluster and the schema registry. */
export function busChecks(brokers: string, registryUrl: string): Record<string, DependencyCheck> {
  return {
    kafka: () => kafkaReachable(brokers),
    schemaRegistry: () => registryReachable(registryUrl),
  };
}

/** PostgreSQL answers `select 1` on a fresh connection within `timeoutMs` (connect and query each). */
export function postgresCheck(databaseUrl: string, timeoutMs = 2000): DependencyCheck {
  return async () => {
    const client = new pg.Client({
      connectionString: databaseUrl,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
    });
    // A connection that breaks after connect emits 'error'; the failed query reports it, so it is not thrown twice.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
}

/** Everything the hub depends on: the bus, and PostgreSQL when a database URL is configured. */
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
