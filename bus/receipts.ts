import { buildAttributes, childTraceparent, type EventAttributes, toHeaders } from './envelope.ts';
import type { OutgoingRecord, TopicSpec } from './transport/types.ts';

/**
 * Receipts: what a sink connector did with a command that asked for an answer (CloudEvents extension `replyto`, as
 * JMS's reply-to and Camel's InOut exchanges do). A sender (a workflow step) sets `replyTo` to this topic; every sink
 * that applies the record, or refuses it for good (its dead letter), writes one receipt, as JSON, keyed by the
 * command's id. A sink that skips the record (not for it) says nothing: several sinks read one topic, and only the
 * ones that act on a record have anything to say about it. A receipt names the command's id and its source (the
 * sender's `ce_source`): the id is unique only within its source. Receipts are written after the outcome and before the
 * record is committed, so a crash in between repeats the receipt (its `ce_id` is the same: receivers dedup by it).
 */
export const RECEIPT_TOPIC = 'eai.receipts';

const DAY_MS = 86_400_000;
export const receiptTopicSpec: TopicSpec = {
  topic: RECEIPT_TOPIC,
  partitions: 6,
  config: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY_MS) },
};

export type ReceiptOutcome = 'APPLIED' | 'REFUSED';

export interface Receipt {
  /** The command's `ce_id`. */
  commandId: string;
  /** The command's `ce_subject` (a workflow's id, for the orchestrator's commands), if it had one. */
  subject: string | null;
  /**
   * The command's `ce_source`: who sent it (an orchestrator deployment's `/eai/orchestrator/<id>`). A command id is
   * unique only within its source: two deployments that share the topics tell their receipts apart by it. Absent
   * from receipts written before 2026-12 (read as null).
   */
  commandSource?: string | null;
  /** The sink connector that applied or refused it. */
  connector: string;
  outcome: ReceiptOutcome;
  /** Why it was refused (the dead letter's reason), in the sink's words. */
  reason: string | null;
  at: string;
}

/** The CloudEvents type of a receipt. */
export const receiptType = (outcome: ReceiptOutcome) => `eai.receipt.${outcome.toLowerCase()}`;

/** Whether a command asks for receipts where this hub writes them (any other `replyto` is not ours to write to). */
export function wantsReceipt(attributes: Partial<EventAttributes>): boolean {
  return attributes.replyTo === RECEIPT_TOPIC && typeof attributes.id === 'string';
}

/** The receipt record for a command, as JSON in a CloudEvent caused by the command. */
export function receiptRecord(
  command: Partial<EventAttributes>,
  connector: string,
  outcome: ReceiptOutcome,
  reason?: string,
): OutgoingRecord {
  const commandId = command.id ?? '';
  const attributes = buildAttributes({
    id: `receipt:${connector}:${commandId}`,
    source: `/eai/connectors/${connector}`,
    type: receiptType(outcome),
    subject: command.subject,
    correlationId: command.correlationId ?? commandId,
    causationId: commandId,
    traceparent: childTraceparent(command.traceparent),
    dataContentType: 'application/json',
  });
  const receipt: Receipt = {
    commandId,
    subject: command.subject ?? null,
    commandSource: command.source ?? null,
    connector,
    outcome,
    reason: reason ?? null,
    at: attributes.time.toISOString(),
  };
  return {
    topic: RECEIPT_TOPIC,
    key: commandId,
    value: Buffer.from(JSON.stringify(receipt)),
    headers: toHeaders(attributes),
  };
}
