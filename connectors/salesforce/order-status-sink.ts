import { z } from 'zod';
import type { ConnectorContext } from '../sdk/index.ts';
import { httpBatchConfig } from '../transports/http-batch.ts';
import type { HttpRefusedError, HttpSink, HttpSinkRequest } from '../transports/http-sink.ts';
import { MAX_COLLECTION_RECORDS } from './collections.ts';
import { createSalesforceUpsertSink, salesforceUpsertSinkConfig } from './upsert-sink.ts';

export const salesforceOrderStatusSinkConfig = salesforceUpsertSinkConfig.extend({
  // One command per request by default: its Idempotency-Key is the command's own, so a command sent again (a re-run
  // workflow step) is answered from the first and not applied again; a batch's key holds only for that batch.
  batchSize: httpBatchConfig(
    1,
    MAX_COLLECTION_RECORDS,
    'Orders of one sObject Collections upsert',
    'Salesforce',
  ).batchSize.describe(
    "Orders written in one sObject Collections upsert, at most 200; default 1: each command alone, with its own `Idempotency-Key`, so a command sent again is answered from the first and not applied again (a batch's key is that batch's: a command redelivered in another batch is written again, the same values). Two commands of one order never go in one request.",
  ),
  unknownAccount: z
    .enum(['dead-letter', 'skip'])
    .default('dead-letter')
    .describe(
      "An order whose customer has no Account in the org (Salesforce answers 400 `Foreign key external ID: … not found`): `dead-letter` it, or `skip` it (logged, counted as skipped) where the CRM holds only some of the ERP's customers.",
    ),
});

export type SalesforceOrderStatusSinkConfig = z.output<typeof salesforceOrderStatusSinkConfig>;

/** Salesforce's refusal of a relationship whose parent no record has the external id of (INVALID_FIELD, 400). */
function noAccount(refusal: HttpRefusedError, request: HttpSinkRequest): string | undefined {
  return request.method === 'PATCH' &&
    refusal.status === 400 &&
    /Foreign key external ID: .* not found for field \w+ in entity Account/.test(refusal.responseBody)
    ? "the order's customer has no Account in the CRM (unknownAccount: skip)"
    : undefined;
}

/**
 * The orchestrator's order status commands (`command.crm.order-status`: the order with its status, and its tracking
 * numbers once shipped) → `PATCH /services/data/<v>/sobjects/Order/External_Id__c/<order id>`: the salesforce upsert
 * sink with the mapping salesforce/order-status.from-canonical.yaml, which names the customer's Account by its
 * external id (SAP customers by SAP_Customer_Number__c), so Salesforce links the Order to it in the same call. One
 * request per command, its `Idempotency-Key` the connector and the command's `ce_id`: a redelivered command is
 * answered from the first one, not applied again; a command sent again by a re-run step has the same `ce_id`.
 */
export function createSalesforceOrderStatusSink(
  config: SalesforceOrderStatusSinkConfig,
  context: ConnectorContext,
): HttpSink {
  const { unknownAccount, ...upsert } = config;
  return createSalesforceUpsertSink(upsert, context, unknownAccount === 'skip' ? noAccount : undefined);
}
