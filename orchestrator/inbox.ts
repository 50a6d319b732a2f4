import { DBOS } from '@dbos-inc/dbos-sdk';
import { isRetriable, NonRetriableError } from '../lib/errors.ts';

/** What the event router (or an operator's signal) hands to a workflow, on the DBOS topic `inbox`. */
export interface InboxMessage {
  /** e.g. `shipment.asn`, `shipment.delivered`, `order.cancelled`, `signal.approve-credit`. */
  kind: string;
  /** The CloudEvents id of the event (or the signal's id): the idempotency key of the hand-off. */
  eventId: string;
  data: unknown;
  traceparent?: string;
  /** Who sent it, for an operator's signal: the admin token's name (a cancel carries it in its reason). */
  by?: string;
}

export const INBOX_TOPIC = 'inbox';

/** An operator's cancel: interrupts every workflow's waits, like the business cancellations each one names. */
export const OPERATOR_CANCEL = 'operator.cancel';

/**
 * A message of an interrupting kind (a cancellation) arrived while the workflow waited for something else. An
 * operator's cancel says who and why (`customer called (oncall)`): kept in the message, so the outcome shows it.
 */
export class Interrupted extends Error {
  readonly inboxMessage: InboxMessage;
  constructor(inboxMessage: InboxMessage) {
    const reason = (inboxMessage.data as { reason?: unknown } | null)?.reason;
    super(`interrupted by ${inboxMessage.kind}${typeof reason === 'string' && reason ? `: ${reason}` : ''}`);
    this.inboxMessage = inboxMessage;
  }
}

/**
 * One inbox per workflow instance: messages arrive in any order, so a wait for one kind keeps the others for a later
 * wait; a message of an interrupting kind ends any wait. Every receive is a DBOS `recv` (checkpointed), and the
 * buffer is rebuilt from those checkpoints on replay, so this stays deterministic. Duplicates (the same event id
 * handed over twice) are dropped here. Events that arrived before the instance existed are handed over right after
 * it is started (`startInstance`), so they come in like any other.
 */
export class Inbox {
  private readonly buffered: InboxMessage[] = [];
  private readonly seen = new Set<string>();

  private readonly interrupting: string[];

  constructor(interrupting: string[]) {
    this.interrupting = [...interrupting, OPERATOR_CANCEL];
  }

  private accept(message: InboxMessage): boolean {
    if (this.seen.has(message.eventId)) return false;
    this.seen.add(message.eventId);
    this.buffered.push(message);
    return true;
  }

  private take(kinds: string[]): InboxMessage | undefined {
    const interrupt = this.buffered.find((m) => this.interrupting.includes(m.kind));
    if (interrupt) throw new Interrupted(interrupt);
    const index = this.buffered.findIndex((m) => kinds.includes(m.kind));
    return index < 0 ? undefined : this.buffered.splice(index, 1)[0];
  }

  /**
   * The first message of one of `kinds`, or null when the wait's time is up: `timeoutMs` from now, or at
   * `deadlineEpochMs`. A durable deadline either way: DBOS records it with the receive, so it survives restarts.
   * When a message of another kind arrives first, it is kept and the wait goes on until the same deadline, read back
   * from DBOS's record (one more step, on that path only).
   */
  async wait(kinds: string[], until: WaitUntil): Promise<InboxMessage | null> {
    let deadline = 'deadlineEpochMs' in until ? until.deadlineEpochMs : undefined;
    for (let received = false; ; received = true) {
      const found = this.take(kinds);
      if (found) return found;
      if (received && deadline === undefined) deadline = await recordedDeadline();
      const message = await DBOS.recv<InboxMessage>(
        INBOX_TOPIC,
        deadline === undefined
          ? { timeoutSeconds: (until as { timeoutMs: number }).timeoutMs / 1000 }
          : { deadlineEpochMS: deadline },
      );
      if (!message) return null;
      this.accept(message);
    }
  }
}

export type WaitUntil = { timeoutMs: number } | { deadlineEpochMs: number };

/**
 * The deadline of this workflow's latest timed receive (epoch ms), as DBOS recorded it when the receive began (its
 * `DBOS.sleep` record): the running wait's. For a step's body.
 */
export async function latestReceiveDeadline(workflowId: string): Promise<number> {
  const steps = (await DBOS.listWorkflowSteps(workflowId)) ?? [];
  const deadline = steps.findLast((s) => s.name === 'DBOS.sleep')?.output;
  if (typeof deadline !== 'number') {
    throw new NonRetriableError(`workflow ${workflowId}: no receive deadline recorded`);
  }
  return deadline;
}

/** The running wait's deadline, as a step (checkpointed: a replay goes on to the same deadline). */
export function recordedDeadline(): Promise<number> {
  const workflowId = DBOS.workflowID!;
  return DBOS.runStep(() => latestReceiveDeadline(workflowId), {
    name: 'wait-deadline',
    retriesAllowed: true,
    maxAttempts: 5,
    intervalSeconds: 1,
    shouldRetry: isRetriable,
  });
}
