import { secretScrubber } from '../connectors/index.ts';
import { secretFromEnv } from '../lib/env-secrets.ts';

/** The environment variables that hold the hub's own secrets (each may come from its `_FILE` twin). */
const SECRET_VARIABLES = [
  'EAI_ADMIN_TOKEN',
  'EAI_KAFKA_SASL_PASSWORD',
  'EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET',
  'EAI_KAFKA_SSL_KEY_PASSWORD',
  'EAI_REGISTRY_BASIC_AUTH',
  'EAI_REGISTRY_BEARER_TOKEN',
  'EAI_REGISTRY_BEARER_AUTH_CLIENT_SECRET',
];

/**
 * Replaces the hub's own secrets (the plain admin token, Kafka's and the registry's credentials, the database
 * password in `DATABASE_URL`) by `[redacted]` in a text, as a connector's errors have its config's secrets replaced
 * (`secretScrubber`): for the log lines of failures no one knows the shape of (`loggedError`).
 */
export function hubSecretScrubber(
  env: NodeJS.ProcessEnv = process.env,
  databaseUrl = env.DATABASE_URL,
): (text: string) => string {
  const values: string[] = [];
  for (const name of SECRET_VARIABLES) {
    try {
      const value = secretFromEnv(env, name);
      if (value) values.push(value, ...value.split(':').slice(1)); // basic auth's secret on its own too
    } catch {
      // Unreadable: the hub refused to start with it already.
    }
  }
  const password = /\/\/[^:/@]+:([^@]*)@/.exec(databaseUrl ?? '')?.[1];
  if (password) values.push(password, decodeURIComponent(password));
  return secretScrubber(values);
}
