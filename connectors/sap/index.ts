import { type ConnectorPlugin, definePlugin } from '../sdk/index.ts';
import { createCreditMemoFileSink, sapCreditMemoFileSinkConfig } from './credit-memo-file-sink.ts';
import { sapIdocFileSource } from './idoc-file-source.ts';
import { createOrdrspFileSink, sapOrdrspFileSinkConfig } from './ordrsp-file-sink.ts';

export const sapOrdrspFileSink = definePlugin({
  type: 'sap-ordrsp-file-sink',
  kind: 'sink',
  description:
    'Writes canonical SalesOrderEvent status changes as ORDRSP IDoc files into the directory of SAP’s inbound file port.',
  config: sapOrdrspFileSinkConfig,
  defaults: { mapping: 'sap/ordrsp.from-canonical.yaml', topics: ['canonical.sales-order'] },
  createSink: (config, context) => createOrdrspFileSink(config, context),
});

export const sapCreditMemoFileSink = definePlugin({
  type: 'sap-credit-memo-file-sink',
  kind: 'sink',
  description:
    'Writes the hub’s credit memo requests (SalesOrderEvent, orderType CR) as inbound ORDERS IDoc files (document type CR) into the directory of SAP’s inbound file port.',
  config: sapCreditMemoFileSinkConfig,
  defaults: { mapping: 'sap/credit-memo-request.from-canonical.yaml', topics: ['canonical.sales-order'] },
  createSink: (config, context) => createCreditMemoFileSink(config, context),
});

export { sapIdocFileSource };
export const sapPlugins: ConnectorPlugin[] = [sapIdocFileSource, sapOrdrspFileSink, sapCreditMemoFileSink];
