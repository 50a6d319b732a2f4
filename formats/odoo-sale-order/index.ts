import { decodeUtf8 } from '../text-input/decode.ts';
import { parseJson } from '../text-input/json.ts';
import { isObject, ptr } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type ParsedDocument } from '../types.ts';
import { FORMAT, readOrder } from './record.ts';
import type { SaleOrderTree } from './tree.ts';

export type * from './tree.ts';

/** A JSON-RPC response envelope or the bare search_read result; one document per sale.order record. */
export function parseSaleOrders(input: Buffer): ParsedDocument<SaleOrderTree>[] {
  const root = parseJson(FORMAT, decodeUtf8(FORMAT, input));
  let list: unknown = root;
  let base = '';
  if (isObject(root)) {
    if (isObject(root.error)) {
      const data = isObject(root.error.data) ? root.error.data : {};
      const message = [root.error.message, data.name, data.message]
        .filter((m) => typeof m === 'string')
        .join(': ');
      throw new FormatError(FORMAT, '/error', `JSON-RPC error ${String(root.error.code ?? '')}: ${message}`);
    }
    if (!('result' in root))
      throw new FormatError(FORMAT, '', 'neither a JSON-RPC response nor a search_read result list');
    list = root.result;
    base = '/result';
  }
  if (!Array.isArray(list))
    throw new FormatError(FORMAT, base, 'search_read result must be a list of records');
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
