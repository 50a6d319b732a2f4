import { type DocumentResult, parses } from '../each-document.ts';
import { decodeUtf8 } from '../text-input/decode.ts';
import { ForeignDocumentError, FormatError, type FormatReader, nameInterchange } from '../types.ts';
import { readEdiDocuments } from './documents.ts';
import { readTransactionSets, type X12TransactionSet } from './envelope.ts';
import type { X12Segment, X12Separators } from './segment.ts';
import { detectSeparators, firstSegmentStart, tokenize } from './tokenizer.ts';

export interface X12ReadOptions<Tree> {
  format: string;
  /** ST01 this reader accepts, e.g. `850`. */
  transactionType: string;
  /** Larger inputs are refused before decoding (default: the one-document limit, 8 MiB). */
  maxBytes?: number;
  build(set: X12TransactionSet): Tree;
}

/**
 * Bytes → envelopes → one ParsedDocument per ST..SE set; a set that does not read (or is not the reader's type) is
 * refused alone. Only FormatError ever leaves this function.
 */
export function parseX12Each<Tree>(input: Buffer, options: X12ReadOptions<Tree>): DocumentResult<Tree>[] {
  const { format } = options;
  return readEdiDocuments(
    input,
    options,
    (bytes) => refuseForeignSetsFirst(() => readX12(bytes, format), bytes, options),
    (set) => {
      const { interchange, transactionSet } = set.envelope;
      if (transactionSet.type !== options.transactionType) {
        throw new ForeignDocumentError(
          format,
          transactionSet.$loc,
          `message type ${JSON.stringify(transactionSet.type)} (ST01) is not ${format}; this reader takes ${options.transactionType} sets`,
          { standard: 'x12', type: transactionSet.type },
        );
      }
      if (set.problem) throw set.problem;
      return {
        format,
        kind: transactionSet.type,
        id: setId(set),
        source: interchange.senderId,
        tree: options.build(set),
      };
    },
    setId,
    (set) => set.envelope.interchange.senderId || undefined,
  );
}

/** A reader's `parse` (all or nothing) and `parseEach` (set by set) for one transaction set type. */
export function x12Parses<Tree>(
  options: X12ReadOptions<Tree>,
): Pick<FormatReader<Tree>, 'parse' | 'parseEach'> {
  return parses((input) => parseX12Each(input, options));
}

/** Bytes → envelopes → one ParsedDocument per ST..SE set, all or nothing: the first set refused throws. */
export function parseX12<Tree>(input: Buffer, options: X12ReadOptions<Tree>) {
  return x12Parses(options).parse(input);
}

/** ISA13/ST02, the id of a set's document. */
function setId(set: X12TransactionSet): string {
  return `${set.envelope.interchange.controlNumber}/${set.envelope.transactionSet.controlNumber}`;
}

/**
 * An interchange whose envelope does not read (a GE02 reference off, a missing trailer) and that holds no set of the
 * reader's type at all (an 810 handed to the 850 reader) is refused for its type, at its first ST: that, not the
 * count, is what the user must hear. An interchange that does not even tokenize keeps the envelope's error.
 */
function refuseForeignSetsFirst<T>(read: () => T, bytes: Buffer, options: X12ReadOptions<unknown>): T {
  try {
    return read();
  } catch (error) {
    let foreign: X12Segment | undefined;
    try {
      const text = decodeUtf8(options.format, bytes);
      const start = firstSegmentStart(text);
      const sets = tokenize(
        text,
        start,
        detectSeparators(text, start, options.format),
        options.format,
      ).filter((segment) => segment.tag === 'ST');
      if (sets.length > 0 && !sets.some((set) => set.elements[0] === options.transactionType))
        foreign = sets[0];
    } catch {
      // the envelope's own error stands
    }
    if (!foreign) throw error;
    throw new FormatError(
      options.format,
      `ST (segment ${foreign.segment}, line ${foreign.line})`,
      `message type ${JSON.stringify(foreign.elements[0])} (ST01) is not ${options.format}; this reader takes ${options.transactionType} sets`,
    );
  }
}

/** The format-independent part: decoding, separators, segments and envelopes. */
export function readX12(input: Buffer, format: string): X12TransactionSet[] {
  const text = decodeUtf8(format, input);
  const start = firstSegmentStart(text);
  if (start >= text.length) throw new FormatError(format, 'byte 0', 'empty document');
  const separators = new Map<X12Segment, X12Separators>();
  const first = detectSeparators(text, start, format);
  let segments: X12Segment[];
  try {
    segments = tokenize(text, start, first, format, separators);
  } catch (error) {
    // A file cut inside a segment: the error still names the interchange its ISA opens (ISA06, ISA13).
    const end = text.indexOf(first.segment, start);
    const isa = text.slice(start, end === -1 ? text.length : end).split(first.element);
    if (isa[0]?.trim() === 'ISA')
      nameInterchange(error, { sender: isa[6] ?? '', controlNumber: isa[13] ?? '' });
    throw error;
  }
  return readTransactionSets(segments, separators, format);
}
