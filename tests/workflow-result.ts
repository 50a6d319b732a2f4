import { DBOS } from '@dbos-inc/dbos-sdk';
import type { Orchestrator } from '../orchestrator/engine.ts';
import { waitFor } from './wait-for.ts';

/** DBOS's statuses of a workflow that has not ended yet. */
const ACTIVE = new Set(['PENDING', 'ENQUEUED', 'DELAYED']);

/**
 * `orchestrator.result(workflowId, timeoutMs)` of an orchestrator running in this process, once the workflow has
 * ended: DBOS's getResult, under it, looks at a running workflow again only every second, so each spec's wait for an
 * outcome of a few hundred milliseconds took a second or more. Its status is looked at every 50 ms here, then the
 * result is the orchestrator's own (its value, or the error the workflow ended with).
 */
export async function resultWhenEnded<T>(
  orchestrator: Pick<Orchestrator, 'result'>,
  workflowId: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  await waitFor(
    `workflow ${workflowId} ended`,
    async () => {
      const status = (await DBOS.getWorkflowStatus(workflowId))?.status;
      return status !== undefined && !ACTIVE.has(status);
    },
    timeoutMs,
  );
  return orchestrator.result<T>(workflowId, Math.max(1, deadline - Date.now()));
}
