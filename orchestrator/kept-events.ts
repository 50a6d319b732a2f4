import { DBOS } from '@dbos-inc/dbos-sdk';
import type { Inbox, InboxMessage } from './inbox.ts';
import { deps } from './runtime.ts';
import { runStep } from './saga.ts';

/**
 * Events for an instance that does not exist yet (a shipment notice before the order's workflow started) are kept
 * in `eai_orchestrator.kept_events` until the instance asks for them, never dropped.
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
 * Called by a workflow when it starts: moves the events kept for it into its inbox. Two steps (read, then delete),
 * so a crash between them loses nothing; the inbox drops an event the router also handed over directly.
 */
export async function claimKeptEvents(type: string, inbox: Inbox): Promise<void> {
  const workflowId = DBOS.workflowID!;
  const kept = await runStep(type, 'claim-kept-events', async () => {
    const { rows } = await deps().query<{ message: InboxMessage }>(
      `select message from eai_orchestrator.kept_events where workflow_id = $1 order by kept_at, event_id`,
      [workflowId],
    );
    return rows.map((r) => r.message);
  });
  if (kept.length === 0) return;
  inbox.add(kept);
  await runStep(type, 'forget-kept-events', () =>
    forgetKept(
      workflowId,
      kept.map((m) => m.eventId),
    ),
  );
}
