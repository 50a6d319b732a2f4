/**
 * Customer sync health in business terms: per connected system, what came in (the customer matcher's last event
 * and the records it holds), what went out (the system's sink connectors: last record applied, backlog, failed
 * pushes), and a status ok | degraded | failing with the reasons in words; for the hub, the matcher's backlog on
 * canonical.customer, the steward queue and the dead-letter depths. The same numbers are Prometheus gauges.
 *
 * Rules (thresholds in SyncHealthThresholds):
 * - failing: a sink connector of the system FAILED with no restart pending (restarts off, or a failure a restart
 *   cannot help), or waits for Kafka (its status's `waiting`: the system's reason says so in the connector's words,
 *   since when); the master data database or Kafka did not answer (the hub's reason then says since when the
 *   connectors wait for it, when they do).
 * - degraded: a customer source that runs but cannot read (its polls fail: the system is down; lastError until
 *   the next success), a sink FAILED whose automatic restart is pending (`<connector> restarting in 12 s after: <error>`), a
 *   sink's last push failed (it went to the dead-letter topic, where it stays until redriven: the
 *   reason says how; cleared by the next success), a sink
 *   is not running (paused, stopped, unassigned), a sink's or the matcher's backlog is over its threshold, the
 *   steward queue is over its threshold, the system asked for records or whole entities to be re-read
 *   (RESYNC_REQUESTED, masterdata/resync.ts) and no reconcile with --repair or full snapshot answered it yet.
 * Dead letters are counted, not judged: they stay until redriven, so they could never turn a healed system ok. A
 * system's own are told apart by the tags each letter carries (`systemOfLetter`), never the shared topics' depths.
 *
 * What it could not read is null, never 0 or empty, and `unknown` names those fields with the reason in words (a
 * `deadLetters: []` while Kafka did not answer read as "no dead letters" though dlq.sink held five). A system whose
 * master data could not be read is failing, not ok: nothing of it is matched or synced meanwhile, and its records
 * and drift (null there also means "never reconciled") are unknown.
 */
import {
  DEFAULT_CONNECT_GROUP,
  DeadLetterTally,
  DLQ_TOPICS,
  deadLetterDepths,
  groupBacklog,
  type LetterTag,
  type Transport,
} from '../bus/index.ts';
import {
  type ConnectorRuntime,
  type ConnectorStatus,
  connectorOfOwner,
  deadLetterOwners,
  pendingRestart,
  systemOfConnector,
} from '../connectors/index.ts';
import { errorMessage, errorSummary, withoutDocumentValues } from '../lib/errors.ts';
import { gauge } from '../lib/metrics.ts';
import { withDeadline } from '../lib/retry.ts';
import {
  type CustomerMatcher,
  type GoldenSync,
  type MasterDataStore,
  openResyncRequests,
  type ResyncRequested,
} from '../masterdata/index.ts';
import { quoteSchema } from '../store/migrate.ts';

export type SyncStatus = 'ok' | 'degraded' | 'failing';

export interface SyncHealthThresholds {
  /** A sink's records not yet applied before it counts as behind. */
  backlogRecords: number;
  /** Age of a sink's oldest record not yet applied before it counts as behind. */
  backlogSeconds: number;
  /** The matcher's backlog on canonical.customer before the hub counts as behind. */
  matcherBacklogRecords: number;
  matcherBacklogSeconds: number;
  /** Pairs waiting for a steward before the queue counts as too long. */
  stewardQueue: number;
}

export const defaultSyncHealthThresholds: SyncHealthThresholds = {
  backlogRecords: 1000,
  backlogSeconds: 300,
  matcherBacklogRecords: 1000,
  matcherBacklogSeconds: 300,
  stewardQueue: 1000,
};

export interface SinkHealth {
  connector: string;
  type: string;
  state: string;
  lastSentAt: string | null;
  sent: number;
  failed: number;
  backlogRecords: number | null;
  backlogSeconds: number | null;
  lastError: string | null;
  retrying: { since: string; attempts: number; error: string } | null;
  /** The connector's own `waiting` (its status's): it waits for the Kafka cluster, since when, in its words. */
  waiting: NonNullable<ConnectorStatus['waiting']> | null;
  /** Its automatic restarts (its status's `autoRestart`): the one pending while it is FAILED, and why. */
  autoRestart: NonNullable<ConnectorStatus['autoRestart']> | null;
}

/** A source connector that brings a system's customer changes in (its mapping writes CustomerEvents). */
export interface SourceHealth {
  connector: string;
  type: string;
  state: string;
  /** When it last published records (ISO 8601). */
  lastReadAt: string | null;
  /** Records published since its task started. */
  read: number;
  failed: number;
  /** Its last failure: why it failed when FAILED; while RUNNING, a read or publish failing with no success since. */
  lastError: string | null;
  waiting: NonNullable<ConnectorStatus['waiting']> | null;
  autoRestart: NonNullable<ConnectorStatus['autoRestart']> | null;
}

export interface SystemHealth {
  system: string;
  status: SyncStatus;
  reasons: string[];
  /**
   * `records`: null while the master data database does not answer (`unknown` says why). `sources`: the system's
   * customer source connectors (isCustomerSource).
   */
  inbound: {
    lastReceivedAt: string | null;
    eventsSinceStart: number;
    records: number | null;
    sources: SourceHealth[];
  };
  outbound: {
    lastSentAt: string | null;
    backlogRecords: number;
    backlogSeconds: number;
    failedPushes: number;
    /**
     * Commands since start that wrote golden values back to the system because its own edit of them lost
     * survivorship (masterdata/sync/writeback.ts): 0 when no relay runs in this process.
     */
    writtenBack: number;
    /**
     * Golden records the hub holds back from creating in the system until a steward decides on a pair of theirs
     * (masterdata sync `createInReview`); null: the master data database did not answer.
     */
    heldCreates: number | null;
    sinks: SinkHealth[];
  };
  /**
   * What the system's last reconcile (`eai mdm reconcile`) found: records the xref holds and its export did not
   * (missing), the other way round (extra), with fields changed that the hub missed (differs), lacking golden values
   * (behind), erased in the hub but still in the system (erased: no repair removes them); `repaired` when it applied
   * them. Null: never reconciled, unless `unknown` lists `systems[].drift` (the master data database did not answer).
   */
  drift: {
    finishedAt: string;
    records: number;
    missing: number;
    extra: number;
    differs: number;
    behind: number;
    erased: number;
    repaired: boolean;
  } | null;
  /**
   * The system's open requests to re-read (RESYNC_REQUESTED: it lost changes): records, entities asked for whole
   * (Salesforce's GAP_OVERFLOW: `Account`), since when the oldest is open. Null only while the master data
   * database does not answer (`unknown` lists `systems[].resyncRequested`).
   */
  resyncRequested: ResyncRequested | null;
  /**
   * Its own letters in the dead-letter topics not redriven yet, told apart by their tags (`systemOfLetter`):
   * `outbound` its customer sinks' pushes (on dlq.sink, owner: the sink), `inbound` its customer documents its
   * source connectors could not map (on dlq.mapping, `eai.connector.system`, `eai.document.schema`) and its customer
   * changes the matcher could not handle (on dlq.orchestrator, owner: the matcher's group, key `<system>:<id>`); `redriven` its letters
   * redriven since, which stay in the topic until retention. Null while Kafka does not answer (`unknown` lists
   * `systems[].deadLetters`).
   */
  deadLetters: SystemDeadLetters | null;
}

export interface SystemDeadLetters {
  inbound: number;
  outbound: number;
  redriven: number;
}

export interface SyncHealth {
  status: SyncStatus;
  reasons: string[];
  checkedAt: string;
  matcher: { backlogRecords: number | null; backlogSeconds: number | null; goldenRecords: number | null };
  stewardQueue: number | null;
  /** Null when Kafka did not answer (`unknown` says why), never an empty list. */
  deadLetters: Array<{ topic: string; depth: number }> | null;
  systems: SystemHealth[];
  /** The fields that are null because what holds them did not answer, with the reason in words; empty when all were read. */
  unknown: UnknownFields[];
}

/** Fields sync health could not read (paths as in the answer: `systems[].drift` in each system), and why. */
export interface UnknownFields {
  fields: string[];
  reason: string;
}

/** What the master data database gives; all unknown while it does not answer. */
export const MASTER_DATA_FIELDS = [
  'matcher.goldenRecords',
  'stewardQueue',
  'systems[].inbound.records',
  'systems[].drift',
  'systems[].resyncRequested',
  'systems[].outbound.heldCreates',
];

export interface SyncHealthDeps {
  runtime: ConnectorRuntime;
  transport: Transport;
  store: MasterDataStore;
  matcher: CustomerMatcher;
  /** The matcher's consumer group and topic, for its backlog. */
  matcherGroup: string;
  customerTopic: string;
  /** The golden sync relay of this process, for the write-backs of edits that lost survivorship. */
  sync?: Pick<GoldenSync, 'counts'>;
  /** Prefix of the golden sync's command topics per system (default `mdm.customer-sync.`, masterdata `sync:`). */
  commandTopicPrefix?: string;
  thresholds?: Partial<SyncHealthThresholds>;
  /**
   * Whose the dead letters are, kept between calls so each letter is read once (the hub keeps one); without it,
   * each call reads every letter.
   */
  deadLetterTally?: DeadLetterTally;
}

const syncMetrics = {
  status: gauge({
    name: 'eai_sync_status',
    help: 'Customer sync status per system (and system="*" for the whole): 0 ok, 1 degraded, 2 failing.',
    labelNames: ['system'],
  }),
  lastReceived: gauge({
    name: 'eai_sync_last_received_timestamp_seconds',
    help: "Unix time the last customer event received from a system (a change, or a record sent again unchanged) reached the bus (its Kafka record's timestamp on canonical.customer; a file load's or repair's, when it ran), not when the hub handled it: a hub restart or a backlog caught up does not move it, a replay of older changes does not move it back.",
    labelNames: ['system'],
  }),
  lastSent: gauge({
    name: 'eai_sync_last_sent_timestamp_seconds',
    help: "Unix time of the last record a system's sinks applied.",
    labelNames: ['system'],
  }),
  backlogRecords: gauge({
    name: 'eai_sync_backlog_records',
    help: 'Records waiting: direction=out a system\'s sinks, direction=in the customer matcher (system="*").',
    labelNames: ['system', 'direction'],
  }),
  backlogSeconds: gauge({
    name: 'eai_sync_backlog_seconds',
    help: 'Age bound of the oldest record waiting, as eai_sync_backlog_records.',
    labelNames: ['system', 'direction'],
  }),
  drift: gauge({
    name: 'eai_sync_drift_records',
    help: "Records the system's last reconcile found apart from the hub, by kind (missing, extra, differs, behind, erased); 0 once repaired, except erased (a repair does not remove them).",
    labelNames: ['system', 'kind'],
  }),
  failedPushes: gauge({
    name: 'eai_sync_failed_pushes',
    help: "Records a system's sinks sent to the dead-letter topic since this instance started.",
    labelNames: ['system'],
  }),
  heldCreates: gauge({
    name: 'eai_sync_held_creates',
    help: 'Golden records held back from being created in a system until a steward decides on a pair of theirs (masterdata sync createInReview).',
    labelNames: ['system'],
  }),
  stewardQueue: gauge({
    name: 'eai_mdm_steward_queue_size',
    help: 'Pairs of customer records waiting for a steward.',
  }),
  deadLetters: gauge({
    name: 'eai_sync_dead_letters',
    help: "A system's own letters in the dead-letter topics not redriven yet: direction=out its customer sinks' pushes, direction=in its customer changes the matcher dead-lettered.",
    labelNames: ['system', 'direction'],
  }),
  resyncRequested: gauge({
    name: 'eai_mdm_resync_requested',
    help: 'Open requests of a system to re-read customer records (RESYNC_REQUESTED): scope="record" records, scope="entity" whole entities; 0 once a reconcile with --repair (or a full snapshot of the record) answered them.',
    labelNames: ['system', 'scope'],
  }),
};

const rank: Record<SyncStatus, number> = { ok: 0, degraded: 1, failing: 2 };
const worst = (statuses: SyncStatus[]): SyncStatus =>
  statuses.reduce<SyncStatus>((w, s) => (rank[s] > rank[w] ? s : w), 'ok');
const latest = (dates: Array<string | null | undefined>): string | null =>
  dates
    .filter((d): d is string => !!d)
    .sort()
    .at(-1) ?? null;
const count = (n: number) => n.toLocaleString('en');
const duration = (seconds: number) =>
  seconds < 120
    ? `${Math.round(seconds)} s`
    : seconds < 7200
      ? `${Math.round(seconds / 60)} min`
      : `${Math.round(seconds / 3600)} h`;

/** Records on `topic` the group has not committed, and when the last one it handled was produced. */
/**
 * How long the oldest change not yet handled has waited, at most (seconds; 0 with none behind): per partition behind,
 * since the last record handled there was written (its next was written then or later), or for a partition with none
 * handled yet, since the consumer started. Not the time since the consumer last handled anything: a consumer busy
 * with a long backlog handles something every moment while the changes at its end wait for minutes.
 */
export function oldestWaitSeconds(
  behind: Map<number, number>,
  handledRecordTimes: Map<number, number>,
  startedAt: number,
  now = Date.now(),
): number {
  let oldest = now;
  for (const partition of behind.keys())
    oldest = Math.min(oldest, handledRecordTimes.get(partition) ?? startedAt);
  return Math.max(0, (now - oldest) / 1000);
}

/**
 * Customer sync is what the customer sinks do: those whose mapping takes CustomerEvents (HubSpot's, Salesforce's
 * Account / Contact upserts, Odoo's res.partner writes) or that read the golden sync's commands or the customer topic.
 * Order flow sinks (SAP's ORDRSP, the despatch request, Salesforce's order status, case updates) are the
 * orchestrator's: their health is in `/connectors` and `/workflows`, not here, where a paused despatch sink would
 * otherwise read as "logistics: customer changes are not sent".
 */
export function isCustomerSink(
  deps: Pick<SyncHealthDeps, 'runtime' | 'customerTopic' | 'commandTopicPrefix'>,
  name: string,
): boolean {
  const input = deps.runtime.sinkInput(name);
  if (!input) return false;
  if (input.schema !== undefined) return input.schema === 'CustomerEvent';
  const prefix = deps.commandTopicPrefix ?? 'mdm.customer-sync.';
  return input.topics.some((topic) => topic === deps.customerTopic || topic.startsWith(prefix));
}

/**
 * A system's inbound customer sync is its customer sources: the source connectors whose records can be
 * CustomerEvents (runtime `sourceOutput`: Salesforce CDC on Accounts and Contacts, HubSpot's contact webhook, Odoo's
 * polling source, which reads res.partner beside sale.order), not those of orders, shipments or cases only (SAP's
 * IDoc files, Salesforce CDC on Cases).
 */
export function isCustomerSource(deps: Pick<SyncHealthDeps, 'runtime'>, name: string): boolean {
  return deps.runtime.sourceOutput(name)?.schemas.includes('CustomerEvent') === true;
}

/**
 * What a customer source says about its system, each with the status it calls for: while it does not run, the
 * system's changes do not reach the hub (the system keeps them: a webhook's sender retries, a poll's cursor waits),
 * so its golden records fall behind without a single error anywhere else. Its failed documents are its dead letters
 * (counted, not judged, as for every system).
 */
export function sourceReasons(system: string, source: SourceHealth): Array<[SyncStatus, string]> {
  const out = runReasons(system, source, {
    failed: (name, why) =>
      `${name} has failed and reads nothing${why}: changes made in ${system} do not reach the hub`,
    stopped: (name, state) =>
      `${name} is ${state}, changes made in ${system} do not reach the hub until it runs`,
  });
  // A running source's lastError is a read (a poll: the system down) or a publish that failed with nothing read
  // since: the source-host clears it at the next success. A document it refused is a dead letter, not an error.
  if (source.lastError && source.state === 'RUNNING' && !source.waiting)
    out.push([
      'degraded',
      `${system}: connector ${source.connector} cannot read its changes and tries again by itself ` +
        `(${shortError(source.connector, source.lastError)}); changes made in ${system} wait there and reach the hub once it answers`,
    ]);
  return out;
}

/**
 * What a connector's run says of its system, sink or customer source, each with the status it calls for: waiting for
 * Kafka is failing, as for the hub's own queries, said in the connector's words (one source of truth); FAILED with a
 * restart by itself pending degraded (it goes on by itself if the restart works), failing once none is; not running
 * degraded. A failed connector's lastError is why it failed (a start refused, say), not a record dead-lettered.
 * `effect` words the last two for its direction.
 */
function runReasons(
  system: string,
  c: Pick<SinkHealth, 'connector' | 'state' | 'lastError' | 'waiting' | 'autoRestart'>,
  effect: { failed(name: string, why: string): string; stopped(name: string, state: string): string },
): Array<[SyncStatus, string]> {
  const out: Array<[SyncStatus, string]> = [];
  const name = `connector ${c.connector}`;
  if (c.waiting)
    out.push(['failing', `${system}: ${name} waits for Kafka since ${c.waiting.since}: ${c.waiting.reason}`]);
  if (c.state === 'FAILED' && c.autoRestart?.nextRestartAt) {
    const error = shortError(c.connector, c.autoRestart.error ?? c.lastError ?? '');
    out.push(['degraded', `${system}: ${pendingRestart(name, { ...c.autoRestart, error })}`]);
  } else if (c.state === 'FAILED') {
    const error = c.lastError ?? c.autoRestart?.error;
    out.push([
      'failing',
      `${system}: ${effect.failed(name, error ? ` (${shortError(c.connector, error)})` : '')}`,
    ]);
  } else if (c.state !== 'RUNNING')
    out.push(['degraded', `${system}: ${effect.stopped(name, c.state.toLowerCase())}`]);
  return out;
}

/**
 * A sink's error as a reason can hold it: without the connector's name in front (the reason names it), the system's
 * answer body (an Odoo 503 is a page of JSON with a Python traceback) replaced by the system's own message in it,
 * without the document values its maker quoted (`quotedValue`: a refused email or phone; sync health is a viewer's), at most 200 characters.
 */
export function shortError(connector: string, error: string): string {
  const own = error.startsWith(`${connector}: `) ? error.slice(connector.length + 2) : error;
  return withoutDocumentValues(errorSummary(own, 200));
}

/**
 * A connector's error as sync health's `lastError` (and a sink's `retrying.error`) shows it: the first line, the
 * system's own message instead of the answer body it quotes, credentials redacted, at most ERROR_SUMMARY_CHARS
 * (errorSummary), without the document values its maker quoted (sync health is a viewer's, as the reasons are); the whole answer is in
 * the hub's log and the dead letter, and an operator's `eai connectors status --json`.
 */
export function healthError(error: string): string;
export function healthError(error: string | null): string | null;
export function healthError(error: string | null): string | null {
  return error === null ? null : withoutDocumentValues(errorSummary(error));
}

/** What a sink says about its system, each with the status it calls for. */
export function sinkReasons(
  system: string,
  sink: SinkHealth,
  t: SyncHealthThresholds,
): Array<[SyncStatus, string]> {
  const name = `connector ${sink.connector}`;
  const out = runReasons(system, sink, {
    failed: (name, why) => `${name} has failed and sends nothing${why}`,
    stopped: (name, state) => `${name} is ${state}, changes are not sent`,
  });
  if (sink.retrying) {
    const { since, attempts, error } = sink.retrying;
    const waited = Math.max(0, (Date.now() - Date.parse(since)) / 1000);
    out.push([
      'degraded',
      `${system}: a push keeps failing and is retried (${name}, ${attempts} attempts in ${duration(waited)}: ${shortError(sink.connector, error)}); ` +
        `the changes after it wait and go on by themselves once ${system} answers`,
    ]);
  }
  if (sink.lastError && sink.state !== 'FAILED')
    out.push([
      'degraded',
      `${system}: the last push failed and went to the dead-letter topic (${name}: ${shortError(sink.connector, sink.lastError)}); ` +
        // A refusal (a 404, HubSpot's OBJECT_NOT_FOUND) is an answer too: waiting for one would not send it.
        `it is not sent again by itself: once what it says is fixed (${system} answers again, or accepts the record), npx eai dlq redrive ${DLQ_TOPICS.sink} --owner ${sink.connector}`,
    ]);
  const records = sink.backlogRecords ?? 0;
  const seconds = sink.backlogSeconds ?? 0;
  if (records > t.backlogRecords || (records > 0 && seconds > t.backlogSeconds))
    out.push([
      'degraded',
      `${system}: ${count(records)} changes wait to be sent (${name}), the oldest up to ${duration(seconds)} old`,
    ]);
  return out;
}

/** How long sync health waits for each of its Kafka queries before it reports Kafka as not answering. */
export const KAFKA_QUERY_TIMEOUT_MS = 5_000;
/** How long sync health waits for the master data's database before it says it did not answer. */
export const MASTER_DATA_QUERY_TIMEOUT_MS = 5_000;

/** What the master data database gave sync health. */
export interface MasterDataReading {
  /** Per system: its source records and when the last one was received. */
  rows: Array<{ system: string; records: string | number; last_at: Date | null }>;
  runs: Awaited<ReturnType<MasterDataStore['lastReconciles']>>;
  stats: { review: number; golden: number };
  requests: Map<string, ResyncRequested>;
  /** Per system: creates held for the steward (masterdata/sync/relay.ts); absent: none. */
  held: Map<string, number>;
}

/**
 * What sync health read, each as it came: a value, or why it could not be read (a rejection, as
 * Promise.allSettled gives it). Plain values: `judgeSyncHealth` decides on them alone.
 */
export interface SyncHealthReadings {
  /** Each connector with its status, and whether it is a customer sink or source (isCustomerSink, isCustomerSource). */
  connectors: Array<{
    name: string;
    status: ConnectorStatus | undefined;
    customerSink: boolean;
    customerSource: boolean;
  }>;
  masterData: PromiseSettledResult<MasterDataReading>;
  /** The matcher's records behind per partition on its topic. */
  backlog: PromiseSettledResult<Map<number, number>>;
  depths: PromiseSettledResult<Array<{ topic: string; depth: number }>>;
  letters: PromiseSettledResult<LetterTag[]>;
  matcher: Pick<CustomerMatcher, 'received' | 'handledRecordTimes' | 'startedAt'>;
  /** The golden sync relay's write-backs per system (none without a relay). */
  writebacks: Record<string, number>;
  /** The connect group the connectors sign their letters with. */
  group: string;
  matcherGroup: string;
  customerTopic: string;
  thresholds?: Partial<SyncHealthThresholds>;
}

/** Evaluates sync health once and sets the gauges. */
export async function syncHealth(deps: SyncHealthDeps): Promise<SyncHealth> {
  // Side by side: each may wait out its lag query's deadline while Kafka is down.
  const names = deps.runtime.names().sort();
  const statuses = await Promise.all(names.map((name) => deps.runtime.status(name)));
  const connectors = names.map((name, i) => ({
    name,
    status: statuses[i],
    customerSink: statuses[i]?.kind === 'sink' && isCustomerSink(deps, name),
    customerSource: statuses[i]?.kind === 'source' && isCustomerSource(deps, name),
  }));
  const tally = deps.deadLetterTally ?? new DeadLetterTally(deps.transport);
  const [masterData, backlog, depths, letters] = await Promise.allSettled([
    // At most MASTER_DATA_QUERY_TIMEOUT_MS: a PostgreSQL host that stops answering (a network partition drops
    // packets; nothing refuses the connection) would otherwise hold sync health, there to say so, for good.
    withDeadline(
      (async (): Promise<MasterDataReading> => {
        const [rows, runs, stats, requests, held] = await Promise.all([
          deps.store.pool
            .query<{ system: string; records: string; last_at: Date | null }>(
              `select system, count(*) as records, max(received_at) as last_at from ${quoteSchema(deps.store.schema)}.source_record group by system`,
            )
            .then((r) => r.rows),
          deps.store.lastReconciles(),
          deps.store.stats(),
          openResyncRequests(deps.store.pool, deps.store.schema),
          deps.store.pool
            .query<{ system: string; held: string }>(
              `select system, count(*) as held from ${quoteSchema(deps.store.schema)}.sync_held_create group by system`,
            )
            .then((r) => new Map(r.rows.map((row) => [row.system, Number(row.held)]))),
        ]);
        return { rows, runs, stats, requests, held };
      })(),
      MASTER_DATA_QUERY_TIMEOUT_MS,
      'the master data database',
    ),
    // At most KAFKA_QUERY_TIMEOUT_MS: kafkajs gives up on a broker that is down after about two minutes, and sync
    // health, there to say so, said nothing meanwhile.
    withDeadline(
      (async () => {
        const admin = deps.transport.admin();
        await admin.connect();
        return groupBacklog(admin, deps.matcherGroup, deps.customerTopic).finally(() => admin.disconnect());
      })(),
      KAFKA_QUERY_TIMEOUT_MS,
      'the backlog query',
    ),
    withDeadline(
      deadLetterDepths(deps.transport, Object.values(DLQ_TOPICS)),
      KAFKA_QUERY_TIMEOUT_MS,
      'the dead-letter depths',
    ),
    withDeadline(tally.letters(Object.values(DLQ_TOPICS)), KAFKA_QUERY_TIMEOUT_MS, 'the dead letters'),
  ]);
  const health = judgeSyncHealth({
    connectors,
    masterData,
    backlog,
    depths,
    letters,
    matcher: deps.matcher,
    writebacks: deps.sync?.counts.writebacks ?? {},
    group: deps.runtime.group ?? DEFAULT_CONNECT_GROUP,
    matcherGroup: deps.matcherGroup,
    customerTopic: deps.customerTopic,
    thresholds: deps.thresholds,
  });
  setGauges(health);
  return health;
}

/** Sync health from what was read (`SyncHealthReadings`): the rules above, on plain values. */
export function judgeSyncHealth(read: SyncHealthReadings, now = new Date()): SyncHealth {
  const t = { ...defaultSyncHealthThresholds, ...read.thresholds };
  const hubReasons: Array<[SyncStatus, string]> = [];

  // Sinks and customer sources, by system.
  const sinks = new Map<string, SinkHealth[]>();
  const sources = new Map<string, SourceHealth[]>();
  const statuses = read.connectors.map((c) => c.status);
  for (const { name, status, customerSink, customerSource } of read.connectors) {
    if (status?.kind === 'source' && customerSource) {
      const system = systemOfConnector(status.type, name);
      sources.set(system, [
        ...(sources.get(system) ?? []),
        {
          connector: name,
          type: status.type,
          state: status.state,
          lastReadAt: status.metrics.lastSuccessAt,
          read: status.metrics.recordsOut,
          failed: status.metrics.recordsFailed,
          lastError: healthError(status.metrics.lastError),
          waiting: status.waiting ?? null,
          autoRestart: status.autoRestart ?? null,
        },
      ]);
    }
    if (status?.kind !== 'sink' || !customerSink) continue;
    const system = systemOfConnector(status.type, name);
    const list = sinks.get(system) ?? [];
    list.push({
      connector: name,
      type: status.type,
      state: status.state,
      lastSentAt: status.metrics.lastSuccessAt,
      sent: status.metrics.recordsOut,
      failed: status.metrics.recordsFailed,
      backlogRecords: status.metrics.lagRecords,
      backlogSeconds: status.metrics.lagSeconds,
      lastError: healthError(status.metrics.lastError),
      retrying: status.metrics.retrying && {
        ...status.metrics.retrying,
        error: healthError(status.metrics.retrying.error),
      },
      waiting: status.waiting ?? null,
      autoRestart: status.autoRestart ?? null,
    });
    sinks.set(system, list);
  }

  // What the master data holds per system, and the steward queue.
  let perSystem = new Map<string, { records: number; lastAt: string | null }>();
  let reconciles = new Map<string, SystemHealth['drift']>();
  let resyncs = new Map<string, ResyncRequested>();
  let heldCreates = new Map<string, number>();
  let stewardQueue: number | null = null;
  let goldenRecords: number | null = null;
  const unknown: UnknownFields[] = [];
  // Why the master data could not be read: each system's records and drift are unknown, not 0 and never reconciled.
  let masterDataUnknown: string | null = null;
  if (read.masterData.status === 'fulfilled') {
    const { rows, runs, stats, requests, held } = read.masterData.value;
    heldCreates = held;
    perSystem = new Map(
      rows.map((r) => [r.system, { records: Number(r.records), lastAt: r.last_at?.toISOString() ?? null }]),
    );
    reconciles = new Map(
      runs.map((r) => [
        r.system,
        {
          finishedAt: r.finishedAt,
          records: r.records,
          missing: r.counts.missing ?? 0,
          extra: r.counts.extra ?? 0,
          differs: r.counts.differs ?? 0,
          behind: r.counts.behind ?? 0,
          erased: r.counts.erased ?? 0,
          repaired: r.repaired !== null,
        },
      ]),
    );
    resyncs = requests;
    stewardQueue = stats.review;
    goldenRecords = stats.golden;
    if (stewardQueue > t.stewardQueue)
      hubReasons.push(['degraded', `${count(stewardQueue)} pairs of customer records wait for a steward`]);
  } else {
    masterDataUnknown = `the master data database did not answer (${errorMessage(read.masterData.reason)})`;
    hubReasons.push(['failing', masterDataUnknown]);
    unknown.push({ fields: MASTER_DATA_FIELDS, reason: masterDataUnknown });
  }

  // The matcher's backlog, and the dead letters: side by side, each known or not on its own.
  let matcherBacklog: number | null = null;
  let matcherSeconds: number | null = null;
  let deadLetters: SyncHealth['deadLetters'] = null;
  const { backlog, depths, letters } = read;
  // The connectors' watch knows since when the cluster has not answered: said with it, as their statuses say.
  const waitingSince = statuses
    .map((status) => status?.waiting?.since)
    .filter((at): at is string => !!at)
    .sort()[0];
  const kafkaReason = (query: string, error: unknown) =>
    `Kafka did not answer ${query} (${errorMessage(error)})${waitingSince ? `; the connectors wait for it since ${waitingSince}` : ''}`;
  if (backlog.status === 'fulfilled') {
    const behind = backlog.value;
    matcherBacklog = [...behind.values()].reduce((a, b) => a + b, 0);
    matcherSeconds = oldestWaitSeconds(
      behind,
      read.matcher.handledRecordTimes,
      read.matcher.startedAt,
      now.getTime(),
    );
    if (
      matcherBacklog > t.matcherBacklogRecords ||
      (matcherBacklog > 0 && matcherSeconds > t.matcherBacklogSeconds)
    ) {
      hubReasons.push([
        'degraded',
        `customer matching is behind: ${count(matcherBacklog)} changes on ${read.customerTopic} not yet matched`,
      ]);
    }
  } else {
    const reason = kafkaReason('the backlog query', backlog.reason);
    hubReasons.push(['failing', reason]);
    unknown.push({ fields: ['matcher.backlogRecords', 'matcher.backlogSeconds'], reason });
  }
  if (depths.status === 'fulfilled')
    deadLetters = depths.value.map((d) => ({ topic: d.topic, depth: d.depth }));
  else {
    const reason = kafkaReason('the dead-letter depths query', depths.reason);
    // One reason for Kafka in the status; the depths' own in `unknown`.
    if (backlog.status === 'fulfilled') hubReasons.push(['failing', reason]);
    // Each system's letters are read from the same topics: unknown for the same reason, said once.
    const fields =
      letters.status === 'fulfilled' ? ['deadLetters'] : ['deadLetters', 'systems[].deadLetters'];
    unknown.push({ fields, reason });
  }
  // Each system's own letters, by the tags they carry.
  let perSystemLetters: Map<string, SystemDeadLetters> | null = null;
  if (letters.status === 'fulfilled') {
    perSystemLetters = lettersBySystem(
      letters.value,
      sinkOwners(sinks, read.group),
      read.matcherGroup,
      read.group,
    );
  } else if (depths.status === 'fulfilled') {
    // Unknown, not judged (dead letters never are): a first read of a long topic may outlast the deadline, and
    // goes on meanwhile for the next call. Kafka away is said by the queries above.
    const reason = `the systems' dead letters were not read (${errorMessage(letters.reason)})`;
    unknown.push({ fields: ['systems[].deadLetters'], reason });
  }

  const names = new Set([
    ...perSystem.keys(),
    ...read.matcher.received.keys(),
    ...sinks.keys(),
    ...sources.keys(),
    ...reconciles.keys(),
    ...resyncs.keys(),
    ...heldCreates.keys(),
    ...(perSystemLetters?.keys() ?? []),
  ]);
  const systems: SystemHealth[] = [...names].sort().map((system) => {
    const own = sinks.get(system) ?? [];
    const readers = sources.get(system) ?? [];
    const drift = reconciles.get(system) ?? null;
    const judged = [
      ...(masterDataUnknown ? [masterDataReason(system)] : []),
      ...readers.flatMap((s) => sourceReasons(system, s)),
      ...own.flatMap((s) => sinkReasons(system, s, t)),
      ...driftReasons(system, drift),
      ...resyncReasons(system, resyncs.get(system)),
    ];
    const received = read.matcher.received.get(system);
    return {
      system,
      status: worst(judged.map(([s]) => s)),
      reasons: judged.map(([, r]) => r),
      inbound: {
        lastReceivedAt: latest([received?.lastAt, perSystem.get(system)?.lastAt]),
        eventsSinceStart: received?.events ?? 0,
        records: masterDataUnknown ? null : (perSystem.get(system)?.records ?? 0),
        sources: readers,
      },
      outbound: {
        lastSentAt: latest(own.map((s) => s.lastSentAt)),
        backlogRecords: own.reduce((n, s) => n + (s.backlogRecords ?? 0), 0),
        backlogSeconds: Math.max(0, ...own.map((s) => s.backlogSeconds ?? 0)),
        failedPushes: own.reduce((n, s) => n + s.failed, 0),
        writtenBack: read.writebacks[system] ?? 0,
        heldCreates: masterDataUnknown ? null : (heldCreates.get(system) ?? 0),
        sinks: own,
      },
      drift,
      resyncRequested: masterDataUnknown ? null : (resyncs.get(system) ?? NO_RESYNC),
      deadLetters: perSystemLetters ? (perSystemLetters.get(system) ?? NO_LETTERS) : null,
    };
  });

  const status = worst([...hubReasons.map(([s]) => s), ...systems.map((s) => s.status)]);
  const health: SyncHealth = {
    status,
    reasons: [...hubReasons.map(([, r]) => r), ...systems.flatMap((s) => s.reasons)],
    checkedAt: now.toISOString(),
    matcher: { backlogRecords: matcherBacklog, backlogSeconds: matcherSeconds, goldenRecords },
    stewardQueue,
    deadLetters,
    systems,
    unknown,
  };
  return health;
}

const NO_LETTERS: SystemDeadLetters = { inbound: 0, outbound: 0, redriven: 0 };

/** The owners the customer sinks sign their dead letters with (each form a name has had), to their systems. */
export function sinkOwners(sinks: Map<string, SinkHealth[]>, group: string): Map<string, string> {
  const owners = new Map<string, string>();
  for (const [system, list] of sinks)
    for (const sink of list)
      for (const owner of deadLetterOwners(sink.connector, group)) owners.set(owner, system);
  return owners;
}

/**
 * Each system's own dead letters among `letters` (`systemOfLetter`): those not redriven by the way they failed,
 * those redriven since apart; a system none of the letters is of is absent.
 */
export function lettersBySystem(
  letters: readonly LetterTag[],
  owners: Map<string, string>,
  matcherGroup: string,
  group: string,
): Map<string, SystemDeadLetters> {
  const perSystem = new Map<string, SystemDeadLetters>();
  for (const letter of letters) {
    const mine = systemOfLetter(letter, owners, matcherGroup, group);
    if (!mine) continue;
    const counts = perSystem.get(mine.system) ?? { inbound: 0, outbound: 0, redriven: 0 };
    if (letter.redriven) counts.redriven += 1;
    else counts[mine.direction] += 1;
    perSystem.set(mine.system, counts);
  }
  return perSystem;
}

/**
 * The system a dead letter is of, and which way it failed, by the tags it carries; undefined for a letter that is no
 * system's customer sync (an order mapping's, a workflow's, a sink of another group's). Outbound: its owner is one
 * of the system's customer sinks (`owners`, `sinkOwners`). Inbound: a customer document (or record of one) the
 * system's source connectors (of this hub's connect `group`, as their owner says: not another group's) could not
 * map, by the system and schema the letter names (`eai.connector.system`, `eai.document.schema`: its key is the
 * document's, not a customer's); or the matcher (`matcherGroup`) refused it, and the refused customer event's key
 * names its system (`<system>:<id>`, as every customer mapping keys it).
 */
export function systemOfLetter(
  letter: LetterTag,
  owners: Map<string, string>,
  matcherGroup: string,
  group: string,
): { system: string; direction: 'inbound' | 'outbound' } | undefined {
  if (letter.owner === null) return undefined;
  if (
    letter.system &&
    letter.schema?.split('.').at(-1) === 'CustomerEvent' &&
    connectorOfOwner(letter.owner, group) !== undefined
  )
    return { system: letter.system, direction: 'inbound' };
  const sink = owners.get(letter.owner);
  if (sink !== undefined) return { system: sink, direction: 'outbound' };
  if (letter.owner !== matcherGroup || !letter.key) return undefined;
  const colon = letter.key.indexOf(':');
  return colon > 0 ? { system: letter.key.slice(0, colon), direction: 'inbound' } : undefined;
}

/** A system whose master data could not be read: failing (nothing of it is matched or synced meanwhile), its numbers unknown. */
export function masterDataReason(system: string): [SyncStatus, string] {
  return [
    'failing',
    `${system}: its changes are neither matched nor synced while the master data database does not answer; its records and drift are unknown`,
  ];
}

/**
 * A system whose last reconcile found records apart from the hub (missing, extra, differing) and did not repair
 * them is degraded until a reconcile finds none or repairs them. Records `behind` (lacking golden values) are
 * reported, not judged: the relay sends golden values only to systems the config pushes to. Records `erased` in the
 * hub but still in the system keep it degraded, repaired or not (a repair skips them): personal data the hub was
 * asked to erase, until the system deletes them and a reconcile no longer finds them.
 */
export function driftReasons(system: string, drift: SystemHealth['drift']): Array<[SyncStatus, string]> {
  if (!drift) return [];
  const erased: Array<[SyncStatus, string]> =
    drift.erased > 0
      ? [
          [
            'degraded',
            `${system} still holds ${count(drift.erased)} record${drift.erased === 1 ? '' : 's'} erased in the hub (right to be forgotten): its last reconcile (${drift.finishedAt}) found ${drift.erased === 1 ? 'it' : 'them'} in its export; erase ${drift.erased === 1 ? 'it' : 'them'} in ${system} by hand (a repair does not), then \`eai mdm reconcile ${system} --input <export>\` again`,
          ],
        ]
      : [];
  if (drift.repaired) return erased;
  const found = (
    [
      ['missing', 'held by the hub and missing from its export'],
      ['extra', 'in its export and unknown to the hub'],
      ['differs', 'with changes the hub missed'],
    ] as const
  )
    .filter(([kind]) => drift[kind] > 0)
    .map(([kind, what]) => `${count(drift[kind])} record${drift[kind] === 1 ? '' : 's'} ${what}`);
  if (found.length === 0) return erased;
  return [
    [
      'degraded',
      `${system} drifted apart from the golden records: its last reconcile (${drift.finishedAt}) found ${found.join(', ')}; \`eai mdm reconcile ${system} --input <export> --repair\` applies the export`,
    ],
    ...erased,
  ];
}

const NO_RESYNC: ResyncRequested = { records: 0, entities: [], since: null };

/**
 * A system that asked for records (or every record of an entity) to be re-read lost changes the hub has not
 * received: its golden records may be stale. Degraded, entity-wide too: changes still flow both ways and nothing
 * waits for an operator to go on (what `failing` means here), but someone has to export the system's customers and
 * reconcile with --repair, which the reason says; the hub cannot re-read a system itself. The export must hold all
 * of them, not only those asked for: a repair deletes the records an export lacks.
 */
export function resyncReasons(
  system: string,
  requested: ResyncRequested | undefined,
): Array<[SyncStatus, string]> {
  if (!requested || (requested.records === 0 && requested.entities.length === 0)) return [];
  const asked = [
    ...(requested.records > 0
      ? [`${count(requested.records)} record${requested.records === 1 ? '' : 's'}`]
      : []),
    ...requested.entities.map((entity) => `every ${entity}`),
  ];
  const what = asked.length > 1 ? `${asked.slice(0, -1).join(', ')} and ${asked.at(-1)}` : asked[0];
  return [
    [
      'degraded',
      `${system} asked for ${what} to be re-read since ${requested.since} (it lost changes the hub has not received): ` +
        `export all its customers and run npx eai mdm reconcile ${system} --input <export> --repair`,
    ],
  ];
}

const seconds = (iso: string | null) => (iso ? Date.parse(iso) / 1000 : undefined);

function setGauges(health: SyncHealth): void {
  syncMetrics.status.set({ system: '*' }, rank[health.status]);
  for (const s of health.systems) {
    syncMetrics.status.set({ system: s.system }, rank[s.status]);
    const received = seconds(s.inbound.lastReceivedAt);
    if (received !== undefined) syncMetrics.lastReceived.set({ system: s.system }, received);
    const sent = seconds(s.outbound.lastSentAt);
    if (sent !== undefined) syncMetrics.lastSent.set({ system: s.system }, sent);
    syncMetrics.backlogRecords.set({ system: s.system, direction: 'out' }, s.outbound.backlogRecords);
    syncMetrics.backlogSeconds.set({ system: s.system, direction: 'out' }, s.outbound.backlogSeconds);
    syncMetrics.failedPushes.set({ system: s.system }, s.outbound.failedPushes);
    if (s.outbound.heldCreates !== null)
      syncMetrics.heldCreates.set({ system: s.system }, s.outbound.heldCreates);
    if (s.deadLetters) {
      syncMetrics.deadLetters.set({ system: s.system, direction: 'in' }, s.deadLetters.inbound);
      syncMetrics.deadLetters.set({ system: s.system, direction: 'out' }, s.deadLetters.outbound);
    }
    if (s.drift)
      for (const kind of ['missing', 'extra', 'differs', 'behind', 'erased'] as const)
        syncMetrics.drift.set(
          { system: s.system, kind },
          s.drift.repaired && kind !== 'erased' ? 0 : s.drift[kind],
        );
    if (s.resyncRequested) {
      syncMetrics.resyncRequested.set({ system: s.system, scope: 'record' }, s.resyncRequested.records);
      syncMetrics.resyncRequested.set(
        { system: s.system, scope: 'entity' },
        s.resyncRequested.entities.length,
      );
    }
  }
  if (health.matcher.backlogRecords !== null)
    syncMetrics.backlogRecords.set({ system: '*', direction: 'in' }, health.matcher.backlogRecords);
  if (health.matcher.backlogSeconds !== null)
    syncMetrics.backlogSeconds.set({ system: '*', direction: 'in' }, health.matcher.backlogSeconds);
  if (health.stewardQueue !== null) syncMetrics.stewardQueue.set(health.stewardQueue);
}
