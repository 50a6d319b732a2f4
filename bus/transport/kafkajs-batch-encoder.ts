import { createRequire } from 'node:module';
import type { EncodedRecord } from './kafkajs-record-encoder.ts';

/**
 * A drop-in for kafkajs 2.2's uncompressed record batch (v2 message format) encoder: one exactly-sized buffer
 * and a native CRC-32C. kafkajs's own copies the records three times through growing encoders and computes the
 * CRC a byte at a time in JavaScript, which for 1 KB records cost as much as kafkajs's whole network path.
 * Compressed batches are written by the produce request encoder (kafkajs-produce-encoder.ts) with `writeBatchHead`
 * and `finishBatch`. Byte-for-byte kafkajs's output (kafkajs-batch-encoder.spec.ts).
 */
const require = createRequire(import.meta.url);

/** kafkajs's Long (a BigInt wrapper) or a plain number. */
type LongLike = number | { toString(): string };

export interface RecordBatchInput {
  compression?: number;
  firstOffset?: LongLike;
  firstTimestamp?: LongLike;
  maxTimestamp?: LongLike;
  partitionLeaderEpoch?: number;
  lastOffsetDelta?: number;
  transactional?: boolean;
  producerId?: LongLike;
  producerEpoch?: number;
  firstSequence?: number;
  records?: EncodedRecord[];
}

export interface EncodedBatch extends EncodedRecord {
  size(): number;
}

const jsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (buffer: Buffer) => number;

/**
 * CRC-32C from @node-rs/crc32 (Rust, hardware CRC instructions, prebuilt for each platform through npm): about
 * 14x kafkajs's table loop. kafkajs's own is the fallback where no prebuilt binary exists.
 */
export const crc32c: (buffer: Buffer) => number = (() => {
  try {
    const native = (require('@node-rs/crc32') as { crc32c(input: Buffer): number }).crc32c;
    return (buffer: Buffer) => native(buffer) >>> 0;
  } catch {
    return jsCrc32c;
  }
})();

const TRANSACTIONAL = 16;
/** The attributes' low three bits: the codec of the records section (0 none, 1 GZIP, 2 Snappy, 3 LZ4, 4 ZSTD). */
const COMPRESSION_CODEC_MASK = 0x07;
/** partitionLeaderEpoch, magic and CRC: the part of the batch before the CRC-covered body. */
const PREAMBLE = 4 + 1 + 4;
/** attributes, lastOffsetDelta, firstTimestamp, maxTimestamp, producerId, producerEpoch, firstSequence, count. */
const BODY_HEADER = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;

const int64 = (value: LongLike) => BigInt.asIntN(64, BigInt(value.toString()));

/**
 * A batch's fields before its records, as kafkajs writes them; `compression` is the codec its attributes name (the
 * records after the head are then compressed by it, which the caller does).
 */
export type BatchHead = Omit<RecordBatchInput, 'records'> & { count: number };

/** The bytes of a batch before its records. */
export const BATCH_HEAD_SIZE = 8 + 4 + PREAMBLE + BODY_HEADER;

/**
 * Writes the batch's head at `start` (its length and CRC left to `finishBatch`, once the records follow it); returns
 * where the records go.
 */
export function writeBatchHead(
  buf: Buffer,
  start: number,
  {
    compression = 0,
    firstOffset = 0,
    firstTimestamp = Date.now(),
    maxTimestamp = Date.now(),
    partitionLeaderEpoch = 0,
    lastOffsetDelta = 0,
    transactional = false,
    producerId = -1,
    producerEpoch = 0,
    firstSequence = 0,
    count,
  }: BatchHead,
): number {
  buf.writeBigInt64BE(int64(firstOffset), start);
  buf.writeInt32BE(partitionLeaderEpoch, start + 12);
  buf.writeInt8(2, start + 16); // magic: message format v2
  let at = start + 12 + PREAMBLE;
  at = buf.writeInt16BE((compression & COMPRESSION_CODEC_MASK) | (transactional ? TRANSACTIONAL : 0), at);
  at = buf.writeInt32BE(lastOffsetDelta, at);
  at = buf.writeBigInt64BE(int64(firstTimestamp), at);
  at = buf.writeBigInt64BE(int64(maxTimestamp), at);
  at = buf.writeBigInt64BE(int64(producerId), at);
  at = buf.writeInt16BE(producerEpoch, at);
  at = buf.writeInt32BE(firstSequence, at);
  return buf.writeInt32BE(count, at);
}

/** Fills in the length and the CRC of the batch written from `start` to `end`. */
export function finishBatch(buf: Buffer, start: number, end: number): void {
  buf.writeInt32BE(end - start - 12, start + 8);
  buf.writeUInt32BE(crc32c(buf.subarray(start + 12 + PREAMBLE, end)), start + 17);
}

export function encodeRecordBatch({ records = [], compression: _, ...head }: RecordBatchInput): EncodedBatch {
  let recordBytes = 0;
  for (const record of records) recordBytes += record.buffer.length;
  const total = BATCH_HEAD_SIZE + recordBytes;
  const buf = Buffer.allocUnsafe(total);
  let at = writeBatchHead(buf, 0, { ...head, count: records.length });
  for (const record of records) {
    record.buffer.copy(buf, at);
    at += record.buffer.length;
  }
  finishBatch(buf, 0, total);
  return { buf, offset: total, buffer: buf, size: () => total };
}

export const RECORD_BATCH_MODULE = 'kafkajs/src/protocol/recordBatch/v0/index.js';
