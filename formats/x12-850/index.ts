import type { FormatReader } from '../types.ts';
import { x12Parses } from '../x12/parse.ts';
import { buildPurchaseOrder, type X12PurchaseOrderTree } from './tree.ts';

export type { X12PurchaseOrderLine, X12PurchaseOrderTree } from './tree.ts';

export interface ReaderOptions {
  /** Refuse documents larger than this many bytes (default 8 MiB, the one-document limit MAX_DOCUMENT_BYTES). */
  maxBytes?: number;
}

export function createReader(options: ReaderOptions = {}): FormatReader<X12PurchaseOrderTree> {
  return {
    name: 'x12-850',
    family: 'erp',
    description:
      'ANSI X12 850 Purchase Order (ISA/GS envelopes, BEG, CUR, AMT, SAC, ITD, FOB, TD5, PKG, N1 loops, PO4, PO1 lines with PID/PO4/SCH/SDQ/SAC, CTT)',
    ...x12Parses({
      format: 'x12-850',
      transactionType: '850',
      build: buildPurchaseOrder,
      maxBytes: options.maxBytes,
    }),
  };
}

export const reader: FormatReader<X12PurchaseOrderTree> = createReader();
