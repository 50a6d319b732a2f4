import { decodeUtf8 } from '../text-input/decode.ts';
import type { FormatReader, ParsedDocument } from '../types.ts';
import { FORMAT, readOrderJson } from './record.ts';
import { scanOrder } from './scan.ts';
import type { ShopifyOrderTree } from './tree.ts';

export type * from './tree.ts';

/**
 * One order of Shopify's Admin REST API: the order object itself (a webhook's body) or the `{"order": {…}}` a
 * GET /orders/{id}.json answers. One document per order. Its id is the order's version, `<id>@<updated_at>`
 * (`<id>@<created_at>` for an order never updated), as a HubSpot CRM object's: every body is a full snapshot, so
 * orders/create, then orders/updated, then orders/cancelled of one order are three events, each with its own
 * CloudEvents id, while a redelivery of one keeps its id. With the order id alone they shared one, and a consumer that
 * de-duplicates by it (the orchestrator's hand-over to an instance) took the cancellation for the update again.
 */
export function parseShopifyOrder(input: Buffer): ParsedDocument<ShopifyOrderTree>[] {
  const text = decodeUtf8(FORMAT, input);
  // A webhook body of the ordinary shape is read in one pass; anything else, and every refusal, the general way.
  const tree = scanOrder(input, text) ?? readOrderJson(text);
  return [
    {
      format: FORMAT,
      kind: 'order',
      id: `${tree.id}@${tree.updatedAt ?? tree.createdAt}`,
      // The order JSON does not name its shop; the sales channel it came through is the nearest sender.
      source: tree.sourceName ? `shopify/${tree.sourceName}` : 'shopify',
      tree,
    },
  ];
}

export const reader: FormatReader<ShopifyOrderTree> = {
  name: FORMAT,
  family: 'erp',
  description:
    'Shopify Admin REST API order (webhook body or {"order": …} of GET /orders/{id}.json), one per document',
  parse: parseShopifyOrder,
};
