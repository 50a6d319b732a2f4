import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { ConfigError, errorMessage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { RepeatedFailure } from '../lib/repeated-failure.ts';
import { inTransaction } from '../store/pool.ts';
import { orchestratorMetrics } from './metrics.ts';

/**
 * Takeover of a dead instance's in-progress workflows, which DBOS leaves to its paid control plane: every instance
 * writes a heartbeat row; a live one that finds a row older than `deadAfterMs` claims it (one atomic UPDATE, so
 * one claimant) and resumes the dead executor's PENDING workflows with `DBOS.resumeWorkflow`. The claim and the
 * resumes run under a transaction-scoped advisory lock on the dead executor's id, which that executor also takes
 * while it restarts (its own startup recovery of PENDING work), so the two never run the same workflow at once.
 * Bound: a dead instance's work moves within deadAfterMs + heartbeatMs (+ the resumes).
 *
 * Each live process also holds its executor's **live lock** (a session advisory lock, `holdLive`) on a connection of
 * its own for as long as it runs. A second process started with the same executor id is refused (both would recover
 * and run the same workflows), and takeover leaves alone an executor whose process still holds its live lock, however
 * old its heartbeat: frozen (a long GC pause, a stopped container) is not dead. PostgreSQL releases the lock when the
 * process dies and its connection closes.
 */
export class Executors {
  private timer: NodeJS.Timeout | undefined;
  private scanning = false;

  private readonly pool: pg.Pool;
  private readonly executorId: string;
  private readonly applicationVersion: string;
  private readonly heartbeatMs: number;
  private readonly deadAfterMs: number;
  private readonly log: Logger;
  private readonly onBeat: (() => void) | undefined;
  // Each fails every heartbeat while PostgreSQL is away: logged when it starts, every minute, and when it heals.
  private readonly retakes: RepeatedFailure;
  private readonly beats: RepeatedFailure;

  constructor(options: {
    pool: pg.Pool;
    executorId: string;
    applicationVersion: string;
    heartbeatMs: number;
    deadAfterMs: number;
    log: Logger;
    /** After each heartbeat written: the database answers (DBOS's repeated warnings heal on it). */
    onBeat?: () => void;
  }) {
    this.pool = options.pool;
    this.executorId = options.executorId;
    this.applicationVersion = options.applicationVersion;
    this.heartbeatMs = options.heartbeatMs;
    this.deadAfterMs = options.deadAfterMs;
    this.log = options.log;
    this.onBeat = options.onBeat;
    this.retakes = new RepeatedFailure(this.log, {
      failed: 'orchestrator: live lock not taken again',
      healed: 'orchestrator: live lock taken again',
    });
    this.beats = new RepeatedFailure(this.log, {
      failed: 'heartbeat or takeover scan failed; next tick tries again',
      healed: 'orchestrator: heartbeat and takeover scan work again',
    });
  }

  private lockKey(executorId: string): string {
    return `eai-orchestrator-executor:${executorId}`;
  }

  /** The live lock's key: two int4 (its class, then the executor id), so it shares no key with the lock above. */
  private static readonly LIVE_LOCK = "hashtext('eai-orchestrator-live'), hashtext($1)";
  private live: pg.Client | undefined;
  /** Where the live lock is held (to take it again after a lost connection). */
  private liveUrl: string | undefined;

  /**
   * Takes this executor's live lock and holds it until `stop`, on a connection of its own. A process killed a moment
   * ago may still hold it while PostgreSQL closes its session: tried for `waitMs`, then refused with a ConfigError.
   */
  async holdLive(databaseUrl: string, waitMs = 5000): Promise<void> {
    this.liveUrl = databaseUrl;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
      client.on('error', (error) => this.lostLive(client, error));
      await client.connect();
      const { rows } = await client.query<{ ok: boolean }>(
        `select pg_try_advisory_lock(${Executors.LIVE_LOCK}) as ok`,
        [this.executorId],
      );
      if (rows[0]?.ok) {
        this.live = client;
        return;
      }
      await client.end().catch(() => undefined);
      if (Date.now() >= deadline) {
        throw new ConfigError(
          `orchestrator executor id "${this.executorId}" is in use by another live process on this database (it holds ` +
            'the executor’s lock): give each instance its own executor id (EAI_ORCHESTRATOR_EXECUTOR_ID or ' +
            '--executor-id, e.g. the pod name)',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private lostLive(client: pg.Client, error: Error): void {
    if (this.live !== client) return;
    this.live = undefined;
    this.log.error(
      { error: errorMessage(error) },
      'orchestrator: the connection holding this executor’s live lock failed; taking it again at the next heartbeat',
    );
  }

  /** After a lost connection: takes the live lock again, unless another process took this executor id meanwhile. */
  private async retakeLive(): Promise<void> {
    if (this.live || !this.liveUrl) return;
    try {
      await this.holdLive(this.liveUrl, 0);
      if (!this.retakes.healed()) this.log.info('orchestrator: live lock taken again');
    } catch (error) {
      this.retakes.failed(error);
    }
  }

  /** Runs `launch` (DBOS.launch, which recovers this executor's own PENDING work) holding this executor's lock. */
  async register(launch: () => Promise<void>): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [this.lockKey(this.executorId)]);
      await client.query(
        `insert into eai_orchestrator.executors (executor_id, application_version) values ($1, $2)
         on conflict (executor_id) do update set application_version = excluded.application_version,
           started_at = now(), last_beat = now(), taken_over_by = null, taken_over_at = null`,
        [this.executorId, this.applicationVersion],
      );
      await launch();
    });
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.heartbeatMs);
    this.timer.unref();
  }

  /** Stops the heartbeat and takeover scans. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Lets go of the live lock: once this process runs no workflow any more. */
  async releaseLive(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    this.liveUrl = undefined;
    await live?.end().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.scanning) return;
    this.scanning = true;
    try {
      await this.retakeLive();
      await this.pool.query(
        `update eai_orchestrator.executors set last_beat = now() where executor_id = $1`,
        [this.executorId],
      );
      this.onBeat?.();
      await this.takeOverDead();
      this.beats.healed();
    } catch (error) {
      this.beats.failed(error);
    } finally {
      this.scanning = false;
    }
  }

  /** Claims and resumes every dead executor's pending workflows; returns the workflow ids resumed. */
  async takeOverDead(): Promise<string[]> {
    const { rows } = await this.pool.query<{ executor_id: string }>(
      `select executor_id from eai_orchestrator.executors
       where executor_id <> $1 and taken_over_by is null and last_beat < now() - make_interval(secs => $2::float8 / 1000)`,
      [this.executorId, this.deadAfterMs],
    );
    const resumed: string[] = [];
    for (const { executor_id: dead } of rows) resumed.push(...(await this.takeOver(dead)));
    return resumed;
  }

  private async takeOver(dead: string): Promise<string[]> {
    const client = await this.pool.connect();
    const resumed: string[] = [];
    try {
      await client.query('begin');
      const locked = await client.query<{ ok: boolean }>(
        'select pg_try_advisory_xact_lock(hashtext($1)) as ok',
        [this.lockKey(dead)],
      );
      if (!locked.rows[0]?.ok) {
        await client.query('rollback');
        return [];
      }
      // Its process still holds its live lock: frozen or slow, not dead (released at this transaction's end).
      const gone = await client.query<{ ok: boolean }>(
        `select pg_try_advisory_xact_lock(${Executors.LIVE_LOCK}) as ok`,
        [dead],
      );
      if (!gone.rows[0]?.ok) {
        await client.query('rollback');
        this.log.warn(
          { executor: dead },
          'heartbeat late but its process still holds its live lock: not taken over',
        );
        return [];
      }
      const claimed = await client.query(
        `update eai_orchestrator.executors set taken_over_by = $1, taken_over_at = now()
         where executor_id = $2 and taken_over_by is null
           and last_beat < now() - make_interval(secs => $3::float8 / 1000)`,
        [this.executorId, dead, this.deadAfterMs],
      );
      if (claimed.rowCount === 0) {
        await client.query('rollback');
        return [];
      }
      const pending = await DBOS.listWorkflows({
        executorId: dead,
        status: 'PENDING',
        applicationVersion: this.applicationVersion,
      });
      for (const workflow of pending) {
        await DBOS.resumeWorkflow(workflow.workflowID);
        resumed.push(workflow.workflowID);
      }
      await client.query('commit');
      orchestratorMetrics.takeovers.inc(resumed.length);
      this.log.warn({ dead, resumed: resumed.length }, 'took over a dead instance’s pending workflows');
      return resumed;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
