import { isUtf8 } from 'node:buffer';
import { decodeCharset, decodeUtf8 } from '../text-input/decode.ts';
import { FormatError } from '../types.ts';
import { readServiceStringAdvice } from './tokenizer.ts';

/**
 * The ISO 9735 syntax identifiers (UNB S001/0001) whose characters are an ISO 8859 part: UNOC is Latin-1, so a
 * partner's `Kälte` arrives as the single byte 0xE4. UNOA / UNOB are ASCII, UNOW / UNOY UTF-8.
 */
const ISO_8859_PARTS: Record<string, string> = {
  UNOC: 'iso-8859-1',
  UNOD: 'iso-8859-2',
  UNOE: 'iso-8859-5',
  UNOF: 'iso-8859-7',
  UNOG: 'iso-8859-3',
  UNOH: 'iso-8859-4',
  UNOI: 'iso-8859-6',
  UNOJ: 'iso-8859-8',
  UNOK: 'iso-8859-9',
};

/**
 * An interchange's text. Valid UTF-8 is read as UTF-8 whatever UNB says (many UNOC files are UTF-8 in practice);
 * other bytes are read in the ISO 8859 part the UNB syntax identifier names, and refused for any other identifier.
 */
export function decodeInterchange(input: Buffer, format: string): string {
  if (isUtf8(input)) return decodeUtf8(format, input);
  const syntax = syntaxIdentifier(input, format);
  const charset = syntax === undefined ? undefined : ISO_8859_PARTS[syntax];
  if (charset !== undefined) return decodeCharset(format, input, charset);
  try {
    return decodeUtf8(format, input);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    throw new FormatError(
      format,
      error.location,
      `${error.message.slice(`${format}: ${error.location}: `.length)}; UNB syntax identifier ${JSON.stringify(syntax ?? '')} says UTF-8 or ASCII (UNOC…UNOK would name an ISO 8859 part)`,
    );
  }
}

/** UNB's first component (`UNOC` of `UNB+UNOC:3+…`), read from the ASCII head of the bytes. */
function syntaxIdentifier(input: Buffer, format: string): string | undefined {
  const head = input.subarray(0, 1024).toString('latin1');
  const { separators, start } = readServiceStringAdvice(head, format);
  const from = start + 3 + separators.element.length;
  let end = from;
  while (
    end < head.length &&
    ![separators.component, separators.element, separators.segment].includes(head[end]!)
  )
    end++;
  return head.slice(from, end).trim() || undefined;
}
