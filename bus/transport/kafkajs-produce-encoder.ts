import { encodeRecordBatch } from './kafkajs-batch-encoder.ts';
import { encodeRecord, type KafkaRecordInput } from './kafkajs-record-encoder.ts';

/**
 * A drop-in for kafkajs 2.2's produce request (v3, which v4 to v7 extend) when the batches are uncompressed: the
 * request body written once into one exactly-sized buffer. kafkajs's own copies every record batch three times
 * (into a partition encoder, the topic's, then the request's), each grown by doubling from a zero-filled 512 bytes,
 * before its request framing copies it twice more. Those buffers came to ~25 KB of ArrayBuffers a webhook request,
 * and external memory growing that fast made V8 run a full collection every 2–4 s, which on two cores stalled the
 * hub for 30–45 ms (bench:webhooks' p99). Byte-for-byte kafkajs's output (kafkajs-produce-encoder.spec.ts);
 * compressed requests stay with kafkajs. Installed by kafkajs-encoders.ts.
 */

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
 * kafkajs's partition encoder, less its copy: the batch of one partition's messages, timestamps as kafkajs takes
 * them (the messages' own, sorted as kafkajs sorts them, i.e. as strings; now when none has one).
 */
function partitionBatch(
  { messages, firstSequence }: PartitionData,
  transactionalId: string | null,
  producerId: LongLike,
  producerEpoch: number,
) {
  const dateNow = Date.now();
  const messageTimestamps = messages
    .map((m) => m.timestamp)
    .filter((timestamp) => timestamp != null)
    // No comparator, as kafkajs: timestamps compared as strings.
    .sort() as Array<number | string>;
  const timestamps = messageTimestamps.length === 0 ? [dateNow] : messageTimestamps;
  const firstTimestamp = timestamps[0]!;
  const maxTimestamp = timestamps[timestamps.length - 1]!;
  const records = messages.map((message, i) =>
    encodeRecord({
      ...message,
      offsetDelta: i,
      timestampDelta: Number(message.timestamp || dateNow) - Number(firstTimestamp),
    }),
  );
  return encodeRecordBatch({
    records,
    firstTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch,
    firstSequence,
    transactional: !!transactionalId,
    lastOffsetDelta: records.length - 1,
  });
}

/** kafkajs's Encoder fields over a finished buffer, without the zero-filled 512 bytes its constructor takes. */
function encoderOver(Encoder: { prototype: object }, buf: Buffer) {
  return Object.assign(Object.create(Encoder.prototype) as object, { buf, offset: buf.length }) as {
    buf: Buffer;
    offset: number;
    readonly buffer: Buffer;
  };
}

/** kafkajs's produce request factory (`original`) with uncompressed requests encoded here. */
export function produceRequestWithBody(
  original: ProduceRequestFactory,
  Encoder: { prototype: object },
): ProduceRequestFactory {
  return (input) => {
    const request = original(input);
    if ((input.compression ?? NO_COMPRESSION) !== NO_COMPRESSION || request.apiKey !== PRODUCE_API_KEY)
      return request;
    return {
      ...request,
      encode: async () => encoderOver(Encoder, encodeProduceBody(input)),
    };
  };
}

const stringSize = (value: string | null) => 2 + (value == null ? 0 : Buffer.byteLength(value, 'utf8'));

function writeString(buf: Buffer, value: string | null, at: number): number {
  if (value == null) return buf.writeInt16BE(-1, at);
  const length = buf.write(value, at + 2, 'utf8');
  buf.writeInt16BE(length, at);
  return at + 2 + length;
}

/** The produce request's body (after the request header), as kafkajs's produce v3 request writes it. */
export function encodeProduceBody({
  acks,
  timeout,
  transactionalId = null,
  producerId = -1,
  producerEpoch = 0,
  topicData,
}: ProduceRequestInput): Buffer {
  let size = stringSize(transactionalId) + 2 + 4 + 4;
  const topics = topicData.map(({ topic, partitions }) => {
    size += stringSize(topic) + 4;
    return {
      topic,
      partitions: partitions.map((data) => {
        const batch = partitionBatch(data, transactionalId, producerId, producerEpoch);
        size += 4 + 4 + batch.size();
        return { partition: data.partition, batch };
      }),
    };
  });
  const buf = Buffer.allocUnsafe(size);
  let at = writeString(buf, transactionalId, 0);
  at = buf.writeInt16BE(acks, at);
  at = buf.writeInt32BE(timeout, at);
  at = buf.writeInt32BE(topics.length, at);
  for (const { topic, partitions } of topics) {
    at = writeString(buf, topic, at);
    at = buf.writeInt32BE(partitions.length, at);
    for (const { partition, batch } of partitions) {
      at = buf.writeInt32BE(partition, at);
      at = buf.writeInt32BE(batch.size(), at);
      at += batch.buffer.copy(buf, at);
    }
  }
  return buf;
}
