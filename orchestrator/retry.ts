import { DBOS } from '@dbos-inc/dbos-sdk';
import { errorMessage, NonRetriableError } from '../lib/errors.ts';
import { instanceState } from './operators.ts';
import { recordRetry } from './parked-retry.ts';
import { retryWorkflow } from './router.ts';

/** An operator's retry that does not apply to the instance; the message says why and what to do instead. */
export class InstanceNotRetriable extends NonRetriableError {
  readonly workflowId: string;
  constructor(workflowId: string, message: string) {
    super(message);
    this.workflowId = workflowId;
  }
}

/**
 * An operator's retry of one instance, by what stopped it:
 *
 * - **PARKED** (a step's system stayed unavailable, or a compensation failed): the step runs again (`retryWorkflow`),
 *   recorded in `eai_orchestrator.parked_retries` (parked-retry.ts). `by: 'auto'` is the hub's own automatic retry:
 *   sent only when its schedule says it is due and no operator retried or cancelled the instance since it parked
 *   (`skipped` otherwise); an operator's retry starts the automatic retries' budget afresh.
 * - **FAILED after its recovery attempts** (DBOS's `MAX_RECOVERY_ATTEMPTS_EXCEEDED`: its process died or was stopped
 *   while running it that many times, e.g. a crash loop): resumed under its own id from its last checkpoint
 *   (`DBOS.resumeWorkflow`), as a recovery would have; events and signals still reach it, and its commands keep their
 *   idempotency keys.
 * - **FAILED with an error** (DBOS's `ERROR`: an error that is neither a step failing for good, which compensates,
 *   nor an unavailable system, which parks; a bug, an output DBOS cannot record): refused. DBOS resumes no workflow
 *   that ended in an error (`resumeWorkflow` leaves it as it is), a replay would meet the same recorded failure, and
 *   `forkWorkflow` runs a copy under a new id: the bus's events and signals correlate by the instance's id (the
 *   business key) and would not reach it, and its commands' idempotency keys (`<workflow id>:<step>`) would be new, so
 *   the systems would apply again what the failed instance sent.
 */
export async function retryInstance(workflowId: string): Promise<'retry' | 'resume'>;
export async function retryInstance(
  workflowId: string,
  by: 'auto' | 'operator',
): Promise<'retry' | 'resume' | 'skipped'>;
export async function retryInstance(
  workflowId: string,
  by: 'auto' | 'operator' = 'operator',
): Promise<'retry' | 'resume' | 'skipped'> {
  const workflow = await DBOS.getWorkflowStatus(workflowId);
  if (!workflow) throw new InstanceNotRetriable(workflowId, `no workflow ${workflowId}`);
  if (workflow.status === 'MAX_RECOVERY_ATTEMPTS_EXCEEDED') {
    await DBOS.resumeWorkflow(workflowId);
    return 'resume';
  }
  if (workflow.status === 'ERROR') {
    const error = workflow.error ? errorMessage(workflow.error) : 'no error recorded';
    throw new InstanceNotRetriable(
      workflowId,
      `workflow ${workflowId} FAILED with an error (${error}) and cannot be retried: DBOS resumes no workflow that ` +
        'ended in an error, a replay meets the same failure, and a fork would run under a new id that its events, ' +
        "signals and the systems' idempotency keys do not know (what it sent would be applied again). Instead: see " +
        `what it did (eai workflows show ${workflowId}), finish or undo that in the systems by hand, and fix the cause`,
    );
  }
  const state = await instanceState(workflowId);
  if (state?.status !== 'PARKED') {
    throw new InstanceNotRetriable(
      workflowId,
      `workflow ${workflowId} is ${state?.status ?? workflow.status}, not PARKED or FAILED: nothing to retry`,
    );
  }
  const sent = await recordRetry(workflowId, by, (idempotencyKey) =>
    retryWorkflow(workflowId, { by, idempotencyKey }),
  );
  return sent ? 'retry' : 'skipped';
}
