import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  crc32c,
  encodeRecordBatch,
  RECORD_BATCH_MODULE,
  type RecordBatchInput,
} from './kafkajs-batch-encoder.ts';
import { ENCODER_MODULE, installKafkajsEncoders } from './kafkajs-encoders.ts';
import { encodeRecord } from './kafkajs-record-encoder.ts';
import { kafkajsOriginal } from './test-support.ts';

const require = createRequire(import.meta.url);

describe('kafkajs record batch encoder', () => {
  const kafkajs = kafkajsOriginal<{
    RecordBatch(input: RecordBatchInput): Promise<{ buffer: Buffer; size(): number }>;
  }>(RECORD_BATCH_MODULE);
  const jsCrc = kafkajsOriginal<(buffer: Buffer) => number>(
    'kafkajs/src/protocol/recordBatch/crc32C/index.js',
  );
  const Long = require('kafkajs/src/utils/long') as { fromValue(v: unknown): { toString(): string } };

  it('computes CRC-32C as kafkajs does (and as the standard check value says)', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    for (let i = 0; i < 300; i++) {
      const bytes = randomBytes((i * 131) % 9000);
      expect(crc32c(bytes), `${bytes.length} bytes`).toBe(jsCrc(bytes));
    }
  });

  it('writes byte for byte what kafkajs 2.2 writes', async () => {
    const batches: RecordBatchInput[] = [
      { firstTimestamp: 5, maxTimestamp: 5 },
      { records: [], firstTimestamp: 0, maxTimestamp: 9 },
    ];
    for (let i = 0; i < 60; i++) {
      const records = Array.from({ length: i % 17 }, (_, n) =>
        encodeRecord({
          key: n % 4 === 0 ? null : `key-${i}-${n}`,
          value: randomBytes((i * 37 + n * 101) % 3000),
          headers: n % 2 ? { ce_id: `id-${n}`, bin: randomBytes(n) } : {},
          offsetDelta: n,
          timestampDelta: n * 3,
        }),
      );
      batches.push({
        records,
        firstOffset: Long.fromValue(i % 3 === 0 ? 0 : 2 ** 40 + i),
        firstTimestamp: 1_700_000_000_000 + i,
        maxTimestamp: 1_700_000_000_000 + i * 7,
        partitionLeaderEpoch: i % 5,
        lastOffsetDelta: Math.max(records.length - 1, 0),
        transactional: i % 4 === 1,
        producerId: i % 2 ? Long.fromValue(-1) : Long.fromValue(`${2 ** 45 + i}`),
        producerEpoch: i % 7,
        firstSequence: i * 1000,
      });
    }
    for (const [n, input] of batches.entries()) {
      const ours = encodeRecordBatch(input);
      const theirs = await kafkajs.RecordBatch(input);
      expect(ours.buffer.equals(theirs.buffer), `batch ${n}`).toBe(true);
      expect(ours.size(), `batch ${n}`).toBe(theirs.size());
    }
  });

  it("kafkajs's Encoder, grown without zeroing once installed, writes what one that never grows writes", () => {
    expect(installKafkajsEncoders()).toBe(true);
    type Encoder = {
      writeInt32(n: number): Encoder;
      writeString(s: string): Encoder;
      writeBytes(b: Buffer): Encoder;
      writeVarIntString(s: string): Encoder;
      writeEncoder(e: Encoder): Encoder;
      buffer: Buffer;
    };
    const Encoder = require(ENCODER_MODULE) as {
      new (initialSize?: number): Encoder;
      prototype: { ensureAvailable: { eai?: boolean } };
    };
    expect(Encoder.prototype.ensureAvailable.eai).toBe(true);
    const random = (n: number, seed: number) =>
      Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251));
    const write = (encoder: Encoder) => {
      const inner = new Encoder().writeBytes(random(70_000, 3)).writeString('inner');
      encoder.writeInt32(-7).writeString('clientId');
      for (let i = 0; i < 40; i++) encoder.writeBytes(random(100 + i * 97, i)).writeVarIntString(`h${i}`);
      return encoder.writeEncoder(inner).writeInt32(42).buffer;
    };
    // 2^21 bytes from the start: that encoder never grows (nor does the inner one it copies).
    const grown = write(new Encoder());
    const never = write(new Encoder(2 ** 21));
    expect(grown.length).toBe(never.length);
    expect(grown.equals(never)).toBe(true);
  });

  it('is the encoder kafkajs uses for uncompressed batches once the transport is loaded', async () => {
    await import('./kafkajs.ts');
    expect(installKafkajsEncoders()).toBe(true);
    const installed = require(RECORD_BATCH_MODULE) as typeof kafkajs;
    const input = { records: [encodeRecord({ key: 'k', value: 'v' })], firstTimestamp: 1, maxTimestamp: 1 };
    expect((await installed.RecordBatch(input)).buffer.equals(encodeRecordBatch(input).buffer)).toBe(true);
    expect(installed.RecordBatch).not.toBe(kafkajs.RecordBatch);
  });
});
