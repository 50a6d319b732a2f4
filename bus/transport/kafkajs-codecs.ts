import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { zstdCompress, zstdDecompress } from 'node:zlib';
import { NonRetriableError } from '../../lib/errors.ts';
import { compressLz4Frame, decompressLz4Frame } from './lz4-frame.ts';

/**
 * The record batch codecs kafkajs 2.2 lacks (it reads GZIP only, and throws "ZSTD compression not implemented" on a
 * batch a Java or Go producer, or the topic's own compression.type, compressed otherwise): ZSTD through node:zlib,
 * LZ4 through lz4js's block codec in the LZ4 frame format (lz4-frame.ts), Snappy through snappyjs (both pure
 * JavaScript, loaded at the first batch). Each reads what the
 * Java client writes (kafkajs-codecs.spec.ts holds its bytes) and what librdkafka writes.
 */

/** A compressed record batch whose bytes its codec cannot read: read again, it fails again. */
export class BatchDecompressionError extends NonRetriableError {
  readonly codec: string;
  constructor(codec: string, problem: string, options: { cause?: unknown } = {}) {
    super(`a record batch compressed with ${codec} could not be decompressed: ${problem}`, options);
    this.codec = codec;
  }
}

/** No batch is larger decompressed: the broker's message.max.bytes is 1 MiB by default, at most 2 GiB. */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/** kafkajs's codec plug-in: `compress` gets its encoder (the batch's records in `buffer`). */
export interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const require = createRequire(import.meta.url);

async function decoding(codec: string, decode: () => Buffer | Promise<Buffer>): Promise<Buffer> {
  try {
    return await decode();
  } catch (error) {
    if (error instanceof BatchDecompressionError) throw error;
    throw new BatchDecompressionError(codec, error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
}

const zstdCompressAsync = promisify(zstdCompress);
const zstdDecompressAsync = promisify(zstdDecompress);

/** ZSTD frames (libzstd, as zstd-jni and librdkafka write them), by Node's own zlib: no dependency. */
export const zstdCodec: KafkajsCodec = {
  compress: (encoder) => zstdCompressAsync(encoder.buffer),
  decompress: (buffer) =>
    decoding('ZSTD', () => zstdDecompressAsync(buffer, { maxOutputLength: MAX_DECOMPRESSED_BYTES })),
};

/**
 * LZ4 frames (lz4-frame.ts): the Java client's 64 KiB independent blocks, librdkafka's linked ones, optional content
 * size and checksums. Kafka's broken header checksum concerns only magic v0 and v1 message sets, which kafkajs does
 * not decompress through this and Kafka 4 no longer stores: it is not checked.
 */
export const lz4Codec: KafkajsCodec = {
  compress: async (encoder) => compressLz4Frame(encoder.buffer),
  decompress: (buffer) => decoding('LZ4', () => decompressLz4Frame(buffer, MAX_DECOMPRESSED_BYTES)),
};

interface Snappyjs {
  compress(src: Buffer): Buffer;
  uncompress(src: Buffer, maxLength?: number): Buffer;
}

let snappyjs: Snappyjs | undefined;

/** snappy-java's stream framing (SnappyOutputStream), which Kafka's Java client writes: magic, version, compatible version. */
const XERIAL_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
const XERIAL_MAGIC_BYTES = 8;
/** The chunk snappy-java writes (its default block size), each a raw snappy block after its length (int32). */
const XERIAL_CHUNK_BYTES = 32 * 1024;

/**
 * Snappy in snappy-java's framing (chunks of raw snappy after a 16-byte header, as the Java client writes it), or one
 * raw snappy block (librdkafka, sarama and kafkajs-snappy write that).
 */
export const snappyCodec: KafkajsCodec = {
  async compress(encoder) {
    snappyjs ??= require('snappyjs') as Snappyjs;
    const input = encoder.buffer;
    const parts: Buffer[] = [XERIAL_HEADER];
    for (let at = 0; at < input.length; at += XERIAL_CHUNK_BYTES) {
      const chunk = snappyjs.compress(input.subarray(at, at + XERIAL_CHUNK_BYTES));
      const length = Buffer.allocUnsafe(4);
      length.writeInt32BE(chunk.length);
      parts.push(length, chunk);
    }
    return Buffer.concat(parts);
  },
  decompress: (buffer) =>
    decoding('Snappy', () => {
      snappyjs ??= require('snappyjs') as Snappyjs;
      if (!isXerial(buffer)) return snappyjs.uncompress(buffer, MAX_DECOMPRESSED_BYTES);
      const chunks: Buffer[] = [];
      let total = 0;
      for (let at = XERIAL_HEADER.length; at < buffer.length; ) {
        if (at + 4 > buffer.length) throw new Error(`its chunk length at byte ${at} is cut off`);
        const size = buffer.readInt32BE(at);
        at += 4;
        if (size < 0 || at + size > buffer.length)
          throw new Error(
            `its chunk at byte ${at - 4} announces ${size} bytes, ${buffer.length - at} are left`,
          );
        const chunk = snappyjs.uncompress(buffer.subarray(at, at + size), MAX_DECOMPRESSED_BYTES - total);
        total += chunk.length;
        chunks.push(chunk);
        at += size;
      }
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
    }),
};

function isXerial(buffer: Buffer): boolean {
  return (
    buffer.length >= XERIAL_HEADER.length &&
    buffer.compare(XERIAL_HEADER, 0, XERIAL_MAGIC_BYTES, 0, XERIAL_MAGIC_BYTES) === 0
  );
}

/** kafkajs's codec types (its `CompressionTypes`): the attribute bits of a record batch. */
const SNAPPY = 2;
const LZ4 = 3;
const ZSTD = 4;
/** kafkajs's registry holds a factory per codec (its own throw "… compression not implemented" when called). */
const FACTORIES = [
  [ZSTD, () => zstdCodec],
  [LZ4, () => lz4Codec],
  [SNAPPY, () => snappyCodec],
] as const;

/**
 * Registers the codecs with kafkajs (its public `CompressionCodecs`, shared by every kafkajs client in the process),
 * where the transport is made rather than at import; again, it changes nothing. GZIP stays kafkajs's own. Through
 * require: Node's ESM loader does not see kafkajs's `CompressionCodecs` as a named export of the CommonJS module.
 */
export function installKafkajsCodecs(): void {
  const { CompressionCodecs, CompressionTypes } = require('kafkajs') as {
    CompressionCodecs: Record<number, () => KafkajsCodec>;
    CompressionTypes: Record<string, number>;
  };
  if (CompressionTypes.ZSTD !== ZSTD || CompressionTypes.LZ4 !== LZ4 || CompressionTypes.Snappy !== SNAPPY)
    throw new Error(`kafkajs's compression types are not the ones these codecs were written for`);
  for (const [type, factory] of FACTORIES) CompressionCodecs[type] = factory;
}
