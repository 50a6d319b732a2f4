import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError } from '../lib/errors.ts';

/** Environment variables naming the hub instance (`eai up`); the README's table is rendered from this. */
export const instanceEnvSchema = z.object({
  EAI_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits, ".", "_", ":" and "-" (1-100)')
    .optional()
    .describe(
      'This hub instance’s name, stable across its restarts and unique in its connect group (e.g. the pod name): `eai connectors ls` (`INSTANCE`), each connector’s status (`instance`) and Kafka Connect’s `worker_id` say which instance runs a connector by it (default: `<host name>:<ops port>`).',
    ),
});

/** EAI_INSTANCE_ID when it is set, checked (a ConfigError naming it); undefined when not. */
export function instanceIdFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const parsed = instanceEnvSchema.safeParse({ EAI_INSTANCE_ID: env.EAI_INSTANCE_ID?.trim() || undefined });
  if (!parsed.success) throw new ConfigError(`EAI_INSTANCE_ID: ${parsed.error.issues[0]!.message}`);
  return parsed.data.EAI_INSTANCE_ID;
}

/**
 * A hub instance's name when none is given: `<host name>:<port>`, as Kafka Connect's `worker_id` (host:port) is. The
 * same after a restart on the same port, where the runtime's worker id is new at each start.
 */
export function defaultInstanceName(port: number): string {
  return `${hostname()}:${port}`;
}
