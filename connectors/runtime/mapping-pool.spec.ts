import { describe, expect, it } from 'vitest';
import { packInputs } from './mapping-pool.ts';

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
    const { packed, transfer } = packInputs(inputs);
    expect(transfer).toHaveLength(1);
    expect(transfer[0]!.byteLength).toBe(inputs.reduce((n, input) => n + input.bytes.length, 0));
    expect(transfer[0]!.byteLength).toBe(44);
    expect(packed.map((input) => input.bytes.toString())).toEqual([
      '[{"eventId":1}]',
      '',
      '[{"eventId":2},{"eventId":3}]',
    ]);
    expect(packed.every((input) => input.bytes.buffer === transfer[0])).toBe(true);
    expect(packed.map((input) => input.name)).toEqual(['a', 'empty', 'b']);
    // The sources' own buffers stay as they were (they still answer, dead-letter or commit with them).
    expect(inputs[0]!.bytes.buffer.byteLength).toBe(65536);
  });
});
