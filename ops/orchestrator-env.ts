import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError } from '../lib/errors.ts';
import { zodProblemText } from '../lib/zod-problems.ts';
import {
  type ParkedRetryPolicy,
  parkedRetrySchema,
  sapUrlSchema,
  type Timers,
  timersSchema,
} from '../orchestrator/index.ts';
import type { HubOptions } from './hub.ts';

const flag = z
  .enum(['1', '0', 'true', 'false', 'on', 'off', 'yes', 'no'])
  .optional()
  .transform((v) => (v === undefined ? undefined : ['1', 'true', 'on', 'yes'].includes(v)));

/** Environment variables of the hub's orchestrator role (`eai up`); the README's table is rendered from this. */
export const orchestratorEnvSchema = z.object({
  EAI_ORCHESTRATOR: flag.describe(
    '`1` (or `true`, `on`): `eai up` also runs the orchestrator role (order-to-delivery and complaint-return, `/workflows` routes); as `--orchestrator`.',
  ),
  EAI_ORCHESTRATOR_EXECUTOR_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, ".", "_" and "-" (1-100)')
    .optional()
    .describe(
      'This orchestrator instance, stable across its restarts (e.g. the pod name): its own in-flight workflows recover at start (default: the host name).',
    ),
  EAI_ORCHESTRATOR_DATABASE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a PostgreSQL name: lower-case letters, digits and "_"')
    .optional()
    .describe(
      'The orchestrator database on the stack’s PostgreSQL (default `eai_orchestrator`, created at start); another one routes events with a consumer group of its own, `eai-orchestrator.<database>`. It is another deployment: on the same Kafka cluster it reads and writes the same topics (their names are fixed), so give it a cluster of its own (the hub refuses to start while another deployment’s router reads its topics on that cluster; docs/orchestrator.md, “One deployment per Kafka cluster”).',
    ),
  EAI_ORCHESTRATOR_ROUTER: flag.describe(
    '`0` (or `false`, `off`): run workflows and their routes but route no canonical events into them (default on).',
  ),
  EAI_ORCHESTRATOR_OFFSET_RESET: z
    .enum(['latest', 'earliest'])
    .optional()
    .describe(
      'Where the event router starts when its consumer group has no committed offsets (a new orchestrator database), as Kafka’s `auto.offset.reset`: `latest` (default) at the end of the canonical topics, so orders already on the bus start no workflows; `earliest` replays them all. `eai up` logs and prints (`routerStart`) where it started.',
    ),
  // The config's own check (no user:password@, http(s) only): one for both ways of giving it.
  EAI_ORCHESTRATOR_SAP_URL: sapUrlSchema
    .optional()
    .describe(
      'SAP (simulator) base URL for the order-to-delivery credit check; required unless `EAI_ORCHESTRATOR_ROUTER=0`.',
    ),
  EAI_ORCHESTRATOR_TIMERS: z
    .string()
    .optional()
    .describe(
      'Workflow timer durations in ms as JSON, e.g. `{"asnEscalationMs":3600000}`; the others keep their defaults (hours to days).',
    ),
  EAI_ORCHESTRATOR_PARKED_RETRY: z
    .string()
    .optional()
    .describe(
      'Automatic retries of PARKED instances as JSON, e.g. `{"firstAfterMs":300000,"giveUpAfterMs":7200000}` or `{"enabled":false}` (each then waits for an operator); the fields left out keep their defaults (docs/orchestrator.md, "Parked instances retry themselves").',
    ),
});

/** What the command line adds (it wins over the environment). */
export interface OrchestratorFlags {
  orchestrator?: boolean;
  executorId?: string;
}

/**
 * The hub's orchestrator role as the environment and flags ask for it, or undefined when it is off. Bad values are one
 * ConfigError naming the variable (and the timer field).
 */
export function orchestratorRoleFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  flags: OrchestratorFlags = {},
): HubOptions['orchestrator'] {
  const parsed = orchestratorEnvSchema.safeParse({
    EAI_ORCHESTRATOR: env.EAI_ORCHESTRATOR?.trim().toLowerCase() || undefined,
    EAI_ORCHESTRATOR_EXECUTOR_ID: flags.executorId ?? (env.EAI_ORCHESTRATOR_EXECUTOR_ID || undefined),
    EAI_ORCHESTRATOR_DATABASE: env.EAI_ORCHESTRATOR_DATABASE || undefined,
    EAI_ORCHESTRATOR_ROUTER: env.EAI_ORCHESTRATOR_ROUTER?.trim().toLowerCase() || undefined,
    EAI_ORCHESTRATOR_OFFSET_RESET: env.EAI_ORCHESTRATOR_OFFSET_RESET?.trim().toLowerCase() || undefined,
    EAI_ORCHESTRATOR_SAP_URL: env.EAI_ORCHESTRATOR_SAP_URL || undefined,
    EAI_ORCHESTRATOR_TIMERS: env.EAI_ORCHESTRATOR_TIMERS || undefined,
    EAI_ORCHESTRATOR_PARKED_RETRY: env.EAI_ORCHESTRATOR_PARKED_RETRY || undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const where = name === 'EAI_ORCHESTRATOR_EXECUTOR_ID' && flags.executorId ? '--executor-id' : name;
    throw new ConfigError(`${where}: ${issue.message}`);
  }
  const vars = parsed.data;
  if (!(flags.orchestrator ?? vars.EAI_ORCHESTRATOR)) return undefined;
  const timers = partialJson<Timers>('EAI_ORCHESTRATOR_TIMERS', vars.EAI_ORCHESTRATOR_TIMERS, timersSchema);
  const parkedRetry = partialJson<ParkedRetryPolicy>(
    'EAI_ORCHESTRATOR_PARKED_RETRY',
    vars.EAI_ORCHESTRATOR_PARKED_RETRY,
    parkedRetrySchema,
  );
  // Without it every order routed in fails its credit check and is compensated (the ops trial: 50,000 orders).
  if (vars.EAI_ORCHESTRATOR_ROUTER !== false && !vars.EAI_ORCHESTRATOR_SAP_URL) {
    throw new ConfigError(
      'EAI_ORCHESTRATOR_SAP_URL: order-to-delivery checks each order’s credit at the ERP: set its base URL, or EAI_ORCHESTRATOR_ROUTER=0 to route no events into workflows',
    );
  }
  return {
    executorId: vars.EAI_ORCHESTRATOR_EXECUTOR_ID ?? hostname(),
    ...(vars.EAI_ORCHESTRATOR_DATABASE ? { database: vars.EAI_ORCHESTRATOR_DATABASE } : {}),
    ...(vars.EAI_ORCHESTRATOR_SAP_URL ? { sapUrl: vars.EAI_ORCHESTRATOR_SAP_URL } : {}),
    ...(vars.EAI_ORCHESTRATOR_ROUTER === false ? { router: false } : {}),
    ...(vars.EAI_ORCHESTRATOR_OFFSET_RESET === 'earliest' ? { routerFromBeginning: true } : {}),
    ...(timers ? { timers } : {}),
    ...(parkedRetry ? { parkedRetry } : {}),
  };
}

/**
 * A JSON object of some of a schema's fields, checked against it (strict: a misspelt field is named), or undefined when
 * the variable is not set. Only the fields given are returned: the orchestrator's own defaults fill in the rest.
 */
function partialJson<T>(
  name: string,
  text: string | undefined,
  schema: z.ZodObject<z.ZodRawShape>,
): Partial<T> | undefined {
  if (!text) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${name}: not JSON (${(error as Error).message})`);
  }
  const partial = schema.partial().strict();
  const checked = partial.safeParse(json);
  if (!checked.success) throw new ConfigError(zodProblemText(checked.error, name, partial));
  const given = json as Record<string, unknown>;
  return Object.fromEntries(Object.entries(checked.data).filter(([key]) => key in given)) as Partial<T>;
}
