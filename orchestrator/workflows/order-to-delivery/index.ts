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
    graph: GRAPH.replace('asn --> crm[', 'asn --> erpShipped[erp-shipped: ORDRSP SHIPPED] --> crm['),
    topics: v1.topics,
    route: v1.route,
    workflow: orderToDeliveryWorkflow({ version: 2, erpShipped: true }),
  });
}

/** What a deployment ships today: every version still in flight. */
export function orderToDeliveryDefinitions(topics: OrderToDeliveryTopics = CANONICAL_TOPICS) {
  return [orderToDeliveryV1(topics), orderToDeliveryV2(topics)];
}
