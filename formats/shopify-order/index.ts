import { type DocumentResult, parses, readEach } from '../each-document.ts';
import { decodeUtf8 } from '../text-input/decode.ts';
import { isObject } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type ParsedDocument } from '../types.ts';
import { FORMAT, type OrderItem, orderItems, readOrder } from './record.ts';
import { scanOrder } from './scan.ts';
import type { ShopifyOrderTree } from './tree.ts';

export type * from './tree.ts';

/**
 * An order's document. Its id is the order's version, `<id>@<updated_at>` (`<id>@<created_at>` for an order never
 * updated), as a HubSpot CRM object's: every body is a full snapshot, so orders/create, then orders/updated, then
 * orders/cancelled of one order are three events, each with its own CloudEvents id, while a redelivery of one keeps
 * its id. With the order id alone they shared one, and a consumer that de-duplicates by it (the orchestrator's
 * hand-over to an instance) took the cancellation for the update again.
 */
function documentOf(tree: ShopifyOrderTree): ParsedDocument<ShopifyOrderTree> {
  return {
    format: FORMAT,
    kind: 'order',
    id: `${tree.id}@${tree.updatedAt ?? tree.createdAt}`,
    // The order JSON does not name its shop; the sales channel it came through is the nearest sender.
    source: tree.sourceName ? `shopify/${tree.sourceName}` : 'shopify',
    tree,
  };
}

/** A refused order's id, as its document would have had it, when the order says it. */
function idOf({ value }: OrderItem): string | undefined {
  if (!isObject(value) || value.id === undefined || value.id === null) return undefined;
  const version = value.updated_at ?? value.created_at;
  return typeof version === 'string' ? `${String(value.id)}@${version}` : String(value.id);
}

function asFormatError(error: unknown): FormatError {
  return error instanceof FormatError ? error : new FormatError(FORMAT, '', String(error), { cause: error });
}

/**
 * Orders of Shopify's Admin REST API: the order object itself (a webhook's body), the `{"order": {…}}` a
 * GET /orders/{id}.json answers, or the `{"orders": […]}` of a GET /orders.json page, one document per order; an
 * order of a page that is not valid is refused alone, the others read.
 */
export function eachShopifyOrder(input: Buffer): DocumentResult<ShopifyOrderTree>[] {
  const text = decodeUtf8(FORMAT, input);
  // A webhook body of the ordinary shape is read in one pass; anything else, and every refusal, the general way.
  const scanned = scanOrder(input, text);
  if (scanned) return [documentOf(scanned)];
  return readEach(
    orderItems(text),
    (item) => documentOf(readOrder(item.value, item.loc)),
    idOf,
    asFormatError,
  );
}

export const reader: FormatReader<ShopifyOrderTree> = {
  name: FORMAT,
  family: 'erp',
  description:
    'Shopify Admin REST API order (webhook body, {"order": …} of GET /orders/{id}.json, or each of the {"orders": […]} of a GET /orders.json page), one per document',
  ...parses(eachShopifyOrder),
};
