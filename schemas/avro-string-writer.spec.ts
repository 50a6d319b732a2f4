import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { avscWriteString, installAvroStringWriter, writeString } from './avro-string-writer.ts';
import { avroType } from './catalog.ts';
import { exampleJson } from './examples.ts';

const { Tap } = createRequire(import.meta.url)('avsc/lib/utils.js') as {
  Tap: (new (buf: Buffer, pos: number) => { buf: Buffer; pos: number }) & { prototype: object };
};

function written(write: typeof writeString, text: string, size = 1024, at = 3): Buffer {
  const tap = new Tap(Buffer.alloc(size), at);
  write.call(tap, text);
  return tap.pos <= size ? tap.buf.subarray(at, tap.pos) : Buffer.from(`overflow ${tap.pos}`);
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
  for (let i = 0; i < 5000; i++) {
    cases.push(Array.from({ length: randomInt(0, 80) }, () => alphabet[randomInt(alphabet.length)]).join(''));
  }

  it("writes avsc's bytes for every kind of text, including lone surrogates and long non-ASCII text", () => {
    for (const text of cases) {
      expect(written(writeString, text).equals(written(avscWriteString, text)), JSON.stringify(text)).toBe(
        true,
      );
    }
  });

  it('near the end of the buffer reports the same overflow as avsc, so avsc encodes again into a larger one', () => {
    for (const text of cases.slice(0, 200)) {
      for (const size of [4, 20, 70]) {
        const ours = new Tap(Buffer.alloc(size), 2);
        const theirs = new Tap(Buffer.alloc(size), 2);
        writeString.call(ours, text);
        avscWriteString.call(theirs, text);
        expect(ours.pos, JSON.stringify(text)).toBe(theirs.pos);
      }
    }
  });

  it('is the writer avsc uses once installed, and writes what avsc wrote', () => {
    const type = avroType('CustomerPartyMaster.avsc');
    const prototype = Tap.prototype as { writeString: unknown };
    const value = { ...(exampleJson('CustomerEvent').customer as object) };
    const before = type.toBuffer(type.fromBuffer(type.toBuffer(type.clone(value, { wrapUnions: true }))));
    installAvroStringWriter();
    expect(prototype.writeString).toBe(writeString);
    expect(type.toBuffer(type.fromBuffer(before)).equals(before)).toBe(true);
  });
});
