import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { writeString } from './avro-string-writer.ts';

const { Tap } = createRequire(import.meta.url)('avsc/lib/utils.js') as {
  Tap: new (buf: Buffer, pos: number) => { buf: Buffer; pos: number; writeString(text: string): void };
};

/** What avsc's own Tap writes for the text, or where it says its end would be when the buffer is too small. */
function avscWritten(text: string, size = 1024, at = 3): Buffer | number {
  const tap = new Tap(Buffer.alloc(size), at);
  tap.writeString(text);
  return tap.pos <= size ? tap.buf.subarray(at, tap.pos) : tap.pos;
}

function written(text: string, size = 1024, at = 3): Buffer | number {
  const buf = Buffer.alloc(size);
  const end = writeString(buf, text, at);
  return end <= size ? buf.subarray(at, end) : end;
}

describe('avro string writer', () => {
  const alphabet = [
    'a',
    'Z',
    '0',
    ' ',
    'é',
    'ß',
    '€',
    '中',
    '😀',
    '\ud800',
    '\udc00',
    '\u007f',
    '\u0080',
    '\u07ff',
  ];
  const cases = ['', 'EUR', 'sap:0000004711', 'Müller Maschinenbau GmbH', 'x'.repeat(63), 'x'.repeat(64)];
  cases.push('€'.repeat(21), '€'.repeat(22), '€'.repeat(63), '😀'.repeat(31), 'a\ud83d', '\ud83d');
  cases.push('x'.repeat(70), `${'x'.repeat(61)}\ud800`, `${'x'.repeat(62)}\ud800`, 'y'.repeat(9000));
  for (let i = 0; i < 5000; i++) {
    cases.push(Array.from({ length: randomInt(0, 80) }, () => alphabet[randomInt(alphabet.length)]).join(''));
  }

  it("writes avsc's bytes for every kind of text, including lone surrogates and long non-ASCII text", () => {
    for (const text of cases) {
      const ours = written(text, 40_000);
      const theirs = avscWritten(text, 40_000);
      expect(
        Buffer.isBuffer(ours) && Buffer.isBuffer(theirs) && ours.equals(theirs),
        JSON.stringify(text),
      ).toBe(true);
    }
  });

  it("near the end of the buffer writes nothing past it and returns avsc's end, so the caller writes again into a larger one", () => {
    for (const text of cases.slice(0, 300)) {
      for (const size of [4, 20, 70]) {
        const buf = Buffer.alloc(size + 8, 0xee);
        const end = writeString(buf.subarray(0, size), text, 2);
        expect(end, JSON.stringify(text)).toBe(2 + byteCount(text));
        expect(buf.subarray(size).every((byte) => byte === 0xee)).toBe(true);
      }
    }
  });
});

/** avsc's end for a text written at 0 into a buffer large enough: its length's varint, then its bytes. */
function byteCount(text: string): number {
  const written = avscWritten(text, 40_000, 0);
  return Buffer.isBuffer(written) ? written.length : written;
}
