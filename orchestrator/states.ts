import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';

/** What operators see of an instance in flight, as the workflow reports it of itself. */
export type InstanceStatus =
  | 'RUNNING'
  | 'WAITING'
  | 'COMPENSATING'
  | 'PARKED'
  | 'COMPLETED'
  | 'COMPENSATED'
  | 'CANCELLED';

export interface InstanceState {
  status: InstanceStatus;
  /** The step running or failed, or the wait in progress. */
  step?: string;
  detail?: string;
}

type Query = <R = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<{ rows: R[] }>;

/** How long a report waits for others to share its write, and the pause after a write that failed. */
const BATCH_MS = 2;
const RETRY_MS = 1000;

/**
 * The instances' reports of themselves (WAITING at a wait, COMPENSATING, PARKED, RUNNING again), one row per instance
 * in `eai_orchestrator.instance_states`, written in place. Until 2026-12-04 each report was a DBOS event
 * (`DBOS.setEvent`): a checkpointed operation of its own, eight statements in one transaction (two inserts, the owner
 * check, the operation's record), two of them per order-to-delivery instance on its way, about a fifth of its
 * statements. A report carries no value back into the workflow, so it needs no checkpoint: a replay reports the same
 * states again in the same order and ends on the current one.
 *
 * Reports are written in batches (one statement for every report of the last BATCH_MS) in the order they were made,
 * and a workflow does not wait for its own: a report is advice to operators, and a database hiccup must not fail the
 * workflow (a failed batch is written again, reports made meanwhile on top). A row is written only while this
 * executor owns the instance in DBOS (`executor_id`), so an execution that lost its instance to another executor
 * (paused past its takeover) cannot write over the new owner's reports.
 */
export class StateReports {
  private pending = new Map<string, InstanceState>();
  private scheduled: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private closed = false;
  private readonly query: Query;
  private readonly executorId: string;
  private readonly log: Logger;

  constructor(options: { query: Query; executorId: string; log: Logger }) {
    this.query = options.query;
    this.executorId = options.executorId;
    this.log = options.log;
  }

  report(workflowId: string, state: InstanceState): void {
    // The latest report of an instance replaces one not yet written.
    this.pending.set(workflowId, state);
    if (!this.scheduled && !this.writing && !this.closed) this.schedule(BATCH_MS);
  }

  private schedule(ms: number): void {
    this.scheduled = setTimeout(() => void this.flush(), ms);
  }

  private async flush(): Promise<void> {
    this.scheduled = undefined;
    const batch = this.pending;
    this.pending = new Map();
    let failed = false;
    this.writing = writeStates(this.query, this.executorId, batch).catch((error) => {
      failed = true;
      this.log.warn({ error: errorMessage(error), reports: batch.size }, 'instance states: write failed');
      // Reports made since go on top of the failed ones.
      for (const [id, state] of this.pending) batch.set(id, state);
      this.pending = batch;
    });
    await this.writing;
    // In the same turn as the write's end: a report from now on sees no write and schedules its own.
    this.writing = undefined;
    if (this.pending.size > 0 && !this.closed) this.schedule(failed ? RETRY_MS : BATCH_MS);
  }

  /** Writes what is pending (one attempt), then takes no more reports. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.scheduled);
    await this.writing;
    if (this.pending.size > 0) await this.flush();
  }
}

async function writeStates(
  query: Query,
  executorId: string,
  batch: Map<string, InstanceState>,
): Promise<void> {
  const ids: string[] = [];
  const statuses: string[] = [];
  const steps: Array<string | null> = [];
  const details: Array<string | null> = [];
  for (const [id, state] of batch) {
    ids.push(id);
    statuses.push(state.status);
    steps.push(state.step ?? null);
    details.push(state.detail ?? null);
  }
  await query(
    `insert into eai_orchestrator.instance_states (workflow_id, status, step, detail)
     select r.id, r.status, r.step, r.detail
     from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as r(id, status, step, detail)
     join dbos.workflow_status s on s.workflow_uuid = r.id and s.executor_id = $5
     on conflict (workflow_id) do update
       set status = excluded.status, step = excluded.step, detail = excluded.detail, updated_at = now()`,
    [ids, statuses, steps, details, executorId],
  );
}

/** The reported states of `workflowIds` (those that reported one). */
export async function readStates(query: Query, workflowIds: string[]): Promise<Map<string, InstanceState>> {
  const states = new Map<string, InstanceState>();
  if (workflowIds.length === 0) return states;
  const { rows } = await query<{
    workflow_id: string;
    status: InstanceStatus;
    step: string | null;
    detail: string | null;
  }>(
    `select workflow_id, status, step, detail from eai_orchestrator.instance_states where workflow_id = any($1::text[])`,
    [workflowIds],
  );
  for (const row of rows) {
    states.set(row.workflow_id, {
      status: row.status,
      ...(row.step !== null ? { step: row.step } : {}),
      ...(row.detail !== null ? { detail: row.detail } : {}),
    });
  }
  return states;
}
