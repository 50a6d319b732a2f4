import { createHash, randomUUID } from 'node:crypto';
import {
  type Bus,
  CompactedLog,
  connectTopicSpecs,
  connectTopics,
  DEFAULT_CONNECT_GROUP,
  type DeadLetterEntry,
  type DocumentRemap,
  type IncomingRecord,
  type KafkaOutage,
  type KafkaWatch,
  type TransportConsumer,
} from '../../bus/index.ts';
import {
  ConfigError,
  errorMessage,
  FieldError,
  type FieldProblem,
  NonRetriableError,
} from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { withDeadline } from '../../lib/retry.ts';
import {
  type CompiledMapping,
  findMapping,
  inboundMapping,
  inTimeZone,
  writeWithMapping,
} from '../../mappings/index.ts';
import type {
  ConnectorContext,
  ConnectorPlugin,
  Json,
  WebhookRequest,
  WebhookResponse,
} from '../sdk/index.ts';
import {
  type AutoRestartStatus,
  ConnectorRecovery,
  DEFAULT_RESTART_POLICY,
  pendingRestart,
  type RestartPolicy,
  restartable,
  restartDelay,
} from './auto-restart.ts';
import { connectorKey, connectorOfOwner, sinkGroupId, systemOfConnector } from './connector-ids.ts';
import {
  connectorMetrics,
  forgetSeries,
  initialiseSeries,
  newCounters,
  reportedCounters,
  type TaskCounters,
} from './connector-metrics.ts';
import { type ConnectorDefinition, pluginConfig, validateDefinition } from './definition.ts';
import { forEachInParallel } from './in-parallel.ts';
import type { MappingPool } from './mapping-pool.ts';
import { remapLetter } from './redrive.ts';
import {
  configScrubber,
  scrubbingHandler,
  scrubbingLogger,
  scrubbingTask,
  scrubError,
} from './secret-scrub.ts';
import { keepRedactedSecrets, literalSecrets, literalSecretWarnings, redactConfig } from './secrets.ts';
import { SinkHost } from './sink-host.ts';
import { positionKey, positionsOf, SourceHost } from './source-host.ts';
import { createSourceStep, type SourceStepConfig } from './source-step.ts';
import { forwardHops, forwardWebhook, MAX_FORWARD_HOPS } from './webhook-forward.ts';

/** How long a forwarded webhook request waits for the owner's answer (its own wait for Kafka is 30 s by default). */
const FORWARD_TIMEOUT_MS = 35_000;

/**
 * At most one "webhook request not forwarded" line per connector in this long: while the instance that ran a connector
 * is gone and its session not yet timed out (6 s), every request forwarded to it fails, and the HA trial logged 1,103
 * such lines for one restart. The next line says how many were not logged (`notLogged`); each sender got its 503.
 */
const FORWARD_WARNING_EVERY_MS = 10_000;

/**
 * How long a connector's task gets to stop (a pause, restart, change or removal). One that takes longer (a send or a
 * system call that never ends) is left behind and its connector marked FAILED: the changes of every other
 * connector wait for reconciliation, which must not wait for it.
 */
const STOP_TIMEOUT_MS = 30_000;
/**
 * A status under this instance's name from another worker, read this long after the start (plus the stop timeout),
 * comes from a live instance given the same name: a predecessor that was stopping has written its last by then.
 */
const SAME_NAME_MARGIN_MS = 5_000;

/** How long a connector's status waits for its sink's lag from Kafka before it answers with the last one known. */
export const STATUS_LAG_TIMEOUT_MS = 2_000;

/**
 * How many connectors start, stop, are written by a deploy or have their status written at once. One at a time, 40
 * connectors took 1.5 s to start on loopback, and each start is several round trips to the cluster (a source's
 * InitProducerId per transactional id, a sync of the offsets view, its status written): 20-50 ms each on a remote one.
 * Each connector's own steps stay in order (stopped before started again); the stops a reconciliation makes end before
 * its starts begin.
 */
export const CONNECTORS_AT_ONCE = 8;

/** Connector slots: the partitions of the group's assignments topic, spread over the instances by rebalancing. */
export const ASSIGNMENT_SLOTS = 12;

export type ConnectorState = 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'UNASSIGNED';

export interface ConnectorStatus {
  name: string;
  type: string;
  kind: 'source' | 'sink';
  state: ConnectorState;
  /** The runtime instance that runs it: new at each start of that instance. */
  workerId: string | null;
  /**
   * That instance's name, stable across its restarts (the hub's EAI_INSTANCE_ID, or `<host name>:<port>`): what
   * operators read. Absent in a status an older hub wrote.
   */
  instance?: string | null;
  /** The base URL that instance advertises (its hub's): webhooks reaching another instance are forwarded there. */
  workerUrl?: string | null;
  trace: string | null;
  updatedAt: string | null;
  metrics: TaskCounters;
  /** What a source task reports of itself (an initial snapshot's progress), when it does. */
  task?: { [key: string]: Json };
  /** A RUNNING connector of this instance waiting for the Kafka cluster (`connectorWaiting`); absent elsewhere. */
  waiting?: ConnectorWaiting | null;
  /**
   * Its restarts by itself after transient failures (auto-restart.ts): how many, the next one due while it is FAILED;
   * null when it made none since it last ran well and none is pending.
   */
  autoRestart?: AutoRestartStatus | null;
}

/**
 * What a RUNNING connector waits for that is not its own doing: the Kafka cluster not answering. Its task keeps its
 * state, as Kafka Connect keeps it RUNNING, and its client retries for about two minutes before a transaction fails
 * and says so in `lastError`: this says it at once, and since when.
 */
export interface ConnectorWaiting {
  on: 'kafka';
  /** Since when the cluster has not answered (ISO 8601). */
  since: string;
  reason: string;
}

/** A running connector's `waiting` for an outage of the cluster (bus/kafka-watch.ts), in words for its kind. */
export function connectorWaiting(
  kind: 'source' | 'sink',
  brokers: string,
  outage: KafkaOutage | null,
): ConnectorWaiting | null {
  if (!outage) return null;
  const effect =
    kind === 'source'
      ? 'nothing it reads is committed to Kafka until it answers (a webhook source answers 503 at once meanwhile); it goes on by itself then'
      : 'no record is read or applied until it answers; it goes on by itself then';
  return {
    on: 'kafka',
    since: outage.since,
    reason: `Kafka at ${brokers} is unreachable (${outage.error}): ${effect}`,
  };
}

interface StoredDefinition {
  definition: ConnectorDefinition;
  baseDir: string;
  /**
   * The deployment folder it came from (`eai up --deploy`): its file gone from that folder, the next deploy of the
   * folder removes it. Absent for connectors created or changed over the API, which a deploy never removes.
   */
  deployedFrom?: string;
}

interface Running {
  hash: string;
  restartNonce: string | undefined;
  host?: SourceHost | SinkHost;
  abort: AbortController;
  state: ConnectorState;
  trace: string | null;
  counters: TaskCounters;
}

export interface RuntimeOptions {
  bus: Bus;
  plugins: readonly ConnectorPlugin[];
  logger: Logger;
  /** Instances with the same group share the connectors; default `eai-connect`. */
  group?: string;
  workerId?: string;
  /**
   * This instance's name in the statuses it writes (`instance`), stable across restarts where `workerId` is not;
   * default the worker id (until `advertise` names it).
   */
  instance?: string;
  /** Folder that relative paths of connectors created over the API are resolved against. */
  baseDir?: string;
  /** How fast a dead instance's connectors move (its session must time out first); default 6000 (Kafka's minimum). */
  sessionTimeoutMs?: number;
  /** Sink retry policy (tests make it short). */
  sinkRetry?: { retries?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Sources: topic per schema full name instead of the canonical one (tests, tenants). */
  canonicalTopics?: Record<string, string>;
  /** Sources map their batches in these threads instead of the runtime's own (its owner closes it). */
  mappingPool?: MappingPool;
  /** How long a task gets to stop before it is left behind and its connector FAILED; default STOP_TIMEOUT_MS. */
  stopTimeoutMs?: number;
  /** Sources: how long a transaction may take before the host checks that its topics still exist; default 5000. */
  topicCheckMs?: number;
  /**
   * Sources that poll ahead: how long their second transactional producer stays connected with no transaction on it;
   * default SPARE_PRODUCER_IDLE_MS (10 s).
   */
  spareProducerIdleMs?: number;
  /**
   * Whether the cluster answers (started and stopped by its owner): a running connector's status says at once that
   * it waits for Kafka (`waiting`). Without one, statuses have no `waiting`.
   */
  kafka?: KafkaWatch;
}

/** Which slot a connector falls in; the same on every instance. */
export function slotOf(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % ASSIGNMENT_SLOTS;
}

/**
 * The connector runtime: connector configs, target states and restart requests live in `eai.connector-configs`,
 * statuses in `eai.connector-status`, source positions in `eai.connector-offsets` (all compacted), so every
 * instance sees the same deployment. Instances join one consumer group on `eai.connector-assignments`; the slots
 * (partitions) a member holds say which connectors it runs, and when an instance dies its slots move to the others
 * after its session times out. A source's transactional id fences the instance that ran it before. What a connector
 * is on Kafka outside its state topics (transactional ids, sink consumer group, dead-letter owner) is its group's
 * (connector-ids.ts), so another group's connector of the same name is another connector.
 */
export class ConnectorRuntime {
  readonly workerId: string;
  readonly plugins: ReadonlyMap<string, ConnectorPlugin>;
  /** The connect cluster: instances of one group share connectors; its state topics are named after it. */
  readonly group: string;
  private readonly assignmentTopic: string;
  private readonly options: RuntimeOptions;
  private readonly configs: CompactedLog;
  private readonly statuses: CompactedLog;
  private readonly positions: CompactedLog;
  private membership?: TransportConsumer;
  private slots = new Set<number>();
  private readonly running = new Map<string, Running>();
  /**
   * Each connector's counters for the life of this process, whatever its restarts: a pause and resume, a restart or a
   * new definition starts a new task but continues its records in / out / failed, as the Prometheus counters they
   * mirror must (a counter that drops reads as a reset, and rate() as a burst).
   */
  private readonly counters = new Map<string, TaskCounters>();
  /** The automatic restarts of each connector running here (its count, the restart pending); dropped when it leaves. */
  private readonly recoveries = new Map<string, ConnectorRecovery>();
  private readonly webhooks = new Map<string, (request: WebhookRequest) => Promise<WebhookResponse>>();
  /** The body limit each webhook served here declared (`serveWebhook`'s `maxBodyBytes`). */
  private readonly webhookBodyLimits = new Map<string, number>();
  /** Per connector: when "webhook request not forwarded" was last logged, and how many were not logged since. */
  private readonly forwardWarnings = new Map<string, { at: number; notLogged: number }>();
  private reconciling: Promise<void> = Promise.resolve();
  private statusTimer?: NodeJS.Timeout;
  /** The configs view is loaded: before that an unknown connector may just not be read yet. */
  private started = false;
  /** This instance's base URL as other instances reach it (`advertise`), written with each status. */
  private advertisedUrl: string | null = null;
  /** This instance's name (`instance` in its statuses): the option's, or what `advertise` says, else the worker id. */
  private instanceName: string;
  private stopped = false;
  /** When this instance started reading statuses, and the other workers seen writing under its name since. */
  private startedAt = 0;
  private readonly sameNameWorkers = new Set<string>();

  constructor(options: RuntimeOptions) {
    this.options = options;
    this.workerId = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
    this.instanceName = options.instance ?? this.workerId;
    this.plugins = new Map(options.plugins.map((p) => [p.type, p]));
    const { transport } = options.bus;
    this.group = options.group ?? DEFAULT_CONNECT_GROUP;
    const topics = connectTopics(this.group);
    this.assignmentTopic = topics.assignments;
    this.configs = new CompactedLog(transport, topics.configs, options.logger);
    this.statuses = new CompactedLog(transport, topics.status, options.logger);
    this.positions = new CompactedLog(transport, topics.offsets, options.logger);
  }

  private get log(): Logger {
    return this.options.logger;
  }

  /** This instance's name, as its statuses say it (`instance`). */
  get instance(): string {
    return this.instanceName;
  }

  /** Other live workers writing statuses under this instance's name (two instances given one EAI_INSTANCE_ID). */
  get sameNameAs(): string[] {
    return [...this.sameNameWorkers];
  }

  async start(deployment?: {
    definitions: ReadonlyArray<ConnectorDefinition>;
    baseDir: string;
  }): Promise<void> {
    await this.options.bus.provisionTopics(connectTopicSpecs(this.group, ASSIGNMENT_SLOTS));
    // Positions are written in the sources' transactions: one that a killed instance left open holds a read_committed
    // view back until the source's next producer fences it (SourceHost.start connects, then syncs). Waiting for the
    // view here would wait for that, before any source could start: the broker's transaction timeout, a minute.
    this.startedAt = Date.now();
    this.statuses.onChange((key, value) => this.checkSameName(key, value));
    await Promise.all([this.configs.start(), this.statuses.start(), this.positions.start({ sync: false })]);
    this.started = true;
    // The deployment folder is written before this instance runs anything: deployed after, every stored definition
    // ran first as it was, so a sink whose file changed wrote the records waiting for it with its old config, and a
    // connector whose file was deleted ran once (seen in the ops trial).
    if (deployment) await this.deploy(deployment.definitions, deployment.baseDir);
    this.configs.onChange(() => this.reconcile());
    const membership = this.options.bus.transport.consumer({
      groupId: this.group,
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 6000,
      heartbeatIntervalMs: 1000,
    });
    membership.onAssignment((assigned) => {
      this.slots = new Set(assigned[this.assignmentTopic] ?? []);
      this.log.info({ worker: this.workerId, slots: [...this.slots] }, 'connector slots assigned');
      this.reconcile();
    });
    await membership.connect();
    await membership.run({ topics: [this.assignmentTopic], commit: false, eachRecord: async () => {} });
    this.membership = membership;
    await membership.ready();
    await this.reconcile();
    this.statusTimer = setInterval(() => void this.publishStatuses(), 5000);
    this.statusTimer.unref();
  }

  /**
   * Writes the deployment folder's connectors into the shared configs, where they differ, and removes the ones an
   * earlier deploy of this folder wrote whose file is gone. Returns the names removed.
   */
  async deploy(definitions: ReadonlyArray<ConnectorDefinition>, baseDir: string): Promise<string[]> {
    // Written CONNECTORS_AT_ONCE at a time (each a send and a sync of the view); all of them before any removal.
    await forEachInParallel(definitions, CONNECTORS_AT_ONCE, async (definition) => {
      const stored = this.stored(definition.name);
      const next: StoredDefinition = { definition: stripFile(definition), baseDir, deployedFrom: baseDir };
      if (!stored || JSON.stringify(stored) !== JSON.stringify(next)) {
        // A deployment file is written as the API's PUT is: with the same warning for a secret written out.
        this.warnLiteralSecrets(definition);
        await this.configs.put(configKey(definition.name), JSON.stringify(next));
      }
    });
    const inFolder = new Set(definitions.map((d) => d.name));
    const gone = this.names().filter(
      (name) => !inFolder.has(name) && this.stored(name)?.deployedFrom === baseDir,
    );
    await forEachInParallel(gone, CONNECTORS_AT_ONCE, async (name) => {
      await this.remove(name);
      this.options.logger.info(
        { connector: name, folder: baseDir },
        'connector removed: its file is gone from the deployment folder',
      );
    });
    return gone;
  }

  /** A config's secrets written out rather than as references are stored on Kafka as written: say so, naming them. */
  private warnLiteralSecrets(definition: ConnectorDefinition): void {
    const literal = literalSecrets(definition.config, 'config');
    if (literal.length === 0) return;
    this.options.logger.warn(
      { connector: definition.name, fields: literal, topic: connectTopics(this.group).configs },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference syntax, shown to the operator
      'connector config holds literal secrets, stored on Kafka as written: write ${env:NAME} or ${file:path} instead',
    );
  }

  /** The deployment folder a connector came from, if it came from one (and was not changed over the API since). */
  deployedFrom(name: string): string | undefined {
    return this.stored(name)?.deployedFrom;
  }

  /**
   * What a sink reads: its topics (the plugin's defaults filled in) and the canonical schema its from-canonical
   * mapping takes (`CustomerEvent`, `SalesOrderEvent`, …; none without a mapping). Undefined for a source or an
   * unknown name. Sync health tells customer sinks from order sinks by it.
   */
  sinkInput(name: string): { topics: string[]; schema?: string } | undefined {
    const stored = this.stored(name);
    if (!stored || this.plugins.get(stored.definition.type)?.kind !== 'sink') return undefined;
    const definition = this.withDefaults(stored.definition);
    let schema: string | undefined;
    try {
      schema = definition.mapping ? findMapping(definition.mapping, stored.baseDir).schema.name : undefined;
    } catch {
      // A mapping gone since deployment: the sink fails at its start and says so; here it is only not known.
    }
    return { topics: definition.topics ?? [], ...(schema ? { schema } : {}) };
  }

  /**
   * The canonical schemas a source's records can be (`CustomerEvent`, `SalesOrderEvent`, …): for each format it reads
   * (its definition's `format`, else the plugin's `formats` or `format`), the schema of the mapping it maps that format
   * with (the definition's `mapping` or a `mappingsBySender` one that reads it, else the format's shipped mapping), and
   * of every mapping it names. Undefined for a sink or an unknown name. Sync health tells a system's customer sources
   * (its inbound customer sync) from its order sources by it.
   */
  sourceOutput(name: string): { schemas: string[] } | undefined {
    const stored = this.stored(name);
    const plugin = stored && this.plugins.get(stored.definition.type);
    if (!stored || plugin?.kind !== 'source') return undefined;
    const definition = stored.definition;
    const schemas = new Set<string>();
    const named: CompiledMapping[] = [];
    for (const ref of [definition.mapping, ...Object.values(definition.mappingsBySender ?? {})]) {
      if (ref === undefined) continue;
      try {
        named.push(findMapping(ref, stored.baseDir));
      } catch {
        // A mapping gone since deployment: the source fails at its start and says so; here it is only not known.
      }
    }
    for (const mapping of named) schemas.add(mapping.schema.name);
    const formats = definition.format
      ? [definition.format]
      : (plugin.defaults?.formats ?? (plugin.defaults?.format ? [plugin.defaults.format] : []));
    for (const format of formats) {
      if (named.some((mapping) => mapping.spec.input === format)) continue;
      try {
        schemas.add(inboundMapping(format).schema.name);
      } catch {
        // No shipped mapping reads it by default (a CSV table): only the named ones say what it writes.
      }
    }
    return { schemas: [...schemas].sort() };
  }

  // ---- the API's operations -------------------------------------------------------------------------------------

  names(): string[] {
    return [...this.configs.entries()]
      .filter(([k]) => k.startsWith('connector/'))
      .map(([k]) => k.slice('connector/'.length))
      .sort();
  }

  /** The definition as it may be shown: secret references kept, literal secrets redacted. */
  definition(name: string): ConnectorDefinition | undefined {
    const stored = this.stored(name);
    return stored ? (redactConfig(stored.definition) as ConnectorDefinition) : undefined;
  }

  /**
   * Creates or replaces a connector. Its relative paths (mapping files, `${file:…}` references, folders) are resolved
   * against `baseDir` when given (the folder of the file it was written in, as `eai connectors apply` sends), else
   * against the runtime's (the deployment folder).
   */
  async put(
    raw: unknown,
    where: string,
    baseDir?: string,
  ): Promise<{ created: boolean; definition: ConnectorDefinition }> {
    const base = baseDir ?? this.options.baseDir ?? process.cwd();
    const { definition } = await this.validate(raw, where, base);
    const created = !this.stored(definition.name);
    this.warnLiteralSecrets(definition);
    await this.configs.put(
      configKey(definition.name),
      JSON.stringify({ definition, baseDir: base } satisfies StoredDefinition),
    );
    await this.reconciling;
    return { created, definition: redactConfig(definition) as ConnectorDefinition };
  }

  /**
   * The checks `put` makes, nothing stored: the common fields, the plugin's options (references resolved as here),
   * the format, the mappings (found and compiled), the output topics (they must exist). Throws a ConfigError naming
   * each wrong field; else the definition and what is allowed but unwise (a secret written out: stored as written).
   */
  async validate(
    raw: unknown,
    where: string,
    baseDir?: string,
  ): Promise<{ definition: ConnectorDefinition; warnings: FieldProblem[] }> {
    const base = baseDir ?? this.options.baseDir ?? process.cwd();
    const definition = this.withStoredSecrets(validateDefinition(raw, this.plugins, where, base), where);
    this.checkMapping(this.withDefaults(definition), base);
    await this.checkOutputTopics(definition, where);
    return { definition, warnings: literalSecretWarnings(definition) };
  }

  /**
   * A definition sent back as `definition()` showed it keeps the stored secrets its `[redacted]` fields stand for;
   * a `[redacted]` with nothing stored at its place is refused, naming the field, rather than stored as the secret.
   */
  private withStoredSecrets(definition: ConnectorDefinition, where: string): ConnectorDefinition {
    const stored = this.stored(definition.name)?.definition.config;
    const { value, problems } = keepRedactedSecrets(definition.config, stored, 'config');
    if (problems.length > 0)
      throw new ConfigError(`${where}: ${problems.map((p) => `${p.field}: ${p.problem}`).join('; ')}`, {
        fields: problems,
      });
    return definition.config === undefined
      ? definition
      : { ...definition, config: value as ConnectorDefinition['config'] };
  }

  async remove(name: string): Promise<boolean> {
    if (!this.stored(name)) return false;
    await this.configs.put(configKey(name), null);
    await this.reconciling;
    return true;
  }

  async setTargetState(name: string, state: 'RUNNING' | 'PAUSED' | 'STOPPED'): Promise<boolean> {
    const stored = this.stored(name);
    if (!stored) return false;
    if (stored.definition.state === state) return true;
    await this.configs.put(
      configKey(name),
      JSON.stringify({ ...stored, definition: { ...stored.definition, state } } satisfies StoredDefinition),
    );
    await this.reconciling;
    return true;
  }

  async restart(name: string): Promise<boolean> {
    if (!this.stored(name)) return false;
    await this.configs.put(`restart/${name}`, randomUUID());
    await this.reconciling;
    return true;
  }

  async status(name: string): Promise<ConnectorStatus | undefined> {
    const stored = this.stored(name);
    if (!stored) return undefined;
    const plugin = this.plugins.get(stored.definition.type);
    const mine = this.running.get(name);
    const kafka = this.options.kafka;
    if (mine) {
      // Kafka's answer, or the lag last known: while the broker is down the query takes minutes to give up.
      const [outage] = await Promise.all([
        mine.state === 'RUNNING' ? kafka?.check() : undefined,
        mine.host instanceof SinkHost
          ? withDeadline(mine.host.lag(), STATUS_LAG_TIMEOUT_MS, 'lag').catch(() => undefined)
          : undefined,
      ]);
      const status = this.statusOf(name, stored, mine);
      return kafka
        ? { ...status, waiting: connectorWaiting(status.kind, kafka.brokers, outage ?? null) }
        : status;
    }
    // What the view holds by then: while the broker is down, reading to the topic's end takes minutes to give up.
    await withDeadline(this.statuses.sync(), STATUS_LAG_TIMEOUT_MS, 'statuses').catch(() => undefined);
    const reported = this.statuses.get(`status/${name}`);
    const base: ConnectorStatus = {
      name,
      type: stored.definition.type,
      kind: plugin?.kind ?? 'source',
      state: stored.definition.state === 'RUNNING' ? 'UNASSIGNED' : stored.definition.state,
      workerId: null,
      instance: null,
      trace: null,
      updatedAt: null,
      metrics: newCounters(),
    };
    if (!reported) return base;
    const status = JSON.parse(reported) as Partial<ConnectorStatus>;
    return { ...base, ...status, name, metrics: reportedCounters(status.metrics) };
  }

  async offsets(name: string): Promise<Array<{ partition: Json; offset: Json }> | undefined> {
    const stored = this.stored(name);
    if (!stored) return undefined;
    if (this.kindOf(stored) === 'source') {
      await this.positions.sync();
      return [...positionsOf(this.positions, name)].map(([partition, offset]) => ({ partition, offset }));
    }
    const admin = this.options.bus.transport.admin();
    await admin.connect();
    try {
      const out: Array<{ partition: Json; offset: Json }> = [];
      for (const topic of this.sinkTopics(stored)) {
        for (const o of await admin.groupOffsets(sinkGroupId(name, this.group), topic)) {
          if (o.offset !== '-1')
            out.push({ partition: { topic, partition: o.partition }, offset: { offset: Number(o.offset) } });
        }
      }
      return out;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Sets (or with `null` offsets, resets) a connector's offsets, as KIP-875 does: only while it is STOPPED, so no
   * task races the change. Sources: positions per partition; sinks: `{topic, partition}` → `{offset}`.
   */
  async alterOffsets(
    name: string,
    entries: Array<{ partition: Json; offset: Json | null }> | null,
  ): Promise<boolean> {
    const stored = this.stored(name);
    if (!stored) return false;
    if (stored.definition.state !== 'STOPPED') {
      throw new NonRetriableError(
        `connector ${name} must be STOPPED to change its offsets (PUT /connectors/${name}/stop)`,
      );
    }
    if (this.kindOf(stored) === 'source') {
      await this.positions.sync();
      const targets =
        entries ??
        [...positionsOf(this.positions, name).keys()].map((partition) => ({ partition, offset: null }));
      targets.forEach((entry, i) => {
        if (typeof entry.partition !== 'string')
          throw new FieldError(
            `offsets[${i}].partition`,
            'a source partition is a string (GET …/offsets shows them)',
          );
      });
      // The connector type's own check, as KIP-875's alterOffsets asks the connector: a position its task cannot
      // resume from is refused now, not found at the next start (the connector FAILED).
      const check = this.plugins.get(stored.definition.type)?.checkOffset;
      targets.forEach((entry, i) => {
        if (entry.offset === null || !check) return;
        const problem = check(entry.partition as string, entry.offset);
        if (problem)
          throw new FieldError(
            `offsets[${i}].offset`,
            `partition ${JSON.stringify(entry.partition)}: ${problem}`,
          );
      });
      for (const entry of targets) {
        await this.positions.put(
          positionKey(name, entry.partition as string),
          entry.offset === null ? null : JSON.stringify(entry.offset),
        );
      }
      return true;
    }
    const admin = this.options.bus.transport.admin();
    await admin.connect();
    try {
      if (entries === null) {
        // As KIP-875 resets a sink: its group's offsets go, and its next start goes by its `startAt` (the beginning
        // by default), as a new sink's does. Not pinned here: a `latest` sink starts at the end when resumed.
        await admin.deleteGroup(sinkGroupId(name, this.group)).catch((error) => {
          if (!/does not exist|GROUP_ID_NOT_FOUND/i.test(errorMessage(error))) throw error;
        });
        return true;
      }
      const topics = this.sinkTopics(stored);
      const byTopic = new Map<string, Array<{ partition: number; offset: string; at: string }>>();
      // KIP-875: a partition given a null offset is reset (its committed offset deleted: the sink starts there by its
      // `startAt`, as after a reset of all).
      const resets: Array<{ topic: string; partition: number; at: string }> = [];
      for (const [i, entry] of entries.entries()) {
        const p = entry.partition as { topic?: unknown; partition?: unknown } | null;
        const o = entry.offset as { offset?: unknown } | null;
        const at = `offsets[${i}]`;
        if (typeof p !== 'object' || p === null || typeof p.topic !== 'string')
          throw new FieldError(`${at}.partition.topic`, 'a sink partition is {topic, partition}');
        if (!topics.includes(p.topic))
          throw new FieldError(
            `${at}.partition.topic`,
            `"${p.topic}" is not read by ${name} (it reads ${topics.join(', ')})`,
          );
        if (!Number.isSafeInteger(p.partition) || (p.partition as number) < 0)
          throw new FieldError(`${at}.partition.partition`, 'a partition number, 0 or more');
        if (o === null) {
          resets.push({ topic: p.topic, partition: p.partition as number, at });
          continue;
        }
        if (
          typeof o !== 'object' ||
          o === null ||
          !Number.isSafeInteger(o.offset) ||
          (o.offset as number) < 0
        )
          throw new FieldError(
            `${at}.offset.offset`,
            'a sink offset is {offset: n}, the next offset to read, 0 or more (null resets the partition)',
          );
        const list = byTopic.get(p.topic) ?? [];
        list.push({ partition: p.partition as number, offset: String(o.offset), at });
        byTopic.set(p.topic, list);
      }
      // A partition the topic does not have is refused: the group's seek skipped it without a word, and the answer
      // said "offsets set" for an offset set nowhere. So is an offset past the partition's end (KIP-875: a sink's
      // offsets are its consumer group's, the next offset to read, at most the end): the sink's consumer would find
      // it out of range at resume and start over by its reset policy, not where it was told.
      const checked = new Set([...byTopic.keys(), ...resets.map((r) => r.topic)]);
      for (const topic of checked) {
        const offsets = [...(byTopic.get(topic) ?? []), ...resets.filter((r) => r.topic === topic)];
        const ends = new Map((await admin.topicOffsets(topic)).map((t) => [t.partition, BigInt(t.high)]));
        const absent = offsets.find((o) => !ends.has(o.partition));
        if (absent)
          throw new FieldError(
            `${absent.at}.partition.partition`,
            `${topic} has no partition ${absent.partition} (it has ${ends.size}: 0 to ${ends.size - 1})`,
          );
        const past = byTopic.get(topic)?.find((o) => BigInt(o.offset) > (ends.get(o.partition) ?? 0n));
        if (past)
          throw new FieldError(
            `${past.at}.offset.offset`,
            `${topic} partition ${past.partition} ends at offset ${ends.get(past.partition)}: offset ${past.offset} is past its end (the next offset to read is at most the end)`,
          );
      }
      if (resets.length > 0) {
        // Kafka's admin API here has no OffsetDelete: the group's offsets are read, the group deleted (it has no
        // members: the connector is STOPPED), and the offsets of the partitions not reset written back under the
        // ones given.
        const group = sinkGroupId(name, this.group);
        for (const topic of topics) {
          const kept = (await admin.groupOffsets(group, topic)).filter(
            (o) =>
              /^\d+$/.test(o.offset) &&
              !resets.some((r) => r.topic === topic && r.partition === o.partition) &&
              !byTopic.get(topic)?.some((g) => g.partition === o.partition),
          );
          if (kept.length > 0)
            byTopic.set(topic, [...(byTopic.get(topic) ?? []), ...kept.map((o) => ({ ...o, at: '' }))]);
        }
        await admin.deleteGroup(group).catch((error) => {
          if (!/does not exist|GROUP_ID_NOT_FOUND/i.test(errorMessage(error))) throw error;
        });
      }
      for (const [topic, offsets] of byTopic)
        await admin.setGroupOffsets(
          sinkGroupId(name, this.group),
          topic,
          offsets.map(({ partition, offset }) => ({ partition, offset })),
        );
      return true;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * A mapping dead letter (`document:<format>`) mapped again through the source connector that refused it, with its
   * mapping and lookup tables as they are on disk now (a running connector reads a changed one at its next restart),
   * its config and output topics: `redriveDeadLetters`' `remapDocument` (redrive.ts). The letter of a connector
   * this connect group does not have (deleted, or another group's: its owner is `connectorKey`) is skipped, saying
   * what to do.
   */
  async remapDocument(letter: IncomingRecord, entry: DeadLetterEntry): Promise<DocumentRemap> {
    const owner = entry.owner;
    const name = owner ? connectorOfOwner(owner, this.group) : undefined;
    const stored = name ? this.stored(name) : undefined;
    if (!name || !stored)
      return {
        outcome: 'skipped',
        reason: `${owner ? `connector ${owner}` : 'the connector that refused it'} is not one of this hub's (connect group ${this.group}: deleted, or another group's): redrive it through a hub of the connector's group, or have a connector of this one receive the document again`,
      };
    if (this.plugins.get(stored.definition.type)?.kind !== 'source')
      return {
        outcome: 'skipped',
        reason: `connector ${name} is of type ${stored.definition.type} here, not a source that maps documents: have the source that reads these documents receive it again`,
      };
    const config = this.stepConfig(name, this.withDefaults(stored.definition), stored.baseDir);
    const remap = await remapLetter(createSourceStep(config, this.options.bus), name, letter, entry);
    if (remap.outcome !== 'mapped') return remap;
    // Published by the connector's mapping, in the redrive's transaction: its records out once that commits.
    return { ...remap, committed: () => this.countRedriven(name, remap.published.length) };
  }

  /**
   * The base URL other instances reach this one at (the hub's, once it listens): written with every status, so a
   * webhook request that reaches another instance is forwarded here when this one runs the connector. `instance`:
   * this instance's name, when it is known only once the hub listens (`<host name>:<port>` on a port the system chose).
   */
  async advertise(url: string, instance?: string): Promise<void> {
    this.advertisedUrl = url;
    if (instance) this.instanceName = instance;
    await this.publishStatuses();
  }

  /**
   * Hands a webhook request to the connector that serves it: on this instance, or forwarded to the instance that runs
   * it (as the status topic says; webhook-forward.ts), which checks the signature. 503 with Retry-After while no
   * instance runs it (a rebalance under way) or after MAX_FORWARD_HOPS forwards.
   */
  async webhook(name: string, request: WebhookRequest): Promise<WebhookResponse> {
    const handler = this.webhooks.get(name);
    // While the cluster is known not to answer, a delivery cannot be stored: 503 at once, instead of after the
    // source's responseTimeoutMs (30 s), by when senders with a short timeout (Shopify 5 s, GitHub 10 s) had given up
    // and counted a failure (faults trial). Reads (an EPCIS capture job's status) need no Kafka.
    const outage = request.method.toUpperCase() === 'POST' ? this.options.kafka?.outage() : undefined;
    if (handler && outage)
      return {
        status: 503,
        headers: { 'Retry-After': '10' },
        body: {
          error: `connector ${name} cannot store deliveries now: Kafka does not answer; send it again later`,
        },
      };
    if (handler) return handler(request);
    // Until the configs are read, a connector this instance does not know yet may well exist: 503, not 404, or the
    // sender (which treats 404 as final) drops a delivery that a restarting instance would have taken.
    const known = !this.started || this.stored(name) !== undefined;
    const unavailable = (why: string): WebhookResponse => ({
      status: 503,
      headers: { 'Retry-After': '5' },
      body: { error: `connector ${name} ${why}, retry later` },
    });
    if (!known) return { status: 404, body: { error: `no connector ${name}` } };
    if (!this.started) return unavailable('is not running on this instance');
    // Paused or stopped by an operator: no instance serves it until it is resumed. Said so at once, rather than after
    // a wait for a status that will not come and as "no running instance", which reads as an outage of the hub.
    const target = this.stored(name)?.definition.state;
    if (target === 'PAUSED' || target === 'STOPPED')
      return unavailable(`is ${target.toLowerCase()}: it takes no deliveries until it is resumed`);
    const hops = forwardHops(request);
    if (hops >= MAX_FORWARD_HOPS) return unavailable(`was not found after ${hops} forwards`);
    let owner = this.ownerUrl(name);
    if (!owner) {
      // A status written since the last read (a rebalance just ended): one read of the topic's end, then give up.
      await this.statuses.sync(2000).catch(() => undefined);
      owner = this.ownerUrl(name);
    }
    if (!owner) return unavailable('has no running instance right now');
    try {
      return await forwardWebhook(owner, name, request, FORWARD_TIMEOUT_MS);
    } catch (error) {
      this.warnNotForwarded(name, owner, error);
      return unavailable('could not be reached on the instance that runs it');
    }
  }

  /** Logs a forward that failed, once per FORWARD_WARNING_EVERY_MS per connector, with the count not logged since. */
  private warnNotForwarded(name: string, owner: string, error: unknown): void {
    const now = Date.now();
    const last = this.forwardWarnings.get(name);
    if (last && now - last.at < FORWARD_WARNING_EVERY_MS) {
      last.notLogged++;
      return;
    }
    this.forwardWarnings.set(name, { at: now, notLogged: 0 });
    this.log.warn(
      {
        connector: name,
        owner,
        error: errorMessage(error),
        ...(last?.notLogged ? { notLogged: last.notLogged } : {}),
      },
      'webhook request not forwarded',
    );
  }

  /**
   * The body limit of a webhook this instance serves, or undefined (another instance's, or none declared: the
   * server's own limit applies). The server answers a longer declared body without reading it.
   */
  webhookBodyLimit(name: string): number | undefined {
    return this.webhookBodyLimits.get(name);
  }

  /** The URL of the other instance that runs `name`, as its last status says. */
  private ownerUrl(name: string): string | null {
    const reported = this.statuses.get(`status/${name}`);
    if (!reported) return null;
    const status = JSON.parse(reported) as Partial<ConnectorStatus>;
    if (status.state !== 'RUNNING' || !status.workerUrl || status.workerId === this.workerId) return null;
    if (status.workerUrl === this.advertisedUrl) return null;
    return status.workerUrl;
  }

  /**
   * Connectors that run here, and their state: for readiness details and metrics. `restarting`: a FAILED one's
   * pending restart in words (`pendingRestart`), null when none is pending.
   */
  local(): Array<{ name: string; state: ConnectorState; restarting: string | null }> {
    return [...this.running].map(([name, r]) => ({
      name,
      state: r.state,
      restarting: r.state === 'FAILED' ? pendingRestart(name, this.recoveries.get(name)?.status()) : null,
    }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.statusTimer);
    for (const recovery of this.recoveries.values()) recovery.cancel();
    await this.reconciling.catch(() => undefined);
    const names = [...this.running.keys()];
    await Promise.all(names.map((name) => this.stopConnector(name)));
    if (names.length > 0)
      this.log.info(
        { connectors: names, worker: this.workerId },
        'connectors stopped here: this instance is shutting down',
      );
    await this.membership?.disconnect().catch(() => undefined);
    await Promise.all([this.configs.stop(), this.statuses.stop(), this.positions.stop()]);
  }

  // ---- reconciliation ---------------------------------------------------------------------------------------------

  private stored(name: string): StoredDefinition | undefined {
    const text = this.configs.get(configKey(name));
    return text ? (JSON.parse(text) as StoredDefinition) : undefined;
  }

  private kindOf(stored: StoredDefinition): 'source' | 'sink' {
    const plugin = this.plugins.get(stored.definition.type);
    if (!plugin)
      throw new ConfigError(`connector ${stored.definition.name}: unknown type ${stored.definition.type}`);
    return plugin.kind;
  }

  private sinkTopics(stored: StoredDefinition): string[] {
    return this.withDefaults(stored.definition).topics ?? [];
  }

  /** The definition with the plugin's defaults for what it leaves out (`format`, `mapping`, `topics`). */
  private withDefaults(definition: ConnectorDefinition): ConnectorDefinition {
    const defaults = this.plugins.get(definition.type)?.defaults;
    if (!defaults) return definition;
    const format = definition.format ?? defaults.format;
    const mapping = definition.mapping ?? defaults.mapping;
    const topics = definition.topics ?? defaults.topics;
    return {
      ...definition,
      ...(format === undefined ? {} : { format }),
      ...(mapping === undefined ? {} : { mapping }),
      ...(topics === undefined ? {} : { topics }),
    };
  }

  /**
   * A source's `outputTopics` must exist (the hub creates no topic a connector names): a missing one is refused
   * here, naming the field, instead of a connector whose transactions wait for it for ever.
   */
  private async checkOutputTopics(definition: ConnectorDefinition, where: string): Promise<void> {
    const named = Object.entries(definition.outputTopics ?? {});
    if (named.length === 0) return;
    const admin = this.options.bus.transport.admin();
    await admin.connect();
    let existing: Set<string>;
    try {
      existing = new Set(await admin.listTopics());
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const fields = named
      .filter(([, topic]) => !existing.has(topic))
      .map(([schema, topic]) => ({
        field: `outputTopics[${JSON.stringify(schema)}]`,
        problem: `topic "${topic}" does not exist; the topic must exist (create it first, or name another)`,
      }));
    if (fields.length > 0)
      throw new ConfigError(`${where}: ${fields.map((f) => `${f.field}: ${f.problem}`).join('; ')}`, {
        fields,
      });
  }

  private checkMapping(raw: ConnectorDefinition, baseDir: string): void {
    const definition = this.withDefaults(raw);
    if (definition.mapping) findMapping(definition.mapping, baseDir);
    for (const ref of Object.values(definition.mappingsBySender ?? {})) findMapping(ref, baseDir);
  }

  /** Brings what runs here in line with the configs and this instance's slots; one pass at a time. */
  private reconcile(): Promise<void> {
    this.reconciling = this.reconciling
      .then(() => this.reconcileOnce())
      .catch((error) => {
        this.log.error({ error: errorMessage(error) }, 'connector reconciliation failed');
      });
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map<string, StoredDefinition>();
    for (const name of this.names()) {
      if (this.slots.has(slotOf(name))) wanted.set(name, this.stored(name)!);
    }
    // Deleted, or moved to another instance: stopped (CONNECTORS_AT_ONCE at a time) before anything starts, and no
    // restart of it here any more.
    const leaving = [...this.running.keys()].filter((name) => !wanted.has(name));
    await forEachInParallel(leaving, CONNECTORS_AT_ONCE, async (name) => {
      this.recoveries.get(name)?.cancel();
      this.recoveries.delete(name);
      await this.stopConnector(name);
      // Its series and counters go with it: another instance serves them now, or nobody (deleted).
      forgetSeries(name);
      this.counters.delete(name);
      // Said as its start is: without it, the log of the instance it left showed it started and never stopped.
      const why = this.stored(name) ? 'its slot moved to another instance' : 'deleted';
      this.log.info({ connector: name, worker: this.workerId, reason: why }, 'connector stopped here');
    });
    // CONNECTORS_AT_ONCE at a time, each its own steps in order; one connector's trouble (a start that fails, or hangs
    // until its timeout) never keeps the others from starting.
    await forEachInParallel(wanted, CONNECTORS_AT_ONCE, ([name, stored]) =>
      this.reconcileConnector(name, stored).catch((error) =>
        this.log.error({ connector: name, error: errorMessage(error) }, 'connector reconciliation failed'),
      ),
    );
  }

  private async reconcileConnector(name: string, stored: StoredDefinition): Promise<void> {
    const hash = JSON.stringify(stored);
    const restartNonce = this.configs.get(`restart/${name}`);
    const current = this.running.get(name);
    const desired = stored.definition.state;
    const recovery = this.recoveryOf(name);
    const same = current !== undefined && current.hash === hash && current.restartNonce === restartNonce;
    // A restart by itself (its backoff is over) goes the way an operator's restart goes: the task stopped, a new one.
    const automatic = same && current.state === 'FAILED' && recovery.due;
    if (same && !automatic && (current.state === 'FAILED' || current.state === desired)) return;
    if (automatic) {
      recovery.restarting();
      connectorMetrics.restarts.inc({ connector: name });
      this.log.warn(
        { connector: name, restarts: recovery.restarts, error: recovery.error },
        'connector restarting by itself after a transient failure',
      );
    } else {
      // An operator's pause, stop, restart or new definition (or its first start here): no restart pending, and
      // the count starts again.
      recovery.reset();
    }
    if (current && !(await this.stopConnector(name))) {
      // Its old task may still run: no second one beside it. FAILED until a restart (or a new definition) says so.
      const entry: Running = {
        hash,
        restartNonce,
        abort: new AbortController(),
        state: 'FAILED',
        trace: `its task did not stop within ${this.stopTimeoutMs} ms and was left behind (logged); restart the connector (POST /connectors/${name}/restart) to start a new one`,
        counters: this.countersOf(name),
      };
      entry.counters.lastError = entry.trace;
      this.running.set(name, entry);
      connectorMetrics.running.set({ connector: name, state: entry.state }, 1);
      await this.writeStatus(name, stored, entry);
      return;
    }
    await this.startConnector(name, stored, hash, restartNonce);
  }

  private get stopTimeoutMs(): number {
    return this.options.stopTimeoutMs ?? STOP_TIMEOUT_MS;
  }

  private async startConnector(name: string, stored: StoredDefinition, hash: string, restartNonce?: string) {
    const { baseDir } = stored;
    const definition = this.withDefaults(stored.definition);
    const entry: Running = {
      hash,
      restartNonce,
      abort: new AbortController(),
      state: definition.state,
      trace: null,
      counters: this.countersOf(name),
    };
    this.running.set(name, entry);
    if (definition.state !== 'RUNNING') {
      // Its state on this instance, as a running one's: the dashboard's state table and alerts see a paused or stopped
      // connector where it is (only `RUNNING` 0 was left, and the connector vanished from the table).
      connectorMetrics.running.set({ connector: name, state: entry.state }, 1);
      await this.writeStatus(name, stored, entry);
      return;
    }
    const logger = this.log.child({ connector: name });
    // What the secrets resolve to, kept out of every error the task throws (an answer that quotes the request).
    let scrub: ((text: string) => string) | undefined;
    try {
      const plugin = this.plugins.get(definition.type);
      if (!plugin) throw new ConfigError(`unknown connector type ${definition.type}`);
      // Every mapping a sink runs, its connector's and those it names itself (sinkMapping): in the connector's context.
      const sinkMapping = (ref: string) => inTimeZone(findMapping(ref, baseDir), definition.timeZone);
      // Checked again as at deployment: a definition stored by an older version may hold what this one refuses.
      const outbound =
        plugin.kind === 'sink' && definition.mapping ? sinkMapping(definition.mapping) : undefined;
      const config = pluginConfig(plugin, definition, baseDir, 'stored definition', {
        outputFormat: outbound?.spec.output,
      });
      scrub = configScrubber(definition.config, baseDir);
      const context: ConnectorContext = {
        name,
        // The plugin's own log lines and its webhook handler's errors are scrubbed as its task's errors are.
        logger: scrubbingLogger(logger, scrub),
        signal: entry.abort.signal,
        baseDir,
        serveWebhook: (handler, options) => {
          this.webhooks.set(name, scrubbingHandler(handler, scrub));
          if (options?.maxBodyBytes) this.webhookBodyLimits.set(name, options.maxBodyBytes);
        },
        toSystem: async (value, options) => {
          if (!outbound)
            throw new ConfigError(`connector ${name}: no from-canonical mapping configured (mapping:)`);
          return writeWithMapping(outbound, [value], options);
        },
        outputFormat: outbound?.spec.output,
        outboundMapping: outbound,
        sinkMapping,
        // The host is made after the task (it takes it): a failed attempt reaches the host that runs this task.
        attemptFailed: (error, record) => {
          if (entry.host instanceof SinkHost)
            entry.host.attemptFailed(scrub ? scrubError(error, scrub) : error, record);
        },
      };
      // A host that fails for good while it runs (a source's fenced producer, a sink's consumer crashed) fails this
      // entry: not another task's that replaced it since.
      const onFailure = (error: Error) => {
        if (this.running.get(name) === entry) void this.fail(name, error);
      };
      if (plugin.kind === 'source') {
        const task = scrubbingTask(plugin.createSource!(config, context), scrub);
        const stepConfig = this.stepConfig(name, definition, baseDir);
        const step = createSourceStep(stepConfig, this.options.bus, logger);
        const pool = this.options.mappingPool;
        entry.host = new SourceHost({
          name,
          group: this.group,
          task,
          context,
          bus: this.options.bus,
          step,
          mapAll: pool ? (inputs) => pool.prepareAll(stepConfig, inputs, logger) : undefined,
          offsets: this.positions,
          format: definition.format,
          counters: entry.counters,
          logger,
          onFailure,
          topicCheckMs: this.options.topicCheckMs,
          spareProducerIdleMs: this.options.spareProducerIdleMs,
        });
      } else {
        const task = scrubbingTask(plugin.createSink!(config, context), scrub);
        entry.host = new SinkHost({
          name,
          group: this.group,
          task,
          bus: this.options.bus,
          topics: this.sinkTopics(stored),
          counters: entry.counters,
          logger,
          retry: this.options.sinkRetry,
          retryTimeoutMs: definition.retryTimeoutMs,
          startAt: definition.startAt,
          onFailure,
        });
      }
      await entry.host.start();
      entry.state = 'RUNNING';
      this.recoveryOf(name).runningSince = Date.now();
      // A new task has no error yet: the one a failed start (or the previous task) left would read as this one's.
      entry.counters.lastError = null;
      logger.info({ type: definition.type, worker: this.workerId }, 'connector started');
    } catch (error) {
      if (scrub) scrubError(error, scrub);
      entry.state = 'FAILED';
      entry.trace = errorMessage(error);
      entry.counters.lastError = entry.trace;
      entry.abort.abort();
      await entry.host?.stop().catch(() => undefined);
      entry.host = undefined;
      const restartInMs = this.scheduleRestart(name, definition, error);
      logger.error(
        { error: entry.trace, ...(restartInMs === null ? {} : { restartInMs }) },
        restartInMs === null
          ? 'connector failed to start'
          : 'connector failed to start, restarting by itself after a transient failure',
      );
    }
    connectorMetrics.running.set({ connector: name, state: entry.state }, 1);
    await this.writeStatus(name, stored, entry);
  }

  /** What a source connector's mapping step is made of (its definition with the plugin's defaults filled in). */
  private stepConfig(name: string, definition: ConnectorDefinition, baseDir: string): SourceStepConfig {
    return {
      name,
      owner: connectorKey(name, this.group),
      system: systemOfConnector(definition.type, name),
      mapping: definition.mapping,
      mappingsBySender: definition.mappingsBySender,
      encoding: definition.encoding,
      timeZone: definition.timeZone,
      baseDir,
      start: Date.now(),
      // The connector's own output topics win over the runtime's.
      topics: definition.outputTopics
        ? { ...this.options.canonicalTopics, ...definition.outputTopics }
        : this.options.canonicalTopics,
    };
  }

  /** Records of a connector's dead letters mapped again and published by a redrive (remapDocument): out, as at first. */
  private countRedriven(name: string, records: number): void {
    const counters = this.countersOf(name);
    counters.recordsOut += records;
    counters.lastSuccessAt = new Date().toISOString();
    connectorMetrics.recordsOut.inc({ connector: name }, records);
    connectorMetrics.lastSuccess.set({ connector: name }, Date.now() / 1000);
  }

  private countersOf(name: string): TaskCounters {
    let counters = this.counters.get(name);
    if (!counters) {
      counters = newCounters();
      this.counters.set(name, counters);
      initialiseSeries(name);
    }
    return counters;
  }

  /**
   * A running connector's task failed for good (its host says so): FAILED, with the error, and restarted by itself
   * when a restart can help, as after a failed start.
   */
  private async fail(name: string, error: Error): Promise<void> {
    const entry = this.running.get(name);
    if (!entry) return;
    connectorMetrics.running.set({ connector: name, state: entry.state }, 0);
    entry.state = 'FAILED';
    entry.trace = error.message;
    entry.counters.lastError = error.message;
    connectorMetrics.running.set({ connector: name, state: entry.state }, 1);
    const stored = this.stored(name);
    if (!stored) return;
    const restartInMs = this.scheduleRestart(name, stored.definition, error);
    if (restartInMs !== null)
      this.log.error(
        { connector: name, error: error.message, restartInMs },
        'connector failed, restarting by itself after a transient failure',
      );
    await this.writeStatus(name, stored, entry).catch(() => undefined);
  }

  private recoveryOf(name: string): ConnectorRecovery {
    let recovery = this.recoveries.get(name);
    if (!recovery) {
      recovery = new ConnectorRecovery((at) =>
        connectorMetrics.nextRestart.set({ connector: name }, at === null ? 0 : at / 1000),
      );
      this.recoveries.set(name, recovery);
      // 0 from the start, not absent: an alert on a FAILED connector with no restart pending finds the series.
      connectorMetrics.nextRestart.set({ connector: name }, 0);
    }
    return recovery;
  }

  /**
   * After a failure: a restart by itself in the backoff's time, when the error says a retry can help, the connector
   * is to run and its definition does not turn restarts off; the wait in ms, or null when it stays FAILED (for an
   * operator). Made by the next reconciliation once due (`reconcileConnector`), unless an operator acted before.
   */
  private scheduleRestart(name: string, definition: ConnectorDefinition, error: unknown): number | null {
    const recovery = this.recoveryOf(name);
    const policy = restartPolicy(definition);
    // The task that failed ran well long enough: this failure starts the count again.
    recovery.settle(policy);
    recovery.runningSince = null;
    recovery.error = errorMessage(error);
    if (this.stopped || !policy.enabled || definition.state !== 'RUNNING' || !restartable(error)) return null;
    const delay = restartDelay(recovery.restarts, policy, error);
    recovery.schedule(delay, recovery.error, () => void this.reconcile());
    return delay;
  }

  /**
   * Stops what runs of a connector here, within `stopTimeoutMs`: false when its task did not stop in time. It is then
   * left behind (logged), so that one stuck task does not hold up the changes of every other connector.
   */
  private async stopConnector(name: string): Promise<boolean> {
    const entry = this.running.get(name);
    if (!entry) return true;
    this.running.delete(name);
    this.webhooks.delete(name);
    this.webhookBodyLimits.delete(name);
    entry.abort.abort();
    connectorMetrics.running.set({ connector: name, state: entry.state }, 0);
    if (!entry.host) return true;
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      entry.host.stop().then(
        () => true,
        (error) => {
          this.log.warn({ connector: name, error: errorMessage(error) }, 'stop failed');
          return true;
        },
      ),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), this.stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!stopped)
      this.log.error(
        { connector: name, timeoutMs: this.stopTimeoutMs },
        'connector task did not stop in time: left behind, the other connectors go on',
      );
    return stopped;
  }

  /**
   * Two instances under one name make every status ambiguous (which one runs the connector?): said once per other
   * worker, as an error in the log and in the readiness details (`sameInstanceNameAs`), since only its operator can
   * tell which instance should be renamed.
   */
  private checkSameName(key: string, value: string | null): void {
    if (
      !value ||
      !key.startsWith('status/') ||
      Date.now() - this.startedAt < this.stopTimeoutMs + SAME_NAME_MARGIN_MS
    )
      return;
    let status: Partial<ConnectorStatus>;
    try {
      status = JSON.parse(value) as Partial<ConnectorStatus>;
    } catch {
      return;
    }
    const other = status.workerId;
    if (status.instance !== this.instanceName || !other || other === this.workerId) return;
    if (this.sameNameWorkers.has(other)) return;
    this.sameNameWorkers.add(other);
    this.log.error(
      { instance: this.instanceName, worker: this.workerId, otherWorker: other, otherUrl: status.workerUrl },
      'another hub instance runs under this instance name: give each instance its own EAI_INSTANCE_ID',
    );
  }

  private statusOf(name: string, stored: StoredDefinition, entry: Running): ConnectorStatus {
    const task = entry.host instanceof SourceHost ? entry.host.taskStatus() : undefined;
    return {
      name,
      type: stored.definition.type,
      // Not kindOf: a connector of a type this instance lacks is reported FAILED, it must not stop the others.
      kind: this.plugins.get(stored.definition.type)?.kind ?? 'source',
      state: entry.state,
      workerId: this.workerId,
      instance: this.instanceName,
      workerUrl: this.advertisedUrl,
      trace: entry.trace,
      updatedAt: new Date().toISOString(),
      metrics: { ...entry.counters },
      ...(task ? { task } : {}),
      autoRestart: this.autoRestartOf(name, stored, entry),
    };
  }

  private autoRestartOf(name: string, stored: StoredDefinition, entry: Running): AutoRestartStatus | null {
    const recovery = this.recoveries.get(name);
    if (!recovery) return null;
    if (entry.state === 'RUNNING') recovery.settle(restartPolicy(stored.definition));
    return recovery.status();
  }

  private async writeStatus(name: string, stored: StoredDefinition, entry: Running): Promise<void> {
    await this.statuses.put(`status/${name}`, JSON.stringify(this.statusOf(name, stored, entry)));
  }

  private async publishStatuses(): Promise<void> {
    await forEachInParallel([...this.running], CONNECTORS_AT_ONCE, async ([name, entry]) => {
      const stored = this.stored(name);
      if (!stored) return;
      if (entry.host instanceof SinkHost) await entry.host.lag().catch(() => undefined);
      await this.writeStatus(name, stored, entry).catch(() => undefined);
    });
  }
}

/** A definition's `restart`, its defaults filled in. */
function restartPolicy(definition: ConnectorDefinition): RestartPolicy {
  return { ...DEFAULT_RESTART_POLICY, ...definition.restart };
}

function configKey(name: string): string {
  return `connector/${name}`;
}

function stripFile(definition: ConnectorDefinition & { file?: string }): ConnectorDefinition {
  const { file: _file, ...rest } = definition;
  return rest;
}
