import { createTransport } from './transport/index.ts';

/**
 * Readiness probes of the bus's two dependencies, for the running hub (ops/) and the development stack alike.
 * Each is one quick request with no retry: a probe answers fast, it does not wait for a dependency to heal.
 */

/** True when the Kafka cluster answers a metadata request. */
export async function kafkaReachable(brokers: string): Promise<boolean> {
  const admin = createTransport({ brokers: brokers.split(','), clientId: 'eai-probe', quiet: true }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** True when a Confluent-compatible registry answers `GET /subjects`. */
export async function registryReachable(url: string): Promise<boolean> {
  const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2000) });
  return response.ok;
}
