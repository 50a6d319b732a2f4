import { kafkaReachable, registryReachable } from '../bus/index.ts';
import type { DependencyCheck } from './server.ts';

/** The hub's readiness dependencies: the Kafka cluster and the schema registry. */
export function busChecks(brokers: string, registryUrl: string): Record<string, DependencyCheck> {
  return {
    kafka: () => kafkaReachable(brokers),
    schemaRegistry: () => registryReachable(registryUrl),
  };
}
