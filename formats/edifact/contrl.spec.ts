import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../types.ts';
import { type ContrlMessage, type ContrlSubject, writeContrl } from './contrl.ts';
import { readEdifact } from './parse.ts';

const expected = (name: string) => readFileSync(join(import.meta.dirname, 'contrl', name), 'utf8');
const own = { controlRef: 17, at: new Date('2024-03-12T10:15:00Z') };

const orders = (ref: string, action: '4' | '7' = '7'): ContrlMessage => ({
  ref,
  type: 'ORDERS',
  version: 'D',
  release: '96A',
  agency: 'UN',
  associationCode: 'EAN008',
  action,
});

/** The interchange the CONTRLs answer: Kaufhaus Nord's orders to Lumen Lighting (the edifact-orders fixtures' UNB). */
function subject(fields: Partial<ContrlSubject>): ContrlSubject {
  return {
    syntax: 'UNOC',
    syntaxVersion: '3',
    sender: { id: '4012345000009', qualifier: '14' },
    recipient: { id: '5412345000013', qualifier: '14' },
    controlRef: '10042',
    ...fields,
  };
}

/** Each case against its hand-written file (`contrl/`). */
const cases: Record<string, ContrlSubject> = {
  'contrl-accepted.edi': subject({ messages: [orders('ORD-1'), orders('ORD-2')] }),
  'contrl-message-rejected.edi': subject({
    messages: [
      orders('ORD-1'),
      orders('ORD-2'),
      // QTY01.2 "twelve" in segment 19 of the interchange (UNB 1, UNH 2): UCS 18, UCD 37 at S011 2:2.
      {
        ...orders('ORD-3', '4'),
        segments: [{ position: 18, elements: [{ code: '37', position: 2, component: 2 }] }],
      },
    ],
  }),
  'contrl-interchange-rejected.edi': subject({
    error: { code: '12', segment: 'UNB', element: { position: 5, component: 1 } },
  }),
  'contrl-v4-group-rejected.edi': subject({
    syntax: 'UNOA',
    syntaxVersion: '4',
    testIndicator: '1',
    groups: [
      {
        ref: 'G1',
        sender: { id: '4012345000009', qualifier: '14' },
        recipient: { id: '5412345000013', qualifier: '14' },
        messages: [
          {
            ...orders('ORD-1', '4'),
            associationCode: '',
            error: { code: '29', segment: 'UNT', element: { position: 2 } },
          },
          {
            ref: 'DES-2',
            type: 'DESADV',
            version: 'D',
            release: '96A',
            agency: 'UN',
            action: '4',
            error: { code: '14', segment: 'UNH', element: { position: 3, component: 1 } },
          },
          { ...orders('ORD-3', '4'), associationCode: '', segments: [{ position: 1, code: '13' }] },
        ],
      },
    ],
  }),
};

describe('writeContrl', () => {
  for (const [file, interchange] of Object.entries(cases)) {
    it(`writes ${file} as written by hand, and the hub's EDIFACT reader reads it back`, () => {
      const written = writeContrl(interchange, own, { lineEnding: '\n' });
      expect(written.toString('utf8')).toBe(expected(file));
      const [contrl, ...more] = readEdifact(written, 'edifact-contrl');
      expect(more).toEqual([]);
      const { interchange: unb, message } = contrl!.envelope;
      expect(unb).toMatchObject({
        syntax: interchange.syntax,
        syntaxVersion: interchange.syntaxVersion,
        sender: interchange.recipient,
        recipient: interchange.sender,
        controlRef: '17',
      });
      expect(message).toMatchObject({ type: 'CONTRL', agency: 'UN' });
      expect([message.version, message.release]).toEqual(
        interchange.syntaxVersion === '4' ? ['4', '1'] : ['D', '3'],
      );
      expect(contrl!.segments[1]).toMatchObject({ tag: 'UCI' });
      expect(contrl!.segments[1]!.elements[0]).toBe('10042');
    });
  }

  it('answers with the separators the interchange came with, releasing them in data', () => {
    const separators = { component: '|', element: '*', decimal: ',', release: '#', segment: '~' };
    const written = writeContrl(
      subject({ separators, una: true, controlRef: 'A*1', messages: [orders('ORD|1')] }),
      own,
    );
    expect(written.toString('utf8')).toMatch(/^UNA\|\*,# ~UNB\*UNOC\|3\*/);
    expect(written.toString('utf8')).toContain('UCM*ORD#|1*ORDERS|D|96A|UN|EAN008*7~');
    const [contrl] = readEdifact(written, 'edifact-contrl');
    expect(contrl!.segments.find((s) => s.tag === 'UCI')!.elements[0]).toBe('A*1');
    expect(contrl!.segments.find((s) => s.tag === 'UCM')!.elements[0]).toBe('ORD|1');
  });

  it('writes a receipt (UCI 8) with no message, and refuses one that names messages', () => {
    const receipt = writeContrl(subject({ action: '8' }), own).toString('utf8');
    expect(receipt).toContain("UCI+10042+4012345000009:14+5412345000013:14+8'UNT+3+1'");
    expect(() => writeContrl(subject({ action: '8', messages: [orders('ORD-1')] }), own)).toThrow(
      /a receipt \(UCI action 8\) names no group or message/,
    );
  });

  it.each([
    [
      'a rejected message without an error',
      subject({ messages: [orders('ORD-1', '4')] }),
      /message ORD-1 is rejected \(4\) without an error code/,
    ],
    [
      'an acknowledged message with errors',
      subject({ messages: [{ ...orders('ORD-1'), error: { code: '29', segment: 'UNT' } }] }),
      /message ORD-1 is acknowledged \(7\) but has errors/,
    ],
    [
      'messages and groups together',
      subject({
        messages: [orders('ORD-1')],
        groups: [{ ref: 'G1', sender: { id: 'A' }, recipient: { id: 'B' }, messages: [orders('ORD-2')] }],
      }),
      /messages \(SG1\) or groups \(SG3\), not both/,
    ],
    [
      'a rejected interchange without an error at any level',
      subject({ action: '4', messages: [orders('ORD-1')] }),
      /rejected \(4\) without an error at any level/,
    ],
    [
      'more than 99 UCD in a UCS',
      subject({
        messages: [
          {
            ...orders('ORD-1', '4'),
            segments: [
              { position: 3, elements: Array.from({ length: 100 }, () => ({ code: '12', position: 2 })) },
            ],
          },
        ],
      }),
      /at most 99 UCD segments per UCS/,
    ],
  ])('refuses %s (FormatError)', (_what, interchange, message) => {
    expect(() => writeContrl(interchange, own)).toThrow(FormatError);
    expect(() => writeContrl(interchange, own)).toThrow(message);
  });
});
