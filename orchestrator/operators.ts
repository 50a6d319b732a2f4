import { DBOS, type WorkflowStatus, type WorkflowStatusString } from '@dbos-inc/dbos-sdk';
import { errorMessage, hasValueMarks, quotedText } from '../lib/errors.ts';
import { type AutoRetryView, autoRetryOf } from './parked-retry.ts';
import { deps } from './runtime.ts';
import { groupFailure } from './saga.ts';
import { type InstanceState, type InstanceStatus, readStates } from './states.ts';

/** The DBOS event instances reported their state in before 2026-12-04 (states.ts); one begun then still may. */
const LEGACY_STATE_EVENT = 'state';

/**
 * The reported states of `workflows`: their rows (states.ts), one query for all; for an instance in flight without
 * one, its DBOS event, as instances begun before the rows reported (an instance that has not reported has neither).
 */
async function reportedStates(workflows: WorkflowStatus[]): Promise<Map<string, InstanceState>> {
  const states = await readStates(
    deps().query,
    workflows.map((w) => w.workflowID),
  );
  // An instance in flight without a row may have begun before them.
  const legacy = workflows.filter(
    (w) => DBOS_STATUSES.RUNNING.includes(w.status as WorkflowStatusString) && !states.has(w.workflowID),
  );
  await Promise.all(
    legacy.map(async (w) => {
      const state = await DBOS.getEvent<InstanceState>(w.workflowID, LEGACY_STATE_EVENT, {
        timeoutSeconds: 0,
      });
      if (state) states.set(w.workflowID, state);
    }),
  );
  return states;
}

/** The SQL of an in-flight instance's reported status (alias `s`: dbos.workflow_status), its row or legacy event. */
const REPORTED_STATUS_JOIN = `
     left join eai_orchestrator.instance_states t on t.workflow_id = s.workflow_uuid
     left join dbos.workflow_events e
       on t.workflow_id is null and e.workflow_uuid = s.workflow_uuid and e.key = '${LEGACY_STATE_EVENT}'`;
const REPORTED_STATUS = `coalesce(t.status, e.value::jsonb #>> '{json,status}', e.value::jsonb ->> 'status')`;

/**
 * The operators' view of instances (what the REST routes and the CLI will serve): DBOS's own status joined with the
 * state each instance reports of itself, in the issue's vocabulary.
 */
export type OperatorStatus = InstanceStatus | 'FAILED';

export interface InstanceSummary {
  id: string;
  type: string;
  version: number | null;
  status: OperatorStatus;
  /** The step running, waited for or failed. */
  step: string | null;
  startedAt: string;
  /**
   * DBOS's last change of its row: its own bookkeeping (a recovery, a resume, a cancel) as well as the end, so not when
   * the instance ended; `endedAt` is that.
   */
  updatedAt: string | null;
  /**
   * When it finished: DBOS's `completed_at`, recorded in the statement that records its outcome (or its cancellation,
   * or its running out of recovery attempts) and cleared when it is resumed; for a row finished before DBOS recorded
   * `completed_at`, its `updated_at`; null while in flight.
   */
  endedAt: string | null;
  correlationId: string | null;
}

export interface InstanceDetail extends InstanceSummary {
  executorId: string | null;
  detail: string | null;
  output: unknown;
  error: string | null;
  /**
   * Its automatic retries (parked-retry.ts): how many ran at the step it is (or was last) parked at, and while it is
   * parked when the next is due or that they ran out; null when none ran and it is not parked.
   */
  autoRetry: AutoRetryView | null;
  /** Every checkpointed operation in order: steps, commands, receives (events in), sleeps. */
  timeline: Array<{
    n: number;
    name: string;
    at: string | null;
    ms: number | null;
    output: unknown;
    error: string | null;
  }>;
}

function typeAndVersion(workflowName: string): { type: string; version: number | null } {
  const at = workflowName.lastIndexOf('@');
  if (at < 0) return { type: workflowName, version: null };
  return { type: workflowName.slice(0, at), version: Number(workflowName.slice(at + 1)) || null };
}

function statusOf(workflow: WorkflowStatus, state: InstanceState | null): OperatorStatus {
  switch (workflow.status) {
    case 'SUCCESS': {
      const outcome = (workflow.output as { outcome?: string } | undefined)?.outcome;
      return outcome === 'COMPENSATED' || outcome === 'CANCELLED' ? outcome : 'COMPLETED';
    }
    case 'ERROR':
    case 'MAX_RECOVERY_ATTEMPTS_EXCEEDED':
      return 'FAILED';
    case 'CANCELLED':
      return 'CANCELLED';
    default:
      if (state?.status === 'WAITING' || state?.status === 'PARKED' || state?.status === 'COMPENSATING') {
        return state.status;
      }
      return 'RUNNING';
  }
}

/**
 * What an instance reports of itself: its reported state while in flight (states.ts); once finished, its outcome
 * (`outcome`, `failedStep`, `reason` of its result), which takes the place of a last report (a write per instance saved).
 */
export async function instanceState(workflowId: string): Promise<InstanceState | null> {
  const workflow = await DBOS.getWorkflowStatus(workflowId);
  if (!workflow) return null;
  return stateOf(workflow, (await reportedStates([workflow])).get(workflowId) ?? null);
}

interface LateAmendment {
  applied?: boolean;
  note?: string;
  changes?: string[];
}

/**
 * An amendment's note with the quantities and totals it quotes marked as document values (`quotedText`), so that a
 * viewer reads the instance's `detail` without them. Notes since 2026-12-07 are written so (amendmentChanges); one
 * written before has its changes marked here as one value (`not applied ("…")`).
 */
function markedNote({ note = '', changes = [] }: LateAmendment): string {
  const said = changes.join('; ');
  return hasValueMarks(note) || !said || said === 'other fields'
    ? note
    : note.replace(said, quotedText(said, 500));
}

/**
 * A finished instance's state is DBOS's record of its outcome; one in flight reports its own. Exported for its spec
 * (ops/routes/workflows-viewer.spec.ts).
 */
export function stateOf(workflow: WorkflowStatus, reported: InstanceState | null): InstanceState | null {
  if (workflow.status !== 'SUCCESS') return reported;
  const output = workflow.output as {
    outcome?: InstanceStatus;
    failedStep?: string;
    reason?: string;
    amendments?: LateAmendment[];
  } | null;
  // An amendment that came too late (order-to-delivery v7) is what an operator must act on once it completed.
  const late = (output?.amendments ?? []).filter((a) => a.applied === false && a.note).map(markedNote);
  const detail = output?.reason ?? (late.length ? late.join('; ') : undefined);
  return {
    status: output?.outcome ?? 'COMPLETED',
    ...(output?.failedStep ? { step: output.failedStep } : {}),
    ...(detail ? { detail } : {}),
  };
}

async function summarise(
  workflows: WorkflowStatus[],
): Promise<Array<InstanceSummary & { state: InstanceState | null }>> {
  const reported = await reportedStates(workflows);
  return workflows.map((workflow) => {
    const state = stateOf(workflow, reported.get(workflow.workflowID) ?? null);
    const input = workflow.input?.[0] as { trace?: { correlationId?: string } } | undefined;
    return {
      id: workflow.workflowID,
      ...typeAndVersion(workflow.workflowName),
      status: statusOf(workflow, state),
      step: state?.step ?? null,
      startedAt: new Date(workflow.createdAt).toISOString(),
      updatedAt: workflow.updatedAt ? new Date(workflow.updatedAt).toISOString() : null,
      endedAt: endedAtOf(workflow),
      correlationId: input?.trace?.correlationId ?? null,
      state,
    };
  });
}

/** The DBOS statuses an operator status can come from (it is DBOS's own, or the instance's report joined to it). */
const DBOS_STATUSES: Record<OperatorStatus, WorkflowStatusString[]> = {
  RUNNING: ['PENDING', 'ENQUEUED', 'DELAYED'],
  WAITING: ['PENDING', 'ENQUEUED', 'DELAYED'],
  COMPENSATING: ['PENDING', 'ENQUEUED', 'DELAYED'],
  PARKED: ['PENDING', 'ENQUEUED', 'DELAYED'],
  COMPLETED: ['SUCCESS'],
  COMPENSATED: ['SUCCESS'],
  CANCELLED: ['SUCCESS', 'CANCELLED'],
  FAILED: ['ERROR', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED'],
};

/** DBOS's statuses of an instance in flight (it has no end yet). */
const DBOS_IN_FLIGHT = DBOS_STATUSES.RUNNING;

/**
 * When a finished instance ended: DBOS's `completed_at`; for a row that finished before DBOS recorded it (it is null
 * there), the row's `updated_at`, which DBOS sets in the same statement that records the outcome, and which nothing
 * moves after the end but a resume (that clears the end again). Null while in flight.
 */
function endedAtOf(workflow: WorkflowStatus): string | null {
  if (DBOS_IN_FLIGHT.includes(workflow.status as WorkflowStatusString)) return null;
  const at = workflow.completedAt ?? workflow.updatedAt;
  return at ? new Date(at).toISOString() : null;
}

/** Instances read from DBOS per round while a status filter looks for `limit` matches. */
const LIST_PAGE = 500;

/**
 * Instances, newest first, filtered by type, operator status and when they started (`since` at or after, `until`
 * before; ISO 8601). The status is partly the instance's own report
 * (WAITING, PARKED), known only after the join: DBOS is read page by page, narrowed to the DBOS statuses the asked
 * one can come from, until `limit` instances match or none is left, so `--status PARKED` finds a parked instance
 * behind any number of newer ones.
 */
export async function listInstances(
  filter: { type?: string; status?: OperatorStatus; since?: string; until?: string; limit?: number } = {},
): Promise<InstanceSummary[]> {
  const limit = filter.limit ?? 100;
  const found = new Map<string, InstanceSummary>();
  for (let offset = 0; found.size < limit; offset += LIST_PAGE) {
    const workflows = await DBOS.listWorkflows({
      workflow_id_prefix: filter.type ? `${filter.type}:` : undefined,
      status: filter.status ? DBOS_STATUSES[filter.status] : undefined,
      // DBOS compares its start time (ms) inclusively at both ends: `until` is exclusive, as `eai dlq ls --until`.
      startTime: filter.since,
      endTime: filter.until ? new Date(Date.parse(filter.until) - 1).toISOString() : undefined,
      sortDesc: true,
      limit: filter.status ? LIST_PAGE : limit,
      offset,
    });
    for (const { state: _state, ...summary } of await summarise(workflows)) {
      const wanted =
        (!filter.type || summary.type === filter.type) &&
        (!filter.status || summary.status === filter.status);
      // An instance started while paging moves the others one place down: the same one may come twice.
      if (wanted && found.size < limit) found.set(summary.id, summary);
    }
    if (!filter.status || workflows.length < LIST_PAGE) break;
  }
  return [...found.values()];
}

/**
 * Parked instances by type, counted in the database: in flight (PENDING) and reporting PARKED (states.ts, or the
 * DBOS event of an instance begun before). One query, whatever the number of instances, for the
 * `eai_workflows_parked` gauge.
 */
export async function countParked(
  query: (sql: string, params: unknown[]) => Promise<{ rows: Array<{ type: string; parked: number }> }>,
): Promise<Array<{ type: string; parked: number }>> {
  const { rows } = await query(
    `select split_part(s.name, '@', 1) as type, count(*)::int as parked
     from dbos.workflow_status s ${REPORTED_STATUS_JOIN}
     where s.status = 'PENDING' and ${REPORTED_STATUS} = 'PARKED'
     group by 1`,
    [],
  );
  return rows;
}

/**
 * The ids of the instances parked now, newest first, at most `limit`: one query (as `countParked`), for
 * `/health/ready`'s `parkedWorkflows`, which a probe asks every few seconds whatever the number in flight.
 */
export async function parkedInstances(
  query: (sql: string, params: unknown[]) => Promise<{ rows: Array<{ id: string }> }>,
  limit = 100,
): Promise<string[]> {
  const { rows } = await query(
    `select s.workflow_uuid as id
     from dbos.workflow_status s ${REPORTED_STATUS_JOIN}
     where s.status = 'PENDING' and ${REPORTED_STATUS} = 'PARKED'
     order by s.created_at desc
     limit $1`,
    [limit],
  );
  return rows.map((row) => row.id);
}

/** One instance as `listInstances` lists it, with its reported state (its `detail`), or null: two reads. */
export async function instanceSummary(
  id: string,
): Promise<(InstanceSummary & { workflow: WorkflowStatus; state: InstanceState | null }) | null> {
  const workflow = await DBOS.getWorkflowStatus(id);
  if (!workflow) return null;
  return { ...(await summarise([workflow]))[0]!, workflow };
}

/** One instance with its timeline, or null. */
export async function showInstance(id: string): Promise<InstanceDetail | null> {
  const found = await instanceSummary(id);
  if (!found) return null;
  const { state, workflow, ...summary } = found;
  const steps = (await DBOS.listWorkflowSteps(id)) ?? [];
  return {
    ...summary,
    executorId: workflow.executorId ?? null,
    detail: state?.detail ?? null,
    output: workflow.output ?? null,
    error: workflow.error ? errorMessage(workflow.error) : null,
    autoRetry: await autoRetryOf(id),
    timeline: steps.map((s) => ({
      n: s.functionID,
      name: s.name,
      at: s.startedAtEpochMs ? new Date(s.startedAtEpochMs).toISOString() : null,
      ms: s.startedAtEpochMs && s.completedAtEpochMs ? s.completedAtEpochMs - s.startedAtEpochMs : null,
      output: s.output ?? null,
      error: s.error ? errorMessage(s.error) : groupFailure(s.output),
    })),
  };
}
