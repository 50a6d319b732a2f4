import { readFileSync } from 'node:fs';
import type { Bus, PublishInput } from '../../../bus/index.ts';
import type { ComplaintReturnTopics } from './routes.ts';

const read = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../../schemas/examples/${name}.json`, import.meta.url), 'utf8'),
  ) as Record<
    string,
    // biome-ignore lint/suspicious/noExplicitAny: an example record, edited field by field
    any
  >;

/** A SalesOrderEvent CREATED from SAP (the schema's example) under order number `orderNumber`. */
export function orderCreatedEvent(topic: string, orderNumber: string): PublishInput {
  const value = read('SalesOrderEvent');
  value.salesOrder.orderId = `sap:${orderNumber}`;
  value.salesOrder.orderNumber = orderNumber;
  value.salesOrder.sourceIds = [{ system: 'sap', id: orderNumber, idType: 'VBELN' }];
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
  return topics;
}
