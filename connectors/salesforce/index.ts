import { type ConnectorPlugin, definePlugin } from '../sdk/index.ts';
import { changeStreamOffsetProblem } from '../transports/snapshot.ts';
import { createSalesforceCdcSource, salesforceCdcSourceConfig } from './cdc-source.ts';
import { createSalesforceOrderStatusSink, salesforceOrderStatusSinkConfig } from './order-status-sink.ts';
import { OVERFLOW_PARTITION, overflowOffsetProblem } from './overflow-reread.ts';
import { createSalesforceUpsertSink, salesforceUpsertSinkConfig } from './upsert-sink.ts';

/** Salesforce: Change Data Capture in (GAP events re-read over REST), upserts by external id out. */
export const salesforceCdcSource = definePlugin({
  type: 'salesforce-cdc-source',
  kind: 'source',
  description:
    'Salesforce Change Data Capture events pushed by webhook → CustomerEvents; GAP events re-read over REST, a GAP_OVERFLOW by a SOQL read of its entity.',
  config: salesforceCdcSourceConfig,
  createSource: (config, context) => createSalesforceCdcSource(config, context),
  // The webhook's delivery ids, the initial snapshot's position, and the GAP_OVERFLOW reads to do.
  checkOffset: (partition, offset) =>
    partition === OVERFLOW_PARTITION
      ? overflowOffsetProblem(offset)
      : changeStreamOffsetProblem(partition, offset),
});

export const salesforceUpsertSink = definePlugin({
  type: 'salesforce-upsert-sink',
  kind: 'sink',
  description:
    "CustomerEvents → Salesforce Account/Contact upsert by external id (OAuth client credentials, Sforce-Call-Options client); the hub's erasure command → delete + emptyRecycleBin.",
  config: salesforceUpsertSinkConfig,
  createSink: (config, context) => createSalesforceUpsertSink(config, context),
});

export const salesforceOrderStatusSink = definePlugin({
  type: 'salesforce-order-status-sink',
  kind: 'sink',
  description:
    "The orchestrator's order status and tracking (command.crm.order-status) → Salesforce Order upsert by External_Id__c, linked to the customer's Account by its external id (Sforce-Call-Options client).",
  config: salesforceOrderStatusSinkConfig,
  defaults: {
    mapping: 'salesforce/order-status.from-canonical.yaml',
    // The orchestrator's COMMAND_TOPICS.crmOrderStatus (orchestrator/commands.ts).
    topics: ['command.crm.order-status'],
  },
  createSink: (config, context) => createSalesforceOrderStatusSink(config, context),
});

export const salesforcePlugins: ConnectorPlugin[] = [
  salesforceCdcSource,
  salesforceUpsertSink,
  salesforceOrderStatusSink,
];
