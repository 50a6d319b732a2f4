import { type ConnectorPlugin, definePlugin } from '../sdk/index.ts';
import { createSalesforceCdcSource, salesforceCdcSourceConfig } from './cdc-source.ts';
import { createSalesforceUpsertSink, salesforceUpsertSinkConfig } from './upsert-sink.ts';

/** Salesforce: Change Data Capture in (GAP events re-read over REST), upserts by external id out. */
export const salesforceCdcSource = definePlugin({
  type: 'salesforce-cdc-source',
  kind: 'source',
  description:
    'Salesforce Change Data Capture events pushed by webhook → CustomerEvents; GAP events re-read over REST.',
  config: salesforceCdcSourceConfig,
  createSource: (config, context) => createSalesforceCdcSource(config, context),
});

export const salesforceUpsertSink = definePlugin({
  type: 'salesforce-upsert-sink',
  kind: 'sink',
  description:
    "CustomerEvents → Salesforce Account/Contact upsert by external id (OAuth client credentials, Sforce-Call-Options client); the hub's erasure command → delete + emptyRecycleBin.",
  config: salesforceUpsertSinkConfig,
  createSink: (config, context) => createSalesforceUpsertSink(config, context),
});

export const salesforcePlugins: ConnectorPlugin[] = [salesforceCdcSource, salesforceUpsertSink];
