import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withoutDocumentValues, withoutValueMarks } from '../../lib/errors.ts';
import { readSample } from '../../tests/samples.ts';
import { firstInvalidUtf8Offset } from '../text-input/decode.ts';
import { FormatError } from '../types.ts';
import { reader as reader850 } from '../x12-850/index.ts';
import { reader as reader856 } from '../x12-856/index.ts';
import { readX12 } from './parse.ts';
import { writeX12, type X12InterchangeInput } from './writer.ts';

const BASE =
  'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*U*00401*000000001*0*P*>~' +
  'GS*SH*S*R*20240101*1200*1*X*004010~ST*856*0001~BSN*00*A1*20240101*1200~SE*3*0001~GE*1*1~IEA*1*000000001~';

/** Strips locations so trees written with other separators compare equal. */
function content(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v) =>
      key === '$loc' || key === 'segments' || key === 'envelope' ? undefined : v,
    ),
  );
}

describe('X12 tokenizer variants', () => {
  const variants: Record<string, string> = {
    'CRLF after terminators': BASE.replaceAll('~', '~\r\n'),
    'byte-order mark': `\uFEFF${BASE}`,
    'short ISA padding': BASE.replace('SENDER         ', 'SENDER').replace('RECEIVER       ', 'RECEIVER'),
    'newline terminator': BASE.replaceAll('~', '\n'),
    'CRLF terminator': BASE.replaceAll('~', '\r\n'),
    'multi-byte terminator': BASE.replaceAll('~', '§'),
    'indentation, no final terminator': BASE.replaceAll('~', '~\n    ').replace(/~\n {4}$/, ''),
  };
  for (const [name, text] of Object.entries(variants)) {
    it(`reads ${name}`, () => {
      const [set] = readX12(Buffer.from(text), 'x12-856');
      expect(set?.segments.map((s) => s.tag)).toEqual(['ST', 'BSN', 'SE']);
      expect(set?.segments[1]?.elements).toEqual(['00', 'A1', '20240101', '1200']);
      expect(set?.envelope.interchange.senderId).toBe('SENDER');
    });
  }

  it('names the byte offset of invalid UTF-8', () => {
    const bytes = Buffer.concat([
      Buffer.from(BASE.slice(0, 50)),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(BASE.slice(50)),
    ]);
    expect(firstInvalidUtf8Offset(bytes)).toBe(50);
    expect(() => readX12(bytes, 'x12-856')).toThrow(/byte 50: invalid UTF-8/);
  });

  it('names the line and column of invalid UTF-8, where an editor finds it', () => {
    const latin1 = Buffer.from('ISA*00*\nN1*ST*M\xdcLLER~\n', 'latin1');
    expect(() => readX12(latin1, 'x12-850')).toThrow(
      /invalid UTF-8 \(byte 0xdc at offset 15, line 2, column 8\)/,
    );
  });

  it('refuses a file that is not X12; a GE count that is no number is a warning, as any count off (trailers.ts)', () => {
    expect(() => readX12(Buffer.from('UNB+UNOC:3'), 'x12-856')).toThrow(FormatError);
    const [set] = readX12(Buffer.from(BASE.replace('GE*1*1', 'GE*one*1')), 'x12-856');
    expect(set?.envelope.interchange.warnings).toEqual([
      'ISA#1/GS#1/GE (segment 6, line 1): GE01 "one" is no number, holds 1 transaction sets (ST)',
    ]);
  });

  it('accepts a lying GE count with a warning every set of the interchange carries (README: control counts)', () => {
    const [set] = readX12(Buffer.from(BASE.replace('GE*1*1', 'GE*2*1')), 'x12-856');
    expect(set?.envelope.interchange.warnings).toEqual([
      'ISA#1/GS#1/GE (segment 6, line 1): GE01 says 2 transaction sets (ST), holds 1',
    ]);
  });
});

describe('functional group', () => {
  it("reads a set filed under another GS01 than its kind's, with one warning per group (EdiFabric's samples: GS*IN around an 856)", () => {
    const sets = readX12(
      Buffer.from(
        BASE.replace('GS*SH', 'GS*IN')
          .replace('SE*3*0001~', 'SE*3*0001~ST*856*0002~BSN*00*A2*20240101*1200~SE*3*0002~')
          .replace('GE*1*1', 'GE*2*1'),
      ),
      'x12-856',
    );
    expect(sets.map((s) => s.envelope.interchange.warnings)).toEqual([
      ['ISA#1/GS#1 (segment 2, line 1): GS01 "IN" is not the functional identifier of 856 sets (SH)'],
      ['ISA#1/GS#1 (segment 2, line 1): GS01 "IN" is not the functional identifier of 856 sets (SH)'],
    ]);
    expect(readX12(Buffer.from(BASE), 'x12-856')[0]?.envelope.interchange.warnings).toBeUndefined();
  });
});

describe('samples', () => {
  it('parses the shared 850 sample (pipe terminator, BOM, indentation)', () => {
    const [doc] = reader850.parse(readSample('x12-850/x12parser-Example1_PGWGlass.txt'));
    expect(doc?.id).toBe('000000245/0001');
    expect(doc?.tree.lines.map((l) => l.quantity)).toEqual(['5', '12', '2', '1']);
    expect(doc?.tree.summary?.hashTotal).toBe('20');
    expect(doc?.tree.envelope.interchange.separators).toEqual({ element: '*', component: '~', segment: '|' });
  });

  it('parses the shared 856 sample (~ elements, * terminator)', () => {
    const [doc] = reader856.parse(readSample('x12-856/x12parser-Example1.txt'));
    expect(doc?.source).toBe('201495124');
    expect(doc?.tree.shipment?.orders?.[0]?.items?.map((i) => i.sn1?.quantity)).toEqual(['16', '23', '16']);
    expect(doc?.tree.summary?.counts).toBe('HL');
  });
});

describe('writeX12', () => {
  const interchange: X12InterchangeInput = {
    senderQualifier: 'ZZ',
    senderId: 'LOGISIM',
    receiverQualifier: 'ZZ',
    receiverId: 'BIGRETAIL',
    date: '240312',
    time: '1430',
    controlNumber: '77',
    version: '00501',
    groups: [
      {
        functionalId: 'SH',
        senderCode: 'LOGISIM',
        receiverCode: 'BIGRETAIL',
        date: '20240312',
        time: '1430',
        controlNumber: '77',
        version: '005010',
        transactionSets: [
          {
            type: '856',
            controlNumber: '0001',
            segments: [
              { tag: 'BSN', elements: ['00', 'SIM-1', '20240312', '1430', '0001'] },
              { tag: 'HL', elements: ['1', '', 'S'] },
              { tag: 'TD5', elements: ['B', '2', 'FDEG', 'M'] },
              { tag: 'HL', elements: ['2', '1', 'O'] },
              { tag: 'PRF', elements: ['PO-1'] },
              { tag: 'HL', elements: ['3', '2', 'P'] },
              { tag: 'MAN', elements: ['GM', '037612345000000007'] },
              { tag: 'HL', elements: ['4', '3', 'I'] },
              { tag: 'LIN', elements: ['', 'UP', '061414112345'] },
              { tag: 'SN1', elements: ['', '12.50', 'KG'] },
              { tag: 'CTT', elements: ['4'] },
            ],
          },
        ],
      },
    ],
  };
  const delimiterSets = [
    { separators: { element: '*', component: '>', segment: '~' }, lineEnding: '\n' as const },
    { separators: { element: '|', component: '^', segment: '\n', repetition: '{' } },
    {
      separators: { element: '!', component: ':', segment: '§' },
      lineEnding: '\r\n' as const,
      padIsa: false,
      byteOrderMark: true,
    },
  ];
  for (const options of delimiterSets) {
    it(`writes what reads back with ${JSON.stringify(options.separators)}`, () => {
      const [doc] = reader856.parse(writeX12(interchange, options));
      expect(doc?.tree.envelope.interchange.separators.element).toBe(options.separators.element);
      expect(doc?.tree.bsn.shipmentId).toBe('SIM-1');
      expect(doc?.tree.shipment?.td5?.[0]?.scac).toBe('FDEG');
      expect(doc?.tree.shipment?.orders?.[0]?.packs?.[0]?.items?.[0]?.sn1?.quantity).toBe('12.50');
      expect(doc?.tree.segments.at(-1)?.elements).toEqual(['13', '0001']);
    });
  }

  it('round-trips every 850 fixture through other separators', () => {
    for (const name of [
      'pipe-separators-crlf.edi',
      'line-items-pid-po4-sch-line-n1.edi',
      'several-st-sets.edi',
    ]) {
      const original = reader850.parse(readFileSync(new URL(`../x12-850/fixtures/${name}`, import.meta.url)));
      const { interchange: isa, group } = original[0]!.tree.envelope;
      const rewritten = writeX12(
        {
          ...isa,
          groups: [
            {
              ...group,
              transactionSets: original.map((doc) => ({
                type: '850',
                controlNumber: doc.tree.envelope.transactionSet.controlNumber,
                segments: doc.tree.segments.slice(1, -1),
              })),
            },
          ],
        },
        { separators: { element: '^', component: '\\', segment: '\n' }, padIsa: false },
      );
      expect(content(reader850.parse(rewritten).map((d) => d.tree))).toEqual(
        content(original.map((d) => d.tree)),
      );
    }
  });

  it('refuses data that holds a separator, naming where', () => {
    const bad = structuredClone(interchange);
    bad.groups[0]!.transactionSets[0]!.segments[4] = { tag: 'PRF', elements: ['PO*1'] };
    expect(() => writeX12(bad)).toThrow(
      /ISA#1\/GS#1\/ST#1\/segment 6\/PRF01: value .?"PO\*1".? contains the separator/,
    );
    // A name with the separator in it is quoted as a document value: a viewer and the logs read "…".
    bad.groups[0]!.transactionSets[0]!.segments[4] = { tag: 'N1', elements: ['ST', 'Jane*Roe'] };
    const refused = (() => {
      try {
        writeX12(bad);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('written');
    })();
    expect(withoutDocumentValues(refused)).toMatch(/segment 6\/N102: value "…" contains the separator "\*"$/);
    expect(withoutValueMarks(refused)).toContain('value "Jane*Roe" contains');
  });
});
