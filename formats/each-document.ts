import type { FormatError, FormatReader, ParsedDocument, RefusedDocument } from './types.ts';

/** What a reader's `parseEach` yields per document: the document, or why it alone was refused. */
export type DocumentResult<Tree> = ParsedDocument<Tree> | RefusedDocument;

export function isRefused<Tree>(result: DocumentResult<Tree>): result is RefusedDocument {
  return 'refused' in result;
}

/**
 * Reads each item of an input (a transaction set, a message, an IDoc) into its document on its own: what reading
 * one throws refuses that one, as the FormatError `asFormatError` makes of it, with the id `idOf` finds and the
 * sender `sourceOf` finds (its envelope's, read before the document itself).
 */
export function readEach<Item, Tree>(
  items: Item[],
  read: (item: Item) => ParsedDocument<Tree>,
  idOf: (item: Item) => string | undefined,
  asFormatError: (error: unknown) => FormatError,
  sourceOf: (item: Item) => string | undefined = () => undefined,
): DocumentResult<Tree>[] {
  return items.map((item) => {
    try {
      return read(item);
    } catch (error) {
      const id = idOf(item);
      const source = sourceOf(item);
      return { ...(id ? { id } : {}), ...(source ? { source } : {}), refused: asFormatError(error) };
    }
  });
}

/** A reader's `parse` and `parseEach` from its `parseEach`: `parse` throws the first refusal, all or nothing. */
export function parses<Tree>(
  parseEach: (input: Buffer) => DocumentResult<Tree>[],
): Pick<FormatReader<Tree>, 'parse' | 'parseEach'> {
  return {
    parseEach,
    parse: (input) =>
      parseEach(input).map((result) => {
        if (isRefused(result)) throw result.refused;
        return result;
      }),
  };
}
