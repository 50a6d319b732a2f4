import { type DocumentResult, parses } from '../each-document.ts';
import { ForeignDocumentError, FormatError, type FormatReader } from '../types.ts';
import { readEdiDocuments } from '../x12/documents.ts';
import { decodeInterchange } from './charset.ts';
import { type EdifactMessage, readMessages } from './envelope.ts';
import type { EdifactSegment } from './segment.ts';
import { tokenizeFile } from './tokenizer.ts';

export interface EdifactReadOptions<Tree> {
  format: string;
  /** UNH message type this reader accepts, e.g. `DESADV`. */
  messageType: string;
  /** Larger inputs are refused before decoding (default: the one-document limit, 8 MiB). */
  maxBytes?: number;
  build(message: EdifactMessage): Tree;
}

/**
 * Bytes → UNA / separators → segments → envelopes → one ParsedDocument per UNH..UNT; a message that does not read
 * (or is not the reader's type) is refused alone. Only FormatError leaves.
 */
export function parseEdifactEach<Tree>(
  input: Buffer,
  options: EdifactReadOptions<Tree>,
): DocumentResult<Tree>[] {
  const { format } = options;
  return readEdiDocuments(
    input,
    options,
    (bytes) => refuseForeignMessagesFirst(() => readEdifact(bytes, format), bytes, options),
    (message) => {
      const { interchange, message: header } = message.envelope;
      if (header.type !== options.messageType) {
        throw new ForeignDocumentError(
          format,
          header.$loc,
          `message type ${JSON.stringify(header.type)} (UNH02) is not ${format}; this reader takes ${options.messageType} messages`,
          { standard: 'edifact', type: header.type },
        );
      }
      if (message.problem) throw message.problem;
      return {
        format,
        kind: header.type,
        id: messageId(message),
        source: interchange.sender.id,
        tree: options.build(message),
      };
    },
    messageId,
    (message) => message.envelope.interchange.sender.id || undefined,
  );
}

/** A reader's `parse` (all or nothing) and `parseEach` (message by message) for one message type. */
export function edifactParses<Tree>(
  options: EdifactReadOptions<Tree>,
): Pick<FormatReader<Tree>, 'parse' | 'parseEach'> {
  return parses((input) => parseEdifactEach(input, options));
}

/** Bytes → one ParsedDocument per UNH..UNT, all or nothing: the first message refused throws. */
export function parseEdifact<Tree>(input: Buffer, options: EdifactReadOptions<Tree>) {
  return edifactParses(options).parse(input);
}

/** UNB 0020/UNH 0062, the id of a message's document. */
function messageId(message: EdifactMessage): string {
  return `${message.envelope.interchange.controlRef}/${message.envelope.message.ref}`;
}

/**
 * An interchange whose envelope does not read (a missing trailer, a UNH outside its group) and that holds no message of the
 * reader's type at all (an INVOIC handed to the ORDERS reader) is refused for its type, at its first UNH: that, not
 * the count, is what the user must hear. An interchange that does not even tokenize keeps the envelope's error.
 */
function refuseForeignMessagesFirst<T>(
  read: () => T,
  bytes: Buffer,
  options: EdifactReadOptions<unknown>,
): T {
  try {
    return read();
  } catch (error) {
    let foreign: { type: string; segment: EdifactSegment } | undefined;
    try {
      const text = decodeInterchange(bytes, options.format);
      const headers = tokenizeFile(text, options.format)
        .segments.filter((segment) => segment.tag === 'UNH')
        .map((segment) => ({ type: messageTypeOf(segment), segment }));
      if (headers.length > 0 && !headers.some((header) => header.type === options.messageType))
        foreign = headers[0];
    } catch {
      // the envelope's own error stands
    }
    if (!foreign) throw error;
    throw new FormatError(
      options.format,
      `UNH (segment ${foreign.segment.segment}, line ${foreign.segment.line})`,
      `message type ${JSON.stringify(foreign.type)} (UNH02) is not ${options.format}; this reader takes ${options.messageType} messages`,
    );
  }
}

/** UNH 0065, the message type (UNH02.1). */
function messageTypeOf(segment: EdifactSegment): string {
  const identifier = segment.elements[1];
  return (Array.isArray(identifier) ? identifier[0] : identifier) ?? '';
}

export function readEdifact(input: Buffer, format: string): EdifactMessage[] {
  const text = decodeInterchange(input, format);
  const { segments, interchanges } = tokenizeFile(text, format);
  return readMessages(segments, interchanges, format);
}
