import { readFileSync } from 'node:fs';
import type { Bus, PublishInput } from '../../../bus/index.ts';
import type { OrderToDeliveryTopics } from './routes.ts';

const example = JSON.parse(
  readFileSync(new URL('../../../schemas/examples/SalesOrderEvent.json', import.meta.url), 'utf8'),
) as { salesOrder: Record<string, unknown> } & Record<string, unknown>;

/** A SalesOrderEvent (CREATED, or CANCELLED) for `orderId`, ordered by SAP customer `kunnr`. */
export function salesOrderEvent(
  topics: OrderToDeliveryTopics,
  orderId: string,
  kunnr: string,
  options: { cancelled?: boolean; correlationId?: string; traceparent?: string; amount?: string } = {},
): PublishInput {
  const value = structuredClone(example);
  value.changeType = options.cancelled ? 'STATUS_CHANGED' : 'CREATED';
  value.salesOrder.orderId = orderId;
  value.salesOrder.customer = {
    customerId: `sap:${kunnr}`,
    sourceIds: [{ system: 'sap', id: kunnr, idType: 'KUNNR' }],
    name: 'Test customer',
  };
  if (options.amount) value.salesOrder.totalAmount = { amount: options.amount, currency: 'EUR' };
  if (options.cancelled) value.salesOrder.status = 'CANCELLED';
  return {
    schema: 'SalesOrderEvent',
    topic: topics.salesOrder,
    value,
    attributes: { correlationId: options.correlationId, traceparent: options.traceparent },
  };
}

/** Topics of one test run (the canonical ones are shared with every other test). */
export async function provisionTestTopics(
  bus: Bus,
  prefix: string,
  partitions = 3,
): Promise<OrderToDeliveryTopics> {
  const topics = {
    salesOrder: `${prefix}.sales-order`,
    shipment: `${prefix}.shipment`,
    receipts: `${prefix}.receipts`,
  };
  await bus.provisionTopics(Object.values(topics).map((topic) => ({ topic, partitions })));
  return topics;
}

/**
 * A SAP customer, created or replaced whole (its open orders and so its exposure start again from `body`'s, none by
 * default).
 */
export async function putSapCustomer(
  sapUrl: string,
  kunnr: string,
  body: Record<string, unknown>,
): Promise<void> {
  const response = await fetch(new URL(`/sap/customers/${kunnr}`, sapUrl), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ NAME1: `Customer ${kunnr}`, LAND1: 'DE', WAERS: 'EUR', ...body }),
  });
  if (!response.ok) throw new Error(`PUT customer ${kunnr}: ${response.status} ${await response.text()}`);
}

/** SAP customers for the credit check: one with room, one blocked in credit management. */
export async function seedCustomers(sapUrl: string): Promise<{ good: string; blocked: string }> {
  await putSapCustomer(sapUrl, '0000700001', { KLIMK: 10_000_000 });
  await putSapCustomer(sapUrl, '0000700002', { KLIMK: 10_000_000, CRBLB: 'X' });
  return { good: '0000700001', blocked: '0000700002' };
}
