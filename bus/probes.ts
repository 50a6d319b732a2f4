import { errorMessage, RetriableError } from '../lib/errors.ts';
import { type RegistryAuth, registryAuthFromEnv, registryTlsProblem } from './registry-auth.ts';
import {
  createTransport,
  explainKafkaFailure,
  type KafkaSecurity,
  type KafkaSecurityError,
  kafkaSecurityFromEnv,
} from './transport/index.ts';

/**
 * Readiness probes of the bus's two dependencies, for the running hub (ops/) and the development stack alike.
 * Each is one quick request with no retry: a probe answers fast, it does not wait for a dependency to heal.
 */

/**
 * True when the Kafka cluster answers a metadata request (with the environment's TLS and SASL unless `security` is
 * given). A failure its security setting explains (a wrong password, an untrusted certificate, TLS to a PLAINTEXT
 * port) rejects with a KafkaSecurityError whose one line names the variable to set, so readiness says why. One
 * connection for one answer: a process that asks again and again keeps a `KafkaProbe`.
 */
export async function kafkaReachable(brokers: string, security?: KafkaSecurity): Promise<boolean> {
  const probe = new KafkaProbe(brokers, security);
  try {
    return await probe.reachable();
  } finally {
    await probe.close();
  }
}

/**
 * `kafkaReachable`'s request over a connection kept between probes: a hub asks every 2 s (its connectors' `waiting`)
 * and on each readiness call, and a new client each time cost a TCP connection, ApiVersions and, secured, a TLS and
 * SASL handshake, to the broker as well as to the hub. A failed probe drops the client, so the next one connects
 * afresh (new addresses, a restarted broker, a changed certificate); one probe's answer does not wait for another's.
 */
export class KafkaProbe {
  readonly brokers: string;
  private readonly security: KafkaSecurity;
  private admin: ReturnType<ReturnType<typeof createTransport>['admin']> | undefined;

  constructor(brokers: string, security?: KafkaSecurity) {
    this.brokers = brokers;
    this.security = security ?? kafkaSecurityFromEnv();
  }

  async reachable(): Promise<boolean> {
    this.admin ??= createTransport({
      brokers: this.brokers.split(','),
      clientId: 'eai-probe',
      quiet: true,
      security: this.security,
    }).admin();
    const admin = this.admin;
    try {
      await admin.connect();
      await admin.describeCluster();
      return true;
    } catch (error) {
      if (this.admin === admin) this.admin = undefined;
      await admin.disconnect().catch(() => undefined);
      throw explainKafkaFailure(error, this.security, this.brokers) ?? error;
    }
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}

/**
 * The KafkaSecurityError one quick connection (no retries) meets, or undefined when it connects or fails for another
 * reason (an outage, left to the callers' retries): a start checks this first, so a wrong password or CA fails it in
 * a second, in one line, instead of after kafkajs's minute of retries.
 */
export async function kafkaSecurityProblem(
  brokers: string,
  security: KafkaSecurity,
): Promise<KafkaSecurityError | undefined> {
  try {
    await kafkaReachable(brokers, security);
    return undefined;
  } catch (error) {
    return explainKafkaFailure(error, security, brokers);
  }
}

/** True when a Confluent-compatible registry answers `GET /subjects` (with the environment's credentials). */
export async function registryReachable(
  url: string,
  auth: RegistryAuth = registryAuthFromEnv(),
): Promise<boolean> {
  let response: Response;
  try {
    response = await auth.fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2000) });
  } catch (error) {
    const tls = registryTlsProblem(error, url, auth);
    throw tls ? new RetriableError(tls, { cause: error }) : error;
  }
  await response.body?.cancel();
  const refusal = auth.refusal(response.status, url);
  if (refusal) throw new RetriableError(refusal);
  return response.ok;
}

/**
 * Readiness's probe of the registry: true when it answers `GET /subjects` with 2xx; else a RetriableError that names
 * the URL and what happened (refused, no answer in time, its status and the start of its answer). With
 * `registryReachable`, readiness said `fetch failed` (the registry stopped) or `not reachable` (answering 500 while
 * its PostgreSQL was away), naming neither the registry nor why.
 */
export async function registryAnswers(
  url: string,
  timeoutMs = 2000,
  auth: RegistryAuth = registryAuthFromEnv(),
): Promise<boolean> {
  let response: Response;
  try {
    response = await auth.fetch(`${url}/subjects`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const tls = registryTlsProblem(error, url, auth);
    if (tls) throw new RetriableError(tls, { cause: error });
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
  const refusal = auth.refusal(response.status, url);
  if (refusal) {
    await response.body?.cancel();
    throw new RetriableError(refusal);
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
export async function registryRootProblem(
  url: string,
  auth: RegistryAuth = registryAuthFromEnv(),
): Promise<string | undefined> {
  const status = async (u: string) => {
    const response = await auth.fetch(u, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    await response?.body?.cancel();
    return response?.status;
  };
  if ((await status(`${url}/subjects`)) !== 404) return undefined;
  const ccompat = `${url.replace(/\/+$/, '')}${APICURIO_CCOMPAT}`;
  return (await status(`${ccompat}/subjects`)) === 200
    ? `${url} answers GET /subjects with 404: that is Apicurio's server root, its Confluent-compatible API is ${ccompat}; set SCHEMA_REGISTRY_URL=${ccompat}`
    : `${url} answers GET /subjects with 404: not the root of a Confluent-compatible registry API (Confluent, Karapace, Redpanda: the server's root; Apicurio: ${APICURIO_CCOMPAT}); check SCHEMA_REGISTRY_URL`;
}
