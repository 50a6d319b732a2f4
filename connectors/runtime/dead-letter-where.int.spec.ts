import { describe, expect, it } from 'vitest';
import { inboundMapping } from '../../mappings/index.ts';
import { testBus } from '../../tests/stack.ts';
import { splitBuffer } from '../transports/split/index.ts';
import { createMappingStep } from './mapping-step.ts';

/**
 * A message a drop folder cut out of a big file is read in an envelope of its own, so the reader's error names that
 * envelope (`ISA#1/GS#1/ST#1/BEG (segment 4, line 4)`) whichever set of the file it was: its dead letter must name
 * the set's place in the file instead, or an operator looks at the first set of the first group for the 50th of the
 * second. The mapping step with the test stack's bus (its schema registry); nothing is sent.
 */
const bus = testBus('/eai/tests');

function x12(sets: (group: number, set: number) => string): Buffer {
  const parts = [
    'ISA*00*          *00*          *ZZ*ACME           *ZZ*RETAIL         *240312*0930*U*00401*000000101*0*P*>~\n',
  ];
  for (let g = 1; g <= 2; g++) {
    parts.push(`GS*PO*ACME*RETAIL*20240312*0930*${g}*X*004010~\n`);
    for (let s = 1; s <= 3; s++) {
      const control = String((g - 1) * 3 + s).padStart(4, '0');
      const body = [
        `ST*850*${control}~\n`,
        `BEG*00*SA*PO-${g}-${s}**${sets(g, s)}~\n`,
        'PO1*1*2*EA*1.25*PE*VP*W1~\n',
        'CTT*1~\n',
      ];
      body.push(`SE*${body.length + 1}*${control}~\n`);
      parts.push(...body);
    }
    parts.push(`GE*3*${g}~\n`);
  }
  parts.push('IEA*2*000000101~\n');
  return Buffer.from(parts.join(''));
}

describe('dead letters of a message cut out of a file', () => {
  it('name the set in the file, its segment in the set and the byte it starts at', async () => {
    const file = x12((g, s) => (g === 2 && s === 2 ? '20241340' : '20240311'));
    const pieces = splitBuffer('x12', file);
    expect(pieces).toHaveLength(6);
    const piece = pieces[4]!;
    expect(piece.where).toMatch(/^ISA#1\/GS#2\/ST#2 \(byte \d+\)$/);
    const step = createMappingStep({
      owner: 'acme',
      publisher: bus.preparer('/eai/tests'),
      mappingFor: () => inboundMapping('x12-850'),
    });
    const prepared = await step.prepare({
      format: 'x12-850',
      bytes: piece.bytes,
      name: 'po.x12#5',
      where: piece.where,
    });
    expect(prepared.deadLettered).toHaveLength(1);
    const headers = Object.fromEntries(
      Object.entries(prepared.records[0]!.headers ?? {}).map(([name, value]) => [name, String(value)]),
    );
    const byte = file.indexOf('ST*850*0005');
    expect(headers['__connect.errors.exception.message']).toBe(
      `x12-850: ISA#1/GS#2/ST#2/BEG (segment 2 of the message, the message starting at byte ${byte} of the file), element BEG05: BEG05 \u2068"20241340"\u2069: month 13 does not exist`,
    );
    expect(headers['eai.error.location']).toBe(
      `ISA#1/GS#2/ST#2/BEG (segment 2 of the message, the message starting at byte ${byte} of the file), element BEG05`,
    );
    expect(headers['eai.document.where']).toBe(piece.where);
    expect(headers['__connect.errors.exception.class.name']).toBe('FormatError');
    // What the acknowledgment reads is the reader's own location, in the set (AK3 counts from its ST).
    expect(prepared.deadLettered[0]!.location).toBe('ISA#1/GS#1/ST#1/BEG (segment 4, line 4), element BEG05');
  });
});
