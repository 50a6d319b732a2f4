import type { FormatReader } from '../types.ts';
import { x12Parses } from '../x12/parse.ts';
import { buildShipNotice, type X12ShipNoticeTree } from './tree.ts';

export type { X12HierarchyLevel, X12ShipNoticeTree } from './tree.ts';

export interface ReaderOptions {
  /** Refuse documents larger than this many bytes (default 8 MiB, the one-document limit MAX_DOCUMENT_BYTES). */
  maxBytes?: number;
}

export function createReader(options: ReaderOptions = {}): FormatReader<X12ShipNoticeTree> {
  return {
    name: 'x12-856',
    family: 'scm',
    description:
      'ANSI X12 856 Advance Ship Notice (HL tree shipment → order → pack/tare → item; BSN, TD1/TD3/TD5, MEA, FOB, REF, N1, SN1, MAN, CTT)',
    ...x12Parses({
      format: 'x12-856',
      transactionType: '856',
      build: buildShipNotice,
      maxBytes: options.maxBytes,
    }),
  };
}

export const reader: FormatReader<X12ShipNoticeTree> = createReader();
