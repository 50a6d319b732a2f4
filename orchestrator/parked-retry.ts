import { DBOS } from '@dbos-inc/dbos-sdk';
import type pg from 'pg';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { inTransaction } from '../store/pool.ts';
import { sendAlert } from './commands.ts';
import type { ParkedRetryPolicy } from './config.ts';
import { orchestratorMetrics } from './metrics.ts';
import { deps } from './runtime.ts';
import type { WorkflowTrace } from './trace.ts';

/**
 * Automatic retries of PARKED instances. A step whose system stayed unavailable through its retries, or a compensation
 * that still failed, parks its instance until someone retries it; here the hub does, on a schedule (first after
 * `firstAfterMs`, backoff to `maxDelayMs`, no later than `giveUpAfterMs` after it first parked, at most `maxAttempts`),
 * through the operators' own `retryInstance`. Then the instance stays PARKED for a person, with an alert
 * `auto_retry_exhausted`.
 *
 * What was done per parked instance is one row of `eai_orchestrator.parked_retries`: the step it is parked at (the
 * episode: a park at another step starts a new one), when it first parked there, the automatic retries sent, and the
 * last action on it (an automatic or an operator's retry, an operator's cancel) with its time. An action after the
 * instance's PARKED report means a retry or cancel is on its way: nothing more is sent, so an instance an operator
 * retried or cancelled by hand is not retried automatically as well. An operator's retry starts the budget afresh.
 */

export type RetryAction = 'auto' | 'operator' | 'cancel';

/** The row of `eai_orchestrator.parked_retries`, or what a missing row means. */
export interface RetryRecord {
  step: string | null;
  parkedAt: Date | null;
  attempts: number;
  lastAction: RetryAction | null;
  lastActionAt: Date | null;
  gaveUpAt: Date | null;
}

/** A parked instance as it reported itself: the step, and when the PARKED report was written. */
export interface Park {
  step: string;
  reportedAt: Date;
}

export type RetryPlan =
  | { kind: 'off' }
  /** A retry (or a cancel) was sent since the instance parked: it is on its way. */
  | { kind: 'sent'; attempts: number; at: Date }
  /** The automatic retries ran out (`gaveUpAt`): the instance waits for a person. */
  | { kind: 'exhausted'; attempts: number; parkedAt: Date; gaveUpAt: Date }
  /** The bound is reached now: give up. */
  | { kind: 'give-up'; attempts: number; parkedAt: Date }
  | { kind: 'scheduled'; attempts: number; parkedAt: Date; nextAt: Date; due: boolean };

export const NO_RECORD: RetryRecord = {
  step: null,
  parkedAt: null,
  attempts: 0,
  lastAction: null,
  lastActionAt: null,
  gaveUpAt: null,
};

/** How long after its `attempts`-th park the next automatic retry waits. */
export function retryDelayMs(policy: ParkedRetryPolicy, attempts: number): number {
  return Math.min(policy.firstAfterMs * policy.backoffRate ** attempts, policy.maxDelayMs);
}

/** What to do about one parked instance now (pure: the runner, `retryInstance` and the operators' view share it). */
export function planRetry(policy: ParkedRetryPolicy, park: Park, record: RetryRecord, now: Date): RetryPlan {
  if (!policy.enabled) return { kind: 'off' };
  // A cancel does not reach a parked compensation (it takes a retry only): it stops nothing there.
  const cancelIgnored = record.lastAction === 'cancel' && park.step.startsWith('compensate:');
  if (record.lastActionAt && record.lastActionAt >= park.reportedAt && !cancelIgnored) {
    return { kind: 'sent', attempts: record.attempts, at: record.lastActionAt };
  }
  const sameEpisode = record.step === park.step && record.parkedAt !== null;
  const attempts = sameEpisode ? record.attempts : 0;
  const parkedAt = sameEpisode ? record.parkedAt! : park.reportedAt;
  if (sameEpisode && record.gaveUpAt)
    return { kind: 'exhausted', attempts, parkedAt, gaveUpAt: record.gaveUpAt };
  const nextAt = new Date(park.reportedAt.getTime() + retryDelayMs(policy, attempts));
  if (attempts >= policy.maxAttempts || nextAt.getTime() > parkedAt.getTime() + policy.giveUpAfterMs) {
    return { kind: 'give-up', attempts, parkedAt };
  }
  return { kind: 'scheduled', attempts, parkedAt, nextAt, due: nextAt <= now };
}

interface RecordRow {
  step: string | null;
  parked_at: Date | null;
  attempts: number | null;
  last_action: RetryAction | null;
  last_action_at: Date | null;
  gave_up_at: Date | null;
}

function recordOf(row: RecordRow | undefined): RetryRecord {
  if (!row || row.attempts === null) return NO_RECORD;
  return {
    step: row.step,
    parkedAt: row.parked_at,
    attempts: row.attempts,
    lastAction: row.last_action,
    lastActionAt: row.last_action_at,
    gaveUpAt: row.gave_up_at,
  };
}

/** The instance's park (if it reports PARKED) and its record, read under the record's row lock. */
async function lockedPark(
  client: pg.PoolClient,
  workflowId: string,
): Promise<{ park: Park | null; record: RetryRecord; now: Date }> {
  await client.query(
    `insert into eai_orchestrator.parked_retries (workflow_id) values ($1) on conflict (workflow_id) do nothing`,
    [workflowId],
  );
  const { rows } = await client.query<
    RecordRow & { state: string | null; state_step: string | null; reported_at: Date | null; now: Date }
  >(
    `select r.step, r.parked_at, r.attempts, r.last_action, r.last_action_at, r.gave_up_at,
            t.status as state, t.step as state_step, t.updated_at as reported_at, now() as now
     from eai_orchestrator.parked_retries r
     left join eai_orchestrator.instance_states t on t.workflow_id = r.workflow_id
     where r.workflow_id = $1
     for update of r`,
    [workflowId],
  );
  const row = rows[0]!;
  const park =
    row.state === 'PARKED' && row.reported_at
      ? { step: row.state_step ?? '', reportedAt: row.reported_at }
      : null;
  return { park, record: recordOf(row), now: row.now };
}

/**
 * Sends the retry of a parked instance and records it, under its record's row lock (`send`: the message itself).
 * An operator's is always sent and starts the automatic budget afresh; an automatic one only when its plan, read
 * under the lock, says it is due (an operator's action since the park means one is on its way). Returns whether it
 * was sent.
 */
export async function recordRetry(
  workflowId: string,
  by: 'auto' | 'operator',
  send: (idempotencyKey: string | undefined) => Promise<void>,
): Promise<boolean> {
  const { pool, parkedRetry } = deps();
  return inTransaction(pool, async (client) => {
    const { park, record, now } = await lockedPark(client, workflowId);
    if (by === 'operator') {
      await send(undefined);
      await client.query(
        `update eai_orchestrator.parked_retries set step = $2, parked_at = null, attempts = 0, gave_up_at = null,
           last_action = 'operator', last_action_at = now() where workflow_id = $1`,
        [workflowId, park?.step ?? record.step],
      );
      return true;
    }
    const plan = park ? planRetry(parkedRetry, park, record, now) : undefined;
    if (plan?.kind !== 'scheduled' || !plan.due) return false;
    const attempt = plan.attempts + 1;
    await send(`auto-retry:${workflowId}:${park!.step}:${plan.parkedAt.toISOString()}:${attempt}`);
    await client.query(
      `update eai_orchestrator.parked_retries set step = $2, parked_at = $3, attempts = $4, gave_up_at = null,
         last_action = 'auto', last_action_at = now() where workflow_id = $1`,
      [workflowId, park!.step, plan.parkedAt, attempt],
    );
    return true;
  });
}

/** Records an operator's cancel: a parked instance is not retried automatically while the cancel is on its way. */
export async function recordCancel(workflowId: string): Promise<void> {
  await deps().query(
    `insert into eai_orchestrator.parked_retries (workflow_id, last_action, last_action_at)
     values ($1, 'cancel', now())
     on conflict (workflow_id) do update set last_action = 'cancel', last_action_at = now()`,
    [workflowId],
  );
}

/** What operators see of an instance's automatic retries (`eai workflows show`, `GET /workflows/{id}`). */
export interface AutoRetryView {
  /** Automatic retries sent at the step it is (or was last) parked at. */
  attempts: number;
  /** `scheduled` (nextAt), `sent` (on its way), `exhausted` (waits for a person), `off`, or `none` (not parked). */
  state: 'scheduled' | 'sent' | 'exhausted' | 'off' | 'none';
  nextAt: string | null;
  lastAction: RetryAction | null;
  lastActionAt: string | null;
  gaveUpAt: string | null;
}

/** The automatic retries of one instance, as the runner sees them now; null when none ran and it is not parked. */
export async function autoRetryOf(workflowId: string): Promise<AutoRetryView | null> {
  const { query, parkedRetry } = deps();
  const { rows } = await query<
    RecordRow & { state: string | null; state_step: string | null; reported_at: Date | null; now: Date }
  >(
    `select r.step, r.parked_at, r.attempts, r.last_action, r.last_action_at, r.gave_up_at,
            t.status as state, t.step as state_step, t.updated_at as reported_at, now() as now
     from (select $1::text as workflow_id) w
     left join eai_orchestrator.parked_retries r on r.workflow_id = w.workflow_id
     left join eai_orchestrator.instance_states t on t.workflow_id = w.workflow_id`,
    [workflowId],
  );
  const row = rows[0];
  const record = recordOf(row);
  const parked = row?.state === 'PARKED' && row.reported_at;
  if (!parked && !record.attempts) return null;
  const base = {
    attempts: record.attempts,
    nextAt: null,
    lastAction: record.lastAction,
    lastActionAt: record.lastActionAt?.toISOString() ?? null,
    gaveUpAt: record.gaveUpAt?.toISOString() ?? null,
  };
  if (!parked) return { ...base, state: 'none' };
  const plan = planRetry(
    parkedRetry,
    { step: row.state_step ?? '', reportedAt: row.reported_at! },
    record,
    row.now,
  );
  switch (plan.kind) {
    case 'off':
      return { ...base, state: 'off' };
    case 'sent':
      return { ...base, state: 'sent' };
    case 'scheduled':
      return { ...base, attempts: plan.attempts, state: 'scheduled', nextAt: plan.nextAt.toISOString() };
    default:
      return { ...base, attempts: plan.attempts, state: 'exhausted' };
  }
}

/** One run of the runner at a time across every hub instance on this database (a session advisory lock). */
const RUNNER_LOCK = 'eai-orchestrator-parked-retry';
/** Parked instances looked at per scan, the longest parked first. */
const SCAN_LIMIT = 1000;

interface Candidate extends RecordRow {
  id: string;
  type: string;
  state_step: string | null;
  reported_at: Date;
  now: Date;
}

/**
 * The runner: every `scanMs`, the one hub instance that takes the advisory lock looks at the parked instances and
 * retries those whose retry is due (`retryInstance`, as an operator would, which records it), and gives up on those
 * past the bounds. One log line per attempt (workflow id, type, step, attempt); `eai_workflow_auto_retries_total`.
 */
export class ParkedRetries {
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private readonly pool: pg.Pool;
  private readonly policy: ParkedRetryPolicy;
  private readonly log: Logger;
  private readonly retry: (workflowId: string) => Promise<unknown>;

  constructor(options: {
    pool: pg.Pool;
    policy: ParkedRetryPolicy;
    log: Logger;
    /** `retryInstance(workflowId, 'auto')`: the operators' retry path. */
    retry: (workflowId: string) => Promise<unknown>;
  }) {
    this.pool = options.pool;
    this.policy = options.policy;
    this.log = options.log;
    this.retry = options.retry;
  }

  start(): void {
    if (!this.policy.enabled) return;
    this.timer = setInterval(() => {
      if (!this.scanning) {
        this.scanning = this.scan()
          .then(() => undefined)
          .catch((error) => this.log.warn({ error: errorMessage(error) }, 'parked retries: scan failed'))
          .finally(() => {
            this.scanning = undefined;
          });
      }
    }, this.policy.scanMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.scanning;
  }

  /** One scan, if this instance takes the runner's lock; returns whether it ran. */
  async scan(): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>(
        'select pg_try_advisory_lock(hashtext($1)) as ok',
        [RUNNER_LOCK],
      );
      if (!rows[0]?.ok) return false;
      try {
        const candidates = await client.query<Candidate>(
          `select s.workflow_uuid as id, split_part(s.name, '@', 1) as type, t.step as state_step,
                  t.updated_at as reported_at, r.step, r.parked_at, r.attempts, r.last_action, r.last_action_at,
                  r.gave_up_at, now() as now
           from dbos.workflow_status s
           join eai_orchestrator.instance_states t on t.workflow_id = s.workflow_uuid
           left join eai_orchestrator.parked_retries r on r.workflow_id = s.workflow_uuid
           where s.status = 'PENDING' and t.status = 'PARKED'
           order by t.updated_at
           limit $1`,
          [SCAN_LIMIT],
        );
        for (const candidate of candidates.rows) await this.consider(candidate);
      } finally {
        await client.query('select pg_advisory_unlock(hashtext($1))', [RUNNER_LOCK]);
      }
      return true;
    } finally {
      client.release();
    }
  }

  private async consider(candidate: Candidate): Promise<void> {
    const step = candidate.state_step ?? '';
    const plan = planRetry(
      this.policy,
      { step, reportedAt: candidate.reported_at },
      recordOf(candidate),
      candidate.now,
    );
    if (plan.kind === 'give-up') return this.giveUp(candidate.id, candidate.type);
    if (plan.kind !== 'scheduled' || !plan.due) return;
    const attempt = plan.attempts + 1;
    try {
      const action = await this.retry(candidate.id);
      if (action === 'skipped') return;
      orchestratorMetrics.autoRetries.inc({ type: candidate.type, outcome: 'retried' });
      this.log.info(
        { workflowId: candidate.id, type: candidate.type, step, attempt },
        'parked instance: automatic retry',
      );
    } catch (error) {
      orchestratorMetrics.autoRetries.inc({ type: candidate.type, outcome: 'failed' });
      this.log.warn(
        { workflowId: candidate.id, type: candidate.type, step, attempt, error: errorMessage(error) },
        'parked instance: automatic retry failed; the next scan tries again',
      );
    }
  }

  /** Past the bounds: recorded under the row lock (the plan read again there), then one alert and a log line. */
  private async giveUp(workflowId: string, type: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const { park, record, now } = await lockedPark(client, workflowId);
      if (!park) return;
      const plan = planRetry(this.policy, park, record, now);
      if (plan.kind !== 'give-up') return;
      const message =
        `auto_retry_exhausted: ${plan.attempts} automatic retries since ${plan.parkedAt.toISOString()}, still parked ` +
        `at ${park.step}: retry it by hand (eai workflows retry ${workflowId}) once the cause is fixed, or cancel it`;
      // The alert before the commit: a failed commit gives the same alert again, whose id collapses the two.
      await sendAlert(
        await traceOf(workflowId),
        { kind: 'auto_retry_exhausted', workflowId, type, step: park.step, message },
        `auto-retry-exhausted:${park.step}:${plan.parkedAt.toISOString()}`,
      );
      await client.query(
        `update eai_orchestrator.parked_retries set step = $2, parked_at = $3, attempts = $4, gave_up_at = now()
         where workflow_id = $1`,
        [workflowId, park.step, plan.parkedAt, plan.attempts],
      );
      orchestratorMetrics.autoRetries.inc({ type, outcome: 'gave_up' });
      this.log.error(
        { workflowId, type, step: park.step, attempts: plan.attempts },
        'parked instance: automatic retries ran out; it waits for an operator',
      );
    });
  }
}

/** The trace an instance carries in its input (its alerts join its correlation id and trace). */
async function traceOf(workflowId: string): Promise<WorkflowTrace> {
  const workflow = await DBOS.getWorkflowStatus(workflowId);
  const trace = (workflow?.input?.[0] as { trace?: WorkflowTrace } | undefined)?.trace;
  return trace ?? { correlationId: workflowId };
}
