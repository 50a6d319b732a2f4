import { DBOS } from '@dbos-inc/dbos-sdk';
import type pg from 'pg';
import {
  type Bus,
  type ConsumerRunner,
  createBus,
  type GroupStart,
  type TransportProducer,
} from '../bus/index.ts';
import { errorMessage } from '../lib/errors.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { withDeadline } from '../lib/retry.ts';
import { databaseUrlFor, ensureDatabase } from '../store/database.ts';
import { createPool } from '../store/pool.ts';
import { deploymentId, ORCHESTRATOR_SOURCE, orchestratorSource, orchestratorTopicSpecs } from './commands.ts';
import { type OrchestratorConfig, type OrchestratorConfigInput, parseOrchestratorConfig } from './config.ts';
import { dbosLogger } from './dbos-logger.ts';
import { type AnyWorkflowDefinition, DefinitionSet } from './definitions.ts';
import { setParkedSource } from './metrics.ts';
import { countParked, instanceState } from './operators.ts';
import { ParkedRetries } from './parked-retry.ts';
import { retryInstance } from './retry.ts';
import { startEventRouter, startInstance } from './router.ts';
import { bindDeps, type OrchestratorDeps, type StepRetry } from './runtime.ts';
import { ORCHESTRATOR_DDL } from './schema.ts';
import { refuseSharedCluster } from './shared-cluster.ts';
import { type InstanceState, StateReports } from './states.ts';
import { createSystemPool } from './system-pool.ts';
import { Executors } from './takeover.ts';

/**
 * Finished workflows `prune` lists and deletes at once; it goes on round after round until a round finds fewer. It
 * used to delete one round an hour: a hub that finished more than 1,000 instances an hour (the demo finishes about
 * 3,600) kept more every hour, so DBOS's tables grew without bound whatever the retention (about 3 KB an instance).
 */
const PRUNE_BATCH = 1000;
/** Rounds of one `prune` at most (the hourly run picks up the rest). */
const PRUNE_MAX_ROUNDS = 100;

/** How long a scrape waits for the parked workflows' count (readiness's own probes take 2 s). */
const PARKED_GAUGE_DEADLINE_MS = 2_000;

export interface StartOptions {
  /** Every version still in flight; each was made by `defineWorkflow` before this call. */
  definitions: AnyWorkflowDefinition[];
  /** Consume canonical topics and route events (default true). */
  router?: boolean;
  stepRetry?: Partial<StepRetry>;
  beforeStep?: OrchestratorDeps['beforeStep'];
  onFinished?: OrchestratorDeps['onFinished'];
  logger?: Logger;
}

export interface Orchestrator {
  readonly config: OrchestratorConfig;
  readonly definitions: DefinitionSet;
  readonly bus: Bus;
  readonly executors: Executors;
  /** The orchestrator database (for its own tables; DBOS's are in schema `dbos`). */
  readonly pool: pg.Pool;
  /** DBOS's pool on the same database (system-pool.ts). */
  readonly systemPool: pg.Pool;
  /** Where the event router started on each topic (none without a router): its committed offsets, or the end / beginning. */
  readonly routerStart: GroupStart[];
  /** This deployment's `ce_source` (commands.ts orchestratorSource): its commands carry it, its receipts name it. */
  readonly source: string;
  /** Starts the newest version of `type` with a given id (idempotent: an existing id is left alone). */
  start(type: string, workflowId: string, input: unknown): Promise<void>;
  /** The workflow's result, waiting at most `timeoutMs` for the instance to exist and finish. */
  result<T>(workflowId: string, timeoutMs: number): Promise<T>;
  /** What the instance last reported of itself (status, step), its outcome once finished, or null. */
  state(workflowId: string): Promise<InstanceState | null>;
  /**
   * Deletes finished workflows (and kept events) older than the retention, or `olderThanMs`, `batch` (1,000) at a time
   * until none is left; returns how many.
   */
  prune(olderThanMs?: number, batch?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Instances starting at once on a fresh database race on the hub's DDL and on DBOS's own migrations (PostgreSQL
 * answers one of them "deadlock detected"): one session advisory lock, taken and released on the same connection,
 * serialises the setup and the launch of every instance. The waiting one polls with pg_try_advisory_lock instead of
 * blocking in pg_advisory_lock: a blocked statement holds a snapshot, which the other's migrations (CREATE INDEX
 * CONCURRENTLY waits for older snapshots) would wait for in turn, a wait no deadlock detector sees.
 */
async function withSetupLock(pool: pg.Pool, setup: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    for (;;) {
      const { rows } = await client.query<{ ok: boolean }>(
        'select pg_try_advisory_lock(hashtext($1)) as ok',
        ['eai-orchestrator-ddl'],
      );
      if (rows[0]?.ok) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
      await setup(client);
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', ['eai-orchestrator-ddl']);
    }
  } finally {
    client.release();
  }
}

const DEFAULT_STEP_RETRY: StepRetry = { maxAttempts: 5, intervalSeconds: 1, backoffRate: 2 };

/**
 * One orchestrator instance: DBOS launched on its own database of the stack's PostgreSQL (pinned application
 * version, this instance's executor id), heartbeats and takeover, the event router, and retention.
 * DBOS is one per process: start one orchestrator per process.
 */
/**
 * The system database URL with DBOS's idle-in-transaction timeout (its default, 60 s) set at connection start, in the
 * URL's `options`. Otherwise DBOS sets it with a query from the pool's connect hook, which races the borrower's first
 * query on that connection: pg 8 prints a DeprecationWarning for it on every process's first connection.
 */
export function withIdleTransactionTimeout(url: string, timeoutMs = 60_000): string {
  const parsed = new URL(url);
  const options = parsed.searchParams.get('options');
  if (options?.includes('idle_in_transaction_session_timeout')) return url;
  const setting = `-c idle_in_transaction_session_timeout=${timeoutMs}`;
  parsed.searchParams.set('options', options ? `${options} ${setting}` : setting);
  return parsed.toString();
}

export async function startOrchestrator(
  input: OrchestratorConfigInput,
  options: StartOptions,
): Promise<Orchestrator> {
  const config = parseOrchestratorConfig(input);
  const log = options.logger ?? createLogger('orchestrator');
  await ensureDatabase(config.databaseUrl, config.database);
  const url = databaseUrlFor(config.databaseUrl, config.database);
  const pool = createPool({ connectionString: url, max: 4 }, (error) =>
    log.warn({ error: errorMessage(error) }, 'orchestrator pool connection failed'),
  );
  // DBOS's lines through the hub's logger; its warnings while PostgreSQL is away heal on the heartbeats written.
  const dbosLog = dbosLogger(log, process.env.EAI_DBOS_LOG_LEVEL ?? 'warn');
  const executors = new Executors({
    pool,
    executorId: config.executorId,
    applicationVersion: config.applicationVersion,
    heartbeatMs: config.heartbeatMs,
    deadAfterMs: config.deadAfterMs,
    log,
    onBeat: () => dbosLog.databaseAnswers(),
  });
  // One live process per executor id: a second one is refused before anything else starts (it would recover, and
  // so run, the same workflows).
  try {
    await executors.holdLive(url);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }

  const bus = createBus({
    brokers: config.brokers,
    registryUrl: config.registryUrl,
    source: ORCHESTRATOR_SOURCE,
    clientId: `eai-orchestrator-${config.executorId}`,
    logger: log,
  });
  const definitions = new DefinitionSet(options.definitions);
  // Another deployment routing on this Kafka cluster (the topic names are fixed) would act on this one's orders and
  // commands, and this one on its: refused here, before DBOS recovers anything or a command is sent.
  try {
    const admin = bus.transport.admin();
    await admin.connect();
    await refuseSharedCluster(admin, config.routerGroup, definitions.topics()).finally(() =>
      admin.disconnect(),
    );
  } catch (error) {
    await executors.releaseLive();
    await pool.end().catch(() => undefined);
    throw error;
  }
  await bus.provisionTopics(orchestratorTopicSpecs);
  const publisher = await bus.publisher();
  const producer: TransportProducer = bus.transport.producer();
  await producer.connect();

  const query = ((sql: string, params?: unknown[]) => pool.query(sql, params)) as OrchestratorDeps['query'];
  const states = new StateReports({ query, executorId: config.executorId, log });
  const orchestratorDeps: OrchestratorDeps = {
    // Replaced by this deployment's own below, before DBOS launches (and so before any step runs).
    source: ORCHESTRATOR_SOURCE,
    publisher,
    producer,
    query,
    pool,
    parkedRetry: config.parkedRetry,
    states,
    sapUrl: config.sapUrl,
    timers: config.timers,
    stepRetry: { ...DEFAULT_STEP_RETRY, ...options.stepRetry },
    log,
    beforeStep: options.beforeStep,
    onFinished: options.onFinished,
  };
  bindDeps(orchestratorDeps);

  const systemDatabaseUrl = withIdleTransactionTimeout(url);
  // DBOS's pool, made here so that its statements are prepared (system-pool.ts); DBOS leaves a given pool open.
  const systemPool = createSystemPool({
    url: systemDatabaseUrl,
    size: config.databasePoolSize,
    applicationName: `dbos_transact_${config.executorId}_${config.applicationVersion}`,
    prepared: config.databasePreparedStatements,
    beginWithStatement: config.databaseBeginWithStatement,
    coalesceReads: config.databaseCoalescedReads,
    onError: (error) => log.warn({ error: errorMessage(error) }, 'DBOS pool connection failed'),
  });
  DBOS.setConfig({
    name: 'eai-orchestrator',
    systemDatabaseUrl,
    systemDatabasePool: systemPool,
    systemDatabasePoolSize: config.databasePoolSize,
    // DBOS's default is half the pool, to keep waits from starving steps; coalesced waits rarely hold one.
    systemDatabasePollingConcurrency: config.databasePollingConcurrency ?? config.databasePoolSize,
    applicationVersion: config.applicationVersion,
    executorID: config.executorId,
    logger: dbosLog,
  });
  try {
    await withSetupLock(pool, async (client) => {
      await client.query(ORCHESTRATOR_DDL);
      orchestratorDeps.source = orchestratorSource(
        await deploymentId((sql, params) => client.query(sql, params)),
      );
      await executors.register(() => DBOS.launch());
    });
  } catch (error) {
    await executors.releaseLive();
    await systemPool.end().catch(() => undefined);
    await pool.end().catch(() => undefined);
    throw error;
  }
  executors.start();

  let router: (ConsumerRunner & { start: GroupStart[] }) | undefined;
  if (options.router !== false) {
    router = await startEventRouter({
      bus,
      definitions,
      groupId: config.routerGroup,
      logger: log,
      consumers: config.routerConsumers,
      concurrency: config.routerConcurrency,
      sessionTimeoutMs: config.routerSessionTimeoutMs,
      fromBeginning: config.routerFromBeginning,
    });
  }

  async function prune(olderThanMs = config.retentionMs, batch = PRUNE_BATCH): Promise<number> {
    const before = new Date(Date.now() - olderThanMs).toISOString();
    let deleted = 0;
    for (let round = 0; round < PRUNE_MAX_ROUNDS; round++) {
      const finished = await DBOS.listWorkflows({
        status: ['SUCCESS', 'ERROR', 'CANCELLED'],
        endTime: before,
        limit: batch,
      });
      if (finished.length === 0) break;
      const ids = finished.map((w) => w.workflowID);
      await DBOS.deleteWorkflows(ids);
      await pool.query(`delete from eai_orchestrator.instance_states where workflow_id = any($1::text[])`, [
        ids,
      ]);
      await pool.query(`delete from eai_orchestrator.parked_retries where workflow_id = any($1::text[])`, [
        ids,
      ]);
      deleted += ids.length;
      if (finished.length < batch) break;
    }
    await pool.query(`delete from eai_orchestrator.kept_events where kept_at < $1`, [before]);
    await pool.query(`delete from eai_orchestrator.workflow_references where recorded_at < $1`, [before]);
    return deleted;
  }
  const retention = setInterval(
    () => void prune().catch((error) => log.warn({ error: errorMessage(error) }, 'retention failed')),
    Math.min(config.retentionMs, 3_600_000),
  );
  retention.unref();

  // Parked instances retried by the hub itself, through the operators' retry; one instance's runner at a time.
  const parkedRetries = new ParkedRetries({
    pool,
    policy: config.parkedRetry,
    log,
    retry: (workflowId) => retryInstance(workflowId, 'auto'),
  });
  parkedRetries.start();

  // At each scrape, within a deadline: a database that takes the connection and never answers held /metrics (and
  // with it every metric) until the scraper gave up, and the hub read as down instead of as not ready. Each type the
  // engine runs is exported, 0 when none is parked.
  setParkedSource(
    () =>
      withDeadline(
        countParked((sql, params) => pool.query(sql, params)),
        PARKED_GAUGE_DEADLINE_MS,
        'parked gauge: counting the parked workflows',
      ).catch((error) => {
        log.warn({ error: errorMessage(error) }, 'parked gauge: counting failed; it keeps its last figures');
        return undefined;
      }),
    definitions.types(),
  );

  let stopped = false;
  return {
    config,
    definitions,
    bus,
    executors,
    pool,
    systemPool,
    routerStart: router?.start ?? [],
    source: orchestratorDeps.source,
    async start(type, workflowId, workflowInput) {
      const definition = definitions.latest(type);
      if (!definition) throw new Error(`no workflow type ${type}`);
      await startInstance(definition, workflowId, workflowInput);
    },
    async result<T>(workflowId: string, timeoutMs: number): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      while (!(await DBOS.getWorkflowStatus(workflowId))) {
        if (Date.now() > deadline) throw new Error(`no workflow ${workflowId} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const remaining = Math.max(1, deadline - Date.now());
      const result = await DBOS.getResult<T>(workflowId, { timeoutSeconds: remaining / 1000 });
      if (result === null && (await DBOS.getWorkflowStatus(workflowId))?.status !== 'SUCCESS') {
        throw new Error(`workflow ${workflowId} not finished after ${timeoutMs} ms`);
      }
      return result as T;
    },
    state: instanceState,
    prune,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(retention);
      await parkedRetries.stop();
      setParkedSource(undefined);
      executors.stop();
      await router?.stop();
      await DBOS.shutdown();
      await states.close();
      await systemPool.end();
      bindDeps(undefined);
      await Promise.allSettled([publisher.close(), producer.disconnect()]);
      await executors.releaseLive();
      await pool.end();
    },
  };
}
