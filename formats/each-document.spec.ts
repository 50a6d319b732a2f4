import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isRefused } from './each-document.ts';
import { findReader } from './index.ts';
import type { RefusedDocument } from './types.ts';
import { FormatError } from './types.ts';

/**
 * A file of several documents (ST..SE sets, UNH..UNT messages, IDocs) where one is not valid: `parseEach` refuses
 * that one alone, with its id, and reads the others; `parse` stays all or nothing and throws that refusal. What
 * concerns the whole file (its envelope) still throws from both.
 */
const fixture = (path: string) => readFileSync(`formats/${path}`, 'utf8');

/** The text with `from` replaced by `to` in the part after `after` only. */
function breakAfter(text: string, after: string, from: string, to: string): Buffer {
  const at = text.indexOf(after);
  expect(at).toBeGreaterThan(0);
  const tail = text.slice(at).replace(from, to);
  expect(tail).not.toBe(text.slice(at));
  return Buffer.from(text.slice(0, at) + tail);
}

const cases = [
  {
    format: 'x12-850',
    bytes: breakAfter(fixture('x12-850/fixtures/several-st-sets.edi'), 'ST*850*0002', '20240311', '20240230'),
    good: ['000004711/0001'],
    refused: '000004711/0002',
    reason: /ISA#1\/GS#1\/ST#2\/BEG .*BEG05 .?"20240230".?: February has no day 30/,
  },
  {
    format: 'x12-856',
    bytes: breakAfter(
      fixture('x12-856/fixtures/several-st-sets.edi'),
      'ST*856*0001',
      'SN1**10*EA',
      'SN1**TEN*EA',
    ),
    good: ['000004711/0002'],
    refused: '000004711/0001',
    reason: /SN1/,
  },
  {
    format: 'edifact-orders',
    bytes: breakAfter(
      fixture('edifact-orders/fixtures/ung-group-several-messages.edi'),
      'UNH+ORD-6',
      'QTY+21:24:PCE',
      'QTY+21:twelve:PCE',
    ),
    good: ['10042/ORD-5'],
    refused: '10042/ORD-6',
    reason: /UNH#2\/LIN#1\/QTY .*QTY01\.2 must be numeric, found .?"twelve"/,
  },
  {
    format: 'sap-idoc-orders05',
    bytes: breakAfter(
      fixture('sap-idoc-orders05/fixtures/several-idocs.xml'),
      '<DOCNUM>0000000000410002',
      '<MENGE>1</MENGE>',
      '<MENGE>one</MENGE>',
    ),
    good: ['0000000000410001'],
    refused: '0000000000410002',
    reason: /IDOC\[2\]\/E1EDP01.*MENGE/,
  },
];

describe('a file with one broken document among good ones', () => {
  it.each(cases)('$format: parseEach refuses $refused alone and reads the others', (c) => {
    const reader = findReader(c.format);
    const results = reader.parseEach!(c.bytes);
    const refused = results.filter(isRefused);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.id).toBe(c.refused);
    expect(refused[0]!.refused).toBeInstanceOf(FormatError);
    expect(refused[0]!.refused.message).toMatch(c.reason);
    expect(results.filter((r) => !isRefused(r)).map((d) => (isRefused(d) ? '' : d.id))).toEqual(c.good);
    // parse: all or nothing, as before.
    expect(() => reader.parse(c.bytes)).toThrow(refused[0]!.refused);
  });

  it('a GE02 / IEA02 control number off refuses no set: each set is read with the warning, as a UNZ02 off', () => {
    // Trial: EDI.Net's sample 850s (IEA02 000000001 under ISA13 000000055) were refused whole by eai map, while the
    // file connector reading them in pieces mapped their sets without a word.
    const text = fixture('x12-850/fixtures/several-st-sets.edi');
    for (const [from, to, warning] of [
      ['GE*2*103', 'GE*2*999', /GS#1\/GE .*: GE02 "999" differs from GS06 "103"$/],
      [
        'IEA*1*000004711',
        'IEA*1*000000001',
        /ISA#1\/IEA .*: IEA02 "000000001" differs from ISA13 "000004711"$/,
      ],
    ] as const) {
      const results = findReader('x12-850').parseEach!(breakAfter(text, 'SE*23*0002', from, to));
      expect(results.map((r) => 'refused' in r)).toEqual([false, false]);
      for (const result of results) {
        const { warnings } = (result as { tree: { envelope: { interchange: { warnings?: string[] } } } }).tree
          .envelope.interchange;
        expect(warnings).toEqual([expect.stringMatching(warning)]);
      }
    }
  });

  it('an SE count that is off refuses its set alone: it speaks of that set, whose end its SE marks', () => {
    const bytes = breakAfter(
      fixture('x12-850/fixtures/several-st-sets.edi'),
      'ST*850*0002',
      'SE*23*0002',
      'SE*22*0002',
    );
    const results = findReader('x12-850').parseEach!(bytes);
    expect(results.map((r) => 'refused' in r)).toEqual([false, true]);
    expect((results[1] as RefusedDocument).refused.message).toMatch(/SE01 says "22"/);
  });

  it('a UNT count or reference that is off refuses its message alone, as an SE one its set; a UNE02 / UNZ02 refuses none', () => {
    const text = fixture('edifact-orders/fixtures/ung-group-several-messages.edi');
    const reader = findReader('edifact-orders');
    for (const [from, to, reason] of [
      ['UNT+38+ORD-6', 'UNT+39+ORD-6', /UNT01 says "39" but there are 38 segments/],
      ['UNT+38+ORD-6', 'UNT+38+ORD-X', /UNT02 "ORD-X" differs from UNH01 "ORD-6"/],
    ] as const) {
      const results = reader.parseEach!(breakAfter(text, 'UNH+ORD-6', from, to));
      expect(results.map((r) => 'refused' in r)).toEqual([false, true]);
      expect((results[1] as RefusedDocument).refused.message).toMatch(reason);
    }
    // A trailer reference that is off closes the envelope wrongly, not a message: every message is read, each with the
    // warning (as the file connector reads them and answers CONTRL 28 at the UCI / UCF).
    for (const [from, to, warning] of [
      [
        "UNZ+1+10042'",
        "UNZ+1+10099'",
        /UNB#1\/UNZ .*: UNZ\+1\+10099: UNZ02 "10099" differs from UNB05 "10042"$/,
      ],
      ["UNE+2+G1'", "UNE+2+G9'", /UNB#1\/UNG#1\/UNE .*: UNE\+2\+G9: UNE02 "G9" differs from UNG05 "G1"$/],
    ] as const) {
      const results = reader.parseEach!(breakAfter(text, 'UNT+38+ORD-6', from, to));
      expect(results.map((r) => 'refused' in r)).toEqual([false, false]);
      for (const result of results) {
        const { warnings } = (result as { tree: { envelope: { interchange: { warnings?: string[] } } } }).tree
          .envelope.interchange;
        expect(warnings).toEqual([expect.stringMatching(warning)]);
      }
    }
  });
});
