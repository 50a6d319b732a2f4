import { type ConnectorPlugin, definePlugin } from '../sdk/index.ts';
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

export { sapIdocFileSource };
export const sapPlugins: ConnectorPlugin[] = [sapIdocFileSource, sapOrdrspFileSink];
