import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createBus, customerTopicSpec, DeadLetterTally, KafkaWatch, kafkaWatchCheck } from '../bus/index.ts';
import {
  builtinPlugins,
  type ConnectorPlugin,
  ConnectorRuntime,
  loadDeployment,
  MappingPool,
} from '../connectors/index.ts';
import { ConfigError, errorMessage, isOutage, RetriableError } from '../lib/errors.ts';
import { DEFAULT_HEAP_GROWING_PERCENT, setHeapGrowingPercent } from '../lib/heap-growth.ts';
import type { Logger } from '../lib/logger.ts';
import { withDeadline } from '../lib/retry.ts';
import {
  CustomerActivity,
  type CustomerMatcher,
  defaultMdmConfig,
  type GoldenSync,
  MasterDataStore,
  type MdmConfig,
  rulesChanged,
  startCustomerActivity,
  startCustomerMatcher,
  startGoldenSync,
} from '../masterdata/index.ts';
import {
  type Orchestrator,
  orchestratorTopicSpecs,
  type ParkedRetryPolicy,
  parkedInstances,
  startOrchestrator,
  type Timers,
} from '../orchestrator/index.ts';
import { complaintReturnDefinitions } from '../orchestrator/workflows/complaint-return/index.ts';
import { orderToDeliveryDefinitions } from '../orchestrator/workflows/order-to-delivery/index.ts';
import { maskedDatabaseUrl, postgresReachable, postgresRefusal } from '../store/probe.ts';
import { type AdminToken, createAdminApi, registerWhoamiRoute } from './api/index.ts';
import { hubChecks } from './checks.ts';
import { hubSecretScrubber } from './hub-secrets.ts';
import { defaultAdvertisedUrl, defaultInstanceName, isWildcardHost } from './instance-env.ts';
import { declaredWebhookRoutes } from './open-routes.ts';
import { registerConnectorRoutes } from './routes/connectors.ts';
import { registerCustomerRoutes } from './routes/customers.ts';
import { registerDeadLetterRoutes } from './routes/dead-letters.ts';
import { registerLoggerRoutes } from './routes/loggers.ts';
import { postgresBackend } from './routes/postgres.ts';
import { registerSyncRoutes } from './routes/sync.ts';
import { registerWorkflowRoutes } from './routes/workflows.ts';
import { type HealthDetails, startOpsServer } from './server.ts';
import { type SyncHealthDeps, type SyncHealthThresholds, syncHealth } from './sync-health.ts';

/** How long readiness waits for the parked workflows (its details) before it says the query did not answer. */
const PARKED_QUERY_TIMEOUT_MS = 2_000;

export interface HubOptions {
  brokers: string;
  registryUrl: string;
  databaseUrl?: string;
  /** A deployment folder: one YAML file per connector, written into the shared connector configs at start. */
  deployDir?: string;
  tokens: AdminToken[];
  logger: Logger;
  host?: string;
  port?: number;
  /** Instances with the same group share the connectors. */
  group?: string;
  /**
   * The base URL other instances of the group reach this one at (default: the URL it listens on): webhook requests
   * for a connector another instance runs are forwarded there.
   */
  advertisedUrl?: string;
  /**
   * This instance's name, stable across its restarts and unique in the group (EAI_INSTANCE_ID): connector statuses
   * say which instance runs each connector by it (`instance`, Kafka Connect's `worker_id`). Default `<host name>:<port>`
   * (the port it listens on).
   */
  instanceId?: string;
  /** Who sees readiness's checks and details (default `when-authorized`: a viewer token; EAI_HEALTH_DETAILS). */
  healthDetails?: HealthDetails;
  plugins?: readonly ConnectorPlugin[];
  /** Sink retry policy before a record is dead-lettered (default the bus's: 5 retries from 200 ms). */
  sinkRetry?: { retries?: number; initialDelayMs?: number; maxDelayMs?: number };
  /**
   * Threads that parse, map and encode the source connectors' batches (connectors/runtime/mapping-pool.ts), so a
   * source's mapping is not bound to one core; default 0: in the runtime's own thread (`eai up` runs
   * defaultMappingThreads() unless told).
   */
  mappingThreads?: number;
  /**
   * How far the process's old generation may grow past what survived a full collection before the next one, in
   * percent (lib/heap-growth.ts; default 200; 0: V8's own factor). It is the process's: the last hub started sets it.
   */
  heapGrowingPercent?: number;
  /**
   * Runs the orchestrator role in this process (needs `databaseUrl`): order-to-delivery and complaint-return on the canonical topics,
   * the workflow routes, and parked instances in readiness details. Off unless given.
   */
  orchestrator?: {
    executorId: string;
    sapUrl?: string;
    timers?: Partial<Timers>;
    /** Automatic retries of PARKED instances: the fields given (the rest keep their defaults). */
    parkedRetry?: Partial<ParkedRetryPolicy>;
    database?: string;
    /** Consumer group of the event router (default the database's: `defaultRouterGroup`). */
    routerGroup?: string;
    /** Route canonical events into workflows (default true). */
    router?: boolean;
    /** Where a router group without committed offsets starts: the topics' end (default) or, true, their beginning (a replay). */
    routerFromBeginning?: boolean;
  };
  /**
   * Runs customer master data in this process (needs `databaseUrl`): the incremental matcher on
   * canonical.customer, the customer 360 read model fed by canonical.sales-order / shipment / case, the
   * `/customers` routes and `/sync/health` (with its gauges, refreshed every `healthIntervalMs`). Off unless given.
   */
  masterdata?: {
    /** Thresholds, survivorship, model (masterdata/config.ts); default the built-in config. */
    config?: MdmConfig;
    /** PostgreSQL schema of the master data (default `mdm`, as `eai mdm`). */
    schema?: string;
    /** Consumer group of the matcher (default the schema's: `masterdataGroups`). */
    groupId?: string;
    /** Consumer group of the customer 360 read model (default the schema's: `masterdataGroups`). */
    activityGroupId?: string;
    /** A new group reads its topics from the beginning (default true: every customer the bus still holds). */
    fromBeginning?: boolean;
    /** The customer topic (default the config's `matcher.topic`: `canonical.customer`). */
    customerTopic?: string;
    /** The topics of the customer 360 (default canonical.sales-order, canonical.shipment, canonical.case). */
    activityTopics?: string[];
    thresholds?: Partial<SyncHealthThresholds>;
    /** How often the sync gauges are refreshed (default 15000; 0: only when /sync/health is asked). */
    healthIntervalMs?: number;
  };
}

/**
 * The consumer groups of the matcher and the customer 360 for a master data schema: `mdm` keeps the groups it always
 * had, another schema gets its own. One group for every schema made a hub on a second schema (`eai up --mdm-schema`,
 * a test's) take half the partitions of canonical.customer from the hub on `mdm`, and start from the offsets
 * `mdm` had committed, so each schema missed customers the other had read.
 */
export function masterdataGroups(schema: string): { matcher: string; activity: string } {
  const suffix = schema === 'mdm' ? '' : `.${schema}`;
  return { matcher: `eai-masterdata${suffix}`, activity: `eai-customer-activity${suffix}` };
}

interface MasterData {
  store: MasterDataStore;
  matcher: CustomerMatcher;
  activity: CustomerActivity;
  /** The golden sync relay (golden topic, commands, erasures). */
  sync: GoldenSync;
  stop(): Promise<void>;
}

async function startMasterData(
  options: HubOptions,
  bus: ReturnType<typeof createBus>,
): Promise<MasterData & { topic: string; groupId: string }> {
  const md = options.masterdata ?? {};
  if (!options.databaseUrl) throw new Error('master data needs a database URL (DATABASE_URL)');
  const logger = options.logger.child({ component: 'masterdata' });
  const schema = md.schema ?? 'mdm';
  const groups = masterdataGroups(schema);
  const store = new MasterDataStore({
    databaseUrl: options.databaseUrl,
    schema,
    config: md.config ?? defaultMdmConfig(),
    onPoolError: (error) => logger.warn({ error: errorMessage(error) }, 'master data pool connection failed'),
  });
  const stops: Array<() => Promise<void>> = [() => store.close()];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    // An upgraded hub migrates its schema by itself, and says what it applied (nothing once it is up to date).
    // Re-indexing a million records takes minutes: said every 10 s meanwhile, nothing for a quick one.
    let said = Date.now();
    const applied = await store.migrate((step, done) => {
      if (Date.now() - said < 10_000) return;
      said = Date.now();
      logger.info({ schema, step, done }, `master data schema ${schema} migrating: ${done} ${step} so far`);
    });
    if (applied.length > 0)
      logger.info({ schema, applied }, `master data schema ${schema} migrated: ${applied.join(', ')}`);
    // The rules `eai mdm` commands on this schema recompute golden records by (decide, merge, reconcile --repair).
    await store.saveConfig();
    if (await rulesChanged(store))
      logger.warn(
        { schema },
        `master data rules changed since the stored records were matched: new records are matched by the new ones; npx eai mdm rematch --schema ${schema} applies them to the stored records`,
      );
    const activity = new CustomerActivity(store);
    const topic = md.customerTopic ?? store.config.matcher.topic;
    // The customer topic a config names is made as canonical.customer is, so its sources (outputTopics) can write.
    if (topic !== 'canonical.customer') await bus.provisionTopics([customerTopicSpec(topic)]);
    const groupId = md.groupId ?? groups.matcher;
    const fromBeginning = md.fromBeginning ?? true;
    // Golden record changes out (the golden topic, and commands to the systems the config pushes to), woken by
    // the matcher after each change; stopped after it.
    const sync = await startGoldenSync({ bus, store, logger });
    stops.push(() => sync.stop());
    const matcher = await startCustomerMatcher({
      bus,
      store,
      groupId,
      topic,
      fromBeginning,
      logger,
      onChange: () => sync.kick(),
    });
    stops.push(() => matcher.stop());
    const activityRunner = await startCustomerActivity({
      bus,
      activity,
      groupId: md.activityGroupId ?? groups.activity,
      topics: md.activityTopics,
      fromBeginning,
      logger,
    });
    stops.push(() => activityRunner.stop());
    await Promise.all([matcher.ready(), activityRunner.ready()]);
    return { store, matcher, activity, sync, topic, groupId, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts a role that keeps its state in PostgreSQL; when it fails because PostgreSQL is away at start (it does not
 * answer readiness's probe either), says so naming PostgreSQL and DATABASE_URL, as `eai mdm` does, instead of pg's
 * bare "connect ECONNREFUSED 127.0.0.1:5432", which was all `eai up --masterdata` printed.
 */
async function sayingPostgresAway<T>(
  databaseUrl: string | undefined,
  role: string,
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const refusal = databaseUrl ? postgresRefusal(databaseUrl, error) : undefined;
    if (refusal) throw new ConfigError(`${role}: ${refusal}`, { cause: error });
    if (!databaseUrl || !isOutage(error) || (await postgresReachable(databaseUrl, 2000).catch(() => false)))
      throw error;
    throw new RetriableError(
      `cannot reach PostgreSQL at ${maskedDatabaseUrl(databaseUrl)}, where ${role} keeps its state (${errorMessage(error)}): is the stack up? npx eai stack up, or set DATABASE_URL`,
      { cause: error },
    );
  }
}

export interface Hub {
  url: string;
  /** This instance's name (`instanceId`, or `<host name>:<port>`), as connector statuses say it. */
  instance: string;
  /** Where the group's other instances forward webhook requests for the connectors this one runs. */
  advertisedUrl: string;
  runtime: ConnectorRuntime;
  orchestrator?: Orchestrator;
  masterdata?: MasterData;
  close(): Promise<void>;
}

/**
 * The hub process: the bus, the connector runtime with the deployment's connectors, and one HTTP port for health,
 * metrics, the admin API (every capability's routes) and the source connectors' webhooks.
 */
export async function startHub(options: HubOptions): Promise<Hub> {
  const plugins = options.plugins ?? builtinPlugins;
  const deployDir = options.deployDir ? resolve(options.deployDir) : undefined;
  // The deployment is validated before anything starts: an error names the file and the field.
  const definitions = deployDir ? loadDeployment(deployDir, new Map(plugins.map((p) => [p.type, p]))) : [];
  setHeapGrowingPercent(options.heapGrowingPercent ?? DEFAULT_HEAP_GROWING_PERCENT);
  const bus = createBus({
    brokers: options.brokers,
    registryUrl: options.registryUrl,
    source: '/eai/hub',
    logger: options.logger,
  });
  // The orchestrator's command topics too (command.erp.order-status, …): its sinks start before it does.
  const created = await bus.provisionTopics(options.orchestrator ? orchestratorTopicSpecs : []);
  if (created.length) options.logger.info({ topics: created }, 'topics created');
  // Master data first: its relay creates the command topics (mdm.customer-sync.<system>) the deployment's sinks read.
  const masterdata = options.masterdata
    ? await sayingPostgresAway(options.databaseUrl, 'master data', () => startMasterData(options, bus))
    : undefined;
  // The orchestrator before the connectors: a router group without offsets (a first start, each demo run) starts at
  // the end of the canonical topics as they are when it starts, so the orders the sources read at once (files waiting
  // in a drop folder) went on the bus before that end and started no workflow.
  let orchestrator: Orchestrator | undefined;
  if (options.orchestrator) {
    const databaseUrl = options.databaseUrl;
    if (!databaseUrl) throw new Error('the orchestrator role needs a database URL (DATABASE_URL)');
    const role = options.orchestrator;
    orchestrator = await sayingPostgresAway(databaseUrl, 'the orchestrator', () =>
      startOrchestrator(
        {
          databaseUrl,
          brokers: options.brokers,
          registryUrl: options.registryUrl,
          executorId: role.executorId,
          sapUrl: role.sapUrl,
          database: role.database,
          timers: role.timers,
          parkedRetry: role.parkedRetry,
          routerGroup: role.routerGroup,
          routerFromBeginning: role.routerFromBeginning,
        },
        {
          definitions: [...orderToDeliveryDefinitions(), ...complaintReturnDefinitions()],
          router: role.router,
          logger: options.logger.child({ component: 'orchestrator' }),
        },
      ),
    );
  }

  const mappingPool = options.mappingThreads
    ? new MappingPool({
        threads: options.mappingThreads,
        brokers: options.brokers,
        registryUrl: options.registryUrl,
      })
    : undefined;
  // Whether Kafka answers, for the running connectors' statuses (`waiting`): probed as readiness probes it.
  const kafka = new KafkaWatch(options.brokers);
  kafka.start();
  const runtime = new ConnectorRuntime({
    kafka,
    bus,
    plugins,
    logger: options.logger.child({ component: 'connectors' }),
    group: options.group,
    // Known before the hub listens unless the system chooses its port (0): `advertise` names it then.
    instance: options.instanceId ?? (options.port ? defaultInstanceName(options.port) : undefined),
    baseDir: deployDir,
    sinkRetry: options.sinkRetry,
    mappingPool,
  });
  await runtime.start(deployDir ? { definitions, baseDir: deployDir } : undefined);

  const scrub = hubSecretScrubber(process.env, options.databaseUrl);
  const api = createAdminApi({ tokens: options.tokens, logger: options.logger, scrub });
  registerWhoamiRoute(api);
  registerConnectorRoutes(api, runtime);
  registerLoggerRoutes(api);
  registerDeadLetterRoutes(api, {
    transport: bus.transport,
    serde: bus.serde,
    logger: options.logger,
    remapDocument: (letter, entry) => runtime.remapDocument(letter, entry),
    connectGroup: runtime.group,
    brokers: options.brokers,
  });
  if (orchestrator)
    registerWorkflowRoutes(api, {
      definitions: orchestrator.definitions,
      database: postgresBackend(options.databaseUrl!, 'the workflows'),
    });
  let healthTimer: NodeJS.Timeout | undefined;
  if (masterdata) {
    registerCustomerRoutes(api, {
      ...masterdata,
      logger: options.logger,
      database: postgresBackend(options.databaseUrl!, 'the master data'),
    });
    const healthDeps: SyncHealthDeps = {
      runtime,
      transport: bus.transport,
      store: masterdata.store,
      matcher: masterdata.matcher,
      sync: masterdata.sync,
      matcherGroup: masterdata.groupId,
      customerTopic: masterdata.topic,
      commandTopicPrefix: masterdata.store.config.sync.commandTopicPrefix,
      thresholds: options.masterdata?.thresholds,
      // One for the hub's life: each dead letter read once, the refreshes read only those written since.
      deadLetterTally: new DeadLetterTally(bus.transport),
    };
    registerSyncRoutes(api, healthDeps);
    const every = options.masterdata?.healthIntervalMs ?? 15_000;
    if (every > 0) {
      healthTimer = setInterval(() => {
        syncHealth(healthDeps).catch((error: Error) =>
          options.logger.warn({ error: error.message }, 'sync health refresh failed'),
        );
      }, every);
      healthTimer.unref();
    }
  }
  const ops = await startOpsServer({
    host: options.host,
    port: options.port,
    // PostgreSQL only where a role of this hub keeps its state there: a hub of connectors alone does not need it, and
    // a readiness DOWN for it took such a hub's webhooks out of service (seen in the ops trial).
    checks: {
      ...hubChecks({
        ...options,
        databaseUrl: options.orchestrator || options.masterdata ? options.databaseUrl : undefined,
      }),
      // The connectors' watch answers readiness too: one kept connection for both, not one per probe.
      kafka: kafkaWatchCheck(kafka),
    },
    api,
    healthDetails: options.healthDetails,
    logger: options.logger,
    scrub,
    webhooks: (name, request) => runtime.webhook(name, request),
    webhookBodyLimit: (name) => runtime.webhookBodyLimit(name),
    webhookRoutes: declaredWebhookRoutes(runtime.plugins.values()),
    rolesOff: [
      ...(orchestrator
        ? []
        : [
            {
              paths: ['/workflows', '/workflow-definitions'],
              hint: 'this hub does not run the orchestrator role: start it with eai up --orchestrator (or EAI_ORCHESTRATOR=1)',
            },
          ]),
      ...(masterdata
        ? []
        : [
            {
              paths: ['/customers', '/sync'],
              hint: 'this hub does not run master data: start it with eai up --masterdata',
            },
          ]),
    ],
    details: async () => {
      const local = runtime.local();
      // Parked workflows are listed, but do not make the hub unready: an operator has to act, not a restart.
      const pool = orchestrator?.pool;
      // At most the readiness checks' own time: the pool waits for a database that does not answer. Its failure is
      // said beside the connectors' states, which answered: before, it replaced the whole details with its error.
      let parkedError: string | undefined;
      const parked = pool
        ? await withDeadline(
            parkedInstances((sql, params) => pool.query(sql, params)),
            PARKED_QUERY_TIMEOUT_MS,
            'the parked workflows query',
          ).catch((error: unknown) => {
            parkedError = errorMessage(error);
            return undefined;
          })
        : undefined;
      return {
        // Which instance answers (its name, as connector statuses say it): behind a load balancer, the one asked.
        instance: runtime.instance,
        // Other workers running under the same name (one EAI_INSTANCE_ID given twice): said, not made unready.
        ...(runtime.sameNameAs.length ? { sameInstanceNameAs: runtime.sameNameAs } : {}),
        connectors: Object.fromEntries(local.map((c) => [c.name, c.state])),
        failedConnectors: local.filter((c) => c.state === 'FAILED').map((c) => c.name),
        // Of those, the ones that restart by themselves, as sync health says it: `<name> restarting in 12 s after: …`.
        restartingConnectors: local.flatMap((c) => (c.restarting ? [c.restarting] : [])),
        ...(parked ? { parkedWorkflows: parked } : {}),
        ...(parkedError ? { parkedWorkflowsError: parkedError } : {}),
      };
    },
  });
  // Other instances forward webhook requests for the connectors this one runs to this URL.
  const listening = (ops.server.address() as AddressInfo).port;
  // On every interface its URL is this machine's loopback, which the others cannot reach: its host name then.
  const advertisedUrl =
    options.advertisedUrl ??
    (options.host && isWildcardHost(options.host) ? defaultAdvertisedUrl(listening) : ops.url);
  await runtime.advertise(advertisedUrl, options.instanceId ?? defaultInstanceName(listening));
  return {
    url: ops.url,
    instance: runtime.instance,
    advertisedUrl,
    runtime,
    orchestrator,
    masterdata,
    async close() {
      clearInterval(healthTimer);
      await ops.close();
      await masterdata?.stop();
      await orchestrator?.stop();
      await runtime.stop();
      kafka.stop();
      await mappingPool?.close();
    },
  };
}
