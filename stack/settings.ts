import { z } from 'zod';
import { ConfigError } from '../lib/errors.ts';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/**
 * Environment variables that steer the stack. Endpoints set here are used as they are and nothing is started
 * for them; unset ones are provided by the local stack.
 */
export const stackEnvSchema = z.object({
  KAFKA_BROKERS: z
    .string()
    .min(1)
    .optional()
    .describe('Comma-separated bootstrap servers of an existing Kafka cluster; the stack starts no broker.'),
  SCHEMA_REGISTRY_URL: z
    .string()
    .url()
    .optional()
    .describe(
      'A Confluent-compatible schema registry (Confluent, Karapace, Apicurio /apis/ccompat/v7, Redpanda); the stack starts none.',
    ),
  DATABASE_URL: z
    .string()
    .min(1)
    .optional()
    .describe('PostgreSQL connection URL; the stack starts no database.'),
  EAI_HOME: z
    .string()
    .optional()
    .describe(
      'Folder for the local stack: cache, data, logs (default `<repo>/.eai`, or `/var/tmp/eai-<hash>` when root runs a clone under a folder the `postgres` user cannot enter).',
    ),
  EAI_KAFKA_PROVIDER: z
    .enum(['auto', 'jars', 'docker'])
    .default('auto')
    .describe(
      'Where the local broker comes from: Kafka jars from Maven Central on the JDK (`jars`), the apache/kafka image via testcontainers (`docker`), or `auto` (jars when a JDK and Maven are there, else Docker).',
    ),
  EAI_KAFKA_PORT: port(19092).describe('Local broker port.'),
  EAI_KAFKA_CONTROLLER_PORT: port(19093).describe('Local KRaft controller port.'),
  EAI_REGISTRY_PORT: port(18081).describe('Local schema registry HTTP port.'),
  EAI_REGISTRY_MANAGEMENT_PORT: port(18082).describe('Local schema registry health port.'),
  EAI_POSTGRES_PORT: port(15432).describe('Local PostgreSQL port.'),
  EAI_JAVA_HOME: z
    .string()
    .optional()
    .describe(
      'JDK for the local broker and registry (the registry needs 21+); default: newest under /usr/lib/jvm.',
    ),
});

export type StackEnv = z.infer<typeof stackEnvSchema>;

export function readStackEnv(env: NodeJS.ProcessEnv = process.env): StackEnv {
  const parsed = stackEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`environment variable ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
