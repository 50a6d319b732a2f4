import { defineWorkflow, nextVersion, type WorkflowDefinition } from '../../definitions.ts';
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

/**
 * Version 2: an escalation alert when no return receipt came within `timers.returnReceiptEscalationMs` (the wait
 * goes on until its timeout), as order-to-delivery escalates a missing ASN. Ship it beside version 1 until no
 * version-1 instance is in flight.
 */
export function complaintReturnV2(
  topics: ComplaintReturnTopics = CANONICAL_TOPICS,
): WorkflowDefinition<ComplaintInput, ComplaintOutcome> {
  const v1 = complaintReturnV1(topics);
  return nextVersion(v1, {
    version: 2,
    description: `${v1.description} Version 2: an escalation alert when the return receipt is late.`,
    graph: GRAPH.replace(
      '  receipt -->|timeout|',
      '  receipt -->|escalation timer| alert[/escalation alert/] --> receipt\n  receipt -->|timeout|',
    ),
    workflow: complaintReturnWorkflow(2),
  });
}

/**
 * Version 3: the credit memo request asks the sinks for a receipt (`eai.receipts`) and the instance waits for it
 * (`timers.creditMemoReceiptTimeoutMs`); refused by the ERP (the sink's dead letter, with SAP's reason), the step fails
 * for good: the saga compensates and the case says why, instead of being closed over a credit nobody made.
 */
export function complaintReturnV3(
  topics: ComplaintReturnTopics = CANONICAL_TOPICS,
): WorkflowDefinition<ComplaintInput, ComplaintOutcome> {
  const v2 = complaintReturnV2(topics);
  return nextVersion(v2, {
    version: 3,
    description: `${v2.description} Version 3: waits for the ERP's answer to the credit memo request (the sink's receipt).`,
    topics: [topics.case, topics.shipment, topics.receipts],
    graph: v2.graph.replace(
      '  credit --> close[',
      "  credit --> answer{{await-credit-memo-receipt: the sink's receipt, applied or refused by the ERP}}\n" +
        '  answer -->|refused, or timeout| compensate\n  answer -->|applied| close[',
    ),
    workflow: complaintReturnWorkflow(3),
  });
}

/** What a deployment ships today: every version still in flight. */
export function complaintReturnDefinitions(topics: ComplaintReturnTopics = CANONICAL_TOPICS) {
  return [complaintReturnV1(topics), complaintReturnV2(topics), complaintReturnV3(topics)];
}
