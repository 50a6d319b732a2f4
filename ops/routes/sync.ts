import { z } from 'zod';
import { type AdminApi, messageFor, type Principal } from '../api/index.ts';
import { type SyncHealth, type SyncHealthDeps, syncHealth } from '../sync-health.ts';
import { autoRestartSchema } from './connectors.ts';

/**
 * `GET /sync/health`: customer sync health per system and direction, with a status ok | degraded | failing and
 * the reasons in words (ops/sync-health.ts has the rules). Always 200: the status is in the body; readiness
 * (`/health/ready`) stays about whether the hub itself can serve.
 */
const status = z.enum(['ok', 'degraded', 'failing']);
/** What sync health says of every connector it judges, sink or customer source: the status's own words. */
const connectorSchema = z.object({
  connector: z.string(),
  type: z.string(),
  state: z.string().describe('RUNNING, PAUSED, STOPPED, FAILED or UNASSIGNED.'),
  failed: z.number().int().describe('Records sent to the dead-letter topic since its task started.'),
  waiting: z
    .object({ on: z.literal('kafka'), since: z.string(), reason: z.string() })
    .nullable()
    .describe(
      "The connector's own `waiting` (its status's): it waits for the Kafka cluster since then, the reason in its words. Null while Kafka answers, and for a connector another instance runs.",
    ),
  autoRestart: autoRestartSchema.describe(
    "The connector's restarts by itself (its status's `autoRestart`): FAILED with `nextRestartAt` set, it restarts then and the system is degraded meanwhile; FAILED with none pending, failing.",
  ),
});
const sinkSchema = connectorSchema.extend({
  lastSentAt: z.string().nullable().describe('When it last applied a record (ISO 8601).'),
  sent: z.number().int().describe('Records applied since its task started.'),
  backlogRecords: z.number().int().nullable(),
  backlogSeconds: z.number().nullable(),
  lastError: z
    .string()
    .nullable()
    .describe(
      "Why the last record failed; null once one succeeds again. Its first line, the system's own message in place of the answer body it quoted (Odoo's error.data.message, Salesforce's [0].message, HubSpot's message), credentials and quoted values left out, at most 300 characters: the whole answer is in the hub's log.",
    ),
  retrying: z
    .object({ since: z.string(), attempts: z.number().int(), error: z.string() })
    .nullable()
    .describe(
      'A change whose push failed retriably and is being retried, the changes after it waiting behind it.',
    ),
});
const sourceSchema = connectorSchema.extend({
  lastReadAt: z.string().nullable().describe('When it last published records (ISO 8601).'),
  read: z.number().int().describe('Records published since its task started.'),
  lastError: z
    .string()
    .nullable()
    .describe(
      "Its last failure: why it failed when FAILED. Its first line, the system's own message in place of the answer body it quoted (Odoo's error.data.message, Salesforce's [0].message, HubSpot's message), credentials and quoted values left out, at most 300 characters: the whole answer is in the hub's log.",
    ),
});
const systemSchema = z.object({
  system: z.string(),
  status,
  reasons: z.array(z.string()),
  inbound: z.object({
    lastReceivedAt: z
      .string()
      .nullable()
      .describe(
        "When the last customer event received from it (a change, or a record sent again unchanged) reached the bus (its Kafka record's timestamp, ISO 8601), not when the hub handled it; the latest, so a replay of older changes does not move it back.",
      ),
    eventsSinceStart: z.number().int(),
    records: z
      .number()
      .int()
      .nullable()
      .describe(
        'Its customer records in the master data; null: unknown, the master data database did not answer (`unknown` says why).',
      ),
    sources: z
      .array(sourceSchema)
      .describe(
        "Its customer source connectors (those whose mapping writes CustomerEvents): one FAILED makes the system failing (degraded while a restart by itself is pending), one paused, stopped or unassigned degraded, since the system's changes do not reach the hub meanwhile.",
      ),
  }),
  outbound: z.object({
    lastSentAt: z.string().nullable(),
    backlogRecords: z.number().int(),
    backlogSeconds: z.number(),
    failedPushes: z.number().int(),
    writtenBack: z
      .number()
      .int()
      .describe(
        'Commands the relay of this hub instance sent since it started (instances sharing the outbox each count their own) that wrote golden values back to the system because its own edit of them lost survivorship (a more trusted, frequent or recent value won); also eai_mdm_sync_writebacks_total{system}.',
      ),
    heldCreates: z
      .number()
      .int()
      .nullable()
      .describe(
        'Golden records held back from being created in the system (sync `create: true`) while a record of theirs waits in the steward queue beside a record of another golden record (`createInReview: false`, the default): created once the steward rejects the pair, never when the steward merges them; also eai_sync_held_creates{system}. Null: the master data database did not answer (`unknown` says why).',
      ),
    sinks: z.array(sinkSchema),
  }),
  drift: z
    .object({
      finishedAt: z.string(),
      records: z.number().int().describe('Records in the export compared.'),
      missing: z.number().int().describe('Held by the hub, missing from the export.'),
      extra: z.number().int().describe('In the export, unknown to the hub.'),
      differs: z.number().int().describe('With field changes the hub missed.'),
      behind: z.number().int().describe('Lacking golden values (reported, not judged).'),
      erased: z
        .number()
        .int()
        .describe('Erased in the hub, still in the export: to erase in the system by hand (no repair does).'),
      repaired: z.boolean().describe('The reconcile applied the export (--repair).'),
    })
    .nullable()
    .describe(
      "What the system's last reconcile (eai mdm reconcile) found; null: never reconciled, or unknown when `unknown` lists `systems[].drift`.",
    ),
  resyncRequested: z
    .object({
      records: z.number().int().describe('Records it asked to be re-read (RESYNC_REQUESTED) and still open.'),
      entities: z
        .array(z.string())
        .describe('Entities it asked to be re-read whole (Salesforce GAP_OVERFLOW: `Account`), still open.'),
      since: z.string().nullable().describe('When the oldest open request was first asked (ISO 8601).'),
    })
    .nullable()
    .describe(
      'Its open requests to re-read records: it lost changes, so its golden records may be stale (degraded) until `eai mdm reconcile <system> --input <export> --repair` or a full snapshot of the record answers them. Null: unknown, the master data database did not answer.',
    ),
  deadLetters: z
    .object({
      inbound: z
        .number()
        .int()
        .describe(
          'Its customer changes the matcher dead-lettered (dlq.orchestrator, keyed `<system>:<id>`), not redriven.',
        ),
      outbound: z
        .number()
        .int()
        .describe(
          "Its customer sinks' pushes dead-lettered (dlq.sink, by the letter's owner), not redriven.",
        ),
      redriven: z
        .number()
        .int()
        .describe('Its letters redriven since; they stay in the topic until retention.'),
    })
    .nullable()
    .describe(
      "Its own letters in the shared dead-letter topics, told apart by the tags each letter carries (the topics' depths are the hub's `deadLetters`). Counted, not judged. Null: unknown (`unknown` lists `systems[].deadLetters`).",
    ),
});
export const syncHealthSchema = z
  .object({
    status,
    reasons: z.array(z.string()).describe('Why the status is not ok, in words; empty when ok.'),
    checkedAt: z.string(),
    matcher: z.object({
      backlogRecords: z.number().int().nullable().describe('canonical.customer records not yet matched.'),
      backlogSeconds: z
        .number()
        .nullable()
        .describe('How long the oldest change not yet matched has waited, at most (0 when none waits).'),
      goldenRecords: z.number().int().nullable(),
    }),
    stewardQueue: z.number().int().nullable(),
    deadLetters: z
      .array(z.object({ topic: z.string(), depth: z.number().int() }))
      .nullable()
      .describe(
        "Records in each dead-letter topic, every system's and the workflows' together (each system's own: `systems[].deadLetters`); null: unknown, Kafka did not answer (`unknown` says why).",
      ),
    systems: z.array(systemSchema),
    unknown: z
      .array(
        z.object({
          fields: z
            .array(z.string())
            .describe(
              'The fields that are null for it, as paths in this answer (`systems[].drift`: in each system).',
            ),
          reason: z.string().describe('Why, in words: what did not answer.'),
        }),
      )
      .describe(
        'What could not be read: those fields are null, not 0 or empty, and the status is not ok. Empty when all were read.',
      ),
  })
  .meta({ id: 'SyncHealth' });

export function registerSyncRoutes(api: AdminApi, deps: SyncHealthDeps): void {
  api.route(
    {
      method: 'get',
      path: '/sync/health',
      summary:
        'Customer sync health per system: received, sent, backlog, failures, with a status and reasons',
      tag: 'sync',
      role: 'viewer',
      responses: { 200: { description: 'The health.', schema: syncHealthSchema } },
    },
    async ({ principal }) => ({ status: 200, body: syncHealthAsSeenBy(principal, await syncHealth(deps)) }),
  );
}

/**
 * Sync health as the caller may read it: the connectors' own errors (`lastError`, `retrying.error`,
 * `autoRestart.error`) as `messageFor` gives them to its role, as GET /connectors does (a viewer's without the
 * document values and answer bodies they quote); the reasons are a viewer's already (`shortError`).
 */
export function syncHealthAsSeenBy(principal: Principal, health: SyncHealth): SyncHealth {
  const trim = (message: string) => messageFor(principal.role, message);
  const own = <T extends { lastError: string | null; autoRestart: { error?: string | null } | null }>(
    c: T,
  ): T => ({
    ...c,
    lastError: c.lastError === null ? null : trim(c.lastError),
    autoRestart: c.autoRestart?.error
      ? { ...c.autoRestart, error: trim(c.autoRestart.error) }
      : c.autoRestart,
  });
  return {
    ...health,
    systems: health.systems.map((s) => ({
      ...s,
      inbound: { ...s.inbound, sources: s.inbound.sources.map(own) },
      outbound: {
        ...s.outbound,
        sinks: s.outbound.sinks.map((sink) => ({
          ...own(sink),
          retrying: sink.retrying === null ? null : { ...sink.retrying, error: trim(sink.retrying.error) },
        })),
      },
    })),
  };
}
