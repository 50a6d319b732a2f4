import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  BatchDecompressionError,
  type KafkajsCodec,
  lz4Codec,
  MAX_DECOMPRESSED_BYTES,
  snappyCodec,
  zstdCodec,
} from './kafkajs-codecs.ts';
import { compressLz4Frame } from './lz4-frame.ts';
import { codecVectorPlain, wordSalad } from './test-support.ts';

const vector = (file: string) => readFileSync(new URL(`./testdata/codecs/${file}`, import.meta.url));
const plain = codecVectorPlain();

describe('record batch codecs against what the reference implementations wrote (testdata/codecs)', () => {
  it.each([
    ["ZSTD, as Kafka's Java producer writes it (zstd-jni)", zstdCodec, 'zstd.kafka.bin'],
    [
      "LZ4, as Kafka's Java producer writes it (a frame of two 64 KiB independent blocks)",
      lz4Codec,
      'lz4.kafka.bin',
    ],
    [
      'LZ4, a frame with content size, block and content checksums (lz4-java)',
      lz4Codec,
      'lz4.frame-checksums.bin',
    ],
    [
      'LZ4, linked blocks as librdkafka may write them (the lz4 reference CLI, -BD)',
      lz4Codec,
      'lz4.linked-blocks.bin',
    ],
    [
      "Snappy, as Kafka's Java producer writes it (snappy-java's framing, four chunks)",
      snappyCodec,
      'snappy.kafka.bin',
    ],
    ['Snappy, one raw block as librdkafka writes it (snappy-java)', snappyCodec, 'snappy.raw.bin'],
  ] as Array<[string, KafkajsCodec, string]>)('%s', async (_, codec, file) => {
    const compressed = vector(file);
    expect(compressed.length).toBeLessThan(plain.length / 3);
    expect((await codec.decompress(compressed)).equals(plain)).toBe(true);
  });

  it.each([
    ['ZSTD', zstdCodec],
    ['LZ4', lz4Codec],
    ['Snappy', snappyCodec],
  ] as Array<[string, KafkajsCodec]>)(
    '%s reads back what it wrote, smaller than it was',
    async (_, codec) => {
      for (const input of [plain, Buffer.from('one record'), plain.subarray(0, 32 * 1024)]) {
        const compressed = await codec.compress({ buffer: input });
        expect((await codec.decompress(compressed)).equals(input)).toBe(true);
      }
      expect((await codec.compress({ buffer: plain })).length).toBeLessThan(plain.length / 3);
    },
  );

  it("Snappy writes snappy-java's framing, as the Java client does: its header, then 32 KiB chunks", async () => {
    const written = await snappyCodec.compress({ buffer: plain });
    expect(written.subarray(0, 16)).toEqual(vector('snappy.kafka.bin').subarray(0, 16));
    let chunks = 0;
    for (let at = 16; at < written.length; at += 4 + written.readInt32BE(at)) chunks++;
    expect(chunks).toBe(Math.ceil(plain.length / (32 * 1024)));
  });
});

/**
 * The sequences of an LZ4 block (lz4's doc/lz4_Block_format.md): where each starts, its literals, whether a match
 * follows. A decoder of its own, kept to the format's text, for the rules liblz4 holds blocks to.
 */
function sequences(block: Buffer): Array<{ start: number; literals: number; match: boolean }> {
  const out: Array<{ start: number; literals: number; match: boolean }> = [];
  let position = 0; // in the decompressed block
  for (let at = 0; at < block.length; ) {
    const token = block[at++]!;
    let literals = token >> 4;
    if (literals === 15) for (let b = 255; b === 255; literals += b) b = block[at++]!;
    at += literals;
    const start = position + literals;
    if (at >= block.length) {
      out.push({ start: position, literals, match: false });
      break;
    }
    at += 2;
    let length = (token & 15) + 4;
    if ((token & 15) === 15) for (let b = 255; b === 255; length += b) b = block[at++]!;
    out.push({ start, literals, match: true });
    position = start + length;
  }
  return out;
}

describe('LZ4 frames the hub writes', () => {
  it("keep LZ4's end-of-block rules, as liblz4 (the broker's decompressor) holds them: the last match 12 bytes before the end, 5 literals after", async () => {
    let blocks = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const plain = wordSalad(seed, 150_000 + seed * 997);
      const frame = compressLz4Frame(plain);
      expect((await lz4Codec.decompress(frame)).equals(plain)).toBe(true);
      for (let at = 7, from = 0; frame.readUInt32LE(at) !== 0; from += 0x10000) {
        const word = frame.readUInt32LE(at);
        const size = Math.min(0x10000, plain.length - from);
        if (!(word & 0x80000000)) {
          const parts = sequences(frame.subarray(at + 4, at + 4 + word));
          const lastMatch = parts.filter((p) => p.match).at(-1);
          const tail = parts.at(-1)!;
          expect(tail.match, `seed ${seed}, block at ${from}`).toBe(false);
          expect(tail.literals, `seed ${seed}, block at ${from}`).toBeGreaterThanOrEqual(5);
          if (lastMatch)
            expect(lastMatch.start, `seed ${seed}, block at ${from}`).toBeLessThanOrEqual(size - 12);
          blocks++;
        }
        at += 4 + (word & 0x7fffffff);
      }
    }
    expect(blocks).toBeGreaterThan(100);
  });
});

describe('a batch its codec cannot read', () => {
  const refused = async (codec: KafkajsCodec, bytes: Buffer, name: string, problem: RegExp) => {
    const error = await codec.decompress(bytes).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BatchDecompressionError);
    expect(error).toMatchObject({ codec: name, retriable: false });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^a record batch compressed with ${name} could not be decompressed: ${problem.source}`,
        problem.flags,
      ),
    );
  };

  it('is refused by a typed, final error naming the codec and what is wrong', async () => {
    const zstd = vector('zstd.kafka.bin');
    await refused(zstdCodec, zstd.subarray(0, zstd.length - 100), 'ZSTD', /unexpected end of file/i);
    await refused(zstdCodec, gzipSync(plain), 'ZSTD', /unknown frame descriptor/i);
    await refused(lz4Codec, gzipSync(plain), 'LZ4', /invalid magic number/);
    const snappy = vector('snappy.kafka.bin');
    await refused(
      snappyCodec,
      snappy.subarray(0, 1000),
      'Snappy',
      /its chunk at byte 16 announces 8426 bytes, 980 are left/,
    );
    await refused(
      snappyCodec,
      snappy.subarray(0, snappy.length - 2),
      'Snappy',
      /its chunk length at byte \d+ is cut off|its chunk at byte \d+ announces/,
    );
    await refused(
      snappyCodec,
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0]),
      'Snappy',
      /invalid snappy bitstream|too big/i,
    );
  });

  it('whose size would be over MAX_DECOMPRESSED_BYTES is refused before anything is allocated', async () => {
    // An LZ4 frame announcing 1 TiB of content (FLG: version 1, independent blocks, content size).
    const frame = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x68, 0x40, 0, 0, 0, 0, 0, 1, 0, 0, 0x00, 0, 0, 0, 0]);
    await refused(
      lz4Codec,
      frame,
      'LZ4',
      new RegExp(`its frame announces 1099511627776 bytes, more than ${MAX_DECOMPRESSED_BYTES}`),
    );
    // A raw snappy block announcing 512 MiB.
    await refused(
      snappyCodec,
      Buffer.from([0x80, 0x80, 0x80, 0x80, 0x02, 0]),
      'Snappy',
      /.* 536870912 is too big/,
    );
  });
});
