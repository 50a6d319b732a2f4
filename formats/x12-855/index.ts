import type { FormatWriter } from '../types.ts';
import type { X12TransactionSet } from '../x12/envelope.ts';
import { parseX12 } from '../x12/parse.ts';
import type { X12AcknowledgmentTree } from './tree.ts';
import { FORMAT, writeAcknowledgment } from './writer.ts';

export type * from './tree.ts';
export { x12AcknowledgmentOptions } from './writer.ts';

/**
 * The 855 purchase order acknowledgment the hub sends a trading partner for its 850 (written only: the hub reads no
 * 855s). `.x12`: the standard the file is in, as the file source's 997s are named; `.edi` would not tell it from an
 * EDIFACT file in a partner's folder that holds both.
 */
export const writer: FormatWriter<X12AcknowledgmentTree> = {
  name: FORMAT,
  family: 'erp',
  description:
    'ANSI X12 855 Purchase Order Acknowledgment (BAK, CUR, REF, DTM, N1, PO1 lines with ACK, CTT) in an interchange of its own',
  extension: '.x12',
  mediaType: 'application/EDI-X12',
  controlNumbers: 1,
  write: writeAcknowledgment,
};

/** Reads written 855s back with the hub's X12 reader (envelopes checked, counts checked): one set each. */
export function read855(bytes: Buffer): X12TransactionSet[] {
  return parseX12(bytes, { format: FORMAT, transactionType: '855', build: (set) => set }).map(
    (document) => document.tree,
  );
}
