import { isUtf8 } from 'node:buffer';
import { decodeCharset, decodeUtf8, refuseOversized } from '../text-input/decode.ts';
import { FormatError } from '../types.ts';
import { isWhitespace } from '../x12/text.ts';
import { type InterchangeStart, readServiceStringAdvice, type ServiceStringAdvice } from './tokenizer.ts';

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
 * A file of several interchanges is read interchange by interchange, each in the character set of its own UNB: a
 * UNOA interchange after a UNOC one, or a UTF-8 (UNOW) one after a UNOC one whose Latin-1 bytes make the file as a
 * whole no UTF-8, is not read in the first one's.
 */
export function decodeInterchange(input: Buffer, format: string): string {
  if (isUtf8(input)) return decodeUtf8(format, input);
  refuseOversized(format, input);
  const interchanges = interchangesOf(input.toString('latin1'), format);
  let text = '';
  interchanges.forEach(({ from, syntax }, i) => {
    text += decodeOne(input, from, interchanges[i + 1]?.from ?? input.length, syntax, format);
  });
  return text;
}

/** The bytes `from`..`to` of `input`, one interchange, read as its UNB syntax identifier `syntax` says. */
function decodeOne(
  input: Buffer,
  from: number,
  to: number,
  syntax: string | undefined,
  format: string,
): string {
  const bytes = input.subarray(from, to);
  if (isUtf8(bytes)) return decodeUtf8(format, bytes);
  const charset = syntax === undefined ? undefined : ISO_8859_PARTS[syntax];
  if (charset !== undefined) return decodeCharset(format, bytes, charset);
  // Refused as UTF-8 is: the file's bytes up to the end of this interchange, those of the interchanges before it
  // (read in their own character sets) masked, so that the offset, line and column named are the file's.
  const upTo = Buffer.from(input.subarray(0, to));
  for (let i = 0; i < from; i++) if (upTo[i]! >= 0x80) upTo[i] = 0x20;
  try {
    return decodeUtf8(format, upTo);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    throw new FormatError(
      format,
      error.location,
      `${error.message.slice(`${format}: ${error.location}: `.length)}; UNB syntax identifier ${JSON.stringify(syntax ?? '')} says UTF-8 or ASCII (UNOC…UNOK would name an ISO 8859 part)`,
    );
  }
}

/**
 * Where each interchange of a file starts (byte offsets: `text` is the bytes read as Latin-1, one character a byte)
 * and its UNB syntax identifier (`UNOC` of `UNB+UNOC:3+…`). A next interchange starts at a UNA or UNB that begins a
 * segment (after an unreleased terminator of the one before and any line breaks); the head of one that does not read
 * ends the list, its bytes read with the interchange before.
 */
function interchangesOf(text: string, format: string): { from: number; syntax: string | undefined }[] {
  const interchanges: { from: number; syntax: string | undefined }[] = [];
  let at: InterchangeStart = { from: 0, segment: 1 };
  for (;;) {
    let advice: ServiceStringAdvice;
    try {
      advice = readServiceStringAdvice(text, format, at);
    } catch {
      if (interchanges.length === 0) interchanges.push({ from: 0, syntax: undefined });
      return interchanges;
    }
    interchanges.push({ from: at.from, syntax: syntaxIdentifier(text, advice) });
    const next = nextInterchange(text, advice);
    if (next === -1) return interchanges;
    at = { from: next, segment: 1, previous: advice.separators };
  }
}

/** UNB's first component, read after the UNB the advice found. */
function syntaxIdentifier(text: string, { separators, start }: ServiceStringAdvice): string | undefined {
  const from = start + 3 + separators.element.length;
  let end = from;
  while (
    end < text.length &&
    end - from < 16 &&
    ![separators.component, separators.element, separators.segment].includes(text[end]!)
  )
    end++;
  return text.slice(from, end).trim() || undefined;
}

/** The offset of the next UNA or UNB that begins a segment after the advice's UNB, -1 when there is none. */
function nextInterchange(text: string, { separators, start }: ServiceStringAdvice): number {
  const { segment, release } = separators;
  const tags = /UN[AB]/g;
  tags.lastIndex = start + 3;
  for (let match = tags.exec(text); match; match = tags.exec(text)) {
    let end = match.index - 1;
    while (end > start && text[end] !== segment && isWhitespace(text.charCodeAt(end))) end--;
    if (text[end] !== segment) continue;
    let releases = 0;
    while (release && text[end - releases - 1] === release) releases++;
    if (releases % 2 === 0) return match.index;
  }
  return -1;
}
