import { decodeUtf8 } from '../text-input/decode.ts';
import { FormatError, type ParsedDocument } from '../types.ts';
import { readEdiDocuments } from './documents.ts';
import { readTransactionSets, type X12TransactionSet } from './envelope.ts';
import { detectSeparators, firstSegmentStart, tokenize } from './tokenizer.ts';

export interface X12ReadOptions<Tree> {
  format: string;
  /** ST01 this reader accepts, e.g. `850`. */
  transactionType: string;
  /** Larger inputs are refused before decoding (default: the one-document limit, 8 MiB). */
  maxBytes?: number;
  build(set: X12TransactionSet): Tree;
}

/** Bytes → envelopes → one ParsedDocument per ST..SE set. Only FormatError ever leaves this function. */
export function parseX12<Tree>(input: Buffer, options: X12ReadOptions<Tree>): ParsedDocument<Tree>[] {
  const { format } = options;
  return readEdiDocuments(
    input,
    options,
    (bytes) => readX12(bytes, format),
    (set) => {
      const { interchange, transactionSet } = set.envelope;
      if (transactionSet.type !== options.transactionType) {
        throw new FormatError(
          format,
          transactionSet.$loc,
          `message type ${JSON.stringify(transactionSet.type)} (ST01) is not ${format}; this reader takes ${options.transactionType} sets`,
        );
      }
      return {
        format,
        kind: transactionSet.type,
        id: `${interchange.controlNumber}/${transactionSet.controlNumber}`,
        source: interchange.senderId,
        tree: options.build(set),
      };
    },
  );
}

/** The format-independent part: decoding, separators, segments and envelopes. */
export function readX12(input: Buffer, format: string): X12TransactionSet[] {
  const text = decodeUtf8(format, input);
  const start = firstSegmentStart(text);
  if (start >= text.length) throw new FormatError(format, 'byte 0', 'empty document');
  const separators = detectSeparators(text, start, format);
  const segments = tokenize(text, start, separators, format);
  return readTransactionSets(segments, separators, format);
}
