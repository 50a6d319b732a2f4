import { DBOS } from '@dbos-inc/dbos-sdk';
import { INBOX_TOPIC, type InboxMessage } from './inbox.ts';
import { deps } from './runtime.ts';

/**
 * Events for an instance that does not exist yet (a shipment notice before the order's workflow started) are kept
 * in `eai_orchestrator.kept_events` until the instance is started, never dropped.
 */
export async function keepEvent(workflowId: string, message: InboxMessage, source: string): Promise<void> {
  await deps().query(
    `insert into eai_orchestrator.kept_events (event_id, workflow_id, message, source)
     values ($1, $2, $3, $4) on conflict do nothing`,
    [message.eventId, workflowId, JSON.stringify(message), source],
  );
}

export async function forgetKept(workflowId: string, eventIds: string[]): Promise<void> {
  await deps().query(
    `delete from eai_orchestrator.kept_events where workflow_id = $1 and event_id = any($2)`,
    [workflowId, eventIds],
  );
}

/**
 * Hands an instance the events kept for it, then forgets them: called right after the instance is started (or found
 * started), so what arrived before it existed reaches its inbox before its first wait. A crash in between loses
 * nothing (the start is routed again, and the hand-over is idempotent by event id). An event kept while this runs is
 * handed over by whoever kept it, who looks for the instance again after keeping (`handOver`).
 */
export async function deliverKept(workflowId: string): Promise<number> {
  const { rows } = await deps().query<{ message: InboxMessage }>(
    `select message from eai_orchestrator.kept_events where workflow_id = $1 order by kept_at, event_id`,
    [workflowId],
  );
  if (rows.length === 0) return 0;
  for (const { message } of rows) await DBOS.send(workflowId, message, INBOX_TOPIC, message.eventId);
  await forgetKept(
    workflowId,
    rows.map((r) => r.message.eventId),
  );
  return rows.length;
}
