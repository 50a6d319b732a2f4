import { DBOS } from '@dbos-inc/dbos-sdk';
import { NonRetriableError } from '../../../lib/errors.ts';
import { sendCommand } from '../../commands.ts';
import { instanceState } from '../../operators.ts';
import { resolveReferences } from '../../references.ts';
import type { WorkflowTrace } from '../../trace.ts';
import { workflowIdOf as orderWorkflowIdOf } from '../order-to-delivery/routes.ts';
import type { OrderInput, OrderRecord } from '../order-to-delivery/steps.ts';
import { type ComplaintReturnTopics, TYPE } from './routes.ts';

/** The case as the workflow keeps it: the canonical Case, JSON-safe (times as ISO strings). */
export type CaseRecord = Record<string, unknown> & {
  caseId: string;
  caseNumber?: string | null;
  orderNumber?: string | null;
  reason?: string | null;
  subject?: string | null;
};

export interface ComplaintInput {
  caseId: string;
  /** The RMA number (= the workflow id without its type), also the return order's orderNumber. */
  rma: string;
  /** The ERP order the case is about (SAP's order number). */
  orderNumber: string;
  case: CaseRecord;
  trace: WorkflowTrace;
  /** Where the commands go (the canonical topics the sinks read; tests use their own). */
  topics: Pick<ComplaintReturnTopics, 'salesOrder' | 'case'>;
}

interface Line {
  lineNumber: string;
  item: { sellerItemId: string | null; buyerItemId?: string | null; gtin: string | null };
  quantity: { value: string; unitCode: string | null };
  unitPrice: { amount: string; currency: string } | null;
  priceBasis: string | null;
  lineAmount: { amount: string; currency: string } | null;
  [field: string]: unknown;
}

/** The order the case names has not shipped: nothing can come back yet, so nothing is returned or credited. */
export class OrderNotShippedError extends NonRetriableError {}

/**
 * The order the case names was returned already: another case's instance authorised a return of it and did not undo
 * it (not compensated or cancelled). A second case about the same order (a duplicate, a follow-up) would return and
 * credit the whole order again.
 */
export class OrderAlreadyReturnedError extends NonRetriableError {}

/** What a return authorisation records (references.ts) for the order it returns: one key per order id. */
export const returnedOrderRef = (orderId: string) => `returned-order:${orderId}`;

/** The other instances whose return of the order stands, as `<id> (<status>)`. */
async function standingReturns(orderId: string, workflowId: string): Promise<string[]> {
  const standing: string[] = [];
  for (const id of await resolveReferences([[returnedOrderRef(orderId)]])) {
    if (id === workflowId) continue;
    const state = await instanceState(id);
    if (state?.status === 'COMPENSATED' || state?.status === 'CANCELLED') continue;
    standing.push(`${id} (${state?.status ?? 'RUNNING'})`);
  }
  return standing;
}

/** Inbox kinds by which order-to-delivery learns that the order left the warehouse (its ASN) or arrived. */
const SHIPPED_KINDS = new Set(['shipment.asn', 'shipment.delivered']);

/**
 * Whether the order of order-to-delivery instance `workflowId` has shipped or been delivered: whether the instance
 * received its ASN or its delivery (a checkpointed `DBOS.recv` of that kind), whatever it did after (a delivery that
 * timed out or a CRM update that failed still leaves the goods with the customer).
 */
async function hasShipped(workflowId: string): Promise<boolean> {
  const steps = (await DBOS.listWorkflowSteps(workflowId)) ?? [];
  return steps.some(
    (s) => s.name === 'DBOS.recv' && SHIPPED_KINDS.has((s.output as { kind?: string } | null)?.kind ?? ''),
  );
}

/**
 * The order the case is about, as the orchestrator holds it: the input of that order's order-to-delivery instance
 * (`order-to-delivery:sap:<order number>`), which carries the canonical SalesOrder (lines, PO, sold-to). An order
 * the orchestrator never saw cannot be returned or credited by this workflow: it fails for good. Nor can an order
 * that has not shipped (on credit hold, awaiting its ASN, cancelled): it fails for good with OrderNotShippedError,
 * naming where its order-to-delivery instance is. The number may be written as SAP shows it, zero-padded (VBELN
 * `0012000004`): the order's id carries it as the IDoc mapping reads it, without the leading zeros (`sap:12000004`).
 * Given the asking instance's id, an order another instance returned already (its return authorisation recorded
 * `returned-order:<order id>` and was not undone) fails for good with OrderAlreadyReturnedError.
 */
export async function lookupOrder(orderNumber: string, workflowId?: string): Promise<OrderRecord> {
  const order = await shippedOrder(orderNumber);
  // A return of the order authorised by another case and not undone: not returned and credited a second time.
  const earlier = workflowId ? await standingReturns(order.orderId, workflowId) : [];
  if (earlier.length) {
    throw new OrderAlreadyReturnedError(`order ${orderNumber}: returned already by ${earlier.join(', ')}`);
  }
  return order;
}

async function shippedOrder(orderNumber: string): Promise<OrderRecord> {
  let workflowId = orderWorkflowIdOf(`sap:${orderNumber}`);
  let status = await DBOS.getWorkflowStatus(workflowId);
  const unpadded = orderNumber.replace(/^0+(?=.)/, '');
  if (!status && unpadded !== orderNumber) {
    workflowId = orderWorkflowIdOf(`sap:${unpadded}`);
    status = await DBOS.getWorkflowStatus(workflowId);
  }
  const input = status?.input?.[0] as OrderInput | undefined;
  if (!input?.order) {
    throw new NonRetriableError(
      `order ${orderNumber}: unknown to the orchestrator (no order-to-delivery instance)`,
    );
  }
  if (!(await hasShipped(workflowId))) {
    const state = await instanceState(workflowId);
    const where = state ? `${state.status}${state.step ? ` at ${state.step}` : ''}` : 'RUNNING';
    throw new OrderNotShippedError(
      `order ${orderNumber}: not shipped or delivered (order-to-delivery ${where})`,
    );
  }
  return input.order;
}

/** Lines that can go back: whole quantities only (bulk goods such as 2.5 l of oil are not returned). */
export function returnLines(order: OrderRecord): Line[] {
  return ((order.lines as Line[]) ?? []).filter((l) => /^[1-9][0-9]*$/.test(l.quantity.value));
}

const stripZeros = (gtin: string | null | undefined) => gtin?.replace(/^0+/, '') || undefined;

/**
 * What is credited: each authorised line with the quantity received (matched by GTIN or item id), priced at the
 * original order's unit price (per its price basis). A receipt without lines, or none of whose lines can be matched
 * (items named only by description), credits what was authorised: the receipt names the RMA, the goods came back.
 * An authorised line no received line matches is credited nothing only when the receipt named every line it holds by
 * GTIN or item id: a receipt that also holds lines named only by description (an EPCIS class the mapping cannot read
 * as a GTIN, such as a provider's own item URI) may hold that line among them, so it is credited as authorised. It
 * used to be credited nothing: a return of three lines, one with a GTIN, was credited one line.
 */
export function creditLines(
  lines: Line[],
  received: Array<{
    item: { sellerItemId: string | null; gtin: string | null };
    quantity: { value: string };
  }>,
): Line[] {
  const matchOf = (line: Line) =>
    received.find(
      (r) =>
        (stripZeros(r.item.gtin) && stripZeros(r.item.gtin) === stripZeros(line.item.gtin)) ||
        (r.item.sellerItemId && r.item.sellerItemId === line.item.sellerItemId),
    );
  const matched = lines.some((line) => matchOf(line));
  const unnamed = received.some((r) => !stripZeros(r.item.gtin) && !r.item.sellerItemId);
  const out: Line[] = [];
  for (const line of lines) {
    let quantity = Number(line.quantity.value);
    if (matched) {
      const match = matchOf(line);
      if (match) quantity = Math.min(quantity, Number(match.quantity.value));
      else if (!unnamed) quantity = 0;
    }
    if (quantity <= 0) continue;
    const price = line.unitPrice;
    const cents = price
      ? Math.round((Number(price.amount) * quantity * 100) / Number(line.priceBasis ?? 1))
      : undefined;
    out.push({
      ...line,
      quantity: { ...line.quantity, value: String(quantity) },
      lineAmount:
        price && cents !== undefined ? { amount: (cents / 100).toFixed(2), currency: price.currency } : null,
    });
  }
  return out;
}

const ORIGIN = (workflowId: string) => ({
  system: 'eai',
  documentId: workflowId,
  changeOrigin: TYPE,
  changedBy: null,
});

type OrderDocStatus = 'OPEN' | 'CANCELLED';

/** A return order (RE) or credit memo request (CR): the hub's command on the sales-order topic. */
function documentEvent(
  workflowId: string,
  input: ComplaintInput,
  order: OrderRecord,
  doc: {
    orderType: 'RE' | 'CR';
    orderNumber: string;
    orderReason: string;
    lines: Line[];
    status: OrderDocStatus;
  },
) {
  const now = new Date().toISOString();
  const currency = (order.currency as string | null) ?? null;
  const total = doc.lines.every((l) => l.lineAmount)
    ? doc.lines.reduce((sum, l) => sum + Math.round(Number(l.lineAmount!.amount) * 100), 0)
    : undefined;
  return {
    changeType: doc.status === 'OPEN' ? 'CREATED' : 'STATUS_CHANGED',
    changedFields: doc.status === 'OPEN' ? [] : ['status'],
    occurredAt: now,
    origin: ORIGIN(workflowId),
    salesOrder: {
      ...order,
      orderId: `eai:${doc.orderNumber}`,
      sourceIds: [],
      orderNumber: doc.orderNumber,
      orderType: doc.orderType,
      orderReason: doc.orderReason,
      orderDate: now,
      requestedDelivery: null,
      lines: doc.lines.map((l) => ({
        ...l,
        scheduleLines: [],
        requestedDelivery: null,
        ...(doc.orderType === 'RE' ? { unitPrice: null, priceBasis: null, lineAmount: null } : {}),
      })),
      totalAmount:
        doc.orderType === 'CR' && total !== undefined && currency
          ? { amount: (total / 100).toFixed(2), currency }
          : null,
      status: doc.status,
      references: [{ type: 'SALES_ORDER', id: input.orderNumber, date: null }],
      notes: [],
      createdAt: now,
      updatedAt: now,
      extensions: { caseId: input.caseId, workflowId },
    },
  };
}

/** The return authorisation: a return order (RE) under the RMA number, for logistics-return-sink. */
export function returnOrder(
  workflowId: string,
  step: string,
  input: ComplaintInput,
  order: OrderRecord,
  status: OrderDocStatus,
): Promise<string> {
  const lines = returnLines(order);
  if (lines.length === 0)
    throw new NonRetriableError(`order ${input.orderNumber}: no line that can be returned`);
  const reason = input.case.reason || input.case.subject || 'complaint';
  return sendCommand(workflowId, step, input.trace, {
    topic: input.topics.salesOrder,
    schema: 'SalesOrderEvent',
    key: `eai:${input.rma}`,
    value: documentEvent(workflowId, input, order, {
      orderType: 'RE',
      orderNumber: input.rma,
      orderReason: String(reason).slice(0, 200),
      lines,
      status,
    }),
  });
}

/** The credit memo's document number: `CM-` and the RMA number's own part (SAP takes each number once). */
export const creditMemoNumber = (rma: string) => `CM-${rma.replace(/^RMA-/, '')}`.slice(0, 35);

/** SAP's order reason (AUGRU) on credit memo requests for returned goods. */
export const CREDIT_ORDER_REASON = '101';

/**
 * The credit memo request (CR) for the received goods, for sap-credit-memo-file-sink; with `replyTo` (version 3 on)
 * it asks the sink for a receipt: applied, or refused by the ERP with its reason.
 */
export function creditMemo(
  workflowId: string,
  step: string,
  input: ComplaintInput,
  order: OrderRecord,
  lines: Line[],
  status: OrderDocStatus,
  replyTo?: string,
): Promise<string> {
  if (lines.length === 0) throw new NonRetriableError(`return ${input.rma}: nothing received to credit`);
  const number = creditMemoNumber(input.rma);
  return sendCommand(workflowId, step, input.trace, {
    topic: input.topics.salesOrder,
    schema: 'SalesOrderEvent',
    key: `eai:${number}`,
    replyTo,
    value: documentEvent(workflowId, input, order, {
      orderType: 'CR',
      orderNumber: number,
      orderReason: CREDIT_ORDER_REASON,
      lines,
      status,
    }),
  });
}

/** The case update: status (CLOSED, or WORKING to reopen it) and resolution, for salesforce-upsert-sink. */
export function caseUpdate(
  workflowId: string,
  step: string,
  input: ComplaintInput,
  status: 'CLOSED' | 'WORKING',
  resolution: string,
): Promise<string> {
  const now = new Date().toISOString();
  return sendCommand(workflowId, step, input.trace, {
    topic: input.topics.case,
    schema: 'CaseEvent',
    key: input.caseId,
    value: {
      changeType: 'STATUS_CHANGED',
      changedFields: ['status', 'resolution'],
      clearedFields: [],
      occurredAt: now,
      origin: ORIGIN(workflowId),
      case: {
        ...input.case,
        status,
        // The org's picklist value comes from the sink's status lookup (CLOSED → Closed).
        statusCode: null,
        resolution,
        closedAt: status === 'CLOSED' ? now : null,
        updatedAt: now,
      },
    },
  });
}

/** The lines as the workflow carries them between steps. */
export type { Line as ReturnLine };
