import { z } from 'zod';
import { ConfigError } from '../lib/errors.ts';
import { zodProblemText } from '../lib/zod-problems.ts';

const ms = (doc: string, fallback: number) => z.number().int().positive().default(fallback).describe(doc);
const HOUR = 3_600_000;

/**
 * The ERP's base URL for the credit check, one check for the programmatic config and EAI_ORCHESTRATOR_SAP_URL: an
 * http(s) URL without user or password. fetch refuses a URL with credentials and quotes it whole, password and all,
 * in its error: every credit check would fail with it (the workflow's step, its log line). Nothing here echoes the
 * value.
 */
export const sapUrlSchema = z
  .url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. https://sap.example.com' })
  .refine((value) => {
    const url = URL.parse(value);
    return url === null || (url.username === '' && url.password === '');
  }, 'must not hold a user or password (user:password@): the credit check sends none, and the URL is shown in workflow errors and logs');

/** Durations of the workflows' timers: in the deployment's config, so tests run them in seconds. */
export const timersSchema = z.object({
  creditApprovalTimeoutMs: ms(
    'How long an order on credit hold waits for an approve-credit signal.',
    72 * HOUR,
  ),
  asnEscalationMs: ms('No ASN after this long: an escalation alert, and the wait goes on.', 48 * HOUR),
  asnTimeoutMs: ms(
    'No ASN after this long (from the despatch request): the order fails and is compensated.',
    96 * HOUR,
  ),
  deliveryEscalationMs: ms('No delivery after this long from the ASN: an escalation alert.', 14 * 24 * HOUR),
  deliveryTimeoutMs: ms(
    'No delivery after this long from the ASN: the order completes unconfirmed (shipped; nothing is cancelled), its outcome saying so, and the timeout is counted.',
    30 * 24 * HOUR,
  ),
  returnReceiptEscalationMs: ms(
    'complaint-return (v2 on): no return receipt after this long from the return authorisation: an escalation alert, and the wait goes on.',
    14 * 24 * HOUR,
  ),
  returnReceiptTimeoutMs: ms(
    'complaint-return: no return receipt after this long from the return authorisation: compensated.',
    30 * 24 * HOUR,
  ),
  despatchReceiptTimeoutMs: ms(
    "order-to-delivery (v5 on): no sink's receipt for the despatch request (applied by the logistics provider, or refused) and no ASN after this long from sending it: compensated. The ASN clock (asnTimeoutMs) starts once the request is applied, so an order held behind a provider's outage is not cancelled while its request still waits to go out.",
    7 * 24 * HOUR,
  ),
  creditMemoReceiptTimeoutMs: ms(
    "complaint-return (v3 on): no sink's receipt for the credit memo request (applied, or refused by the ERP) after this long from sending it: compensated, and the case told.",
    HOUR,
  ),
});
export type Timers = z.infer<typeof timersSchema>;

const MINUTE = 60_000;

/**
 * Automatic retries of PARKED instances (a step whose system stayed unavailable, a compensation that still failed):
 * Temporal retries an activity for ever with backoff; here a parked instance is retried by the hub itself on this
 * schedule (parked-retry.ts), through the operators' own retry, until the bounds, then it waits for a person.
 */
export const parkedRetrySchema = z.object({
  enabled: z
    .boolean()
    .default(true)
    .describe(
      'Retry PARKED instances automatically (false: each waits for an operator retry, as before 2026-12).',
    ),
  firstAfterMs: ms('The first automatic retry, this long after the instance parked.', MINUTE),
  backoffRate: z
    .number()
    .min(1)
    .max(10)
    .default(2)
    .describe('Each automatic retry waits this many times longer than the one before (from its new park).'),
  maxDelayMs: ms('No automatic retry waits longer than this after the instance parked again.', 30 * MINUTE),
  giveUpAfterMs: ms(
    'No automatic retry is scheduled later than this after the instance first parked at the step: it then stays ' +
      'PARKED for a person, with an alert `auto_retry_exhausted`.',
    24 * HOUR,
  ),
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(60)
    .describe(
      'At most this many automatic retries per parked step (with the other defaults giveUpAfterMs comes first, after 51).',
    ),
  scanMs: ms(
    'How often one hub instance (an advisory lock picks it) looks for parked instances whose retry is due.',
    15_000,
  ),
});
export type ParkedRetryPolicy = z.infer<typeof parkedRetrySchema>;

export const orchestratorConfigSchema = z.object({
  databaseUrl: z
    .string()
    .url()
    .describe('PostgreSQL server of the stack; the orchestrator keeps its state in its own database there.'),
  database: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('eai_orchestrator')
    .describe('Name of the orchestrator database (created when missing).'),
  applicationVersion: z
    .string()
    .min(1)
    .default('eai-orchestrator-1')
    .describe(
      'Pinned DBOS application version: every instance and every redeploy recovers work of this version. ' +
        'Definition versions live in workflow names (order-to-delivery@2), not here; change it only to retire all in-flight work.',
    ),
  executorId: z
    .string()
    .min(1)
    .describe(
      'This instance, stable across its restarts (pod name): its own pending workflows recover at start.',
    ),
  databasePoolSize: z
    .number()
    .int()
    .min(2)
    .max(64)
    .default(30)
    .describe(
      "Connections of DBOS's pool to the orchestrator database: every step, receive and hand-over " +
        'takes one for its queries. Order-to-delivery at 200 in flight on 2 cores: 10 connections ~115 instances/s, ' +
        "20 ~140, 30 ~165 (bench:workflows); each instance needs this many of the server's max_connections.",
    ),
  databasePollingConcurrency: z
    .number()
    .int()
    .min(1)
    .max(64)
    .optional()
    .describe(
      "Connections of the pool that DBOS's waits (receive, events) may use at once; by default the whole pool " +
        "(DBOS's own default is half of it: order-to-delivery ~150 instances/s at 30 connections instead of ~165).",
    ),
  databasePreparedStatements: z
    .boolean()
    .default(true)
    .describe(
      "DBOS's parameterised statements prepared once per connection of its pool (planned once, not at every step); " +
        'false sends them unnamed, as DBOS does by itself (parsed and planned each time: about twice the ' +
        'PostgreSQL CPU per workflow).',
    ),
  databaseBeginWithStatement: z
    .boolean()
    .default(false)
    .describe(
      "DBOS's bare BEGIN sent in one write and round trip with the statement after it (system-pool.ts): 11 of about " +
        '85 round trips per order-to-delivery instance fewer. Off by default: with it on, the demo hub (cli/demo.int.spec.ts) ' +
        'did not have its connectors RUNNING within 75 s, twice, for a reason not yet found.',
    ),
  databaseCoalescedReads: z
    .boolean()
    .default(true)
    .describe(
      "DBOS's point reads outside its transactions (cancellation checks, recorded operations, waiting messages: 20 of " +
        '61 statements per order-to-delivery instance) sent as one statement per event-loop turn for all instances ' +
        'that ask at once (coalesced-reads.ts); false sends each alone, as DBOS does by itself.',
    ),
  heartbeatMs: ms('How often an instance writes its heartbeat.', 2000),
  deadAfterMs: ms(
    'An instance whose heartbeat is older than this is dead: a live one resumes its pending workflows.',
    10_000,
  ),
  retentionMs: ms(
    'Finished workflows older than this are deleted (DBOS keeps everything otherwise).',
    30 * 24 * HOUR,
  ),
  brokers: z.string().min(1).describe('Kafka bootstrap servers.'),
  registryUrl: z.string().url().describe('Confluent-compatible schema registry.'),
  routerGroup: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Consumer group of the event router (default `eai-orchestrator`; for another database than `eai_orchestrator`, `eai-orchestrator.<database>`, so orchestrators on two databases never split one group's events).",
    ),
  routerConsumers: z
    .number()
    .int()
    .min(1)
    .max(32)
    .default(3)
    .describe('Router consumers in this instance (one group); more partitions are handed over in parallel.'),
  routerConcurrency: z
    .number()
    .int()
    .min(1)
    .max(256)
    .default(32)
    .describe(
      'Events each router consumer hands over at once: of one fetch, one key (one order) after the other in order, ' +
        'different keys at once; 1 hands them over one at a time.',
    ),
  routerSessionTimeoutMs: z
    .number()
    .int()
    .min(6000)
    .max(300_000)
    .default(10_000)
    .describe(
      "The router consumers' Kafka session timeout: after an instance dies, its partitions move to the live ones " +
        'this long later (the broker allows 6 s at least by default).',
    ),
  routerFromBeginning: z
    .boolean()
    .default(false)
    .describe(
      'Where the router group starts on partitions it has no committed offsets for (a new orchestrator database has a ' +
        'new group), as Kafka’s auto.offset.reset: false (default, `latest`) at the end of the topics, so events ' +
        'already on the bus (historical orders) start no workflows; true (`earliest`) at their beginning, a deliberate replay.',
    ),
  sapUrl: sapUrlSchema.optional().describe('SAP (simulator) base URL for the credit check.'),
  timers: timersSchema.default(timersSchema.parse({})),
  parkedRetry: parkedRetrySchema
    .prefault({})
    .describe(
      'Automatic retries of PARKED instances (docs/orchestrator.md, "Parked instances retry themselves").',
    ),
});
export type OrchestratorConfig = z.infer<typeof orchestratorConfigSchema> & { routerGroup: string };
export type OrchestratorConfigInput = z.input<typeof orchestratorConfigSchema>;

/**
 * The router's default group is the database's own: with one group for every database, an orchestrator on a second
 * database (`EAI_ORCHESTRATOR_DATABASE`) took half the partitions of the canonical topics from the one on
 * `eai_orchestrator` and started those orders' workflows in its own database, where the other's never saw them.
 */
export function defaultRouterGroup(database: string): string {
  return database === 'eai_orchestrator' ? 'eai-orchestrator' : `eai-orchestrator.${database}`;
}

export function parseOrchestratorConfig(input: unknown): OrchestratorConfig {
  const parsed = orchestratorConfigSchema.safeParse(input);
  if (!parsed.success)
    throw new ConfigError(`orchestrator config: ${zodProblemText(parsed.error, 'orchestrator')}`);
  return { ...parsed.data, routerGroup: parsed.data.routerGroup ?? defaultRouterGroup(parsed.data.database) };
}
