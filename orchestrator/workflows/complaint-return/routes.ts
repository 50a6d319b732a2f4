import { type ConsumedEvent, RECEIPT_TOPIC } from '../../../bus/index.ts';
import type { RouteDecision } from '../../definitions.ts';
import { routeReceipt } from '../../receipts.ts';
import { traceOf } from '../../router.ts';
import type { CaseRecord, ComplaintInput } from './steps.ts';

export const TYPE = 'complaint-return';

export interface ComplaintReturnTopics {
  case: string;
  salesOrder: string;
  shipment: string;
  /** Where the case updates go, when not to `case` (tests whose sources publish to the shared canonical topics). */
  caseUpdates?: string;
  /** The sinks' receipts (version 3 on): the hub's receipt topic, where every sink writes them. */
  receipts: string;
}

export const CANONICAL_TOPICS: ComplaintReturnTopics = {
  case: 'canonical.case',
  salesOrder: 'canonical.sales-order',
  shipment: 'canonical.shipment',
  receipts: RECEIPT_TOPIC,
};

/** The step whose command asks for a receipt (version 3 on), as its command id ends. */
export const CREDIT_MEMO_STEP = 'credit-memo';

const RMA_PREFIX = 'RMA-';

/**
 * The RMA number of a case: `RMA-<the case's id in its system>` (the Salesforce Case Id), within the provider's 1–35 of
 * `A-Za-z0-9._-`. Deterministic, so the same case always gets the same return; not the case number, which is unique
 * only within one org (a sandbox or a new simulator starts again at 00001000).
 */
export function rmaOf(record: { caseId: string }): string {
  const id = record.caseId.replace(/^[a-z]+:/, '');
  return `${RMA_PREFIX}${id.replace(/[^A-Za-z0-9._-]/g, '-')}`.slice(0, 35);
}

/**
 * The business key is the workflow id, `complaint-return:<RMA number>`: the receipt names the RMA, so it correlates
 * without a lookup, and the RMA number is derived back from the workflow id.
 */
export function workflowIdOf(rma: string): string {
  return `${TYPE}:${rma}`;
}

export function rmaOfWorkflow(workflowId: string): string {
  return workflowId.slice(TYPE.length + 1);
}

const jsonSafe = <T>(value: unknown): T => JSON.parse(JSON.stringify(value)) as T;

interface ShipmentView {
  shipmentId: string;
  shipmentNumber: string | null;
  status: string;
  sourceIds: Array<{ id: string; idType: string | null }>;
  milestones: Array<{ type: string; disposition: string | null }>;
  lines: Array<{ item: { sellerItemId: string | null; gtin: string | null }; quantity: { value: string } }>;
}

/** The RMA number a return receipt names: its source id of type rma (a CBV URN ending in it), else its number. */
function receiptRma(shipment: ShipmentView): string | undefined {
  const rma = shipment.sourceIds.find((s) => s.idType === 'rma');
  const returned = shipment.milestones.some((m) => m.type === 'RECEIVED' && m.disposition === 'returned');
  if (!rma && !returned) return undefined;
  const number = shipment.shipmentNumber ?? rma?.id.split(':').at(-1);
  return number?.startsWith(RMA_PREFIX) ? number : undefined;
}

/**
 * What canonical events mean for complaint-return: a CaseEvent CREATED from the CRM that names an order starts an
 * instance (the hub's own case updates do not); the case closed in the CRM interrupts the instance at its wait; a Shipment RECEIVED that names an RMA number of
 * ours (source id of type rma, or a RECEIVED milestone with disposition returned) is that return's receipt; a sink's
 * receipt of an instance's credit memo request is the ERP's answer to it.
 */
export function routeComplaintEvent(topics: ComplaintReturnTopics, event: ConsumedEvent): RouteDecision[] {
  const topic = event.record.topic;
  if (topic === topics.case) {
    const value = event.value as {
      changeType: string;
      origin: { system: string };
      case: Record<string, unknown>;
    };
    if (value.origin.system === 'eai') return [];
    const record = jsonSafe<CaseRecord>(value.case);
    if (value.changeType !== 'CREATED') {
      // Closed in the CRM (by a person; the echo of the hub's own close reaches a finished instance, harmlessly).
      if (record.status !== 'CLOSED' || !record.orderNumber) return [];
      return [
        { workflowId: workflowIdOf(rmaOf(record)), kind: 'case.closed', data: { status: record.status } },
      ];
    }
    if (!record.orderNumber) return [];
    const rma = rmaOf(record);
    const input: ComplaintInput = {
      caseId: record.caseId,
      rma,
      orderNumber: record.orderNumber,
      case: record,
      trace: traceOf(event),
      topics: { salesOrder: topics.salesOrder, case: topics.caseUpdates ?? topics.case },
    };
    return [{ start: true, workflowId: workflowIdOf(rma), input }];
  }
  // A sink's answer to the credit memo request of an instance (its command id is `<workflow id>:credit-memo`).
  if (topic === topics.receipts) return routeReceipt(event, TYPE, CREDIT_MEMO_STEP, 'credit-memo.receipt');
  if (topic === topics.shipment) {
    const shipment = jsonSafe<ShipmentView>((event.value as { shipment: unknown }).shipment);
    const received = shipment.status === 'RECEIVED' || shipment.milestones.some((m) => m.type === 'RECEIVED');
    const rma = received ? receiptRma(shipment) : undefined;
    if (!rma) return [];
    return [
      {
        workflowId: workflowIdOf(rma),
        kind: 'return.received',
        data: { shipmentId: shipment.shipmentId, lines: shipment.lines },
      },
    ];
  }
  return [];
}
