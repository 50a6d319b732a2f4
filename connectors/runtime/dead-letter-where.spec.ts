import { describe, expect, it } from 'vitest';
import { createPublisher } from '../../bus/publisher.ts';
import type { RegistryClient } from '../../bus/registry.ts';
import { AvroSerde } from '../../bus/serde.ts';
import type { TransportProducer } from '../../bus/transport/types.ts';
import { inboundMapping } from '../../mappings/index.ts';
import { splitBuffer } from '../transports/split/index.ts';
import { createMappingStep, inFile } from './mapping-step.ts';

/**
 * A message a drop folder cut out of a big file is read in an envelope of its own, so the reader's error names that
 * envelope (`ISA#1/GS#1/ST#1/BEG (segment 4, line 4)`) whichever set of the file it was: its dead letter must name
 * the set's place in the file instead, or an operator looks at the first set of the first group for the 50th of the
 * second.
 */
const serde = new AvroSerde({ register: async () => 1 } as unknown as RegistryClient);
const producer = { send: async () => undefined } as unknown as TransportProducer;

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
      publisher: createPublisher(producer, serde, '/eai/tests'),
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
      `x12-850: ISA#1/GS#2/ST#2/BEG (segment 2 of the message, the message starting at byte ${byte} of the file), element BEG05: BEG05 "20241340": month 13 does not exist`,
    );
    expect(headers['eai.error.location']).toBe(
      `ISA#1/GS#2/ST#2/BEG (segment 2 of the message, the message starting at byte ${byte} of the file), element BEG05`,
    );
    expect(headers['eai.document.where']).toBe(piece.where);
    expect(headers['__connect.errors.exception.class.name']).toBe('FormatError');
    // What the acknowledgment reads is the reader's own location, in the set (AK3 counts from its ST).
    expect(prepared.deadLettered[0]!.location).toBe('ISA#1/GS#1/ST#1/BEG (segment 4, line 4), element BEG05');
  });

  it('counts EDIFACT segments from the UNH, an IDoc by its number in the file, and keeps the splitter note', () => {
    expect(
      inFile(
        'edifact-orders: UNB#1/UNH#1/DTM (segment 4, line 5), element DTM01.2: bad',
        'UNB#1/UNH#123 (byte 900)',
      ),
    ).toBe(
      'edifact-orders: UNB#1/UNH#123/DTM (segment 3 of the message, the message starting at byte 900 of the file), element DTM01.2: bad',
    );
    expect(
      inFile(
        'edifact-desadv: UNB#1/UNG#1/UNH#1/UNT (segment 12, line 12): count',
        'UNB#1/UNG#2/UNH#7 (byte 50)',
      ),
    ).toBe(
      'edifact-desadv: UNB#1/UNG#2/UNH#7/UNT (segment 10 of the message, the message starting at byte 50 of the file): count',
    );
    expect(
      inFile(
        'sap-idoc-orders05: /ORDERS05/IDOC[1]/E1EDP01[1]/MENGE: not a number',
        '/ORDERS05/IDOC[150] (byte 77)',
      ),
    ).toBe('sap-idoc-orders05: /ORDERS05/IDOC[150]/E1EDP01[1]/MENGE: not a number');
    expect(
      inFile(
        'x12-856: ISA#1/GS#1/ST#1/GE (segment 12, line 12): no SE',
        'ISA#1/GS#1/ST#10 (byte 2800): truncated: the file ends before the SE',
      ),
    ).toBe(
      'x12-856: ISA#1/GS#1/ST#10/GE (segment 10 of the message, the message starting at byte 2800 of the file): no SE (truncated: the file ends before the SE)',
    );
    expect(inFile('x12: byte 234: invalid UTF-8', 'ISA#1/GS#1/ST#7 (byte 2000)')).toBe(
      'ISA#1/GS#1/ST#7 (byte 2000): x12: byte 234: invalid UTF-8',
    );
  });
});
