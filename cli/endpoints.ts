import { setTimeout as sleep } from 'node:timers/promises';
import {
  createBus,
  KafkaSecurityError,
  kafkaReachable,
  registryReachable,
  registryRootProblem,
} from '../bus/index.ts';
import { createRegistryClient, type RegistryClient } from '../bus/registry.ts';
import { ConfigError, errorMessage } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { resolveEndpoints } from '../stack/stack.ts';

/** How long a command waits for Kafka or the registry to answer before it says they are not there. */
export const REACH_TIMEOUT_MS = 5000;

/** Why `check` did not answer true within the deadline, or undefined when it did. */
async function unreachable(check: () => Promise<boolean>, timeoutMs: number): Promise<string | undefined> {
  return Promise.race([
    check().then(
      (ok) => (ok ? undefined : 'not reachable'),
      (error: unknown) => errorMessage(error).split('\n')[0],
    ),
    sleep(timeoutMs, `no answer within ${timeoutMs / 1000} s`, { ref: false }),
  ]);
}

/**
 * The bus for a CLI command, once Kafka and the registry have answered one quick request each (no retries): when
 * the stack is down a command fails within seconds, in one line that names the endpoint and what to do, instead
 * of kafkajs retrying for a minute and logging every attempt.
 */
export async function connectBus(source: string, timeoutMs = REACH_TIMEOUT_MS) {
  const { brokers, registryUrl } = resolveEndpoints();
  await checkEndpoints(brokers, registryUrl, timeoutMs);
  return createBus({
    brokers,
    registryUrl,
    source,
    clientId: 'eai-cli',
    // Errors only: kafkajs's retried attempts and the bus's retries would come before the command's one-line answer.
    logger: createLogger('bus', 'error'),
  });
}

/**
 * Kafka answers, asked as `connectBus` asks it every 2 s until it does or `waitMs` has gone by, then its one line:
 * `eai up`, which started the hub against a Kafka that is not there and left kafkajs to retry for 80 s, each of its
 * 17 attempts a JSON line before the one that said what to do. A broker restarting meanwhile gets its half minute.
 * (The hub runs while the registry is away, its readiness DOWN saying so.)
 */
export async function awaitKafka(
  brokers: string,
  waitMs = 30_000,
  timeoutMs = REACH_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await checkEndpoints(brokers, undefined, timeoutMs);
    } catch (error) {
      // A refusal (credentials, a wrong URL) does not heal by waiting.
      if (!(error instanceof ConfigError) || !/^cannot reach /.test(error.message) || Date.now() >= deadline)
        throw error;
    }
    await sleep(2000);
  }
}

/**
 * Kafka and the registry (when given) each answered one quick request (no retries), or a ConfigError in one line
 * that names the endpoint and what to do.
 */
async function checkEndpoints(
  brokers: string,
  registryUrl: string | undefined,
  timeoutMs: number,
): Promise<void> {
  // Kafka refused this client's security setting, or the setting itself is wrong (a FieldError naming the variable):
  // said as it is, not as a stack that is down.
  let refused: KafkaSecurityError | ConfigError | undefined;
  const [kafka, registry] = await Promise.all([
    unreachable(
      () =>
        kafkaReachable(brokers).catch((error: unknown) => {
          if (error instanceof KafkaSecurityError || error instanceof ConfigError) refused = error;
          throw error;
        }),
      timeoutMs,
    ),
    registryUrl === undefined
      ? Promise.resolve(undefined)
      : unreachable(() => registryReachable(registryUrl), timeoutMs),
  ]);
  if (refused)
    throw refused instanceof ConfigError ? refused : new ConfigError(refused.message, { cause: refused });
  // OAUTHBEARER: the identity provider did not answer (oauth-token.ts), before Kafka was asked anything.
  if (kafka?.includes('OAuth token endpoint'))
    throw new ConfigError(
      `cannot get a token for Kafka at ${brokers}: ${kafka.slice(kafka.indexOf('OAuth token endpoint'))}: is the identity provider up? check EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL`,
    );
  if (kafka) {
    throw new ConfigError(
      `cannot reach Kafka at ${brokers} (${kafka}): is the stack up? npx eai stack up, or set KAFKA_BROKERS`,
    );
  }
  if (registry && registryUrl !== undefined) await refuseRegistry(registryUrl, registry);
}

/** The schema registry alone (`eai schemas check --registry`), once it has answered as `connectBus` asks it. */
export async function connectRegistry(timeoutMs = REACH_TIMEOUT_MS): Promise<RegistryClient> {
  const { registryUrl } = resolveEndpoints();
  const registry = await unreachable(() => registryReachable(registryUrl), timeoutMs);
  if (registry) await refuseRegistry(registryUrl, registry);
  return createRegistryClient(registryUrl, { logger: createLogger('registry', 'warn') });
}

async function refuseRegistry(registryUrl: string, why: string): Promise<never> {
  // It answered, but refused the credentials or its certificate is not trusted: the line names the variable to set
  // (bus/registry-auth.ts), not a stack that is down.
  if (why.startsWith(`schema registry ${registryUrl}`) && /EAI_REGISTRY_|SCHEMA_REGISTRY_URL/.test(why))
    throw new ConfigError(why);
  // It answered, but not as a registry API: a wrong path (Apicurio's root), not a stack that is down.
  const wrongRoot = await registryRootProblem(registryUrl);
  if (wrongRoot) throw new ConfigError(wrongRoot);
  throw new ConfigError(
    `cannot reach the schema registry at ${registryUrl} (${why}): is the stack up? npx eai stack up, or set SCHEMA_REGISTRY_URL`,
  );
}
