import { odooFields } from '../odoo-fields/index.ts';
import { decodeUtf8 } from '../text-input/decode.ts';
import { parseJson } from '../text-input/json.ts';
import { ptr } from '../text-input/pointer.ts';
import type { FormatReader, ParsedDocument } from '../types.ts';
import { FORMAT, readOrder } from './record.ts';

export { SALE_ORDER_FIELDS } from './record.ts';

import type { SaleOrderTree } from './tree.ts';

export type * from './tree.ts';

const { resultList } = odooFields(FORMAT);

/** A JSON-RPC response envelope or the bare search_read result; one document per sale.order record. */
export function parseSaleOrders(input: Buffer): ParsedDocument<SaleOrderTree>[] {
  const { list, base } = resultList(parseJson(FORMAT, decodeUtf8(FORMAT, input)));
  return list.map((record, i) => {
    const tree = readOrder(record, ptr(base, i));
    return {
      format: FORMAT,
      kind: 'sale.order',
      id: tree.name ?? String(tree.id),
      source: tree.company?.name ?? 'odoo',
      tree,
    };
  });
}

export const reader: FormatReader<SaleOrderTree> = {
  name: FORMAT,
  family: 'erp',
  description: 'Odoo sale.order records from JSON-RPC execute_kw search_read (envelope or bare result)',
  parse: parseSaleOrders,
};
