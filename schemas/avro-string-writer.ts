import { createRequire } from 'node:module';

/**
 * A faster `Tap.writeString` for avsc 5.7 (pinned): short strings, most of a canonical record's fields (ids,
 * codes, names), are UTF-8 encoded in one pass with their length filled in afterwards, instead of asking
 * Buffer.byteLength first and then encoding. The bytes are avsc's own, including its encoding of lone
 * surrogates (avro-string-writer.spec.ts); longer strings and a nearly full buffer keep avsc's code.
 */
interface Tap {
  buf: Buffer;
  pos: number;
}

type WriteString = (this: Tap, text: string) => void;

const { Tap } = createRequire(import.meta.url)('avsc/lib/utils.js') as {
  Tap: { prototype: { writeString: WriteString } };
};

/** avsc's own writer, kept for long strings and for the equality test. */
export const avscWriteString: WriteString = Tap.prototype.writeString;

/** Strings below this many UTF-16 units take the one-pass path. */
const SHORT = 64;

export const writeString: WriteString = function (this: Tap, text) {
  const units = text.length;
  const buf = this.buf;
  const lengthAt = this.pos;
  if (units >= SHORT || lengthAt + 2 + 3 * units > buf.length) return avscWriteString.call(this, text);
  const start = lengthAt + 1;
  let pos = start;
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
  const length = pos - start;
  // 64 bytes or more (non-ASCII text) need a two-byte length, and avsc writes lone surrogates differently
  // past 64 bytes: such rare strings are written again by avsc.
  if (length >= 64) return avscWriteString.call(this, text);
  buf[lengthAt] = length * 2; // zig-zag varint in one byte
  this.pos = pos;
};

/** Puts `writeString` in place of avsc's; every avsc Type in the process writes through it. */
export function installAvroStringWriter(): void {
  Tap.prototype.writeString = writeString;
}
