import { createRequire } from 'node:module';
import { BATCH_HEAD_SIZE, finishBatch, writeBatchHead } from './kafkajs-batch-encoder.ts';
import {
  FRAMED_RECORD_HEAD,
  FramedRecord,
  type KafkaRecordInput,
  recordBytes,
  writeFramedRecord,
} from './kafkajs-record-encoder.ts';

/**
 * A drop-in for kafkajs 2.2's produce request (v3, which v4 to v7 extend): the request body written in one pass,
 * each record straight into it, and copied out once at its exact size, with room in front for kafkajs's framing
 * (kafkajs-encoders.ts writes the framing there instead of copying the body twice). kafkajs's own copies every record
 * batch three times (into a partition encoder, the topic's, then the request's), each grown by doubling from a
 * zero-filled 512 bytes, before its framing copies it twice more. Those copies were most of the ~20 KB of Buffers a
 * webhook request allocated, and external memory growing that fast makes V8 start full collections; with this encoder
 * and the framing in place a request allocates ~7.5 KB (bench:webhooks, hub alone, two rounds: 1,458 → 570 MB).
 * A compressed request (the transport's `compression`) is written the same way: each partition's records, then their
 * compressed bytes by the codec kafkajs has registered (kafkajs-codecs.ts) after the batch's head, whose attributes
 * carry the codec. Byte-for-byte kafkajs's output, compressed or not (kafkajs-produce-encoder.spec.ts). Installed by
 * kafkajs-encoders.ts.
 */
const require = createRequire(import.meta.url);

/** kafkajs's Long or a plain number. */
type LongLike = number | { toString(): string };

interface Message extends KafkaRecordInput {
  timestamp?: number | string | null;
}

interface PartitionData {
  partition: number;
  firstSequence?: number;
  messages: Message[];
}

export interface ProduceRequestInput {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: LongLike;
  producerEpoch?: number;
  compression?: number;
  topicData: Array<{ topic: string; partitions: PartitionData[] }>;
}

/** The request kafkajs's connection sends: its `encode` gives an Encoder, read through `buf` and `buffer`. */
export interface ProduceRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse(): boolean;
  encode(): Promise<{ buf: Buffer; offset: number; readonly buffer: Buffer }>;
}

export type ProduceRequestFactory = (input: ProduceRequestInput) => ProduceRequest;

const PRODUCE_API_KEY = 0;
const NO_COMPRESSION = 0;

/**
 * The body is written here, then copied out once at its exact size: records straight from the record encoder's
 * scratch, each batch's head before them, its length and CRC filled in after. Grows to the largest request sent.
 */
let out = Buffer.allocUnsafe(64 * 1024);
let at = 0;

function room(bytes: number): void {
  if (at + bytes <= out.length) return;
  const grown = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(at + bytes)));
  out.copy(grown, 0, 0, at);
  out = grown;
}

function writeString(value: string | null): void {
  if (value == null) {
    room(2);
    at = out.writeInt16BE(-1, at);
    return;
  }
  room(2 + 3 * value.length);
  const length = out.write(value, at + 2, 'utf8');
  out.writeInt16BE(length, at);
  at += 2 + length;
}

/**
 * A batch's timestamps as kafkajs takes them: the messages' own, sorted as kafkajs sorts them (as strings), else now;
 * `now` stamps the messages without one.
 */
function batchTimes(messages: Message[]): {
  now: number;
  first: number | string;
  max: number | string;
} {
  const now = Date.now();
  // Mostly none has one (the bus's records, framed ones never): no arrays to make then.
  if (messages.every((m) => m.timestamp == null)) return { now, first: now, max: now };
  const messageTimestamps = messages
    .map((m) => m.timestamp)
    .filter((timestamp) => timestamp != null)
    // No comparator, as kafkajs: timestamps compared as strings.
    .sort() as Array<number | string>;
  const timestamps = messageTimestamps.length === 0 ? [now] : messageTimestamps;
  return { now, first: timestamps[0]!, max: timestamps[timestamps.length - 1]! };
}

/**
 * The batch's records, one after the other, at `at`: a framed one (a mapping thread's) its frame behind its deltas,
 * another written from its key, value and headers.
 */
function writeRecords(messages: Message[], { now, first }: ReturnType<typeof batchTimes>): void {
  const firstTimestamp = Number(first);
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    if (message instanceof FramedRecord) {
      room(FRAMED_RECORD_HEAD + message.frame.length);
      at = writeFramedRecord(out, at, message, i, now - firstTimestamp);
      continue;
    }
    const bytes = recordBytes({
      key: message.key,
      value: message.value,
      headers: message.headers,
      offsetDelta: i,
      timestampDelta: Number(message.timestamp || now) - firstTimestamp,
    });
    room(bytes.length);
    at += bytes.copy(out, at);
  }
}

/**
 * One partition's data as kafkajs's partition encoder writes it: its number, the batch's size, the batch: its head,
 * then its records, or (`compressed`) their compressed bytes.
 */
function writePartition(
  { partition, messages, firstSequence }: PartitionData,
  transactionalId: string | null,
  producerId: LongLike,
  producerEpoch: number,
  times: ReturnType<typeof batchTimes>,
  compressed?: { compression: number; bytes: Buffer },
): void {
  room(8 + BATCH_HEAD_SIZE + (compressed?.bytes.length ?? 0));
  at = out.writeInt32BE(partition, at);
  const sizeAt = at;
  const start = at + 4;
  at = writeBatchHead(out, start, {
    compression: compressed?.compression,
    firstTimestamp: times.first,
    maxTimestamp: times.max,
    producerId,
    producerEpoch,
    firstSequence,
    transactional: !!transactionalId,
    lastOffsetDelta: messages.length - 1,
    count: messages.length,
  });
  if (compressed) at += compressed.bytes.copy(out, at);
  else writeRecords(messages, times);
  out.writeInt32BE(at - start, sizeAt);
  finishBatch(out, start, at);
}

/**
 * Bytes left free in front of a produce request's body for kafkajs's framing (its request header, then the size in
 * front of that): kafkajs's request module copies the body into a header encoder and that into a size encoder, each
 * grown to the next power of two, where the framing can go in front of the body instead (`writeEncoderInPlace` in
 * kafkajs-encoders.ts). The header is 14 bytes and the client id; a longer one is framed by copying, as kafkajs does.
 */
const FRAMING_ROOM = 128;

/** On an encoder: the buffer its bytes are a view of, with room in front of them (taken once). */
export const ROOM_IN_FRONT = Symbol('eai.roomInFront');

/** kafkajs's Encoder fields over a finished buffer, without the zero-filled 512 bytes its constructor takes. */
function encoderOver(Encoder: { prototype: object }, buf: Buffer, whole?: Buffer) {
  return Object.assign(Object.create(Encoder.prototype) as object, {
    buf,
    offset: buf.length,
    [ROOM_IN_FRONT]: whole,
  }) as unknown as {
    buf: Buffer;
    offset: number;
    readonly buffer: Buffer;
  };
}

/** kafkajs's codec plug-in, as its `lookupCodec` gives it: `compress` reads its encoder's `buffer`. */
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
}

type LookupCodec = (compression: number) => KafkajsCodec | null;

/** The codec kafkajs has registered for a compression type (GZIP its own, the others kafkajs-codecs.ts's). */
function kafkajsCodec(compression: number): KafkajsCodec {
  const { lookupCodec } = require('kafkajs/src/protocol/message/compression/index.js') as {
    lookupCodec: LookupCodec;
  };
  // kafkajs's own refusal of a codec it does not have ("ZSTD compression not implemented") is thrown from here.
  const codec = lookupCodec(compression);
  if (!codec) throw new Error(`kafkajs has no compression codec ${compression}`);
  return codec;
}

/** kafkajs's produce request factory (`original`) with its produce requests, compressed or not, encoded here. */
export function produceRequestWithBody(
  original: ProduceRequestFactory,
  Encoder: { prototype: object },
  codecFor: (compression: number) => KafkajsCodec = kafkajsCodec,
): ProduceRequestFactory {
  return (input) => {
    const request = original(input);
    if (request.apiKey !== PRODUCE_API_KEY) return request;
    const compression = input.compression ?? NO_COMPRESSION;
    return {
      ...request,
      encode: async () => {
        const body =
          compression === NO_COMPRESSION
            ? encodeProduceBody(input)
            : await encodeCompressedProduceBody(input, codecFor(compression));
        return encoderOver(Encoder, body, withRoomInFront(body));
      },
    };
  };
}

/**
 * The produce request's body (after the request header), as kafkajs's produce v3 request writes it; FRAMING_ROOM
 * bytes of its buffer are left free in front of it.
 */
export function encodeProduceBody(input: ProduceRequestInput): Buffer {
  return writeBody(input, (data) => [batchTimes(data.messages), undefined]);
}

/**
 * The body of a compressed produce request: each partition's batch holds its records' bytes compressed by `codec`
 * (the section after the record count, as Kafka's v2 record batch has it) and the codec in its attributes' low three
 * bits; its CRC-32C covers them. The partitions are compressed at once (ZSTD and GZIP in zlib's threads), between
 * two synchronous passes over the shared scratch buffer, so requests encoded at the same time do not meet there.
 */
export async function encodeCompressedProduceBody(
  input: ProduceRequestInput,
  codec: KafkajsCodec,
): Promise<Buffer> {
  const compression = input.compression ?? NO_COMPRESSION;
  const batches: Array<{ times: ReturnType<typeof batchTimes>; records: Buffer }> = [];
  for (const { partitions } of input.topicData)
    for (const data of partitions) {
      const times = batchTimes(data.messages);
      at = 0;
      writeRecords(data.messages, times);
      batches.push({ times, records: Buffer.from(out.subarray(0, at)) });
    }
  const compressed = await Promise.all(batches.map(({ records }) => codec.compress({ buffer: records })));
  // The same partitions in the same order: the nth batch's.
  let n = 0;
  return writeBody(input, () => {
    const i = n++;
    return [batches[i]!.times, { compression, bytes: compressed[i]! }];
  });
}

function writeBody(
  {
    acks,
    timeout,
    transactionalId = null,
    producerId = -1,
    producerEpoch = 0,
    topicData,
  }: ProduceRequestInput,
  batch: (
    data: PartitionData,
  ) => [ReturnType<typeof batchTimes>, { compression: number; bytes: Buffer } | undefined],
): Buffer {
  at = 0;
  writeString(transactionalId);
  room(10);
  at = out.writeInt16BE(acks, at);
  at = out.writeInt32BE(timeout, at);
  at = out.writeInt32BE(topicData.length, at);
  for (const { topic, partitions } of topicData) {
    writeString(topic);
    room(4);
    at = out.writeInt32BE(partitions.length, at);
    for (const data of partitions)
      writePartition(data, transactionalId, producerId, producerEpoch, ...batch(data));
  }
  const whole = Buffer.allocUnsafe(FRAMING_ROOM + at);
  out.copy(whole, FRAMING_ROOM, 0, at);
  return whole.subarray(FRAMING_ROOM);
}

/** The buffer a body from `encodeProduceBody` is a view of, with FRAMING_ROOM bytes in front of it. */
function withRoomInFront(body: Buffer): Buffer {
  return Buffer.from(body.buffer, body.byteOffset - FRAMING_ROOM, FRAMING_ROOM + body.length);
}
