import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError } from '../lib/errors.ts';

/** The port the hub listens on when neither EAI_OPS_PORT nor `--port` says another (the CLI's `--url` default too). */
export const DEFAULT_OPS_PORT = 8080;

/** Environment variables naming the hub instance (`eai up`); the README's table is rendered from this. */
export const instanceEnvSchema = z.object({
  EAI_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits, ".", "_", ":" and "-" (1-100)')
    .optional()
    .describe(
      'This hub instance’s name, stable across its restarts and unique in its connect group (e.g. the pod name; an instance that sees another live one under its name logs an error and says so in its readiness details, `sameInstanceNameAs`): `eai connectors ls` (`INSTANCE`), each connector’s status (`instance`) and Kafka Connect’s `worker_id` say which instance runs a connector by it (default: `<host name>:<ops port>`).',
    ),
  EAI_OPS_PORT: z
    .string()
    .default(String(DEFAULT_OPS_PORT))
    .describe(
      'The port the hub listens on (health, metrics, admin API, webhooks), 0 for any free one; `eai up --port` says the same.',
    ),
  EAI_OPS_HOST: z
    .string()
    .refine((host) => isIP(host) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(host), {
      message: 'an IP address (0.0.0.0 for every interface) or a host name',
    })
    .optional()
    .describe(
      'The address the hub listens on (health, metrics, admin API, webhooks): `0.0.0.0` (or `::`) for every interface, as in a container or behind a load balancer; give it TLS in front (a reverse proxy, an ingress) and admin tokens. `eai up --host` says the same.',
    ),
  EAI_ADVERTISED_URL: z
    .url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. http://hub-0.hub:8080' })
    .optional()
    .describe(
      'The base URL the other instances of the connect group reach this one at: webhook requests for a connector this instance runs are forwarded there (default: the URL it listens on, or `http://<host name>:<port>` when it listens on every interface).',
    ),
  EAI_HEALTH_DETAILS: z
    .enum(['when-authorized', 'always'])
    .default('when-authorized')
    .describe(
      'Who sees `/health/ready`’s `checks` and `details` (each dependency’s error, the connectors, their states and errors): `when-authorized` a caller with an admin token of role viewer or more, `always` anyone (a hub reachable only by its operators). The status (UP or DOWN) and its code (200, 503) are open either way, for probes.',
    ),
});

/** EAI_HEALTH_DETAILS, checked (a ConfigError naming it). */
export function healthDetailsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): z.infer<typeof instanceEnvSchema>['EAI_HEALTH_DETAILS'] {
  const given = env.EAI_HEALTH_DETAILS?.trim().toLowerCase() || undefined;
  const parsed = instanceEnvSchema.shape.EAI_HEALTH_DETAILS.safeParse(given);
  if (!parsed.success) throw new ConfigError(`EAI_HEALTH_DETAILS: when-authorized or always, got "${given}"`);
  return parsed.data;
}

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

/** Every interface (IPv4 or IPv6): other machines reach the hub, and this one at 127.0.0.1. */
export const isWildcardHost = (host: string) => host === '0.0.0.0' || host === '::';

/**
 * Where the hub listens (EAI_OPS_HOST, or `--host` over it; default loopback) and the URL the group's other instances
 * forward webhook requests to (EAI_ADVERTISED_URL), both checked (a ConfigError naming the variable).
 */
export function instanceAddressFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  hostOption?: string,
): { host: string; advertisedUrl?: string } {
  const given = {
    EAI_OPS_HOST: (hostOption ?? env.EAI_OPS_HOST)?.trim() || undefined,
    EAI_ADVERTISED_URL: env.EAI_ADVERTISED_URL?.trim() || undefined,
  };
  const parsed = instanceEnvSchema.pick({ EAI_OPS_HOST: true, EAI_ADVERTISED_URL: true }).safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0]);
    const name = variable === 'EAI_OPS_HOST' && hostOption !== undefined ? '--host' : variable;
    throw new ConfigError(`${name}: ${issue.message}, got "${given[variable as keyof typeof given]}"`);
  }
  return {
    host: parsed.data.EAI_OPS_HOST ?? '127.0.0.1',
    ...(parsed.data.EAI_ADVERTISED_URL
      ? { advertisedUrl: parsed.data.EAI_ADVERTISED_URL.replace(/\/+$/, '') }
      : {}),
  };
}

/** The URL the group's other instances reach a hub listening on every interface at, when none is given. */
export function defaultAdvertisedUrl(port: number): string {
  return `http://${hostname()}:${port}`;
}
