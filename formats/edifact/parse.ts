import { FormatError, type ParsedDocument } from '../types.ts';
import { readEdiDocuments } from '../x12/documents.ts';
import { decodeInterchange } from './charset.ts';
import { type EdifactMessage, readMessages } from './envelope.ts';
import { readServiceStringAdvice, tokenize } from './tokenizer.ts';

export interface EdifactReadOptions<Tree> {
  format: string;
  /** UNH message type this reader accepts, e.g. `DESADV`. */
  messageType: string;
  /** Larger inputs are refused before decoding (default: the one-document limit, 8 MiB). */
  maxBytes?: number;
  build(message: EdifactMessage): Tree;
}

/** Bytes → UNA / separators → segments → envelopes → one ParsedDocument per UNH..UNT. Only FormatError leaves. */
export function parseEdifact<Tree>(input: Buffer, options: EdifactReadOptions<Tree>): ParsedDocument<Tree>[] {
  const { format } = options;
  return readEdiDocuments(
    input,
    options,
    (bytes) => readEdifact(bytes, format),
    (message) => {
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
    },
  );
}

export function readEdifact(input: Buffer, format: string): EdifactMessage[] {
  const text = decodeInterchange(input, format);
  const advice = readServiceStringAdvice(text, format);
  const segments = tokenize(text, advice, format);
  return readMessages(segments, advice.separators, advice.una, format);
}
