import { describe, expect, it } from 'vitest';
import { packInputs, unpackInputs } from './mapping-messages.ts';
import { defaultMappingThreads } from './mapping-pool.ts';
import type { DocumentInput } from './mapping-step.ts';

/** The inputs as a thread gets them: posted (cloned, the buffer transferred), then unpacked. */
function posted(packed: ReturnType<typeof packInputs>): DocumentInput[] {
  return unpackInputs(structuredClone(packed.inputs, { transfer: packed.transfer }));
}

describe('mapping threads: the inputs posted to a thread', () => {
  it('carry their bytes side by side in one buffer of their own size, not the buffers they are views of', () => {
    // As a webhook body arrives: a view into the socket's 64 KB read buffer.
    const socketRead = (text: string) => {
      const read = Buffer.alloc(65536);
      read.write(text, 1000);
      return read.subarray(1000, 1000 + Buffer.byteLength(text));
    };
    const inputs = [
      { format: 'hubspot-contact', bytes: socketRead('[{"eventId":1}]'), name: 'a' },
      { format: 'hubspot-contact', bytes: Buffer.alloc(0), name: 'empty' },
      { format: 'hubspot-contact', bytes: socketRead('[{"eventId":2},{"eventId":3}]'), name: 'b' },
    ];
    const packed = packInputs(inputs);
    expect(packed.transfer).toHaveLength(1);
    // Their size, rounded up to a power of two (so that it serves the next batches too, given back).
    expect(inputs.reduce((n, input) => n + input.bytes.length, 0)).toBe(44);
    expect(packed.transfer[0]!.byteLength).toBe(64);
    const got = posted(packed);
    expect(got.map((input) => input.bytes.toString())).toEqual([
      '[{"eventId":1}]',
      '',
      '[{"eventId":2},{"eventId":3}]',
    ]);
    expect(got.every((input) => Buffer.isBuffer(input.bytes))).toBe(true);
    expect(got.every((input) => input.bytes.buffer.byteLength === 64)).toBe(true);
    expect(got.map((input) => input.name)).toEqual(['a', 'empty', 'b']);
    // The sources' own buffers stay as they were (they still answer, dead-letter or commit with them).
    expect(inputs[0]!.bytes.buffer.byteLength).toBe(65536);
    expect(inputs[0]!.bytes.toString()).toBe('[{"eventId":1}]');
  });

  it('go in a buffer a thread gave back when it is large enough, else a new one', () => {
    const inputs = [
      { format: 'hubspot-contact', bytes: Buffer.from('[{"eventId":1}]') },
      { format: 'hubspot-contact', bytes: Buffer.from('[{"eventId":2}]') },
    ];
    const spare = new ArrayBuffer(1024);
    new Uint8Array(spare).fill(0x2a);
    const reused = packInputs(inputs, spare);
    expect(reused.transfer).toEqual([spare]);
    expect(posted(reused).map((input) => input.bytes.toString())).toEqual([
      '[{"eventId":1}]',
      '[{"eventId":2}]',
    ]);
    const small = new ArrayBuffer(16);
    const fresh = packInputs(inputs, small);
    expect(fresh.transfer[0]).not.toBe(small);
    expect(fresh.transfer[0]!.byteLength).toBe(32);
    expect(posted(fresh).map((input) => input.bytes.toString())).toEqual([
      '[{"eventId":1}]',
      '[{"eventId":2}]',
    ]);
  });

  it('keep every property an input has, and only those', () => {
    const receivedAt = new Date('2026-12-05T10:00:00.123Z');
    const inputs: DocumentInput[] = [
      {
        format: 'x12',
        bytes: Buffer.from('ISA*00'),
        name: 'in/850.edi',
        sender: 'ACME',
        receivedAt,
        correlationId: 'flow-1',
        documentId: 'doc-1',
      },
      { format: 'x12', bytes: Buffer.from('ISA*01'), sender: 'ACME' },
      { format: 'csv', bytes: Buffer.from('a,b'), sender: 'OTHER', receivedAt: new Date(Number.NaN) },
      // As the source host makes them: properties the document does not have, there as undefined.
      { format: 'csv', bytes: Buffer.from('c,d'), name: undefined, sender: undefined, receivedAt: undefined },
    ];
    const shown = (input: DocumentInput) => ({ ...input, bytes: input.bytes.toString() });
    const packed = packInputs(inputs);
    expect(Array.isArray(packed.inputs)).toBe(false);
    const got = posted(packed);
    expect(got.map(shown)).toEqual(inputs.map(shown));
    expect(got.map((input) => Object.keys(input).sort())).toEqual([
      ['bytes', 'correlationId', 'documentId', 'format', 'name', 'receivedAt', 'sender'],
      ['bytes', 'format', 'sender'],
      ['bytes', 'format', 'receivedAt', 'sender'],
      ['bytes', 'format'],
    ]);
    expect(got[0]!.receivedAt!.toISOString()).toBe('2026-12-05T10:00:00.123Z');
    expect(Number.isNaN(got[2]!.receivedAt!.getTime())).toBe(true);
  });

  it('go as objects when one has a property the table does not hold', () => {
    const inputs = [
      { format: 'csv', bytes: Buffer.from('a,b'), name: 'one' },
      { format: 'csv', bytes: Buffer.from('c,d'), name: 'two', extra: { nested: true } },
    ] as DocumentInput[];
    const packed = packInputs(inputs);
    expect(Array.isArray(packed.inputs)).toBe(true);
    const got = posted(packed);
    expect(got.map((input) => ({ ...input, bytes: input.bytes.toString() }))).toEqual([
      { format: 'csv', bytes: 'a,b', name: 'one' },
      { format: 'csv', bytes: 'c,d', name: 'two', extra: { nested: true } },
    ]);
    expect(got.every((input) => Buffer.isBuffer(input.bytes))).toBe(true);
  });
});

describe('mapping threads: how many `eai up` runs when not told', () => {
  it('one a core, at most 8, and none on one core', () => {
    expect([1, 2, 3, 4, 8, 16, 64].map((cores) => defaultMappingThreads(cores))).toEqual([
      0, 2, 3, 4, 8, 8, 8,
    ]);
  });
});
