import { DBOS } from '@dbos-inc/dbos-sdk';

/** What the event router (or an operator's signal) hands to a workflow, on the DBOS topic `inbox`. */
export interface InboxMessage {
  /** e.g. `shipment.asn`, `shipment.delivered`, `order.cancelled`, `signal.approve-credit`. */
  kind: string;
  /** The CloudEvents id of the event (or the signal's id): the idempotency key of the hand-off. */
  eventId: string;
  data: unknown;
  traceparent?: string;
}

export const INBOX_TOPIC = 'inbox';

/** An operator's cancel: interrupts every workflow's waits, like the business cancellations each one names. */
export const OPERATOR_CANCEL = 'operator.cancel';

/** A message of an interrupting kind (a cancellation) arrived while the workflow waited for something else. */
export class Interrupted extends Error {
  readonly inboxMessage: InboxMessage;
  constructor(inboxMessage: InboxMessage) {
    super(`interrupted by ${inboxMessage.kind}`);
    this.inboxMessage = inboxMessage;
  }
}

/**
 * One inbox per workflow instance: messages arrive in any order, so a wait for one kind keeps the others for a later
 * wait; a message of an interrupting kind ends any wait. Every receive is a DBOS `recv` (checkpointed), and the
 * buffer is rebuilt from those checkpoints on replay, so this stays deterministic. Duplicates (the same event id
 * handed over twice) are dropped here.
 */
export class Inbox {
  private readonly buffered: InboxMessage[] = [];
  private readonly seen = new Set<string>();

  private readonly interrupting: string[];

  constructor(interrupting: string[]) {
    this.interrupting = [...interrupting, OPERATOR_CANCEL];
  }

  /** Adds messages claimed from the kept-events table (events that arrived before the instance existed). */
  add(messages: InboxMessage[]): void {
    for (const m of messages) this.accept(m);
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

  /** The first message of one of `kinds`, or null at `deadlineEpochMs` (a durable deadline: survives restarts). */
  async wait(kinds: string[], deadlineEpochMs: number): Promise<InboxMessage | null> {
    for (;;) {
      const found = this.take(kinds);
      if (found) return found;
      const message = await DBOS.recv<InboxMessage>(INBOX_TOPIC, { deadlineEpochMS: deadlineEpochMs });
      if (!message) return null;
      this.accept(message);
    }
  }
}
