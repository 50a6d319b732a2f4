import { errorMessage, RetriableError } from '../lib/errors.ts';
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

/**
 * Readiness's probe of the registry: true when it answers `GET /subjects` with 2xx; else a RetriableError that names
 * the URL and what happened (refused, no answer in time, its status and the start of its answer). With
 * `registryReachable`, readiness said `fetch failed` (the registry stopped) or `not reachable` (answering 500 while
 * its PostgreSQL was away), naming neither the registry nor why.
 */
export async function registryAnswers(url: string, timeoutMs = 2000): Promise<boolean> {
  let response: Response;
  try {
    response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    const why =
      (error as Error).name === 'TimeoutError'
        ? `no answer to GET /subjects within ${timeoutMs} ms`
        : `unreachable (${errorMessage(cause ?? error)})`;
    throw new RetriableError(`schema registry ${url}: ${why}`, { cause: error });
  }
  if (response.ok) {
    await response.body?.cancel();
    return true;
  }
  const answer = (await response.text().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 200);
  throw new RetriableError(
    `schema registry ${url}: GET /subjects answered HTTP ${response.status}${answer ? ` (${answer})` : ''}`,
  );
}

/** The path under which Apicurio Registry serves its Confluent-compatible API. */
const APICURIO_CCOMPAT = '/apis/ccompat/v7';

/**
 * Why a registry URL that answers is still no Confluent-compatible API root (`GET /subjects` is 404, as at
 * Apicurio's server root), naming the URL to set when `<url>/apis/ccompat/v7` is one; undefined when it is one, or
 * when nothing answers (that is `registryReachable`'s to say). Else every schema lookup of the hub fails with a 404
 * that does not say why.
 */
export async function registryRootProblem(url: string): Promise<string | undefined> {
  const status = async (u: string) => {
    const response = await fetch(u, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    await response?.body?.cancel();
    return response?.status;
  };
  if ((await status(`${url}/subjects`)) !== 404) return undefined;
  const ccompat = `${url.replace(/\/+$/, '')}${APICURIO_CCOMPAT}`;
  return (await status(`${ccompat}/subjects`)) === 200
    ? `${url} answers GET /subjects with 404: that is Apicurio's server root, its Confluent-compatible API is ${ccompat}; set SCHEMA_REGISTRY_URL=${ccompat}`
    : `${url} answers GET /subjects with 404: not the root of a Confluent-compatible registry API (Confluent, Karapace, Redpanda: the server's root; Apicurio: ${APICURIO_CCOMPAT}); check SCHEMA_REGISTRY_URL`;
}
