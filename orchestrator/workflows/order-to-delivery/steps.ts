import { NonRetriableError, quotedText, RetriableError } from '../../../lib/errors.ts';
import { COMMAND_TOPICS, type CommandTopics, sendCommand } from '../../commands.ts';
import { deps } from '../../runtime.ts';
import type { WorkflowTrace } from '../../trace.ts';

/** The order as the workflow keeps it: the canonical SalesOrder, JSON-safe (times as ISO strings). */
export type OrderRecord = Record<string, unknown> & { orderId: string };

export interface OrderInput {
  orderId: string;
  /** SAP customer number (KUNNR) for the credit check. */
  customerNumber: string;
  amount: number;
  currency: string;
  order: OrderRecord;
  trace: WorkflowTrace;
  /** Where this instance's commands go, when not to COMMAND_TOPICS (tests and drills use topics of their own). */
  commands?: CommandTopics;
}

export interface CreditDecision {
  result: 'approved' | 'blocked';
  reason?: string;
  creditLimit: number;
  exposure: number;
}

/**
 * Credit check against the ERP's customer master (credit limit and open exposure), a direct call carrying an
 * idempotency key made from the workflow id and the step (`credit-check`; version 7's check again after an amendment
 * changed the amount on hold, `credit-check-2`, … is a check of its own). A 4xx (unknown customer, bad currency) cannot succeed
 * on retry; 5xx, 429 and network failures can.
 */
export async function creditCheck(
  workflowId: string,
  input: OrderInput,
  step = 'credit-check',
): Promise<CreditDecision> {
  const { sapUrl } = deps();
  if (!sapUrl) throw new NonRetriableError('credit check: no sapUrl configured');
  let response: Response;
  try {
    response = await fetch(new URL('/sap/credit-check', sapUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `${workflowId}:${step}` },
      body: JSON.stringify({ KUNNR: input.customerNumber, amount: input.amount, currency: input.currency }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new RetriableError(`credit check: SAP unreachable`, { cause: error });
  }
  const text = await response.text();
  if (response.status >= 500 || response.status === 429) {
    throw new RetriableError(`credit check: SAP answered ${response.status}`);
  }
  if (!response.ok)
    throw new NonRetriableError(creditCheckRefusal(input.customerNumber, response.status, text));
  const body = JSON.parse(text) as {
    d: { result: 'approved' | 'blocked'; reason?: { code: string }; creditLimit: number; exposure: number };
  };
  return {
    result: body.d.result,
    reason: body.d.reason?.code,
    creditLimit: body.d.creditLimit,
    exposure: body.d.exposure,
  };
}

/**
 * Why SAP refused a credit check, in one line: the customer, the HTTP status and SAP Gateway's error code and text
 * (`{"error":{"code":"F2/153","message":{"value":"Customer 0000999999 does not exist"}}}`), else the body's start.
 */
export function creditCheckRefusal(customerNumber: string, status: number, body: string): string {
  let sap: { code?: unknown; message?: { value?: unknown } | unknown } | undefined;
  try {
    sap = (JSON.parse(body) as { error?: typeof sap }).error;
  } catch {
    sap = undefined;
  }
  const code = typeof sap?.code === 'string' ? ` ${sap.code}` : '';
  const message = sap?.message as { value?: unknown } | string | undefined;
  const text =
    typeof message === 'string' ? message : typeof message?.value === 'string' ? message.value : undefined;
  // SAP's words about the customer (`Customer Jane Roe is blocked`), or its answer's start: a document value.
  const said = text ?? body.trim().slice(0, 200);
  return `credit check: SAP refused customer ${customerNumber} (HTTP ${status}${code}): ${said ? quotedText(said, 200) : 'no reason given'}`;
}

export type OrderStatus = 'CONFIRMED' | 'CREDIT_HOLD' | 'CANCELLED' | 'SHIPPED' | 'DELIVERED';

function orderEvent(input: OrderInput, status: OrderStatus, extensions: Record<string, string> = {}) {
  const now = new Date().toISOString();
  return {
    changeType: 'STATUS_CHANGED',
    changedFields: ['status'],
    occurredAt: now,
    origin: {
      system: 'eai-orchestrator',
      documentId: null,
      changeOrigin: 'order-to-delivery',
      changedBy: null,
    },
    salesOrder: {
      ...input.order,
      status,
      updatedAt: now,
      extensions: { ...((input.order.extensions as Record<string, string>) ?? {}), ...extensions },
    },
  };
}

/** One command: the order with a new status, on one system's command topic. */
export function orderCommand(
  workflowId: string,
  step: string,
  input: OrderInput,
  topic: string,
  status: OrderStatus,
  extensions?: Record<string, string>,
  replyTo?: string,
): Promise<string> {
  return sendCommand(workflowId, step, input.trace, {
    topic,
    schema: 'SalesOrderEvent',
    key: input.orderId,
    value: orderEvent(input, status, extensions),
    replyTo,
  });
}

export const erpStatus = (id: string, step: string, input: OrderInput, status: OrderStatus) =>
  orderCommand(id, step, input, (input.commands ?? COMMAND_TOPICS).erpOrderStatus, status);

/**
 * The despatch request: the order (CONFIRMED) for logistics; cancelled by the same topic with CANCELLED. With
 * `replyTo` (version 5 on) it asks the sink for a receipt: applied by the provider, or refused with its reason.
 */
export const despatch = (
  id: string,
  step: string,
  input: OrderInput,
  status: 'CONFIRMED' | 'CANCELLED',
  replyTo?: string,
) =>
  orderCommand(
    id,
    step,
    input,
    (input.commands ?? COMMAND_TOPICS).logisticsDespatch,
    status,
    undefined,
    replyTo,
  );

export const crmStatus = (
  id: string,
  step: string,
  input: OrderInput,
  status: OrderStatus,
  tracking: { trackingNumbers: string[]; shipmentId?: string },
) =>
  orderCommand(id, step, input, (input.commands ?? COMMAND_TOPICS).crmOrderStatus, status, {
    trackingNumbers: tracking.trackingNumbers.join(','),
    ...(tracking.shipmentId ? { shipmentId: tracking.shipmentId } : {}),
  });
