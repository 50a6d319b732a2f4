import { readFileSync } from 'node:fs';
import { type Bus, type Publisher, type PublishInput, RECEIPT_TOPIC } from '../../../bus/index.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { resultWhenEnded } from '../../../tests/workflow-result.ts';
import type { Orchestrator } from '../../engine.ts';
import { type OrderOutcome, workflowIdOf as orderWorkflowIdOf } from '../order-to-delivery/index.ts';
import { shipmentEvent } from '../order-to-delivery/instant-responders.ts';
import type { ComplaintReturnTopics } from './routes.ts';

const read = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../../schemas/examples/${name}.json`, import.meta.url), 'utf8'),
  ) as Record<
    string,
    // biome-ignore lint/suspicious/noExplicitAny: an example record, edited field by field
    any
  >;

/** A SalesOrderEvent CREATED from SAP (the schema's example) under order number `orderNumber`, of SAP customer `kunnr`. */
export function orderCreatedEvent(topic: string, orderNumber: string, kunnr?: string): PublishInput {
  const value = read('SalesOrderEvent');
  value.salesOrder.orderId = `sap:${orderNumber}`;
  value.salesOrder.orderNumber = orderNumber;
  value.salesOrder.sourceIds = [{ system: 'sap', id: orderNumber, idType: 'VBELN' }];
  if (kunnr) {
    value.salesOrder.customer = {
      customerId: `sap:${kunnr}`,
      sourceIds: [{ system: 'sap', id: kunnr, idType: 'KUNNR' }],
      name: null,
    };
  }
  return { schema: 'SalesOrderEvent', topic, key: value.salesOrder.orderId, value };
}

/** The Salesforce case id the test cases get from their (unique) case number. */
export const caseIdFor = (caseNumber: string) =>
  `salesforce:5005g${caseNumber.replace(/\W/g, '').slice(-13).padStart(13, '0')}`;

/** A CaseEvent CREATED from Salesforce (the schema's example): case `caseNumber` about order `orderNumber`. */
export function caseCreatedEvent(
  topic: string,
  caseNumber: string,
  orderNumber: string | null,
  options: { correlationId?: string; traceparent?: string } = {},
): PublishInput {
  const value = read('CaseEvent');
  const id = caseIdFor(caseNumber).slice('salesforce:'.length);
  value.case.caseId = `salesforce:${id}`;
  value.case.sourceIds = [
    { system: 'salesforce', id, idType: 'CaseId' },
    { system: 'salesforce', id: caseNumber, idType: 'CaseNumber' },
  ];
  value.case.caseNumber = caseNumber;
  value.case.orderNumber = orderNumber;
  return {
    schema: 'CaseEvent',
    topic,
    key: value.case.caseId,
    value,
    attributes: { correlationId: options.correlationId, traceparent: options.traceparent },
  };
}

/** Topics of one test run (the canonical ones are shared with every other test). */
export async function provisionTestTopics(bus: Bus, prefix: string): Promise<ComplaintReturnTopics> {
  const topics = {
    case: `${prefix}.case`,
    salesOrder: `${prefix}.sales-order`,
    shipment: `${prefix}.shipment`,
  };
  await bus.provisionTopics(Object.values(topics).map((topic) => ({ topic, partitions: 3 })));
  // The sinks' receipts go to the hub's one receipt topic, whoever sent the command.
  return { ...topics, receipts: RECEIPT_TOPIC };
}

/**
 * Runs `order` (a SalesOrderEvent CREATED) through order-to-delivery to its delivery, as a complaint about it needs:
 * the orchestrator's credit check (its `sapUrl`) must approve it, then its delivery is published on `shipmentTopic`
 * (order-to-delivery's) while it awaits its ASN.
 */
export async function deliverOrder(
  orchestrator: Orchestrator,
  publisher: Publisher,
  shipmentTopic: string,
  order: PublishInput,
): Promise<void> {
  const orderId = (order.value as { salesOrder: { orderId: string } }).salesOrder.orderId;
  const workflowId = orderWorkflowIdOf(orderId);
  await publisher.publish([order]);
  await waitFor(
    `order ${orderId} awaiting its ASN`,
    async () => (await orchestrator.state(workflowId))?.step === 'await-asn',
  );
  await publisher.publish([shipmentEvent(shipmentTopic, orderId, 'DELIVERED')]);
  // Its end looked at every 50 ms (the orchestrator's own result looks every second).
  const outcome = await resultWhenEnded<OrderOutcome>(orchestrator, workflowId, 30_000);
  if (outcome?.outcome !== 'COMPLETED') throw new Error(`order ${orderId}: ${JSON.stringify(outcome)}`);
}

/** The SAP customer the orders above are of (the schema example's sold-to). */
export const EXAMPLE_KUNNR = '0000104711';

/** SAP customer `kunnr` in the SAP simulator at `sapUrl`: with room for credit, or blocked in credit management. */
export async function seedSapCustomer(
  sapUrl: string,
  kunnr = EXAMPLE_KUNNR,
  options: { blocked?: boolean } = {},
): Promise<void> {
  const response = await fetch(new URL(`/sap/customers/${kunnr}`, sapUrl), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      NAME1: `Customer ${kunnr}`,
      LAND1: 'DE',
      WAERS: 'EUR',
      KLIMK: 100_000_000,
      ...(options.blocked ? { CRBLB: 'X' } : {}),
    }),
  });
  if (!response.ok) throw new Error(`PUT customer ${kunnr}: ${response.status} ${await response.text()}`);
}
