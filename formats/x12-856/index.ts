import type { FormatReader, FormatWriter } from '../types.ts';
import type { X12TransactionSet } from '../x12/envelope.ts';
import { parseX12, x12Parses } from '../x12/parse.ts';
import { buildShipNotice, type X12ShipNoticeTree } from './tree.ts';
import type { X12ShipNoticeOut } from './write-tree.ts';
import { FORMAT, writeShipNotice } from './writer.ts';

export type { X12HierarchyLevel, X12ShipNoticeTree } from './tree.ts';
export type * from './write-tree.ts';
export { x12ShipNoticeOptions } from './writer.ts';

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

/**
 * The 856 the hub sends a trading partner for a shipment (a canonical ShipmentEvent through
 * mappings/edi/x12-856.from-canonical.yaml), read back by `reader`. `.x12` as the 855.
 */
export const writer: FormatWriter<X12ShipNoticeOut> = {
  name: FORMAT,
  family: 'scm',
  description:
    'ANSI X12 856 Advance Ship Notice (BSN, DTM, HL shipment with TD1/TD5/REF/N1, order with PRF, pack with TD1/MAN, item with LIN/SN1/PID, CTT) in an interchange of its own',
  extension: '.x12',
  mediaType: 'application/EDI-X12',
  controlNumbers: 1,
  write: writeShipNotice,
};

/** Reads written 856s back with the hub's X12 reader (envelopes checked, counts checked): one set each. */
export function read856(bytes: Buffer): X12TransactionSet[] {
  return parseX12(bytes, { format: FORMAT, transactionType: '856', build: (set) => set }).map(
    (document) => document.tree,
  );
}
