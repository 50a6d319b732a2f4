import { isUtf8 } from 'node:buffer';
import { FormatError } from '../types.ts';

/**
 * Decodes EDI bytes as UTF-8, dropping a byte-order mark. Invalid UTF-8 is refused with the byte offset of the
 * first bad sequence, because a silent U+FFFD would turn a wrong byte into a wrong name or amount downstream.
 */
export function decodeUtf8(input: Buffer, format: string): string {
  if (!isUtf8(input)) {
    const offset = firstInvalidUtf8Offset(input);
    const hex = input.subarray(offset, offset + 4).toString('hex');
    throw new FormatError(format, `byte ${offset}`, `invalid UTF-8 (bytes ${hex}…); EDI input must be UTF-8`);
  }
  const text = input.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Only called once isUtf8 said no, so the linear scan costs nothing on valid input. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need =
      b < 0x80
        ? 0
        : b >= 0xc2 && b <= 0xdf
          ? 1
          : b >= 0xe0 && b <= 0xef
            ? 2
            : b >= 0xf0 && b <= 0xf4
              ? 3
              : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlong 3/4-byte forms, surrogates and code points above U+10FFFF.
    const b1 = bytes[i + 1] ?? 0;
    if (b === 0xe0 && b1 < 0xa0) return i;
    if (b === 0xed && b1 > 0x9f) return i;
    if (b === 0xf0 && b1 < 0x90) return i;
    if (b === 0xf4 && b1 > 0x8f) return i;
    i += need + 1;
  }
  return bytes.length;
}

/** Counts line feeds incrementally so every segment gets its line number in one linear pass. */
export class LineCounter {
  private readonly text: string;
  private position = 0;
  private currentLine = 1;
  constructor(text: string) {
    this.text = text;
  }
  /** Line (1-based) of `index`; indexes must be asked in increasing order. */
  lineAt(index: number): number {
    let next = this.text.indexOf('\n', this.position);
    while (next !== -1 && next < index) {
      this.currentLine++;
      next = this.text.indexOf('\n', next + 1);
    }
    this.position = index;
    return this.currentLine;
  }
}

export function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}
