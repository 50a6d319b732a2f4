import { decodeUtf8 } from '../text-input/decode.ts';
import type { FormatReader, ParsedDocument } from '../types.ts';
import { FORMAT, readOrderJson } from './record.ts';
import { scanOrder } from './scan.ts';
import type { ShopifyOrderTree } from './tree.ts';

export type * from './tree.ts';

/**
 * One order of Shopify's Admin REST API: the order object itself (a webhook's body) or the `{"order": {…}}` a
 * GET /orders/{id}.json answers. One document per order.
 */
export function parseShopifyOrder(input: Buffer): ParsedDocument<ShopifyOrderTree>[] {
  const text = decodeUtf8(FORMAT, input);
  // A webhook body of the ordinary shape is read in one pass; anything else, and every refusal, the general way.
  const tree = scanOrder(input, text) ?? readOrderJson(text);
  return [
    {
      format: FORMAT,
      kind: 'order',
      id: tree.id,
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
