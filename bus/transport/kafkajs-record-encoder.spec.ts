import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { installKafkajsEncoders } from './kafkajs-encoders.ts';
import {
  encodeRecord,
  FRAMED_RECORD_HEAD,
  FramedRecord,
  type KafkaRecordInput,
  RECORD_MODULE,
  recordFrame,
  writeFramedRecord,
} from './kafkajs-record-encoder.ts';
import { kafkajsOriginal } from './test-support.ts';

describe('kafkajs record encoder', () => {
  const original = kafkajsOriginal<(input: KafkaRecordInput) => { buffer: Buffer }>(RECORD_MODULE);
  const text = (n: number) => 'aé€😀'.repeat(n).slice(0, n);

  it('writes byte for byte what kafkajs 2.2 writes', () => {
    const cases = [
      {},
      { key: null, value: null },
      { key: 'sap:1', value: Buffer.alloc(0), offsetDelta: 0, timestampDelta: 0 },
      { key: Buffer.from([0, 1, 2]), value: 'plain text ünïcode', offsetDelta: 499, timestampDelta: 17 },
      {
        key: 'k',
        value: randomBytes(1025),
        headers: { ce_id: Buffer.from('x'), ce_type: 'eai.canonical.X' },
      },
      { key: 'k', value: randomBytes(70_000), headers: { multi: ['a', Buffer.from('b')] } },
      { key: text(200), value: randomBytes(3), offsetDelta: 2 ** 20, timestampDelta: 2 ** 40 },
      { key: 'neg', value: 'v', timestampDelta: -5, offsetDelta: 3 },
      // Text of 32 to 63 units, written by Node's encoder: ASCII, a lone surrogate, 64 bytes and more of UTF-8.
      {
        key: `shopify:${'5'.repeat(13)}`,
        value: 'x'.repeat(63),
        headers: {
          ce_type: 'shopify-order.eai.canonical.SalesOrderEvent',
          traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
          [`${'x'.repeat(40)}\ud800`]: `\udc00${'y'.repeat(31)}`,
          wide: '€'.repeat(40),
          ce_correlationid: 'é'.repeat(32),
          short: 'z'.repeat(31),
        },
      },
    ];
    for (let i = 0; i < 200; i++) {
      const headers: Record<string, Buffer | string> = {};
      for (let h = 0; h < i % 12; h++) headers[`${text(h)}h${h}`] = h % 2 ? randomBytes(h * 30) : text(h * 7);
      cases.push({
        key: i % 5 === 0 ? null : `key-${i}`,
        value: randomBytes((i * 97) % 5000),
        headers,
        offsetDelta: i * 63,
        timestampDelta: i * 1001,
      } as never);
    }
    for (const input of cases) {
      expect(
        encodeRecord(input as never).buffer.equals(original(input as never).buffer),
        JSON.stringify(input).slice(0, 80),
      ).toBe(true);
    }
  });

  it('frames a record so that its bytes in a batch are the same, and reads its key, value and headers back', () => {
    const inputs: KafkaRecordInput[] = [
      { key: null, value: null },
      { key: '', value: Buffer.alloc(0), headers: {} },
      {
        key: 'sap:1',
        value: randomBytes(700),
        headers: { ce_id: 'x', ce_type: Buffer.from('ü'), empty: '' },
      },
      { key: Buffer.from([0, 1, 2]), value: randomBytes(70_000), headers: { [text(90)]: text(300) } },
    ];
    for (const [i, input] of inputs.entries()) {
      const frame = Buffer.from(recordFrame(input));
      const record = new FramedRecord('t', frame, i === 1 ? 3 : undefined);
      for (const [offsetDelta, timestampDelta] of [
        [0, 0],
        [499, 17],
        [2 ** 20, 2 ** 40],
        [3, -5],
      ] as const) {
        const out = Buffer.alloc(FRAMED_RECORD_HEAD + frame.length);
        const end = writeFramedRecord(out, 0, record, offsetDelta, timestampDelta);
        const expected = original({ ...input, offsetDelta, timestampDelta }).buffer;
        expect(out.subarray(0, end).equals(expected), `record ${i} at ${offsetDelta}`).toBe(true);
      }
      const bytes = (value: Buffer | string | null | undefined) =>
        value == null ? value : Buffer.from(value);
      expect(record.key).toEqual(bytes(input.key as Buffer | string | null));
      expect(record.value).toEqual(bytes(input.value as Buffer | null));
      const headers = Object.entries(input.headers ?? {});
      expect(record.headers).toEqual(
        headers.length === 0
          ? undefined
          : Object.fromEntries(headers.map(([name, value]) => [name, bytes(value as Buffer | string)])),
      );
      expect(record.partition).toBe(i === 1 ? 3 : undefined);
      expect(Object.keys(record).sort()).toEqual(
        i === 1 ? ['frame', 'partition', 'topic'] : ['frame', 'topic'],
      );
    }
  });

  it('is the encoder kafkajs uses once the transport is loaded', async () => {
    await import('./kafkajs.ts');
    expect(installKafkajsEncoders()).toBe(true);
    const require = createRequire(import.meta.url);
    expect(require(RECORD_MODULE)).toBe(encodeRecord);
  });
});
