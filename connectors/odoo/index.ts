import { type ConnectorPlugin, definePlugin } from '../sdk/index.ts';
import { createOdooPollingSource, odooPollingSourceConfig } from './polling-source.ts';

export const odooPollingSource = definePlugin({
  type: 'odoo-polling-source',
  kind: 'source',
  description:
    'Polls Odoo sale.order and res.partner changes (JSON-RPC search_read on write_date) into SalesOrderEvents / CustomerEvents; write_uid marks echoes.',
  config: odooPollingSourceConfig,
  defaults: { format: 'odoo-sale-order', mapping: 'odoo/sale-order.to-canonical.yaml' },
  createSource: (config, context) => createOdooPollingSource(config, context),
});

export const odooPlugins: ConnectorPlugin[] = [odooPollingSource];
