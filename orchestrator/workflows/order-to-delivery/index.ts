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
    graph: GRAPH,
    topics: [topics.salesOrder, topics.shipment],
    route: (event) => routeOrderEvent(topics, event),
    workflow: orderToDeliveryWorkflow(1),
  });
}
