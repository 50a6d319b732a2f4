import { DBOS } from '@dbos-inc/dbos-sdk';
import { NonRetriableError } from '../lib/errors.ts';
import { sendAlert } from './commands.ts';
import {
  type Inbox,
  type InboxMessage,
  latestReceiveDeadline,
  recordedDeadline,
  type WaitUntil,
} from './inbox.ts';
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
  /**
   * Kinds taken on the way that do not end the wait (order-to-delivery v6: a later ASN's tracking numbers at the
   * delivery wait): each is handed to `take`, which may run steps, and the wait goes on to the same deadlines (unless
   * `take` answers true: the wait ends with that message).
   */
  also?: Also;
}

/**
 * Kinds a wait takes on the way: each message is handed to `take`, which may run steps; `take` answering true ends the
 * wait with that message (order-to-delivery v7: an amendment whose credit check, run again, approves ends the hold).
 */
export interface Also {
  kinds: string[];
  take: (message: InboxMessage) => Promise<boolean | undefined>;
}

/** Several `also` handlers as one, each given the kinds it named. */
export function allOf(...handlers: Array<Also | undefined>): Also | undefined {
  const given = handlers.filter((h): h is Also => h !== undefined);
  if (given.length <= 1) return given[0];
  return {
    kinds: given.flatMap((h) => h.kinds),
    take: (message) => given.find((h) => h.kinds.includes(message.kind))!.take(message),
  };
}

/**
 * `inbox.wait` for `kinds`, handing the `also` kinds to their `take` on the way and going on to the same deadline,
 * read back before `take` runs (a step of `take` that parks receives with a deadline of its own). Returns the
 * deadline too once it was read (else the escalation reads the receive's record).
 */
async function receive(
  inbox: Inbox,
  options: AwaitEventOptions,
  until: WaitUntil,
): Promise<{ message: InboxMessage | null; until: WaitUntil }> {
  const { also } = options;
  if (!also) return { message: await inbox.wait(options.kinds, until), until };
  for (;;) {
    const message = await inbox.wait([...options.kinds, ...also.kinds], until);
    if (!message || !also.kinds.includes(message.kind)) return { message, until };
    if ('timeoutMs' in until) until = { deadlineEpochMs: await recordedDeadline() };
    if (await also.take(message)) return { message, until };
    setState({ status: 'WAITING', step: options.wait });
  }
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
  const { type, wait, escalateMs, timeoutMs } = options;
  setState({ status: 'WAITING', step: wait });
  const workflowId = DBOS.workflowID!;
  let until: WaitUntil = { timeoutMs };
  if (escalateMs !== undefined && escalateMs < timeoutMs) {
    const early = await receive(inbox, options, { timeoutMs: escalateMs });
    if (early.message) return early.message;
    const escalation = 'deadlineEpochMs' in early.until ? early.until.deadlineEpochMs : undefined;
    const deadlineEpochMs = await runStep(type, `escalate:${wait}`, async () => {
      // The escalation's deadline is the wait's start plus escalateMs: the timeout's is the start plus timeoutMs.
      const deadline = (escalation ?? (await latestReceiveDeadline(workflowId))) - escalateMs + timeoutMs;
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
  const { message } = await receive(inbox, options, until);
  if (message) return message;
  await runStep(type, `timeout:${wait}`, async () => {
    orchestratorMetrics.timeouts.inc({ type, wait, kind: 'timeout' });
  });
  throw new StepFailed(wait, new NonRetriableError(`${wait}: timed out after ${timeoutMs} ms`));
}
