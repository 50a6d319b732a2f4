import { FormatError, type ParsedDocument } from '../types.ts';
import { readTransactionSets, type X12TransactionSet } from './envelope.ts';
import { decodeUtf8 } from './text.ts';
import { detectSeparators, firstSegmentStart, tokenize } from './tokenizer.ts';

export interface X12ReadOptions<Tree> {
  format: string;
  /** ST01 this reader accepts, e.g. `850`. */
  transactionType: string;
  /** Larger inputs are refused before decoding (default DEFAULT_MAX_BYTES). */
  maxBytes?: number;
  build(set: X12TransactionSet): Tree;
}

/**
 * The whole tree of a document is held in memory (about 40 heap bytes per input byte), so one document is capped:
 * 8 MiB parses in about a second and a few hundred MB of heap; a 50 MB file is refused at once, never half-read.
 */
export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** Bytes → envelopes → one ParsedDocument per ST..SE set. Only FormatError ever leaves this function. */
export function parseX12<Tree>(input: Buffer, options: X12ReadOptions<Tree>): ParsedDocument<Tree>[] {
  const { format } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (input.length > maxBytes) {
    throw new FormatError(
      format,
      `byte ${maxBytes}`,
      `document is ${input.length} bytes, over the ${maxBytes}-byte limit for one document: split the interchange or raise maxBytes`,
    );
  }
  try {
    const sets = readX12(input, format);
    return sets.map((set) => {
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
    });
  } catch (error) {
    if (error instanceof FormatError) throw error;
    throw new FormatError(
      format,
      'document',
      `cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** The format-independent part: decoding, separators, segments and envelopes. */
export function readX12(input: Buffer, format: string): X12TransactionSet[] {
  const text = decodeUtf8(input, format);
  const start = firstSegmentStart(text);
  if (start >= text.length) throw new FormatError(format, 'byte 0', 'empty document');
  const separators = detectSeparators(text, start, format);
  const segments = tokenize(text, start, separators, format);
  return readTransactionSets(segments, separators, format);
}
