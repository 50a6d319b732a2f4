import { FormatError, type ParsedDocument } from '../types.ts';
import { decodeUtf8 } from '../x12/text.ts';
import { type EdifactMessage, readMessages } from './envelope.ts';
import { readServiceStringAdvice, tokenize } from './tokenizer.ts';

export interface EdifactReadOptions<Tree> {
  format: string;
  /** UNH message type this reader accepts, e.g. `DESADV`. */
  messageType: string;
  /** Larger inputs are refused before decoding (default DEFAULT_MAX_BYTES). */
  maxBytes?: number;
  build(message: EdifactMessage): Tree;
}

/**
 * The whole tree of a document is held in memory (about 40 heap bytes per input byte), so one document is capped:
 * 8 MiB parses in about a second and a few hundred MB of heap; a 50 MB file is refused at once, never half-read.
 */
export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** Bytes → UNA / separators → segments → envelopes → one ParsedDocument per UNH..UNT. Only FormatError leaves. */
export function parseEdifact<Tree>(input: Buffer, options: EdifactReadOptions<Tree>): ParsedDocument<Tree>[] {
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
    return readEdifact(input, format).map((message) => {
      const { interchange, message: header } = message.envelope;
      if (header.type !== options.messageType) {
        throw new FormatError(
          format,
          header.$loc,
          `message type ${JSON.stringify(header.type)} (UNH02) is not ${format}; this reader takes ${options.messageType} messages`,
        );
      }
      return {
        format,
        kind: header.type,
        id: `${interchange.controlRef}/${header.ref}`,
        source: interchange.sender.id,
        tree: options.build(message),
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

export function readEdifact(input: Buffer, format: string): EdifactMessage[] {
  const text = decodeUtf8(input, format);
  const advice = readServiceStringAdvice(text, format);
  const segments = tokenize(text, advice, format);
  return readMessages(segments, advice.separators, advice.una, format);
}
