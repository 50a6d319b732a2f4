import type { Cursor, Page } from '../transports/poll.ts';
import type { OdooClient } from './jsonrpc.ts';

/**
 * Fields of sale.order the mapping reads (`odoo/sale-order.to-canonical.yaml`); write_uid marks echoes. Not
 * `company_id` (the selling company) nor the lines' `customer_lead`: the simulator has neither yet.
 */
export const ORDER_FIELDS = [
  'name',
  'state',
  'date_order',
  'write_date',
  'write_uid',
  'client_order_ref',
  'partner_id',
  'partner_shipping_id',
  'partner_invoice_id',
  'currency_id',
  'amount_untaxed',
  'amount_tax',
  'amount_total',
  'order_line',
];

export const LINE_FIELDS = [
  'product_id',
  'name',
  'product_uom_qty',
  'product_uom',
  'price_unit',
  'price_subtotal',
];

type OdooRecord = Record<string, unknown> & { id: number };

/** ISO 8601 → Odoo's datetime `YYYY-MM-DD HH:MM:SS` (UTC, seconds: write_date has no finer precision). */
export function odooDateTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19).replace('T', ' ');
}

/** Odoo's `YYYY-MM-DD HH:MM:SS` (UTC) → ISO 8601. */
export function isoDateTime(odoo: string): string {
  return `${odoo.replace(' ', 'T')}Z`;
}

/**
 * The keyset domain of one page, as the poll transport asks for it: records changed after `(updatedSince, afterId)`,
 * or at or after `updatedSince` when there is no `afterId`.
 */
export function pageDomain(cursor: Cursor): unknown[] {
  if (!('updatedSince' in cursor))
    throw new Error(`Odoo records page by write_date, not ${JSON.stringify(cursor)}`);
  const since = odooDateTime(cursor.updatedSince);
  if (cursor.afterId === undefined) return [['write_date', '>=', since]];
  return [
    '|',
    ['write_date', '>', since],
    '&',
    ['write_date', '=', since],
    ['id', '>', Number(cursor.afterId)],
  ];
}

/**
 * One page of sale.order, oldest change first, each order with its lines read in (search_read gives line ids only),
 * as one document: a search_read result list of one record, so its bytes are what Odoo answered.
 */
export async function fetchSaleOrders(
  client: OdooClient,
  cursor: Cursor,
  signal: AbortSignal,
  pageSize: number,
): Promise<Page> {
  const orders = await client.executeKw<OdooRecord[]>(
    'sale.order',
    'search_read',
    [pageDomain(cursor)],
    { fields: ORDER_FIELDS, order: 'write_date asc, id asc', limit: pageSize },
    signal,
  );
  const lineIds = orders.flatMap((o) => (Array.isArray(o.order_line) ? (o.order_line as number[]) : []));
  const lines =
    lineIds.length === 0
      ? []
      : await client.executeKw<OdooRecord[]>(
          'sale.order.line',
          'read',
          [lineIds],
          { fields: LINE_FIELDS },
          signal,
        );
  const byId = new Map(lines.map((line) => [line.id, line]));
  return {
    items: orders.map((order) => {
      const ids = Array.isArray(order.order_line) ? (order.order_line as number[]) : [];
      const record = { ...order, order_line: ids.map((id) => byId.get(id) ?? id) };
      return {
        id: String(order.id),
        updatedAt: isoDateTime(String(order.write_date)),
        bytes: Buffer.from(JSON.stringify([record])),
        name: `sale.order/${order.id}`,
      };
    }),
  };
}
