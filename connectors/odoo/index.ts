import { type ConnectorPlugin, definePlugin } from '../sdk/index.ts';
import { pollOffsetProblem } from '../transports/poll.ts';
import { createOdooPollingSource, odooPollingSourceConfig } from './polling-source.ts';
import { createOdooWriteSink, odooWriteSinkConfig } from './write-sink.ts';

export const odooPollingSource = definePlugin({
  type: 'odoo-polling-source',
  kind: 'source',
  description:
    'Polls Odoo sale.order and res.partner changes (search_read on write_date, over JSON-2 or JSON-RPC) into SalesOrderEvents / CustomerEvents; write_uid marks echoes.',
  config: odooPollingSourceConfig,
  defaults: {
    format: 'odoo-sale-order',
    formats: ['odoo-sale-order', 'odoo-res-partner'],
    mapping: 'odoo/sale-order.to-canonical.yaml',
  },
  createSource: (config, context) => createOdooPollingSource(config, context),
  checkOffset: (_partition, offset) => pollOffsetProblem(offset),
});

export const odooWriteSink = definePlugin({
  type: 'odoo-write-sink',
  kind: 'sink',
  description:
    "CustomerEvents → res.partner create/write (by id or ref), SalesOrderEvent status → sale.order action_confirm/cancel, over JSON-2 (Odoo 19+) or JSON-RPC execute_kw; the hub's erasure command → unlink (or anonymise and archive a partner orders point to).",
  config: odooWriteSinkConfig,
  defaults: {
    mapping: 'odoo/res-partner.from-canonical.yaml',
    topics: ['canonical.customer', 'canonical.sales-order'],
  },
  createSink: (config, context) => createOdooWriteSink(config, context),
});

export const odooPlugins: ConnectorPlugin[] = [odooPollingSource, odooWriteSink];
