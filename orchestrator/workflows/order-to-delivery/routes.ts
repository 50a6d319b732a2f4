import { type ConsumedEvent, RECEIPT_TOPIC } from '../../../bus/index.ts';
import type { CommandTopics } from '../../commands.ts';
import type { RouteDecision } from '../../definitions.ts';
import { routeReceipt } from '../../receipts.ts';
import { traceOf } from '../../router.ts';
import { AMENDMENTS_FROM, type AmendedOrder, ORDER_AMENDED } from './amendments.ts';
import type { OrderInput, OrderRecord } from './steps.ts';

export const TYPE = 'order-to-delivery';

export interface OrderToDeliveryTopics {
  salesOrder: string;
  shipment: string;
  /** The sinks' receipts (version 5 on): the hub's receipt topic, where every sink writes them. */
  receipts?: string;
  /** Where the commands go (default: the command topics, COMMAND_TOPICS); they travel in each instance's input. */
  commands?: CommandTopics;
}

export const CANONICAL_TOPICS: OrderToDeliveryTopics = {
  salesOrder: 'canonical.sales-order',
  shipment: 'canonical.shipment',
  receipts: RECEIPT_TOPIC,
};

/** The step whose command asks for a receipt (version 5 on), as its command id ends. */
export const DESPATCH_STEP = 'logistics-despatch';

/** The business key is the workflow id: one instance per order. */
export function workflowIdOf(orderId: string): string {
  return `${TYPE}:${orderId}`;
}

const jsonSafe = <T>(value: unknown): T => JSON.parse(JSON.stringify(value)) as T;

/** The SAP customer number of an order: its KUNNR source id, else the number in `sap:<KUNNR>`. */
function customerNumber(order: Record<string, unknown>): string | undefined {
  const customer = order.customer as {
    customerId?: string;
    sourceIds?: Array<{ system: string; id: string }>;
  };
  const sap = customer?.sourceIds?.find((s) => s.system === 'sap');
  if (sap) return sap.id;
  return customer?.customerId?.startsWith('sap:') ? customer.customerId.slice(4) : undefined;
}

/**
 * The keys a despatch request gives the logistics provider for an order, as the despatch mapping
 * (`mappings/logistics/despatch-request.from-canonical.yaml`) writes them: the order number, and the buyer's PO
 * number, else the order number again. The workflow records them before it sends the request; the provider's
 * ASN (X12 856 PRF01 / REF VN, DESADV RFF+ON / VN) and EPCIS events (bizTransaction `po`) name the order by them.
 */
export function despatchReferences(order: OrderRecord): string[] {
  const orderNumber =
    typeof order.orderNumber === 'string' && order.orderNumber ? order.orderNumber : undefined;
  const po =
    typeof order.purchaseOrderNumber === 'string' && order.purchaseOrderNumber
      ? order.purchaseOrderNumber
      : orderNumber;
  return [...(orderNumber ? [`order:${orderNumber}`] : []), ...(po ? [`po:${po}`] : [])];
}

interface OrderReference {
  orderId?: string | null;
  purchaseOrderNumber?: string | null;
  sellerOrderNumber?: string | null;
}

/** One order reference of a Shipment as keys, most specific first: the seller's order number, then the PO. */
function referenceKeys(ref: OrderReference): string[] {
  return [
    ...(ref.sellerOrderNumber ? [`order:${ref.sellerOrderNumber}`] : []),
    ...(ref.purchaseOrderNumber ? [`po:${ref.purchaseOrderNumber}`] : []),
  ];
}

/** Whether an order's mapping marked it a test (`<system>.test` = true among its extensions). */
export function isTestOrder(order: Record<string, unknown>): boolean {
  for (const [key, value] of Object.entries((order.extensions as Record<string, unknown> | null) ?? {}))
    if (key.endsWith('.test') && value === 'true') return true;
  return false;
}

const ASN_STATUSES = new Set(['ANNOUNCED', 'SHIPPED', 'IN_TRANSIT']);
const DELIVERED = new Set(['DELIVERED', 'RECEIVED']);

/**
 * What canonical events mean for order-to-delivery: a SalesOrder CREATED starts an instance; a SalesOrder
 * CANCELLED (or DELETED) interrupts it; a SalesOrder UPDATED is its amendment (version 7 on); a Shipment whose order references name the order is its ASN (ANNOUNCED,
 * SHIPPED, IN_TRANSIT) or its delivery (DELIVERED / RECEIVED status or milestone): by the hub's order id, else by
 * the order and PO numbers the despatch request gave the provider (`despatchReferences`).
 */
export function routeOrderEvent(topics: OrderToDeliveryTopics, event: ConsumedEvent): RouteDecision[] {
  const topic = event.record.topic;
  if (topic === topics.salesOrder) {
    const value = event.value as { changeType: string; salesOrder: Record<string, unknown> };
    const order = jsonSafe<OrderRecord>(value.salesOrder);
    // Return orders (RE) and credit memo requests (CR) are the hub's own commands (complaint-return), not orders to
    // deliver: they neither start nor cancel an instance.
    if (order.orderType === 'RE' || order.orderType === 'CR') return [];
    const workflowId = workflowIdOf(order.orderId);
    if (value.changeType === 'DELETED' || order.status === 'CANCELLED') {
      return [{ workflowId, kind: 'order.cancelled', data: { status: order.status } }];
    }
    // An amendment (an ORDCHG, an X12 860, an EDIFACT ORDCHG: changed quantities, lines, dates), as a full snapshot of
    // the order: version 7 on applies it until the despatch request went out, and says so when it came too late; an
    // instance of an earlier version in flight does not apply it, which the router says to the operators.
    if (value.changeType === 'UPDATED') {
      const total = order.totalAmount as { amount: string; currency: string } | null;
      const data: AmendedOrder = {
        order,
        ...(total ? { amount: Number(total.amount), currency: total.currency } : {}),
      };
      return [
        {
          workflowId,
          kind: ORDER_AMENDED,
          data,
          appliedFrom: {
            version: AMENDMENTS_FROM,
            notApplied:
              `order ${order.orderId} was changed (SalesOrder UPDATED) while ${workflowId} runs on a version before ` +
              `${AMENDMENTS_FROM}, which does not apply amendments (its commands carry the order as created). ` +
              'Change it in the ERP and at logistics by hand, or cancel the instance (eai workflows cancel) and ' +
              'handle the order by hand',
          },
        },
      ];
    }
    if (value.changeType !== 'CREATED') return [];
    // A test order (an X12 ISA15 T, EDIFACT UNB 0035 = 1, an IDoc's EDI_DC40 TEST = X, a Shopify test order) goes
    // through the mappings to the bus like any other, so that a partner's onboarding can be checked end to end,
    // but nothing ships it: it starts no workflow, and so no credit check, despatch request or status back.
    if (isTestOrder(order)) return [];
    const total = order.totalAmount as { amount: string; currency: string } | null;
    const kunnr = customerNumber(order);
    if (!total || !kunnr) return [];
    const input: OrderInput = {
      orderId: order.orderId,
      customerNumber: kunnr,
      amount: Number(total.amount),
      currency: total.currency,
      order,
      trace: traceOf(event),
      ...(topics.commands ? { commands: topics.commands } : {}),
    };
    return [{ start: true, workflowId, input }];
  }
  // The logistics sink's answer to an instance's despatch request (version 5 on): applied, or refused.
  if (topic === topics.receipts) return routeReceipt(event, TYPE, DESPATCH_STEP, 'despatch.receipt');
  if (topic === topics.shipment) {
    const value = event.value as { shipment: Record<string, unknown> };
    const shipment = jsonSafe<{
      shipmentId: string;
      status: string;
      trackingNumbers: string[];
      orderReferences: OrderReference[];
      milestones: Array<{ type: string }>;
    }>(value.shipment);
    const delivered =
      DELIVERED.has(shipment.status) || shipment.milestones.some((m) => DELIVERED.has(m.type));
    const kind = delivered
      ? 'shipment.delivered'
      : ASN_STATUSES.has(shipment.status)
        ? 'shipment.asn'
        : undefined;
    if (!kind) return [];
    const data = {
      shipmentId: shipment.shipmentId,
      status: shipment.status,
      trackingNumbers: shipment.trackingNumbers,
    };
    // A reference with the hub's order id names the instance; the others (the provider's own ASN and EPCIS
    // events) by the order and PO numbers the despatch request carried, resolved by the router.
    const byId = [
      ...new Set(shipment.orderReferences.map((r) => r.orderId).filter((id): id is string => Boolean(id))),
    ].map((orderId): RouteDecision => ({ workflowId: workflowIdOf(orderId), kind, data }));
    const references = shipment.orderReferences
      .filter((r) => !r.orderId)
      .map(referenceKeys)
      .filter((keys) => keys.length > 0);
    return references.length ? [...byId, { references, kind, data }] : byId;
  }
  return [];
}
