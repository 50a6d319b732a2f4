import { z } from 'zod';
import type { ConnectorContext, SinkTask } from '../sdk/index.ts';
import { createOrdrspFileSink, sapOrdrspFileSinkConfig } from './ordrsp-file-sink.ts';

/** Every canonical order status: which requests become IDocs is the mapping's to say (orderType CR, not cancelled). */
const ANY_STATUS = [
  'RECEIVED',
  'OPEN',
  'CONFIRMED',
  'CREDIT_HOLD',
  'REJECTED',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'DELIVERED',
  'INVOICED',
  'CANCELLED',
  'UNKNOWN',
];

export const sapCreditMemoFileSinkConfig = sapOrdrspFileSinkConfig.omit({ statuses: true }).extend({
  dir: z
    .string()
    .min(1)
    .describe(
      "The file port's inbound directory SAP reads order IDocs from (WE21 → File → Inbound file); relative to the deployment file.",
    ),
  filePrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, 'letters, digits, "_" and "-"')
    .default('ORDERS_CR_')
    .describe('Start of every file name; the rest is derived from the record’s idempotency key.'),
});

export type SapCreditMemoFileSinkConfig = z.output<typeof sapCreditMemoFileSinkConfig>;

/**
 * The hub's credit memo requests (SalesOrderEvents with orderType CR) as inbound ORDERS IDoc files in SAP's file
 * port, one per record: the ORDRSP sink's file handling (named from the record's idempotency key `[<group>/]<connector>:<ce_id>`,
 * written atomically, a redelivery overwrites its own file) with the mapping `sap/credit-memo-request.from-canonical.yaml`,
 * which writes only CR requests. SAP creates each once: its inbound refuses a DOCNUM it already received and a
 * sender's document number (E1EDK01-BELNR) it already turned into a credit memo request.
 */
export function createCreditMemoFileSink(
  config: SapCreditMemoFileSinkConfig,
  context: ConnectorContext,
): SinkTask {
  return createOrdrspFileSink({ ...config, statuses: ANY_STATUS }, context);
}
