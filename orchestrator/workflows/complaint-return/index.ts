import { defineWorkflow, type WorkflowDefinition } from '../../definitions.ts';
import { CANONICAL_TOPICS, type ComplaintReturnTopics, routeComplaintEvent, TYPE } from './routes.ts';
import type { ComplaintInput } from './steps.ts';
import { type ComplaintOutcome, complaintReturnWorkflow, GRAPH, STEPS } from './workflow.ts';

export {
  CANONICAL_TOPICS as COMPLAINT_RETURN_TOPICS,
  type ComplaintReturnTopics,
  rmaOf,
  rmaOfWorkflow,
  TYPE as COMPLAINT_RETURN,
  workflowIdOf as complaintWorkflowIdOf,
} from './routes.ts';
export { type ComplaintInput, creditMemoNumber } from './steps.ts';
export type { ComplaintOutcome } from './workflow.ts';

/**
 * Complaint / return, version 1. Call before the engine starts (DBOS registers workflows before launch); `topics`
 * lets tests route from, and send to, topics of their own (the command topics travel in each instance's input).
 */
export function complaintReturnV1(
  topics: ComplaintReturnTopics = CANONICAL_TOPICS,
): WorkflowDefinition<ComplaintInput, ComplaintOutcome> {
  return defineWorkflow<ComplaintInput, ComplaintOutcome>({
    type: TYPE,
    version: 1,
    description:
      'CRM case about an order → return authorisation (return order RE under an RMA number) → return receipt → ' +
      'credit memo request (CR) to the ERP → CRM case closed with its resolution; a failure compensates completed ' +
      'steps in reverse.',
    steps: [...STEPS],
    graph: GRAPH,
    topics: [topics.case, topics.shipment],
    route: (event) => routeComplaintEvent(topics, event),
    workflow: complaintReturnWorkflow(1),
  });
}

/** What a deployment ships today: every version still in flight. */
export function complaintReturnDefinitions(topics: ComplaintReturnTopics = CANONICAL_TOPICS) {
  return [complaintReturnV1(topics)];
}
