import { edifactParses } from '../edifact/parse.ts';
import type { FormatReader } from '../types.ts';
import { buildOrders, type EdifactOrdersTree } from './tree.ts';

export type { EdifactCurrency, EdifactOrdersTree } from './tree.ts';

export interface ReaderOptions {
  /** Refuse documents larger than this many bytes (default 8 MiB, the one-document limit MAX_DOCUMENT_BYTES). */
  maxBytes?: number;
}

export function createReader(options: ReaderOptions = {}): FormatReader<EdifactOrdersTree> {
  return {
    name: 'edifact-orders',
    family: 'erp',
    declaresCharset: 'its UNB syntax identifier (UNOC: ISO 8859-1, UNOW: UTF-8, …)',
    description:
      'UN/EDIFACT ORDERS purchase order (UNA/UNB/UNH, BGM, DTM, NAD groups with RFF/CTA/COM, CUX, LIN with PIA/IMD/QTY/PRI)',
    ...edifactParses({
      format: 'edifact-orders',
      messageType: 'ORDERS',
      build: buildOrders,
      maxBytes: options.maxBytes,
    }),
  };
}

export const reader: FormatReader<EdifactOrdersTree> = createReader();
