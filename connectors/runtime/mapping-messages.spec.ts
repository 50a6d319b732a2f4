import { describe, expect, it } from 'vitest';
import type { OutgoingRecord, PreparedRecord } from '../../bus/index.ts';
import { packDocuments, unpackDocuments } from './mapping-messages.ts';
import type { PreparedDocument } from './mapping-step.ts';

/** Bytes as a thread may have them: plain Uint8Arrays (typed as the Buffers the records' type says). */
const bytes = (text: string) => new Uint8Array(Buffer.from(text)) as unknown as Buffer;

/** A record with its bytes as text, to compare what went in with what came out. */
function shown(record: OutgoingRecord & { id?: string }) {
  const text = (value: Buffer | Uint8Array | string | null | undefined) =>
    value instanceof Uint8Array ? { bytes: Buffer.from(value).toString() } : value;
  return {
    ...record,
    key: text(record.key),
    value: text(record.value),
    ...(record.headers
      ? {
          headers: Object.fromEntries(
            Object.entries(record.headers).map(([name, value]) => [name, text(value)]),
          ),
        }
      : {}),
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

  it('come back with the same records, counts and dead-letter lines, their bytes as Buffers', () => {
    const packed = packDocuments(documents)!;
    expect(packed).toBeDefined();
    // A string the same as the last one in its place (a header's value) is written once: the second event's
    // specversion and time are the first one's (the records between have none).
    expect(packed.strings.filter((s) => s === '1.0')).toHaveLength(1);
    expect(packed.strings.filter((s) => s === '2026-12-05T10:00:00.000Z')).toHaveLength(1);
    const back = unpackDocuments(
      structuredClone(packed, { transfer: [packed.bytes, packed.table.buffer as ArrayBuffer] }),
    );
    expect(back.map((d) => d.records.map(shown))).toEqual(documents.map((d) => d.records.map(shown)));
    expect(back.map((d) => [d.published, d.deadLettered])).toEqual(
      documents.map((d) => [d.published, d.deadLettered]),
    );
    // The same properties, no more (a record without headers or a partition has none).
    const keys = (d: PreparedDocument) => d.records.map((r) => Object.keys(r).sort());
    expect(back.map(keys)).toEqual(documents.map(keys));
    // Every value, key and header of bytes a Buffer (as the transport wants), all in the one transferred buffer.
    const all = back.flatMap((d) =>
      d.records.flatMap((r) => [r.value, r.key, ...Object.values(r.headers ?? {})]),
    );
    const ofBytes = all.filter((b) => b instanceof Uint8Array);
    expect(ofBytes).toHaveLength(7);
    expect(ofBytes.every((b) => Buffer.isBuffer(b) && b.buffer === ofBytes[0]!.buffer)).toBe(true);
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
    // And the packer is fine afterwards.
    expect(packDocuments(documents)).toBeDefined();
  });
});
