import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { FormatError } from '../types.ts';

/**
 * One document of any format is at most this big: the readers hold its whole tree in memory (tens of heap bytes
 * per input byte), and a 50 MB document must be refused at once, never half-read.
 */
export const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decodes strict UTF-8 (a leading byte-order mark is dropped). Invalid bytes are refused with their offset:
 * TextDecoder says only that the input is bad, so the offset comes from a second, slower scan on failure.
 */
export function decodeUtf8(format: string, input: Buffer, maxBytes = MAX_DOCUMENT_BYTES): string {
  refuseOversized(format, input, maxBytes);
  if (!isUtf8(input)) {
    const offset = firstInvalidUtf8Offset(input);
    const byte = input[offset] ?? 0;
    throw new NotUtf8Error(
      format,
      `byte ${offset}`,
      `invalid UTF-8 (byte 0x${byte.toString(16).padStart(2, '0')} at offset ${offset}, ${byteLineColumn(input, offset)})`,
      likelyCharset(input),
    );
  }
  return decoder.decode(input);
}

/**
 * Bytes read as UTF-8 that are not: a FormatError (so named to every reader of its name: dead letters,
 * `--json`) that also carries the character set the bytes suggest, for a caller that can tell the user to name it.
 */
export class NotUtf8Error extends FormatError {
  /** What is wrong, without the format and location (`invalid UTF-8 (byte 0xfc at offset 204, …)`). */
  readonly problem: string;
  /** The character set the bytes most likely are in (likelyCharset). */
  readonly likely: string;
  constructor(format: string, location: string, problem: string, likely: string) {
    super(format, location, problem);
    this.name = 'FormatError';
    this.problem = problem;
    this.likely = likely;
  }
}

/**
 * The character set that bytes which are not UTF-8 are most likely in: UTF-16 when they start with its byte-order
 * mark, else windows-1252, what Excel and most ERPs write Western text in (it reads ISO-8859-1's printable
 * characters the same). A suggestion to name, never applied on its own: ISO-8859-2 or Mac Roman look alike.
 */
export function likelyCharset(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return 'windows-1252';
}

/**
 * Decodes a document in the character set its envelope declares (an XML declaration, an EDIFACT syntax identifier).
 * UTF-8 (or no label) is read strictly; ISO-8859-1 byte for byte (the WHATWG decoder would read it as
 * windows-1252); any other WHATWG label (windows-1252, iso-8859-2, utf-16le, …) through TextDecoder. A label the
 * runtime does not know, or bytes its decoder refuses, are a FormatError naming the label.
 */
export function decodeCharset(format: string, input: Buffer, charset: string | undefined): string {
  const label = charset?.trim().toLowerCase();
  if (label === undefined || label === 'utf-8' || label === 'utf8') return decodeUtf8(format, input);
  refuseOversized(format, input);
  if (LATIN1.has(label)) return input.toString('latin1');
  const decoder = decoderFor(label);
  if (!decoder)
    throw new FormatError(format, 'byte 0', `character set ${JSON.stringify(charset)} is not supported`);
  try {
    return decoder.decode(input);
  } catch {
    throw new FormatError(
      format,
      'document',
      `the bytes are not valid ${decoder.encoding}, the declared character set`,
    );
  }
}

/**
 * A document written in `charset` (a partner's ISO-8859-1 or windows-1252 X12 or CSV, which declare none) as the
 * UTF-8 bytes its reader takes. Refuses bytes the charset's decoder refuses, as decodeCharset does.
 */
export function toUtf8(format: string, input: Buffer, charset: string): Buffer {
  refuseOversized(format, input);
  // A file that is UTF-8 after all (the partner switched, a converter re-encoded it): its ü read byte for byte as a
  // single-byte charset would be published as Ã¼. Bytes that are valid UTF-8 and not all ASCII are hardly ever
  // text of a single-byte charset, so they are read as UTF-8, as the EDIFACT reader reads a UTF-8 UNOC file. All
  // ASCII, they read the same either way (every single-byte charset here is ASCII below 0x80): one scan (isUtf8,
  // native) says both.
  if (isSingleByte(charset) && isUtf8(input)) return input;
  return Buffer.from(decodeCharset(format, input, charset), 'utf8');
}

/**
 * The strict decoder of each WHATWG label, made once per label (a decoder without `stream` keeps nothing between
 * calls); undefined for a label the runtime does not know, which is not kept (labels come from documents: the map
 * holds only the runtime's own, a bounded set).
 */
const decoders = new Map<string, InstanceType<typeof TextDecoder>>();
function decoderFor(label: string): InstanceType<typeof TextDecoder> | undefined {
  let decoder = decoders.get(label);
  if (decoder) return decoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    return undefined;
  }
  decoders.set(label, decoder);
  return decoder;
}

/** ISO-8859-x, windows-125x and the like: one byte a character, every byte a character. */
function isSingleByte(charset: string): boolean {
  const label = charset.trim().toLowerCase();
  if (LATIN1.has(label)) return true;
  const encoding = decoderFor(label)?.encoding;
  return (
    encoding !== undefined && /^(windows-125\d|iso-8859-\d+|koi8-[ru]|macintosh|windows-874)$/.test(encoding)
  );
}

/** Whether decodeCharset knows the label. */
export function isKnownCharset(charset: string): boolean {
  const label = charset.trim().toLowerCase();
  return LATIN1.has(label) || decoderFor(label) !== undefined;
}

const LATIN1 = new Set(['iso-8859-1', 'iso8859-1', 'iso_8859-1', 'latin1', 'l1']);

/** Refuses a document over the limit before anything reads it. */
export function refuseOversized(format: string, input: Buffer, maxBytes = MAX_DOCUMENT_BYTES): void {
  if (input.length > maxBytes) {
    throw new FormatError(
      format,
      `byte ${maxBytes}`,
      `document is ${input.length} bytes; the limit is ${maxBytes} bytes (${Math.round(maxBytes / 1048576)} MiB)`,
    );
  }
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629). */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return i;
    // The second byte's range excludes overlongs and surrogates.
    min = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    if (b === 0xed) max = 0x9f;
    if (b === 0xf4) max = 0x8f;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c < lo || c > hi) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}

/** `line L, column C` of a byte offset (lines by LF, the column in bytes): where an editor finds a bad byte. */
function byteLineColumn(input: Buffer, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = input.indexOf(0x0a); i !== -1 && i < offset; i = input.indexOf(0x0a, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/** A stable id for documents that carry none of their own: the first 16 hex digits of the content's SHA-256. */
export function contentId(input: Buffer): string {
  return `sha256:${createHash('sha256').update(input).digest('hex').slice(0, 16)}`;
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}
