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
    // Every segment the tree files somewhere other than otherSegments (X+Y: X with its Y), within the one line of
    // 160 characters `eai map formats` allows: the docs' formats table prints it, and edifact-orders.spec.ts checks
    // it against what the reader files from its fixtures, so a segment it learns to read is not left out again.
    description:
      'UN/EDIFACT ORDERS (UNA/UNB/UNH, BGM, DTM, FTX, RFF, NAD+LOC/RFF/CTA/COM, CUX, TAX/PAT/ALC+ALI/PCD/QTY/MOA/RTE/RNG/LOC, LIN+PIA/IMD/QTY/PRI/GIN, UNS+MOA/CNT/ALC)',
    ...edifactParses({
      format: 'edifact-orders',
      messageType: 'ORDERS',
      build: buildOrders,
      maxBytes: options.maxBytes,
    }),
  };
}

export const reader: FormatReader<EdifactOrdersTree> = createReader();
