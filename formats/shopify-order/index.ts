import { decodeUtf8 } from '../text-input/decode.ts';
import { parseJson } from '../text-input/json.ts';
import { isObject } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type ParsedDocument } from '../types.ts';
import { FORMAT, readOrder } from './record.ts';
import type { ShopifyOrderTree } from './tree.ts';

export type * from './tree.ts';

/**
 * One order of Shopify's Admin REST API: the order object itself (a webhook's body) or the `{"order": {…}}` a
 * GET /orders/{id}.json answers. One document per order.
 */
export function parseShopifyOrder(input: Buffer): ParsedDocument<ShopifyOrderTree>[] {
  const root = parseJson(FORMAT, decodeUtf8(FORMAT, input));
  if (!isObject(root)) throw new FormatError(FORMAT, '', 'an order is a JSON object (or {"order": {…}})');
  const wrapped = 'order' in root && !('id' in root);
  const tree = wrapped ? readOrder(root.order, '/order') : readOrder(root, '');
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
