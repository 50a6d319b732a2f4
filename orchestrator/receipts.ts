import type { ConsumedEvent, Receipt } from '../bus/index.ts';
import { NonRetriableError } from '../lib/errors.ts';
import type { RouteDecision } from './definitions.ts';
import type { InboxMessage } from './inbox.ts';
import { StepFailed } from './saga.ts';

/**
 * A sink's receipt (bus/receipts.ts) of the command an instance of `type` sent in `step` (its command id is
 * `<workflow id>:<step>`), handed to that instance as `kind`; nothing for a receipt of any other command.
 */
export function routeReceipt(
  event: ConsumedEvent,
  type: string,
  step: string,
  kind: string,
): RouteDecision[] {
  const receipt = event.value as Receipt;
  const workflowId = receipt.subject;
  if (!workflowId?.startsWith(`${type}:`) || receipt.commandId !== `${workflowId}:${step}`) return [];
  return [
    {
      workflowId,
      kind,
      data: { outcome: receipt.outcome, reason: receipt.reason, connector: receipt.connector },
    },
  ];
}

/**
 * The connector that applied the command a routed receipt answers; a refusal fails `step` for good, in words:
 * `<refused> (<connector>): <the sink's reason>`.
 */
export function appliedBy(answer: InboxMessage, step: string, refused: string): string {
  const receipt = answer.data as { outcome: string; reason: string | null; connector: string };
  if (receipt.outcome !== 'APPLIED')
    throw new StepFailed(
      step,
      new NonRetriableError(`${refused} (${receipt.connector}): ${receipt.reason ?? 'no reason given'}`),
    );
  return receipt.connector;
}
