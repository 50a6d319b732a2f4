import { DBOS } from '@dbos-inc/dbos-sdk';
import type pg from 'pg';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { orchestratorMetrics } from './metrics.ts';

/**
 * Takeover of a dead instance's in-progress workflows, which DBOS leaves to its paid control plane: every instance
 * writes a heartbeat row; a live one that finds a row older than `deadAfterMs` claims it (one atomic UPDATE, so
 * one claimant) and resumes the dead executor's PENDING workflows with `DBOS.resumeWorkflow`. The claim and the
 * resumes run under a transaction-scoped advisory lock on the dead executor's id, which that executor also takes
 * while it restarts (its own startup recovery of PENDING work), so the two never run the same workflow at once.
 * Bound: a dead instance's work moves within deadAfterMs + heartbeatMs (+ the resumes).
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

  constructor(options: {
    pool: pg.Pool;
    executorId: string;
    applicationVersion: string;
    heartbeatMs: number;
    deadAfterMs: number;
    log: Logger;
  }) {
    this.pool = options.pool;
    this.executorId = options.executorId;
    this.applicationVersion = options.applicationVersion;
    this.heartbeatMs = options.heartbeatMs;
    this.deadAfterMs = options.deadAfterMs;
    this.log = options.log;
  }

  private lockKey(executorId: string): string {
    return `eai-orchestrator-executor:${executorId}`;
  }

  /** Runs `launch` (DBOS.launch, which recovers this executor's own PENDING work) holding this executor's lock. */
  async register(launch: () => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [this.lockKey(this.executorId)]);
      await client.query(
        `insert into eai_orchestrator.executors (executor_id, application_version) values ($1, $2)
         on conflict (executor_id) do update set application_version = excluded.application_version,
           started_at = now(), last_beat = now(), taken_over_by = null, taken_over_at = null`,
        [this.executorId, this.applicationVersion],
      );
      await launch();
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.scanning) return;
    this.scanning = true;
    try {
      await this.pool.query(
        `update eai_orchestrator.executors set last_beat = now() where executor_id = $1`,
        [this.executorId],
      );
      await this.takeOverDead();
    } catch (error) {
      this.log.warn(
        { error: errorMessage(error) },
        'heartbeat or takeover scan failed; next tick tries again',
      );
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
