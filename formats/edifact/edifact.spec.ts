import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reader as desadvReader } from '../edifact-desadv/index.ts';
import { reader as ordersReader } from '../edifact-orders/index.ts';
import { FormatError } from '../types.ts';
import { readEdifact } from './parse.ts';
import { type EdifactInterchangeInput, writeEdifact } from './writer.ts';

const content = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (key, v) =>
      key === '$loc' || key === 'segments' || key === 'envelope' ? undefined : v,
    ),
  );

const desadv: EdifactInterchangeInput = {
  sender: { id: '5412345000013', qualifier: '14' },
  recipient: { id: '4012345000009', qualifier: '14' },
  date: '240312',
  time: '1430',
  controlRef: 'SIM1',
  messages: [
    {
      ref: '1',
      type: 'DESADV',
      associationCode: 'EAN005',
      segments: [
        { tag: 'BGM', elements: ['351', 'DN-SIM-1', '9'] },
        { tag: 'DTM', elements: [['137', '202403121430', '203']] },
        { tag: 'NAD', elements: ['CA', '', '', ["O'Hara + Sons: Freight?"]] },
        { tag: 'CPS', elements: ['1'] },
        { tag: 'CPS', elements: ['2', '1'] },
        { tag: 'PAC', elements: ['1', ['', '52'], ['201', '', '9']] },
        { tag: 'GIN', elements: ['BJ', '037612345000000007'] },
        { tag: 'LIN', elements: ['1', '', ['4006381333931', 'SRV']] },
        { tag: 'QTY', elements: [['12', '24.5', 'KGM']] },
      ],
    },
  ],
};

describe('writeEdifact', () => {
  const variants = [
    {},
    {
      separators: { component: '|', element: '*', decimal: ',', release: '#', segment: '~' },
      lineEnding: '\r\n' as const,
    },
    { una: true, lineEnding: '\n' as const, byteOrderMark: true },
  ];
  for (const options of variants) {
    it(`writes a DESADV that reads back: ${JSON.stringify(options)}`, () => {
      const [doc] = desadvReader.parse(writeEdifact(desadv, options));
      expect(doc?.id).toBe('SIM1/1');
      expect(doc?.tree.parties[0]?.name).toBe("O'Hara + Sons: Freight?");
      expect(doc?.tree.packages[0]?.children[0]?.sscc).toEqual(['037612345000000007']);
      expect(doc?.tree.lines[0]?.quantities[0]).toMatchObject({ value: '24.5', unit: 'KGM' });
      expect(doc?.tree.envelope.interchange.una).toBe(Boolean(options.separators || options.una));
    });
  }

  it('round-trips the ORDERS fixtures through other separators', () => {
    for (const name of ['una-custom-separators.edi', 'release-characters.edi', 'pia-product-id.edi']) {
      const original = ordersReader.parse(
        readFileSync(new URL(`../edifact-orders/fixtures/${name}`, import.meta.url)),
      );
      const { interchange, message } = original[0]!.tree.envelope;
      const rewritten = writeEdifact(
        {
          ...interchange,
          messages: original.map((doc) => ({
            ...message,
            ref: doc.tree.envelope.message.ref,
            segments: doc.tree.segments.slice(1, -1),
          })),
        },
        { separators: { component: '^', element: '|', release: '\\', segment: '!' }, lineEnding: '\n' },
      );
      expect(content(ordersReader.parse(rewritten).map((d) => d.tree))).toEqual(
        content(original.map((d) => d.tree)),
      );
    }
  });
});

describe('EDIFACT tokenizer', () => {
  it('reads a release character before a terminator and an escaped release character', () => {
    const text = "UNB+UNOC:3+S+R+240101:1200+1'UNH+1+DESADV:D:96A:UN'BGM+351+A?'B??+9'UNT+3+1'UNZ+1+1'";
    const [message] = readEdifact(Buffer.from(text), 'edifact-desadv');
    expect(message?.segments[1]?.elements).toEqual(['351', "A'B?", '9']);
  });

  it('syntax version 4: an unreleased UNA repetition separator is refused at its element; released it is text', () => {
    const interchange = (version: string, number: string) =>
      Buffer.from(
        `UNA:+.?*'UNB+UNOC:${version}+S+R+20240101:1200+1'UNH+1+DESADV:D:96A:UN'BGM+351+${number}+9'UNT+3+1'UNZ+1+1'`,
      );
    expect(() => readEdifact(interchange('4', 'A*B'), 'edifact-desadv')).toThrow(
      /BGM \(segment 3, line 1\), element BGM02: unreleased repetition separator "\*" \(UNA, syntax version 4\)/,
    );
    expect(readEdifact(interchange('4', 'A?*B'), 'edifact-desadv')[0]?.segments[1]?.elements[1]).toBe('A*B');
    // Versions 1–3 reserve UNA5: a '*' there is no separator, and in data it is text.
    expect(readEdifact(interchange('3', 'A*B'), 'edifact-desadv')[0]?.segments[1]?.elements[1]).toBe('A*B');
  });

  it('refuses a UNA with duplicate separators, with a location', () => {
    expect(() => readEdifact(Buffer.from("UNA::.? 'UNB+UNOC:3'"), 'edifact-desadv')).toThrow(FormatError);
    expect(() => readEdifact(Buffer.from("UNA::.? 'UNB+UNOC:3'"), 'edifact-desadv')).toThrow(
      /UNA \(line 1\)/,
    );
  });
});

describe('EDIFACT character sets (UNB syntax identifier)', () => {
  const interchange = (syntax: string, name: Buffer) =>
    Buffer.concat([
      Buffer.from(`UNB+${syntax}:3+S+R+240101:1200+1'UNH+1+DESADV:D:96A:UN'BGM+351+`),
      name,
      Buffer.from("+9'UNT+3+1'UNZ+1+1'"),
    ]);
  const bgmNumber = (input: Buffer) => readEdifact(input, 'edifact-desadv')[0]?.segments[1]?.elements[1];

  it('reads UNOC bytes as ISO 8859-1 and UNOD as ISO 8859-2', () => {
    expect(bgmNumber(interchange('UNOC', Buffer.from('K\xe4lte', 'latin1')))).toBe('Kälte');
    expect(bgmNumber(interchange('UNOD', Buffer.from([0x50, 0xb1, 0x6b])))).toBe('Pąk');
  });

  it('keeps reading valid UTF-8 as UTF-8 whatever UNB says', () => {
    expect(bgmNumber(interchange('UNOC', Buffer.from('Kälte')))).toBe('Kälte');
  });

  it('refuses bytes that are not UTF-8 under a UTF-8 or ASCII syntax identifier, naming it', () => {
    for (const syntax of ['UNOW', 'UNOY', 'UNOA']) {
      expect(() => bgmNumber(interchange(syntax, Buffer.from('K\xe4lte', 'latin1')))).toThrow(
        new RegExp(`byte 60: invalid UTF-8 .*UNB syntax identifier "${syntax}"`),
      );
    }
  });

  it('reads each interchange of a file in the character set of its own UNB, not the first one’s', () => {
    const bgmNumbers = (...interchanges: Buffer[]) =>
      readEdifact(Buffer.concat(interchanges), 'edifact-desadv').map(
        (message) => message.segments[1]?.elements[1],
      );
    const latin1 = Buffer.from('K\xe4lte', 'latin1');
    // UNOA, then UNOC with a Latin-1 byte: the file is no UTF-8, and UNOA names no ISO 8859 part.
    expect(bgmNumbers(interchange('UNOA', Buffer.from('Cold')), interchange('UNOC', latin1))).toEqual([
      'Cold',
      'Kälte',
    ]);
    // UNOC with a Latin-1 byte, then UNOW in UTF-8: the second is not read as Latin-1 (no `KÃ¤lte`).
    expect(bgmNumbers(interchange('UNOC', latin1), interchange('UNOW', Buffer.from('Kälte')))).toEqual([
      'Kälte',
      'Kälte',
    ]);
    // Each with its own UNA: a line feed as the terminator, then `'` with CR LF after each terminator.
    const lines = Buffer.from(
      'UNA:+.? \nUNB+UNOA:3+S+R+240101:1200+1\nUNH+1+DESADV:D:96A:UN\nBGM+351+Cold+9\nUNT+3+1\nUNZ+1+1\n',
    );
    const crlf = Buffer.from(
      interchange('UNOC', latin1).toString('latin1').replaceAll("'", "'\r\n"),
      'latin1',
    );
    expect(bgmNumbers(lines, Buffer.from("UNA:+.? '\r\n"), crlf)).toEqual(['Cold', 'Kälte']);
  });

  it('refuses a second interchange’s bytes that are not UTF-8 under its UNOA, at the file’s offset', () => {
    const first = interchange('UNOC', Buffer.from('K\xe4lte', 'latin1'));
    const input = Buffer.concat([first, interchange('UNOA', Buffer.from('K\xe4lte', 'latin1'))]);
    expect(() => readEdifact(input, 'edifact-desadv')).toThrow(
      new RegExp(`byte ${first.length + 60}: invalid UTF-8 .*UNB syntax identifier "UNOA"`),
    );
  });
});
