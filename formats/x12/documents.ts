import { MAX_DOCUMENT_BYTES } from '../text-input/decode.ts';
import { FormatError, type ParsedDocument } from '../types.ts';

/**
 * The front end X12 and EDIFACT share: the one-document size limit, checked before anything reads the bytes, and
 * the rule that only FormatError leaves a reader (anything else a malformed input provokes is wrapped in one).
 */
export function readEdiDocuments<Item, Tree>(
  input: Buffer,
  options: { format: string; maxBytes?: number },
  read: (input: Buffer) => Item[],
  toDocument: (item: Item) => ParsedDocument<Tree>,
): ParsedDocument<Tree>[] {
  const { format } = options;
  const maxBytes = options.maxBytes ?? MAX_DOCUMENT_BYTES;
  if (input.length > maxBytes) {
    throw new FormatError(
      format,
      `byte ${maxBytes}`,
      `document is ${input.length} bytes, over the ${maxBytes}-byte limit for one document: split the interchange or raise maxBytes`,
    );
  }
  try {
    return read(input).map(toDocument);
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
