import { DBOS } from '@dbos-inc/dbos-sdk';
import { NonRetriableError } from '../lib/errors.ts';
import { sendAlert } from './commands.ts';
import { type Inbox, type InboxMessage, latestReceiveDeadline, type WaitUntil } from './inbox.ts';
import { orchestratorMetrics } from './metrics.ts';
import { runStep, StepFailed, setState } from './saga.ts';
import type { WorkflowTrace } from './trace.ts';

export interface AwaitEventOptions {
  /** The workflow type (metrics and alerts name it). */
  type: string;
  /** The wait's name as operators and failure reports see it, e.g. `await-asn`. */
  wait: string;
  /** Inbox kinds that end the wait, e.g. `['shipment.asn', 'shipment.delivered']`. */
  kinds: string[];
  /** Nothing after this long: an escalation alert (and metric), and the wait goes on. None when absent or ≥ timeoutMs. */
  escalateMs?: number;
  /** Nothing after this long: the wait fails for good (StepFailed), so the saga compensates. */
  timeoutMs: number;
  /** The instance's trace, carried by the alert. */
  trace: WorkflowTrace;
}

/**
 * The waits of every workflow: the correlated event a command asked for (an ASN after a despatch request, a return
 * receipt after a return authorisation), or a signal. Reports WAITING when it begins (the state stays so until the
 * workflow reports again: a wait ends in a step or the next wait); after `escalateMs` sends one escalation alert
 * (`eai.orchestrator.alerts`, kind `escalation`) and counts it; after `timeoutMs` counts the timeout and throws
 * StepFailed. Both durations run from the start of the wait, as durable deadlines: the first receive's is DBOS's
 * (recorded when it begins), the timeout after an escalation is that deadline plus the rest, computed in the
 * escalation step. So a wait costs a receive (and a state report, states.ts, no checkpoint), no clock reads. Call it from the workflow body (not
 * inside a step). The sequence of checkpointed operations is fixed by the arguments and what arrives, so a
 * definition version keeps replaying the same way.
 */
export async function awaitEvent(inbox: Inbox, options: AwaitEventOptions): Promise<InboxMessage> {
  const { type, wait, kinds, escalateMs, timeoutMs } = options;
  setState({ status: 'WAITING', step: wait });
  const workflowId = DBOS.workflowID!;
  let until: WaitUntil = { timeoutMs };
  if (escalateMs !== undefined && escalateMs < timeoutMs) {
    const early = await inbox.wait(kinds, { timeoutMs: escalateMs });
    if (early) return early;
    const deadlineEpochMs = await runStep(type, `escalate:${wait}`, async () => {
      // The escalation's deadline is the wait's start plus escalateMs: the timeout's is the start plus timeoutMs.
      const deadline = (await latestReceiveDeadline(workflowId)) - escalateMs + timeoutMs;
      orchestratorMetrics.timeouts.inc({ type, wait, kind: 'escalation' });
      await sendAlert(
        options.trace,
        {
          kind: 'escalation',
          workflowId,
          type,
          step: wait,
          message: `${wait}: nothing after ${escalateMs} ms`,
        },
        `alert:escalate:${wait}`,
      );
      return deadline;
    });
    until = { deadlineEpochMs };
  }
  const message = await inbox.wait(kinds, until);
  if (message) return message;
  await runStep(type, `timeout:${wait}`, async () => {
    orchestratorMetrics.timeouts.inc({ type, wait, kind: 'timeout' });
  });
  throw new StepFailed(wait, new NonRetriableError(`${wait}: timed out after ${timeoutMs} ms`));
}
