import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.ts';
import { FormatError } from '../types.ts';
import { element } from '../x12/segment.ts';
import { read855, writer, type X12AcknowledgmentTree } from './index.ts';

const at = new Date('2024-03-13T15:45:00Z');

function tree(overrides: Partial<X12AcknowledgmentTree> = {}): X12AcknowledgmentTree {
  return {
    envelope: {
      senderQualifier: 'ZZ',
      senderId: 'BIGRETAIL',
      receiverQualifier: '01',
      receiverId: 'ACMESUPPLY',
      version: '004010',
    },
    bak: { purpose: '00', type: 'AC', poNumber: 'PO-1', poDate: '20240311', date: '20240313' },
    currency: 'USD',
    parties: [{ entityCode: 'ST', name: 'DC 7', idQualifier: '92', id: 'DC007' }],
    lines: [
      {
        lineNumber: '1',
        quantity: '48.000000',
        unit: 'EA',
        unitPrice: '3.25',
        productIds: [{ qualifier: 'VN', id: 'WID-1001' }],
        acks: [{ status: 'IQ', quantity: '24', unit: 'EA', dateQualifier: '067', date: '20240320' }],
      },
      { lineNumber: '2', quantity: '2.5', unit: 'KG', acks: [{ status: 'IA', quantity: '2.5' }] },
    ],
    ...overrides,
  };
}

function segments(bytes: Buffer) {
  const [set] = read855(bytes);
  return set!;
}

describe('x12-855 writer', () => {
  it('writes an interchange of its own that the hub’s X12 reader reads back: BAK, PO1 with ACK, CTT derived', () => {
    const bytes = writer.write(tree(), {}, { controlNumber: 4711, at });
    const set = segments(bytes);
    expect(set.envelope.interchange).toMatchObject({
      senderQualifier: 'ZZ',
      senderId: 'BIGRETAIL',
      receiverQualifier: '01',
      receiverId: 'ACMESUPPLY',
      controlNumber: '000004711',
      version: '00401',
      usage: 'P',
      date: '240313',
      time: '1545',
    });
    expect(set.envelope.group).toMatchObject({
      functionalId: 'PR',
      controlNumber: '4711',
      version: '004010',
    });
    const byTag = (tag: string) => set.segments.filter((s) => s.tag === tag);
    const bak = byTag('BAK')[0]!;
    expect([1, 2, 3, 4, 9].map((n) => element(bak, n))).toEqual(['00', 'AC', 'PO-1', '20240311', '20240313']);
    expect(byTag('PO1').map((s) => s.elements.slice(0, 3))).toEqual([
      ['1', '48', 'EA'],
      ['2', '2.5', 'KG'],
    ]);
    expect(byTag('ACK').map((s) => s.elements)).toEqual([
      ['IQ', '24', 'EA', '067', '20240320'],
      ['IA', '2.5', 'KG'],
    ]);
    expect(byTag('CTT')[0]!.elements).toEqual(['2', '50.5']);
  });

  it('takes the tree’s envelope over the options’, which fill in what it lacks, and writes YYMMDD dates before 004010', () => {
    const bytes = writer.write(
      tree({ envelope: { senderId: 'FROMORDER', receiverId: 'PARTNER', version: '003040', usage: 'T' } }),
      {
        envelope: { senderQualifier: '01', senderId: '123456789' },
        separators: { element: '|' },
        lineEnding: '',
      },
      { controlNumber: 7, at },
    );
    const text = bytes.toString('utf8');
    expect(text).not.toContain('\n');
    expect(text.startsWith('ISA|00|          |00|          |01|FROMORDER      |ZZ|PARTNER        |')).toBe(
      true,
    );
    const set = segments(bytes);
    expect(set.envelope.interchange).toMatchObject({ usage: 'T', version: '00304' });
    expect(element(set.segments.find((s) => s.tag === 'BAK')!, 4)).toBe('240311');
  });

  it('with envelope.override the options’ values win over the tree’s, which fill in what they lack', () => {
    const set = segments(
      writer.write(
        tree({ envelope: { senderId: 'FROMORDER', receiverId: 'PARTNER', version: '003040', usage: 'P' } }),
        { envelope: { receiverQualifier: '01', receiverId: '987654321', usage: 'T', override: true } },
        { controlNumber: 8, at },
      ),
    );
    expect(set.envelope.interchange).toMatchObject({
      senderId: 'FROMORDER',
      receiverQualifier: '01',
      receiverId: '987654321',
      usage: 'T',
      version: '00304',
    });
    // Without override the order's receiver stands.
    const plain = segments(
      writer.write(
        tree({ envelope: { senderId: 'FROMORDER', receiverId: 'PARTNER' } }),
        { envelope: { receiverId: '987654321', usage: 'T' } },
        { controlNumber: 9, at },
      ),
    );
    expect(plain.envelope.interchange).toMatchObject({ receiverId: 'PARTNER', usage: 'T' });
  });

  it('writes no PO1 loops (nor CTT) for an acknowledgment type without detail (RJ)', () => {
    const set = segments(
      writer.write(tree({ bak: { ...tree().bak, type: 'RJ' } }), {}, { controlNumber: 1, at }),
    );
    expect(set.segments.map((s) => s.tag)).toEqual(['ST', 'BAK', 'CUR', 'N1', 'SE']);
  });

  it('refuses what X12 cannot carry, naming the place', () => {
    const write = (t: X12AcknowledgmentTree) => () => writer.write(t, {}, { controlNumber: 1, at });
    expect(write(tree({ bak: { ...tree().bak, type: 'OK' } }))).toThrow(
      /x12-855: BAK02: acknowledgment type .?"OK".? is not one of AC, AD/,
    );
    const bad = tree();
    bad.lines[1]!.acks[0]!.status = 'XX';
    expect(write(bad)).toThrow(/PO1#2\/ACK#1\/ACK01: line item status .?"XX"/);
    expect(write(tree({ bak: { ...tree().bak, poNumber: 'PO*1' } }))).toThrow(FormatError);
    expect(write(tree({ envelope: { receiverId: 'ACMESUPPLY' } }))).toThrow(/ISA06: missing the sender id/);
    expect(write(tree({ bak: { ...tree().bak, poDate: '2024-03-11' } }))).toThrow(/BAK04: .* is not a date/);
  });

  it('needs a control number from its caller, and checks its options', () => {
    expect(() => writer.write(tree())).toThrow(ConfigError);
    expect(() => writer.write(tree(), { separators: { element: '**' } }, { controlNumber: 1, at })).toThrow(
      /options\.x12-855\.separators\.element/,
    );
  });
});
