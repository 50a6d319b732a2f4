/**
 * The Avro string writer of the compiled writers (avro-writer.ts): the bytes avsc 5.7 (pinned) writes for a string,
 * its zig-zag length then its UTF-8, including avsc's encoding of lone surrogates (avro-string-writer.spec.ts).
 * Short strings, most of a canonical record's fields (ids, codes, names), are encoded in one pass with their length
 * filled in afterwards, instead of asking Buffer.byteLength first and then encoding.
 *
 * Writes at `pos` into `buf` and returns the position after the string. Bytes that fall past the end of `buf` are
 * not written (a typed array drops such stores) while the position still counts them, so a caller sees that its
 * buffer was too small from the position it gets back, and writes again into a larger one.
 */
export function writeString(buf: Buffer, text: string, pos: number): number {
  const units = text.length;
  if (units < SHORT) {
    const start = pos + 1;
    const end = writeWtf8(buf, text, start);
    const length = end - start;
    if (length < 64) {
      buf[pos] = length * 2; // zig-zag varint in one byte
      return end;
    }
  }
  return writeLongString(buf, text, pos);
}

/** Strings below this many UTF-16 units take the one-pass path. */
const SHORT = 64;

/**
 * 64 bytes or more, as avsc writes them: the length from Buffer.byteLength (a lone surrogate counts as the 3 bytes of
 * U+FFFD), then above 64 bytes Node's UTF-8 encoder (which writes U+FFFD for a lone surrogate), at exactly 64 avsc's
 * own loop (which writes the surrogate's own 3 bytes, as writeWtf8 does).
 */
function writeLongString(buf: Buffer, text: string, pos: number): number {
  const length = Buffer.byteLength(text);
  let at = writeLength(buf, length, pos);
  if (at + length <= buf.length) {
    if (length > 64) buf.write(text, at, length, 'utf8');
    else writeWtf8(buf, text, at);
  }
  at += length;
  return at;
}

/** A string's length as a zig-zag varint (never negative, at most a few bytes). */
function writeLength(buf: Buffer, length: number, pos: number): number {
  let m = length * 2;
  while (m > 0x7f) {
    buf[pos++] = (m & 0x7f) | 0x80;
    m >>>= 7;
  }
  buf[pos++] = m;
  return pos;
}

/** The text's UTF-8, a lone surrogate as its own 3 bytes (as avsc's loop writes it); returns the end. */
function writeWtf8(buf: Buffer, text: string, pos: number): number {
  const units = text.length;
  for (let i = 0; i < units; i++) {
    let c1 = text.charCodeAt(i);
    if (c1 < 0x80) {
      buf[pos++] = c1;
    } else if (c1 < 0x800) {
      buf[pos++] = (c1 >> 6) | 0xc0;
      buf[pos++] = (c1 & 0x3f) | 0x80;
    } else if ((c1 & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c1 = 0x10000 + ((c1 & 0x03ff) << 10) + (text.charCodeAt(i + 1) & 0x03ff);
      i++;
      buf[pos++] = (c1 >> 18) | 0xf0;
      buf[pos++] = ((c1 >> 12) & 0x3f) | 0x80;
      buf[pos++] = ((c1 >> 6) & 0x3f) | 0x80;
      buf[pos++] = (c1 & 0x3f) | 0x80;
    } else {
      buf[pos++] = (c1 >> 12) | 0xe0;
      buf[pos++] = ((c1 >> 6) & 0x3f) | 0x80;
      buf[pos++] = (c1 & 0x3f) | 0x80;
    }
  }
  return pos;
}
