import { defineWorkflow, nextVersion, type WorkflowDefinition } from '../../definitions.ts';
import { CANONICAL_TOPICS, type OrderToDeliveryTopics, routeOrderEvent, TYPE } from './routes.ts';
import type { OrderInput } from './steps.ts';
import { CRM_TRACKING, GRAPH, type OrderOutcome, orderToDeliveryWorkflow, STEPS } from './workflow.ts';

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
    signalWaits: {
      'approve-credit': ['await-credit-approval'],
      'reject-credit': ['await-credit-approval'],
    },
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
  return nextVersion(v1, {
    version: 2,
    description: `${v1.description} Version 2: the ERP also gets SHIPPED with tracking after the ASN.`,
    steps: [...STEPS.slice(0, 5), 'erp-shipped', ...STEPS.slice(5)],
    graph: GRAPH.replace('asn --> crm[', 'asn --> erpShipped[erp-shipped: ORDRSP SHIPPED] --> crm['),
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
  return nextVersion(v2, {
    version: 3,
    description: `${v2.description} Version 3: an approved credit check shares the confirmation's checkpoint.`,
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
  return nextVersion(v3, {
    version: 4,
    description: `${v3.description} Version 4: the ERP's and the CRM's SHIPPED status share one checkpoint.`,
    workflow: orderToDeliveryWorkflow({
      version: 4,
      erpShipped: true,
      creditInGroup: true,
      shippedInGroup: true,
    }),
  });
}

/**
 * Version 5: version 4 with the despatch request's receipt. The logistics sink answers the request (applied by the
 * provider, or refused with its reason: `eai.receipts`), and the ASN clock starts once it was applied
 * (`timers.despatchReceiptTimeoutMs` for the answer; an ASN first counts as applied). A request held behind a
 * provider's outage no longer runs out the ASN timeout and gets the order cancelled in the ERP while it still waits
 * to go out (the sinks retry until applied), and a refused request compensates at once.
 */
export function orderToDeliveryV5(
  topics: OrderToDeliveryTopics = CANONICAL_TOPICS,
): WorkflowDefinition<OrderInput, OrderOutcome> {
  const v4 = orderToDeliveryV4(topics);
  return nextVersion(v4, {
    version: 5,
    description: `${v4.description} Version 5: the ASN clock starts once the logistics provider applied the despatch request (the sink's receipt).`,
    steps: v4.steps.flatMap((step) => (step === 'await-asn' ? ['await-despatch-receipt', step] : [step])),
    topics: [topics.salesOrder, topics.shipment, ...(topics.receipts ? [topics.receipts] : [])],
    graph: GRAPH.replace(
      '  despatch --> asn{{',
      "  despatch --> applied{{await-despatch-receipt: the sink's receipt, applied or refused}}\n  applied -->|refused / timeout| compensate\n  applied --> asn{{",
    ),
    workflow: orderToDeliveryWorkflow({
      version: 5,
      erpShipped: true,
      creditInGroup: true,
      shippedInGroup: true,
      despatchReceipt: true,
    }),
  });
}

/**
 * Version 6: version 5 whose delivery wait also takes later ASNs: tracking numbers the CRM has not had go to it in one
 * update each (`crm-tracking`), once. The provider's EPCIS shipping event (no tracking number) usually comes a moment
 * before its X12 856 (which has one) and moved the instance on alone, so the CRM's Order stayed Shipped with no
 * tracking number. v5 instances in flight finish on v5.
 */
export function orderToDeliveryV6(
  topics: OrderToDeliveryTopics = CANONICAL_TOPICS,
): WorkflowDefinition<OrderInput, OrderOutcome> {
  const v5 = orderToDeliveryV5(topics);
  return nextVersion(v5, {
    version: 6,
    description: `${v5.description} Version 6: a later ASN's new tracking numbers go to the CRM while the delivery is awaited.`,
    steps: [...v5.steps, CRM_TRACKING],
    graph: v5.graph.replace(
      '  delivery -->|timeout: shipped, delivery unconfirmed| done',
      '  delivery -->|later ASN, new tracking numbers| tracking[crm-tracking: SHIPPED + tracking] --> delivery\n  delivery -->|timeout: shipped, delivery unconfirmed| done',
    ),
    workflow: orderToDeliveryWorkflow({
      version: 6,
      erpShipped: true,
      creditInGroup: true,
      shippedInGroup: true,
      despatchReceipt: true,
      trackingUpdates: true,
    }),
  });
}

/**
 * Version 7: version 6 that applies an order's amendments (SalesOrder UPDATED: an ORDCHG, an X12 860) taken before
 * the despatch request: at the credit hold the order is amended (and the credit check runs again when the amount
 * changed: `credit-check-2`, …, whose approval ends the hold), so the confirmation and the despatch request carry the
 * amended lines. One taken after the request went out is not applied: a step `amendment-too-late` logs it, alerts
 * (`amendment_too_late`) and the outcome keeps it (`amendments`). Its checkpoints differ whenever an amendment comes,
 * so it is a version of its own: v6 instances in flight finish on v6 (the router says their amendments are not
 * applied, as before).
 */
export function orderToDeliveryV7(
  topics: OrderToDeliveryTopics = CANONICAL_TOPICS,
): WorkflowDefinition<OrderInput, OrderOutcome> {
  const v6 = orderToDeliveryV6(topics);
  return nextVersion(v6, {
    version: 7,
    description: `${v6.description} Version 7: an amendment before the despatch request is applied (the credit check again when the amount changed); one after is said too late.`,
    graph: v6.graph
      .replace(
        '  approval -->|approved| confirm',
        '  approval -->|SalesOrder UPDATED: amend; amount changed| recheck[credit-check-2: approved ends the hold] --> approval\n  approval -->|approved| confirm',
      )
      .replace(
        '  delivery --> done([COMPLETED])',
        '  delivery --> done([COMPLETED])\n  late[/SalesOrder UPDATED after the despatch request/] --> tooLate[amendment-too-late: warn, alert, outcome]',
      ),
    workflow: orderToDeliveryWorkflow({
      version: 7,
      erpShipped: true,
      creditInGroup: true,
      shippedInGroup: true,
      despatchReceipt: true,
      trackingUpdates: true,
      amendments: true,
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
    orderToDeliveryV5(topics),
    orderToDeliveryV6(topics),
    orderToDeliveryV7(topics),
  ];
}
