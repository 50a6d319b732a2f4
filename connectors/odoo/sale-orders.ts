import { SALE_ORDER_FIELDS } from '../../formats/odoo-sale-order/index.ts';
import type { Cursor, Page } from '../transports/poll.ts';
import { many2oneId, type OdooClient, type OdooRecord } from './jsonrpc.ts';

/**
 * sale.order fields the source does not ask for, though the format reads them: the selling company and the payment
 * terms (nor the lines' `customer_lead`), which the simulator does not have yet.
 */
const NOT_ASKED = new Set<string>(['company_id', 'payment_term_id']);

/**
 * Fields of sale.order asked for: the ones the format reads (formats/odoo-sale-order `SALE_ORDER_FIELDS`, which the
 * mapping `odoo/sale-order.to-canonical.yaml` maps) but `NOT_ASKED`; write_uid marks echoes.
 */
export const ORDER_FIELDS: string[] = SALE_ORDER_FIELDS.filter((field) => !NOT_ASKED.has(field));

export const LINE_FIELDS = [
  'product_id',
  'name',
  'product_uom_qty',
  'product_uom',
  'price_unit',
  'discount',
  'price_subtotal',
];

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
 * `orders` (search_read records) with their lines read in (search_read gives line ids only; one sale.order.line
 * read for them all), each as a search_read result list of one record, so its bytes are what Odoo answered.
 */
async function withLines(
  client: OdooClient,
  orders: OdooRecord[],
  signal: AbortSignal,
): Promise<Array<{ order: OdooRecord; bytes: Buffer }>> {
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
  return orders.map((order) => {
    const ids = Array.isArray(order.order_line) ? (order.order_line as number[]) : [];
    const record = { ...order, order_line: ids.map((id) => byId.get(id) ?? id) };
    return { order, bytes: Buffer.from(JSON.stringify([record])) };
  });
}

/**
 * One page of sale.order, oldest change first, each order with its lines read in, as one document.
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
  return {
    items: (await withLines(client, orders, signal)).map(({ order, bytes }) => ({
      id: String(order.id),
      updatedAt: isoDateTime(String(order.write_date)),
      bytes,
      name: `sale.order/${order.id}`,
    })),
  };
}

/**
 * One page of the line poll: sale.order.line changes by their own `write_date` (keyset pages as the order poll's),
 * as the orders they belong to, read again with their lines as the order poll reads them. Odoo stamps a line
 * written alone (through the API, an import, a module, a delivery's quantities) and not its order, unless the
 * order's stored totals change: the order poll does not see such a change.
 *
 * The orders of a page are read in one search_read by id (an order deleted since is not found, where `read` would
 * fail with a MissingError), each order once, at its page's last changed line: the item's id and updatedAt are
 * that line's, so the poll transport's cursor is the lines' keyset. Only orders stamped before that line are
 * documents: one stamped with it or later (saved with its lines in the web client, created with them, its totals
 * recomputed) is the order poll's to read. The document is the order as the order poll reads it: its version
 * (`sale.order:<id>@<write_date>#<digest>`) is the same when both polls read it unchanged.
 */
export async function fetchOrdersOfChangedLines(
  client: OdooClient,
  cursor: Cursor,
  signal: AbortSignal,
  pageSize: number,
): Promise<Page> {
  const lines = await client.executeKw<OdooRecord[]>(
    'sale.order.line',
    'search_read',
    [pageDomain(cursor)],
    { fields: ['order_id', 'write_date'], order: 'write_date asc, id asc', limit: pageSize },
    signal,
  );
  // Each order at its last changed line: the lines come oldest first, so the orders do too.
  const lastLine = new Map<number, OdooRecord>();
  for (const line of lines) {
    const orderId = many2oneId(line.order_id);
    if (orderId === undefined) continue;
    lastLine.delete(orderId);
    lastLine.set(orderId, line);
  }
  const orders =
    lastLine.size === 0
      ? []
      : await client.executeKw<OdooRecord[]>(
          'sale.order',
          'search_read',
          [[['id', 'in', [...lastLine.keys()]]]],
          { fields: ORDER_FIELDS },
          signal,
        );
  const read = new Map((await withLines(client, orders, signal)).map((one) => [one.order.id, one]));
  const last = lines.at(-1);
  return {
    items: [...lastLine].flatMap(([orderId, line]) => {
      const one = read.get(orderId);
      // Deleted since the line was written; or stamped with the line or after it (saved with its lines, its totals
      // recomputed, written again since): the order poll reads that version, with the line as it is.
      if (!one || String(one.order.write_date) >= String(line.write_date)) return [];
      return [
        {
          id: String(line.id),
          updatedAt: isoDateTime(String(line.write_date)),
          bytes: one.bytes,
          name: `sale.order/${orderId}`,
        },
      ];
    }),
    // The next page follows the last line read, whichever orders it gave (fewer items than lines).
    ...(last && lines.length >= pageSize
      ? { next: { updatedSince: isoDateTime(String(last.write_date)), afterId: String(last.id) } }
      : {}),
  };
}

/** The newest write_date of sale.order.line, or undefined when there is no line: where a first line poll starts. */
export async function newestLineChange(client: OdooClient, signal: AbortSignal): Promise<string | undefined> {
  const [newest] = await client.executeKw<OdooRecord[]>(
    'sale.order.line',
    'search_read',
    [[]],
    { fields: ['write_date'], order: 'write_date desc, id desc', limit: 1 },
    signal,
  );
  return newest ? isoDateTime(String(newest.write_date)) : undefined;
}
