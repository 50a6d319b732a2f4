import { type DocumentResult, readEach } from '../each-document.ts';
import { MAX_DOCUMENT_BYTES } from '../text-input/decode.ts';
import { FormatError, type ParsedDocument } from '../types.ts';

/**
 * The front end X12 and EDIFACT share: the one-document size limit, checked before anything reads the bytes, and
 * the rule that only FormatError leaves a reader (anything else a malformed input provokes is wrapped in one).
 * What fails the whole input (decoding, separators, envelopes: `read`) throws; what fails one transaction set or
 * message (`toDocument`) refuses that one alone, with the id `idOf` and the sender `sourceOf` give it.
 */
export function readEdiDocuments<Item, Tree>(
  input: Buffer,
  options: { format: string; maxBytes?: number },
  read: (input: Buffer) => Item[],
  toDocument: (item: Item) => ParsedDocument<Tree>,
  idOf: (item: Item) => string,
  sourceOf?: (item: Item) => string | undefined,
): DocumentResult<Tree>[] {
  const { format } = options;
  const maxBytes = options.maxBytes ?? MAX_DOCUMENT_BYTES;
  if (input.length > maxBytes) {
    throw new FormatError(
      format,
      `byte ${maxBytes}`,
      `document is ${input.length} bytes, over the ${maxBytes}-byte limit for one document: split the interchange or raise maxBytes`,
    );
  }
  const asFormatError = (error: unknown): FormatError =>
    error instanceof FormatError
      ? error
      : new FormatError(
          format,
          'document',
          `cannot be read: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
          },
        );
  let items: Item[];
  try {
    items = read(input);
  } catch (error) {
    throw asFormatError(error);
  }
  return readEach(items, toDocument, idOf, asFormatError, sourceOf);
}
