import type { ConsumedEvent, Receipt } from '../bus/index.ts';
import { NonRetriableError } from '../lib/errors.ts';
import { ORCHESTRATOR_SOURCE } from './commands.ts';
import type { RouteDecision } from './definitions.ts';
import type { InboxMessage } from './inbox.ts';
import { deps } from './runtime.ts';
import { StepFailed } from './saga.ts';

/**
 * Whether a receipt answers a command of this deployment: one naming its source (`deps().source`), or no source of
 * the orchestrator's own (a receipt written by a sink before receipts named it, or of a command sent before
 * deployments had an identity, `/eai/orchestrator`). A receipt of another deployment's command on shared topics,
 * whose command id (`<workflow id>:<step>`) may well be one of ours, is not.
 */
export function isOwnReceipt(receipt: Pick<Receipt, 'commandSource'>, ownSource: string): boolean {
  const source = receipt.commandSource ?? null;
  return source === null || source === ownSource || source === ORCHESTRATOR_SOURCE;
}

/**
 * A sink's receipt (bus/receipts.ts) of the command an instance of `type` sent in `step` (its command id is
 * `<workflow id>:<step>`, its source this deployment's), handed to that instance as `kind`; nothing for a receipt of
 * any other command, another deployment's included.
 */
export function routeReceipt(
  event: ConsumedEvent,
  type: string,
  step: string,
  kind: string,
  /** This deployment's `ce_source`; default the running orchestrator's. */
  ownSource?: string,
): RouteDecision[] {
  const receipt = event.value as Receipt;
  const workflowId = receipt.subject;
  if (!workflowId?.startsWith(`${type}:`) || receipt.commandId !== `${workflowId}:${step}`) return [];
  if (!isOwnReceipt(receipt, ownSource ?? deps().source)) return [];
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
