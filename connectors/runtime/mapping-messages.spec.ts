import { describe, expect, it } from 'vitest';
import type { OutgoingRecord, PreparedRecord } from '../../bus/index.ts';
import {
  FRAMED_RECORD_HEAD,
  FramedRecord,
  recordBytes,
  writeFramedRecord,
} from '../../bus/transport/kafkajs-record-encoder.ts';
import { packDocuments, unpackDocuments } from './mapping-messages.ts';
import type { PreparedDocument } from './mapping-step.ts';

/** Bytes as a thread may have them: plain Uint8Arrays (typed as the Buffers the records' type says). */
const bytes = (text: string) => new Uint8Array(Buffer.from(text)) as unknown as Buffer;

/**
 * A record as Kafka gets it: its key, value and header values as text (a text header and one of bytes are the same on
 * the wire, as are no headers and none), its topic and partition.
 */
function shown(record: OutgoingRecord) {
  const text = (value: Uint8Array | string | null | undefined) =>
    value == null ? value : Buffer.from(value).toString();
  return {
    topic: record.topic,
    key: text(record.key),
    value: text(record.value),
    headers: Object.fromEntries(
      Object.entries(record.headers ?? {}).map(([name, value]) => [name, text(value)]),
    ),
    partition: record.partition,
  };
}

/** A canonical event as the publisher prepares it. */
function event(key: string, id: string, value: string): PreparedRecord {
  return {
    topic: 'eai.canonical.SalesOrderEvent',
    key,
    value: bytes(value),
    headers: { ce_specversion: '1.0', ce_id: id, ce_time: '2026-12-05T10:00:00.000Z' },
    id,
  };
}

describe('mapping threads: the documents a thread hands back, packed', () => {
  const documents: PreparedDocument[] = [
    {
      records: [event('1001', 'doc-1', '\0\0\0\0\x07avro-1')],
      published: 1,
      deadLettered: [],
    },
    { records: [], published: 0, deadLettered: [] },
    {
      // A dead letter (bytes in its key and headers) and a record of each other shape.
      records: [
        {
          topic: 'dlq.mapping',
          key: bytes('doc-3'),
          value: bytes('{"id": 1,'),
          headers: { 'eai.document.format': bytes('shopify-order'), ce_id: 'doc-3', empty: bytes('') },
        },
        { topic: 'eai.canonical.SalesOrderEvent', key: null, value: null },
        { topic: 'elsewhere', key: '', value: bytes(''), partition: 2, headers: {} },
      ],
      published: 2,
      deadLettered: [{ error: 'FormatError', message: 'unexpected end', location: '/9' }],
    },
    {
      records: [event('1002', 'doc-4', 'avro-2')],
      published: 1,
      deadLettered: [],
    },
  ];

  it('come back as framed records of the same bytes, with the same counts and dead-letter lines', () => {
    const packed = packDocuments(documents)!;
    expect(packed).toBeDefined();
    // A run of records to one topic names it once: the dead letter's topic, the two after it, the last one's.
    expect(packed.strings).toEqual([
      'eai.canonical.SalesOrderEvent',
      'dlq.mapping',
      'eai.canonical.SalesOrderEvent',
      'elsewhere',
      'eai.canonical.SalesOrderEvent',
    ]);
    const back = unpackDocuments(
      structuredClone(packed, { transfer: [packed.bytes, packed.table.buffer as ArrayBuffer] }),
    );
    expect(back.map((d) => d.records.map(shown))).toEqual(documents.map((d) => d.records.map(shown)));
    expect(back.map((d) => [d.published, d.deadLettered])).toEqual(
      documents.map((d) => [d.published, d.deadLettered]),
    );
    // Each record's bytes in a batch are those of the record the thread made (a text key or header as its UTF-8),
    // its frame a view of the one transferred buffer.
    const records = back.flatMap((d) => d.records) as FramedRecord[];
    const made = documents.flatMap((d) => d.records);
    for (const [i, record] of records.entries()) {
      expect(record).toBeInstanceOf(FramedRecord);
      expect(record.frame.buffer).toBe(records[0]!.frame.buffer);
      const { key, value, headers } = made[i]!;
      const asBytes = (v: Uint8Array | string | null) =>
        typeof v === 'string' || v === null ? v : Buffer.from(v);
      const expected = recordBytes({
        key: asBytes(key),
        value: value && Buffer.from(value),
        headers: Object.fromEntries(Object.entries(headers ?? {}).map(([n, v]) => [n, asBytes(v)!])),
        offsetDelta: i,
      });
      const out = Buffer.alloc(FRAMED_RECORD_HEAD + record.frame.length);
      expect(out.subarray(0, writeFramedRecord(out, 0, record, i, 0)).equals(expected), `record ${i}`).toBe(
        true,
      );
    }
  });

  it('are left as they are when a record is not of a shape the table holds', () => {
    const odd = (record: object): PreparedDocument[] => [
      { records: [record as OutgoingRecord], published: 1, deadLettered: [] },
    ];
    expect(packDocuments(odd({ topic: 't', key: null, value: null, timestamp: '1' }))).toBeUndefined();
    expect(packDocuments(odd({ topic: 't', key: undefined, value: null }))).toBeUndefined();
    expect(packDocuments(odd({ topic: 't', key: null, value: null, partition: undefined }))).toBeUndefined();
    expect(packDocuments(odd({ topic: 't', key: null, value: 'text' }))).toBeUndefined();
    expect(packDocuments(odd({ topic: 't', key: null, value: null, headers: { n: 1 } }))).toBeUndefined();
    expect(
      packDocuments(odd({ topic: 't', key: null, value: null, headers: JSON.parse('{"__proto__":"x"}') })),
    ).toBeUndefined();
    // And the packer is fine afterwards.
    expect(packDocuments(documents)).toBeDefined();
  });
});
