import { createRequire } from 'node:module';

/**
 * The LZ4 frame format (lz4's doc/lz4_Frame_format.md) around lz4js's block codec and xxHash32. lz4js's own frame
 * functions are not used: they read a block's checksum before its data instead of after it, a 64-bit content size
 * in 32-bit arithmetic, and block sizes as signed numbers (so a frame lz4-java writes with block checksums comes
 * out wrong); its block codec is sound. lz4js is loaded at the first frame (it allocates 5 MB at load).
 */
interface Lz4js {
  decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
  compressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    sIndex: number,
    sLength: number,
    hashTable: Uint32Array,
  ): number;
  compressBound(n: number): number;
}
interface Xxh32 {
  hash(seed: number, src: Uint8Array, index: number, length: number): number;
}

const require = createRequire(import.meta.url);
let lz4: { block: Lz4js; xxh32: Xxh32 } | undefined;
function lz4js() {
  lz4 ??= { block: require('lz4js') as Lz4js, xxh32: require('lz4js/xxh32.js') as Xxh32 };
  return lz4;
}

const MAGIC = 0x184d2204;
const VERSION = 0x40;
const BLOCK_INDEPENDENCE = 0x20;
const BLOCK_CHECKSUM = 0x10;
const CONTENT_SIZE = 0x08;
const CONTENT_CHECKSUM = 0x04;
const UNCOMPRESSED = 0x80000000;
/** Block maximum sizes by the BD byte's bits 4–6: 64 KiB, 256 KiB, 1 MiB, 4 MiB. */
const BLOCK_SIZES: Record<number, number> = { 4: 0x10000, 5: 0x40000, 6: 0x100000, 7: 0x400000 };
/** The block size the Java client writes (KafkaLZ4BlockOutputStream's default, BD 0x40). */
const BLOCK_BYTES = 0x10000;

/**
 * Decompresses one LZ4 frame: independent blocks (the Java client's) or linked ones (librdkafka's), with or without
 * content size and checksums (block checksums checked, as Kafka's Java reader does). The header checksum is not
 * checked: Kafka's magic v0/v1 message sets computed it wrongly (KAFKA-3160), and a batch's CRC-32C covers these
 * bytes already. Throws an Error
 * saying what is wrong; more than `maxBytes` of content is refused before it is allocated.
 */
export function decompressLz4Frame(src: Buffer, maxBytes: number): Buffer {
  const { block, xxh32 } = lz4js();
  const need = (at: number, n: number, what: string) => {
    if (at + n > src.length) throw new Error(`its ${what} at byte ${at} is cut off`);
  };
  need(0, 7, 'frame header');
  if (src.readUInt32LE(0) !== MAGIC)
    throw new Error(
      `invalid magic number ${src.readUInt32LE(0).toString(16)} (an LZ4 frame begins 184d2204)`,
    );
  const flags = src[4]!;
  if ((flags & 0xc0) !== VERSION) throw new Error(`unknown frame version ${flags >> 6}`);
  const blockMax = BLOCK_SIZES[(src[5]! >> 4) & 7];
  if (!blockMax) throw new Error(`unknown block maximum size ${(src[5]! >> 4) & 7}`);
  let at = 6;
  let contentSize: number | undefined;
  if (flags & CONTENT_SIZE) {
    need(at, 9, 'content size');
    const size = src.readBigUInt64LE(at);
    if (size > BigInt(maxBytes)) throw new Error(`its frame announces ${size} bytes, more than ${maxBytes}`);
    contentSize = Number(size);
    at += 8;
  }
  at += 1; // the header checksum
  // Content size, else the sum of the blocks' maximum sizes: the output's bound.
  let bound = contentSize ?? 0;
  if (contentSize === undefined) {
    for (let scan = at; ; ) {
      need(scan, 4, 'block size');
      const size = src.readUInt32LE(scan);
      if (size === 0) break;
      bound += size & UNCOMPRESSED ? size & ~UNCOMPRESSED : blockMax;
      if (bound > maxBytes) throw new Error(`its blocks come to more than ${maxBytes} bytes`);
      scan += 4 + (size & ~UNCOMPRESSED) + (flags & BLOCK_CHECKSUM ? 4 : 0);
    }
  }
  const out = Buffer.allocUnsafe(bound);
  let length = 0;
  for (;;) {
    need(at, 4, 'block size');
    const word = src.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const size = word & ~UNCOMPRESSED;
    if (size > blockMax)
      throw new Error(`its block at byte ${at - 4} is ${size} bytes, over its maximum ${blockMax}`);
    need(at, size + (flags & BLOCK_CHECKSUM ? 4 : 0), 'block');
    if (flags & BLOCK_CHECKSUM && xxh32.hash(0, src, at, size) !== src.readUInt32LE(at + size))
      throw new Error(`its block at byte ${at - 4} does not match its checksum`);
    if (word & UNCOMPRESSED) {
      if (length + size > bound) throw new Error('its blocks hold more than its content size');
      src.copy(out, length, at, at + size);
      length += size;
    } else {
      // Matches may reach back into earlier blocks (linked blocks): the output is one buffer.
      const end = block.decompressBlock(src, out, at, size, length);
      if (!(end >= length && end <= bound && end - length <= blockMax))
        throw new Error(`its block at byte ${at - 4} does not decompress within its bounds`);
      length = end;
    }
    at += size + (flags & BLOCK_CHECKSUM ? 4 : 0);
  }
  if (contentSize !== undefined && length !== contentSize)
    throw new Error(`its blocks hold ${length} bytes, its header says ${contentSize}`);
  // A content checksum is read past unchecked, as Kafka's Java reader does: the batch's CRC-32C covers the bytes.
  if (flags & CONTENT_CHECKSUM) need(at, 4, 'content checksum');
  return out.subarray(0, length);
}

/**
 * LZ4's end-of-block rules (lz4's doc/lz4_Block_format.md): the last match starts at least 12 bytes before the end
 * (MFLIMIT) and the last 5 bytes are literals. lz4js's compressBlock lets a match start 10 bytes before the end, which
 * liblz4 (the broker's decompressor, through lz4-java) refuses ("Error decoding offset … of input buffer"): it is given
 * a block this much shorter, and these bytes are added to its last literals.
 */
const TAIL = 2;

/**
 * One LZ4 frame as Kafka's Java client writes it: 64 KiB independent blocks (each compressed on its own, as its
 * reader decompresses them), no content size or checksums, a block that does not shrink stored as it is.
 */
export function compressLz4Frame(src: Buffer): Buffer {
  const { block, xxh32 } = lz4js();
  const blocks = Math.max(1, Math.ceil(src.length / BLOCK_BYTES));
  const out = Buffer.allocUnsafe(7 + blocks * (4 + block.compressBound(BLOCK_BYTES)) + 4);
  out.writeUInt32LE(MAGIC, 0);
  out[4] = VERSION | BLOCK_INDEPENDENCE;
  out[5] = 4 << 4;
  out[6] = (xxh32.hash(0, out, 4, 2) >> 8) & 0xff;
  let at = 7;
  // Room for the tail's literals and their longer count.
  const scratch = Buffer.allocUnsafe(block.compressBound(BLOCK_BYTES) + 16);
  for (let from = 0; from < src.length; from += BLOCK_BYTES) {
    const size = Math.min(BLOCK_BYTES, src.length - from);
    const compressed = compressBlock(src.subarray(from, from + size), scratch);
    if (compressed > 0 && compressed < size) {
      out.writeUInt32LE(compressed, at);
      scratch.copy(out, at + 4, 0, compressed);
      at += 4 + compressed;
    } else {
      out.writeUInt32LE((size | UNCOMPRESSED) >>> 0, at);
      src.copy(out, at + 4, from, from + size);
      at += 4 + size;
    }
  }
  out.writeUInt32LE(0, at);
  return out.subarray(0, at + 4);
}

/**
 * One LZ4 block of `src` into `dst` by lz4js's compressBlock, within LZ4's end-of-block rules (TAIL); its length, or
 * 0 when lz4js found nothing to compress (the block is then stored as it is).
 */
function compressBlock(src: Buffer, dst: Buffer): number {
  const { block } = lz4js();
  const size = src.length - TAIL;
  if (size < 13) return 0; // lz4js's own minimum: it compresses nothing shorter
  const length = block.compressBlock(src, dst, 0, size, new Uint32Array(1 << 16));
  if (length === 0) return 0;
  // The last sequence is literals alone: find where it starts.
  let at = 0;
  let last = 0;
  let literals = 0;
  for (;;) {
    last = at;
    const token = dst[at++]!;
    literals = token >> 4;
    if (literals === 15)
      for (let byte = 255; byte === 255; ) {
        byte = dst[at++]!;
        literals += byte;
      }
    at += literals;
    if (at >= length) break;
    at += 2; // the match's offset
    if ((token & 15) === 15) while (dst[at++] === 255);
  }
  // Written again with the tail: the same literals and TAIL more, straight from the source.
  const count = literals + TAIL;
  at = last;
  if (count >= 15) {
    dst[at++] = 15 << 4;
    let rest = count - 15;
    for (; rest >= 255; rest -= 255) dst[at++] = 255;
    dst[at++] = rest;
  } else dst[at++] = count << 4;
  return at + src.copy(dst, at, src.length - count);
}
