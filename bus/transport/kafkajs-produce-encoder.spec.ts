import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { crc32c } from './kafkajs-batch-encoder.ts';
import { installKafkajsCodecs } from './kafkajs-codecs.ts';
import { ENCODER_MODULE, installKafkajsEncoders } from './kafkajs-encoders.ts';
import {
  encodeCompressedProduceBody,
  encodeProduceBody,
  type ProduceRequestFactory,
  type ProduceRequestInput,
  produceRequestWithBody,
} from './kafkajs-produce-encoder.ts';
import { FramedRecord, recordFrame } from './kafkajs-record-encoder.ts';
import { kafkajsOriginal } from './test-support.ts';

const require = createRequire(import.meta.url);
const PRODUCE_V3 = 'kafkajs/src/protocol/requests/produce/v3/request.js';
const Long = require('kafkajs/src/utils/long') as { fromValue(v: unknown): { toString(): string } };

/** Requests of every shape the producer sends: topics and partitions in numbers, keys, headers, timestamps or none. */
function requests(): ProduceRequestInput[] {
  const out: ProduceRequestInput[] = [];
  for (let i = 0; i < 40; i++) {
    const topicData = Array.from({ length: 1 + (i % 3) }, (_, t) => ({
      topic: t === 1 ? `tôpic-${i}-ü` : `topic-${i}-${t}`,
      partitions: Array.from({ length: 1 + ((i + t) % 4) }, (_, p) => ({
        partition: p * 2 + (i % 2),
        firstSequence: i % 5 === 0 ? undefined : i * 100 + p,
        messages: Array.from({ length: 1 + ((i * 7 + p) % 9) }, (_, m) => ({
          key: m % 3 === 0 ? null : `key-${i}-${p}-${m}`,
          value: m % 4 === 1 ? null : randomBytes((i * 53 + m * 211) % 2500),
          headers: m % 2 ? { ce_id: `id-${m}`, ce_type: Buffer.from('x') } : undefined,
          // Strings and numbers, out of order, some missing: kafkajs sorts them as strings.
          timestamp:
            i % 3 === 0
              ? undefined
              : i % 3 === 1
                ? 1_700_000_000_000 + ((m * 37) % 11) * 1000
                : String(9_000 + m * 500),
        })),
      })),
    }));
    out.push({
      acks: [-1, 1, 0][i % 3]!,
      timeout: 30_000 + i,
      transactionalId: i % 2 ? `txn-${i}` : i % 4 === 0 ? null : undefined,
      producerId: i % 2 ? Long.fromValue(`${2 ** 40 + i}`) : undefined,
      producerEpoch: i % 2 ? i % 7 : undefined,
      topicData,
    });
  }
  return out;
}

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** Kafka's codec ids (the attributes' low bits) and kafkajs's registered codec for each. */
const CODECS = (['GZIP', 'Snappy', 'LZ4', 'ZSTD'] as const).map((name, i) => [
  name,
  i + 1,
  () =>
    (
      require('kafkajs/src/protocol/message/compression/index.js') as { lookupCodec(type: number): Codec }
    ).lookupCodec(i + 1),
]) as Array<[string, number, () => Codec]>;

/**
 * The record batches of a produce v3 body, read by the layout of Kafka's protocol (not by the encoder's code): each
 * batch's bytes from its base offset, its attributes and its CRC.
 */
function batchesOf(body: Buffer): Array<{ bytes: Buffer; attributes: number; crc: number }> {
  let at = 0;
  const int32 = () => {
    at += 4;
    return body.readInt32BE(at - 4);
  };
  const string = () => {
    const length = body.readInt16BE(at);
    at += 2 + Math.max(0, length);
  };
  string(); // transactional id
  at += 2 + 4; // acks, timeout
  const out: Array<{ bytes: Buffer; attributes: number; crc: number }> = [];
  for (let topics = int32(); topics > 0; topics--) {
    string();
    for (let partitions = int32(); partitions > 0; partitions--) {
      at += 4; // partition
      const size = body.readInt32BE(at);
      const bytes = body.subarray(at + 4, at + 4 + size);
      // base offset 8, length 4 (the rest), leader epoch 4, magic 1 (2), CRC 4, attributes 2.
      expect(bytes.readInt32BE(8)).toBe(size - 12);
      expect(bytes[16]).toBe(2);
      out.push({ bytes, attributes: bytes.readInt16BE(21), crc: bytes.readUInt32BE(17) });
      at += 4 + size;
    }
  }
  expect(at).toBe(body.length);
  return out;
}

describe('kafkajs produce request encoder', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes framed records (a mapping thread's) byte for byte as the same records unframed", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-03T12:00:00Z'));
    installKafkajsCodecs();
    const codec = CODECS[3]![2]();
    for (const [n, input] of requests().entries()) {
      const framed = {
        ...input,
        topicData: input.topicData.map(({ topic, partitions }) => ({
          topic,
          partitions: partitions.map(({ messages, ...partition }) => ({
            ...partition,
            // A framed record has no timestamp of its own: the batch's time stamps it, as these.
            messages: messages.map((message) => new FramedRecord(topic, Buffer.from(recordFrame(message)))),
          })),
        })),
      };
      const plain = {
        ...input,
        topicData: input.topicData.map(({ topic, partitions }) => ({
          topic,
          partitions: partitions.map(({ messages, ...partition }) => ({
            ...partition,
            messages: messages.map(({ timestamp: _, ...message }) => message),
          })),
        })),
      };
      expect(encodeProduceBody(framed).equals(encodeProduceBody(plain)), `request ${n}`).toBe(true);
      // Compressed: the same records' bytes compressed the same.
      const zstd = await encodeCompressedProduceBody({ ...framed, compression: 4 }, codec);
      expect(zstd.equals(await encodeCompressedProduceBody({ ...plain, compression: 4 }, codec))).toBe(true);
    }
  });

  it("writes byte for byte the body kafkajs 2.2's produce request writes", async () => {
    // kafkajs stamps messages without a timestamp with the time it encodes them: one time for both.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-03T12:00:00Z'));
    const kafkajs = kafkajsOriginal<ProduceRequestFactory>(PRODUCE_V3);
    for (const [n, input] of requests().entries()) {
      const theirs = (await kafkajs(input).encode()).buffer;
      const ours = encodeProduceBody(input);
      expect(ours.length, `request ${n}`).toBe(theirs.length);
      expect(ours.equals(theirs), `request ${n}`).toBe(true);
    }
  });

  it("writes byte for byte the compressed body kafkajs 2.2's produce request writes, with each codec", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-03T12:00:00Z'));
    // kafkajs's own compressed path with the codecs the transport registers (GZIP kafkajs's own).
    installKafkajsCodecs();
    const kafkajs = kafkajsOriginal<ProduceRequestFactory>(PRODUCE_V3);
    const factory = produceRequestWithBody(kafkajs, require(ENCODER_MODULE) as { prototype: object });
    for (const compression of CODECS.map(([, id]) => id))
      for (const [n, plain] of requests().slice(0, 16).entries()) {
        const input = { ...plain, compression };
        const theirs = (await kafkajs(input).encode()).buffer;
        const ours = (await factory(input).encode()).buffer;
        expect(ours.equals(theirs), `codec ${compression}, request ${n}`).toBe(true);
      }
  });

  it.each(CODECS)(
    'marks each batch %s in its attributes, its records compressed after the count, the CRC over them',
    async (_, compression, lookup) => {
      installKafkajsCodecs();
      const codec = lookup();
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-12-03T12:00:00Z'));
      for (const [n, plain] of requests().slice(0, 12).entries()) {
        const ours = batchesOf(await encodeCompressedProduceBody({ ...plain, compression }, codec));
        const uncompressed = batchesOf(encodeProduceBody(plain));
        expect(ours.length, `request ${n}`).toBe(uncompressed.length);
        for (const [b, batch] of ours.entries()) {
          const want = uncompressed[b]!;
          // The codec in bits 0-2, the transactional bit (4) as the uncompressed batch has it, nothing else.
          expect(batch.attributes, `request ${n} batch ${b}`).toBe(compression | (want.attributes & 16));
          expect(batch.crc).toBe(crc32c(batch.bytes.subarray(21)));
          // Everything else of the head (offsets, timestamps, producer, sequence, count) as uncompressed.
          expect(batch.bytes.subarray(23, 61)).toEqual(want.bytes.subarray(23, 61));
          const records = await codec.decompress(batch.bytes.subarray(61));
          expect(records.equals(want.bytes.subarray(61)), `request ${n} batch ${b} records`).toBe(true);
        }
      }
    },
  );

  it('leaves everything but the body to kafkajs, compressed or not', async () => {
    const kafkajs = kafkajsOriginal<ProduceRequestFactory>(PRODUCE_V3);
    const Encoder = require(ENCODER_MODULE) as { prototype: object };
    const factory = produceRequestWithBody(kafkajs, Encoder);
    const input = requests()[1]!;
    for (const compression of [undefined, 1]) {
      const plain = factory({ ...input, compression });
      const theirs = kafkajs(input);
      expect([plain.apiKey, plain.apiVersion, plain.apiName, plain.expectResponse()]).toEqual([
        theirs.apiKey,
        theirs.apiVersion,
        theirs.apiName,
        theirs.expectResponse(),
      ]);
    }
    // What kafkajs's request framing reads of the body: `buf` a Buffer, `buffer` the bytes.
    const body = await factory(input).encode();
    expect(Buffer.isBuffer(body.buf)).toBe(true);
    expect(body.buffer.equals(encodeProduceBody(input))).toBe(true);
    expect(body).toBeInstanceOf(Encoder as new () => unknown);
  });

  it('is the produce request kafkajs uses, v3 to v7, once the transport is loaded', async () => {
    await import('./kafkajs.ts');
    expect(installKafkajsEncoders()).toBe(true);
    const versions = require('kafkajs/src/protocol/requests/produce/index.js') as {
      versions: number[];
      protocol(args: { version: number }): (input: ProduceRequestInput) => {
        request: { apiVersion: number; encode(): Promise<{ buffer: Buffer }> };
      };
    };
    const input = requests()[4]!;
    for (const version of [3, 4, 5, 6, 7]) {
      const { request } = versions.protocol({ version })(input);
      expect(request.apiVersion).toBe(version);
      expect((await request.encode()).buffer.equals(encodeProduceBody(input)), `v${version}`).toBe(true);
    }
  });

  it("is framed in front of its body, with kafkajs's framing bytes, a long client id or a second framing by copying", async () => {
    installKafkajsEncoders();
    const Encoder = require(ENCODER_MODULE) as new () => KafkajsEncoder;
    const Plain = kafkajsOriginal<new () => KafkajsEncoder>(ENCODER_MODULE);
    const frame = require('kafkajs/src/protocol/request.js') as (args: {
      correlationId: number;
      clientId: string;
      request: { apiKey: number; apiVersion: number; encode(): Promise<unknown> };
    }) => Promise<KafkajsEncoder>;
    // kafkajs's framing (its request module's code) with kafkajs's own encoder, which always copies.
    const expected = (body: Buffer, correlationId: number, clientId: string) => {
      const payload = new Plain().writeBuffer(body);
      const header = new Plain()
        .writeInt16(0)
        .writeInt16(3)
        .writeInt32(correlationId)
        .writeString(clientId)
        .writeEncoder(payload);
      return new Plain().writeInt32(header.size()).writeEncoder(header).buffer;
    };
    const factory = produceRequestWithBody(kafkajsOriginal<ProduceRequestFactory>(PRODUCE_V3), Encoder);
    for (const [n, input] of requests().slice(0, 12).entries()) {
      const request = factory(input);
      const body = await request.encode();
      const clientId = n % 4 === 3 ? `client-${'x'.repeat(300)}` : `eai-hub-${n}`;
      const framed = await frame({
        correlationId: n,
        clientId,
        request: { ...request, encode: async () => body },
      });
      const want = expected(body.buffer, n, clientId);
      expect(framed.buffer.equals(want), `request ${n}`).toBe(true);
      // In place: the frame is a view of the body's own bytes (unless the client id is too long for the room). Same
      // memory, not only the same ArrayBuffer: a copy may come from the slab of Node's buffer pool the body is in too.
      const framedIn = framed.buffer;
      const bodyIn = body.buffer;
      const inPlace =
        framedIn.buffer === bodyIn.buffer &&
        framedIn.byteOffset + framedIn.length === bodyIn.byteOffset + bodyIn.length &&
        framedIn.byteOffset <= bodyIn.byteOffset;
      expect(inPlace, `request ${n} in place`).toBe(n % 4 !== 3);
      // The same body framed again is copied, and the first frame keeps its bytes.
      const again = await frame({
        correlationId: 99,
        clientId: 'other',
        request: { ...request, encode: async () => body },
      });
      expect(again.buffer.equals(expected(body.buffer, 99, 'other'))).toBe(true);
      expect(framed.buffer.equals(want), `request ${n} after a second framing`).toBe(true);
      // Written to after being framed in place, an encoder grows into a buffer of its own.
      framed.writeInt32(7);
      expect(framed.buffer.equals(Buffer.concat([want, Buffer.from([0, 0, 0, 7])]))).toBe(true);
    }
  });
});

interface KafkajsEncoder {
  buf: Buffer;
  readonly buffer: Buffer;
  size(): number;
  writeInt16(value: number): KafkajsEncoder;
  writeInt32(value: number): KafkajsEncoder;
  writeString(value: string): KafkajsEncoder;
  writeBuffer(value: Buffer): KafkajsEncoder;
  writeEncoder(value: KafkajsEncoder): KafkajsEncoder;
}
