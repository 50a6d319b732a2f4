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
  // ORD-2's UNT01 is not its segment count (29, 0013 UNT, S011 2: UNT01), ORD-3's UNT02 not its UNH01 (28, S011 3):
  // each message rejected at its UCM (and dead-lettered), the interchange acknowledged for the one left.
  'contrl-unt-mismatch.edi': subject({
    messages: [
      orders('ORD-1'),
      { ...orders('ORD-2', '4'), error: { code: '29', segment: 'UNT', element: { position: 2 } } },
      { ...orders('ORD-3', '4'), error: { code: '28', segment: 'UNT', element: { position: 3 } } },
    ],
  }),
  // UNZ01 says 3 messages, the interchange holds 2: 29 at UNZ01 (S011 2) on a UCI that still acknowledges (7), as the
  // 997 answers a wrong IEA01 with a TA1 E 021; the messages are acknowledged each as usual.
  'contrl-unz-count.edi': subject({
    action: '7',
    error: { code: '29', segment: 'UNZ', element: { position: 2 } },
    messages: [orders('ORD-1'), orders('ORD-2')],
  }),
  // UNZ02 is not UNB05: 28 at UNZ02 (S011 3), the UCI still 7.
  'contrl-unz-reference.edi': subject({
    action: '7',
    error: { code: '28', segment: 'UNZ', element: { position: 3 } },
    messages: [orders('ORD-1'), orders('ORD-2')],
  }),
  // Groups: G1's UNE01 says 3 of its 2 messages (29 at UNE01), G2's UNE02 is not its UNG05 (28 at UNE02), the UNZ01
  // says 1 of 2 groups (29 at UNZ01): each said at its UCF / UCI, every level still acknowledged.
  'contrl-une-mismatch.edi': subject({
    action: '7',
    error: { code: '29', segment: 'UNZ', element: { position: 2 } },
    groups: [
      {
        ref: 'G1',
        sender: { id: '4012345000009' },
        recipient: { id: '5412345000013' },
        action: '7',
        error: { code: '29', segment: 'UNE', element: { position: 2 } },
        messages: [
          { ...orders('ORD-5'), associationCode: '' },
          { ...orders('ORD-6'), associationCode: '' },
        ],
      },
      {
        ref: 'G2',
        sender: { id: '4012345000009' },
        recipient: { id: '5412345000013' },
        action: '7',
        error: { code: '28', segment: 'UNE', element: { position: 3 } },
        messages: [{ ...orders('ORD-7'), associationCode: '' }],
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
