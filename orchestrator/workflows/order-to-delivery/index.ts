import { defineWorkflow, type WorkflowDefinition } from '../../definitions.ts';
import { CANONICAL_TOPICS, type OrderToDeliveryTopics, routeOrderEvent, TYPE } from './routes.ts';
import type { OrderInput } from './steps.ts';
import { GRAPH, type OrderOutcome, orderToDeliveryWorkflow, STEPS } from './workflow.ts';

export {
  CANONICAL_TOPICS,
  type OrderToDeliveryTopics,
  TYPE as ORDER_TO_DELIVERY,
  workflowIdOf,
} from './routes.ts';
export type { OrderInput } from './steps.ts';
export type { OrderOutcome } from './workflow.ts';

/**
 * Order to delivery, version 1. Call before the engine starts (DBOS registers workflows before launch); `topics`
 * lets tests and benchmarks route from topics of their own.
 */
export function orderToDeliveryV1(
  topics: OrderToDeliveryTopics = CANONICAL_TOPICS,
): WorkflowDefinition<OrderInput, OrderOutcome> {
  return defineWorkflow<OrderInput, OrderOutcome>({
    type: TYPE,
    version: 1,
    description:
      'SalesOrder created → credit check → (credit hold → approve-credit) → ERP confirmation → despatch request → ' +
      'ASN → CRM status and tracking → delivery; ERP cancellation or a failure compensates completed steps.',
    steps: [...STEPS],
    signals: ['approve-credit', 'reject-credit'],
    graph: GRAPH,
    topics: [topics.salesOrder, topics.shipment],
    route: (event) => routeOrderEvent(topics, event),
    workflow: orderToDeliveryWorkflow({ version: 1, erpShipped: false }),
  });
}

/**
 * Version 2: after the ASN the ERP also gets the order's SHIPPED status. Ship it beside version 1 until no
 * version-1 instance is in flight: those finish on version 1's code, new orders start on version 2.
 */
export function orderToDeliveryV2(
  topics: OrderToDeliveryTopics = CANONICAL_TOPICS,
): WorkflowDefinition<OrderInput, OrderOutcome> {
  const v1 = orderToDeliveryV1(topics);
  return defineWorkflow<OrderInput, OrderOutcome>({
    type: v1.type,
    version: 2,
    description: `${v1.description} Version 2: the ERP also gets SHIPPED with tracking after the ASN.`,
    steps: [...STEPS.slice(0, 5), 'erp-shipped', ...STEPS.slice(5)],
    signals: v1.signals,
    graph: GRAPH.replace('asn --> crm[', 'asn --> erpShipped[erp-shipped: ORDRSP SHIPPED] --> crm['),
    topics: v1.topics,
    route: v1.route,
    workflow: orderToDeliveryWorkflow({ version: 2, erpShipped: true }),
  });
}

/**
 * Version 3: version 2's steps, with the credit check in the confirm-and-despatch checkpoint when it approves (one
 * checkpointed operation fewer per instance: DBOS's step bookkeeping is most of an instance's cost, in PostgreSQL
 * and in Node's round trips to it). Its sequence of checkpoints differs, so it is a version of its own: v1 and v2
 * instances in flight finish on theirs.
 */
export function orderToDeliveryV3(
  topics: OrderToDeliveryTopics = CANONICAL_TOPICS,
): WorkflowDefinition<OrderInput, OrderOutcome> {
  const v2 = orderToDeliveryV2(topics);
  return defineWorkflow<OrderInput, OrderOutcome>({
    type: v2.type,
    version: 3,
    description: `${v2.description} Version 3: an approved credit check shares the confirmation's checkpoint.`,
    steps: v2.steps,
    signals: v2.signals,
    graph: v2.graph,
    topics: v2.topics,
    route: v2.route,
    workflow: orderToDeliveryWorkflow({ version: 3, erpShipped: true, creditInGroup: true }),
  });
}

/**
 * Version 4: version 3 with the ERP's and the CRM's SHIPPED status after the ASN in one checkpoint (one DBOS step
 * fewer again: ~6 PostgreSQL round trips and 4 transactions per instance). v3 instances in flight finish on v3.
 */
export function orderToDeliveryV4(
  topics: OrderToDeliveryTopics = CANONICAL_TOPICS,
): WorkflowDefinition<OrderInput, OrderOutcome> {
  const v3 = orderToDeliveryV3(topics);
  return defineWorkflow<OrderInput, OrderOutcome>({
    type: v3.type,
    version: 4,
    description: `${v3.description} Version 4: the ERP's and the CRM's SHIPPED status share one checkpoint.`,
    steps: v3.steps,
    signals: v3.signals,
    graph: v3.graph,
    topics: v3.topics,
    route: v3.route,
    workflow: orderToDeliveryWorkflow({
      version: 4,
      erpShipped: true,
      creditInGroup: true,
      shippedInGroup: true,
    }),
  });
}

/** What a deployment ships today: every version still in flight; new instances start on the latest. */
export function orderToDeliveryDefinitions(topics: OrderToDeliveryTopics = CANONICAL_TOPICS) {
  return [
    orderToDeliveryV1(topics),
    orderToDeliveryV2(topics),
    orderToDeliveryV3(topics),
    orderToDeliveryV4(topics),
  ];
}
