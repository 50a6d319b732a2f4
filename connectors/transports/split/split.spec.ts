import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findReader } from '../../../formats/index.ts';
import { FormatError } from '../../../formats/types.ts';
import { createSplitter, NotEnvelopeError, type SplitKind, splitBuffer, splitFile } from './index.ts';

const formatsDir = join(import.meta.dirname, '../../../formats');
const tmp = mkdtempSync(join(tmpdir(), 'eai-split-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Locations (`$loc`, segment and line numbers) differ between a piece and the whole file; the content must not.
 * Neither do the interchange's `warnings` (a UNZ count that disagrees with the messages): each piece is re-wrapped
 * with a count that fits it, so the warning about the original envelope is not carried into the pieces.
 */
function content(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(content);
  if (value && typeof value === 'object') {
    const kept: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      if (key === '$loc' || key === 'loc' || key === 'warnings') continue;
      if ((key === 'segment' || key === 'line') && typeof field === 'number') continue;
      kept[key] = content(field);
    }
    return kept;
  }
  return value;
}

const isUtf16 = (bytes: Buffer) =>
  (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);

const cases: { format: string; kind: SplitKind }[] = [
  { format: 'x12-850', kind: 'x12' },
  { format: 'x12-856', kind: 'x12' },
  { format: 'edifact-orders', kind: 'edifact' },
  { format: 'edifact-desadv', kind: 'edifact' },
  { format: 'sap-idoc-orders05', kind: 'idoc-xml' },
];

describe.each(cases)('$kind splitter on the $format fixtures', ({ format, kind }) => {
  const reader = findReader(format);
  const dir = join(formatsDir, format, 'fixtures');
  // A UTF-16 IDoc is read whole only (the idoc-xml split refuses it, saying so: 'broken input' below).
  const fixtures = readdirSync(dir).filter(
    (name) => /\.(edi|xml)$/.test(name) && !isUtf16(readFileSync(join(dir, name))),
  );

  it('has fixtures with several messages', () => {
    const counts = fixtures.map((name) => reader.parse(readFileSync(join(dir, name))).length);
    expect(Math.max(...counts)).toBeGreaterThan(1);
  });

  it.each(fixtures)('%s: every piece reads alone and together they are the whole file', (name) => {
    const bytes = readFileSync(join(dir, name));
    const whole = reader.parse(bytes);
    const pieces = splitBuffer(kind, bytes);
    expect(pieces).toHaveLength(whole.length);
    expect(pieces.every((piece) => !piece.broken)).toBe(true);
    const fromPieces = pieces.flatMap((piece) => {
      const documents = reader.parse(piece.bytes);
      expect(documents).toHaveLength(1);
      return documents;
    });
    expect(fromPieces.map((d) => d.id)).toEqual(whole.map((d) => d.id));
    expect(fromPieces.map((d) => content(d))).toEqual(whole.map((d) => content(d)));
  });

  it.each(fixtures)('%s: cut at any chunk boundary, the pieces are the same', async (name) => {
    const bytes = readFileSync(join(dir, name));
    const expected = splitBuffer(kind, bytes).map((piece) => piece.bytes.toString('latin1'));
    const path = join(tmp, `${format}-${name}`);
    writeFileSync(path, bytes);
    for (const highWaterMark of [2, 61, 1000]) {
      const pieces: string[] = [];
      for await (const piece of splitFile(path, kind, { highWaterMark }))
        pieces.push(piece.bytes.toString('latin1'));
      expect(pieces).toEqual(expected);
    }
  });
});

describe('idoc-xml in a SOAP envelope (SAP IDoc SOAP service, PI / CPI SOAP channels)', () => {
  const idoc = (n: string) =>
    `<IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><TABNAM>EDI_DC40</TABNAM><DOCNUM>${n}</DOCNUM></EDI_DC40></IDOC>`;
  const soap = (body: string) =>
    Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><IDOC>not this</IDOC></soapenv:Header><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>\n`,
    );

  it('splits the IDocs of the Body into pieces without the envelope, the header left out', () => {
    const pieces = splitBuffer('idoc-xml', soap(`<ORDERS05>${idoc('11')}${idoc('12')}</ORDERS05>`));
    expect(pieces.map((p) => p.where)).toEqual([
      '/ORDERS05/IDOC[1] (byte 193)',
      '/ORDERS05/IDOC[2] (byte 293)',
    ]);
    for (const [i, piece] of pieces.entries()) {
      const text = piece.bytes.toString('utf8');
      expect(text).not.toContain('Envelope');
      expect(text).toContain(`<ORDERS05>\n${idoc(String(11 + i))}\n</ORDERS05>`);
    }
  });

  it('refuses a Body without an IDoc, saying so', () => {
    expect(() => splitBuffer('idoc-xml', soap(''))).toThrow(
      /idoc-xml: <soapenv:Envelope>: no IDoc \(<ORDERS05><IDOC>…\) in the SOAP Body/,
    );
    expect(() => splitBuffer('idoc-xml', soap('<soapenv:Fault/>'))).toThrow(
      /idoc-xml: <soapenv:Fault>: no <IDOC> element under <soapenv:Fault>/,
    );
  });
});

describe('broken input', () => {
  const fixture = (format: string, name: string) => readFileSync(join(formatsDir, format, 'fixtures', name));

  it('a file that is not the envelope is refused as a whole, with where', () => {
    expect(() => splitBuffer('x12', Buffer.from('hello, not an interchange\n'))).toThrow(NotEnvelopeError);
    expect(() => splitBuffer('x12', Buffer.from('hello, not an interchange\n'))).toThrow(
      /x12: segment 1, line 1: not an X12/,
    );
    expect(() => splitBuffer('edifact', Buffer.from('ISA*00*'))).toThrow(
      /edifact: segment 1, line 1: not an EDIFACT/,
    );
    expect(() => splitBuffer('idoc-xml', fixture('sap-idoc-orders05', 'broken/wrong-structure.xml'))).toThrow(
      /idoc-xml: <ORDERS05>: no <IDOC> element under <ORDERS05>/,
    );
    expect(() =>
      splitBuffer('idoc-xml', Buffer.from('<?xml version="1.0"?><!DOCTYPE x><ORDERS05/>')),
    ).toThrow(/DOCTYPE declarations are not accepted/);
  });

  it('a truncated set becomes a broken piece of its own and the sets before it stay whole', () => {
    const bytes = fixture('x12-850', 'several-st-sets.edi').toString('latin1');
    const cut = bytes.slice(0, bytes.lastIndexOf('PO1*3'));
    const pieces = splitBuffer('x12', Buffer.from(cut, 'latin1'));
    expect(pieces.map((p) => p.broken)).toEqual([false, true]);
    expect(pieces[1]!.where).toMatch(
      /^ISA#1\/GS#1\/ST#2 \(byte \d+\): truncated: the file ends before the SE$/,
    );
    const reader = findReader('x12-850');
    expect(reader.parse(pieces[0]!.bytes)).toHaveLength(1);
    expect(() => reader.parse(pieces[1]!.bytes)).toThrow(FormatError);
  });

  it('holds an EDIFACT interchange’s messages back until its UNZ, and refuses them when it is cut short', () => {
    const whole = fixture('edifact-orders', 'ung-group-several-messages.edi').toString('utf8');
    const unz = whole.indexOf('UNZ+');
    // Streamed: nothing goes out before the UNZ is read, then every message at once, none refused.
    const splitter = createSplitter('edifact');
    expect(splitter.push(Buffer.from(whole.slice(0, unz)))).toEqual([]);
    const released = [...splitter.push(Buffer.from(whole.slice(unz))), ...splitter.end()];
    expect(released.length).toBeGreaterThan(1);
    expect(released.every((p) => !p.broken && p.refused === undefined)).toBe(true);
    // Cut before the UNZ (the group's UNE there): every message refused, the interchange's count missing.
    const cut = splitBuffer('edifact', Buffer.from(whole.slice(0, unz)));
    expect(cut).toHaveLength(released.length);
    for (const piece of cut) {
      expect(piece.broken).toBe(false);
      expect(piece.refused).toBe(
        'truncated: UNB#1 has no UNZ (the file ends first): its messages are not read',
      );
      expect(piece.trailers?.interchange.missing).toBe(true);
      expect(findReader('edifact-orders').parse(piece.bytes)).toHaveLength(1);
    }
    // A group without its UNE, the interchange closed by its UNZ: the group's reason (its UCF rejects it).
    const une = whole.indexOf('UNE+');
    const withoutUne = whole.slice(0, une) + whole.slice(whole.indexOf("'", une) + 1);
    const noUne = splitBuffer('edifact', Buffer.from(withoutUne));
    expect(noUne.map((p) => p.refused)).toEqual(
      cut.map(() =>
        expect.stringMatching(/^truncated: UNB#1\/UNG#1 has no UNE \(the UNZ \(byte \d+\) came first\)/),
      ),
    );
    expect(noUne[0]!.trailers?.group.missing).toBe(true);
    expect(noUne[0]!.trailers?.interchange.missing).toBeUndefined();
  });

  it('refuses the messages of an EDIFACT interchange whose UNZ the next UNB comes before; the next one goes through', () => {
    const one = (ref: string) =>
      `UNB+UNOC:3+SENDER:14+RECIPIENT:14+240312:1430+${ref}'\n` +
      `UNH+M1+ORDERS:D:96A:UN'\nBGM+220+PO1'\nUNT+3+M1'\nUNH+M2+ORDERS:D:96A:UN'\nBGM+220+PO2'\nUNT+3+M2'\n`;
    const pieces = splitBuffer('edifact', Buffer.from(`${one('CUT1')}${one('WHOLE2')}UNZ+2+WHOLE2'\n`));
    expect(pieces.map((p) => [p.where.replace(/ \(byte \d+\)/, ''), p.refused])).toEqual([
      [
        'UNB#1/UNH#1',
        expect.stringMatching(/^truncated: UNB#1 has no UNZ \(the next UNB \(byte \d+\) came first\)/),
      ],
      ['UNB#1/UNH#2', expect.stringMatching(/^truncated: UNB#1 has no UNZ \(the next UNB/)],
      ['UNB#2/UNH#1', undefined],
      ['UNB#2/UNH#2', undefined],
    ]);
  });

  it('gives each piece its reader’s id: <ISA13>/<ST02>, <UNB 0020>/<UNH 0062> (released characters as data)', () => {
    const x12 = splitBuffer('x12', fixture('x12-850', 'several-st-sets.edi'));
    const reader = findReader('x12-850');
    expect(x12.map((p) => p.id)).toEqual(x12.map((p) => reader.parse(p.bytes)[0]!.id));
    expect(x12[0]!.id).toMatch(/^\d{9}\/\d+$/);
    const edifact = Buffer.from(
      "UNA:+.? 'UNB+UNOC:3+S:14+R:14+240312:1430+REF?+7'UNH+M?'1+ORDERS:D:96A:UN'BGM+220+PO1'UNT+3+M?'1'UNZ+1+REF?+7'",
    );
    const [piece] = splitBuffer('edifact', edifact);
    expect(piece!.id).toBe("REF+7/M'1");
    expect(findReader('edifact-orders').parse(piece!.bytes)[0]!.id).toBe(piece!.id);
  });

  it('one broken message among good ones is dead-lettered alone', () => {
    const bytes = fixture('edifact-orders', 'ung-group-several-messages.edi').toString('utf8');
    // The first message loses its UNT: the splitter closes it at the next UNH as a broken piece.
    const firstUnt = bytes.indexOf('UNT+');
    const broken = bytes.slice(0, firstUnt) + bytes.slice(bytes.indexOf("'", firstUnt) + 1);
    const pieces = splitBuffer('edifact', Buffer.from(broken));
    const reader = findReader('edifact-orders');
    expect(pieces[0]!.broken).toBe(true);
    expect(pieces[0]!.where).toMatch(/UNH#1 .*truncated: UNH before the UNT/);
    expect(() => reader.parse(pieces[0]!.bytes)).toThrow(/edifact-orders: .*UNT/);
    expect(pieces.slice(1).every((p) => !p.broken && reader.parse(p.bytes).length === 1)).toBe(true);
    expect(pieces.length).toBe(
      reader.parse(fixture('edifact-orders', 'ung-group-several-messages.edi')).length,
    );
  });

  it('refuses a UTF-16 IDoc file saying to convert it or read it whole, rather than finding no IDOC in it', () => {
    const bytes = readFileSync(join(formatsDir, 'sap-idoc-orders05/fixtures/utf16le-bom-xml-port.xml'));
    let error: unknown;
    try {
      splitBuffer('idoc-xml', bytes);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NotEnvelopeError);
    expect((error as Error).message).toMatch(
      /byte 0: a UTF-16 file .*convert the file to UTF-8, or have it read whole/,
    );
  });

  it('a truncated IDOC becomes a broken piece the reader refuses', () => {
    const pieces = splitBuffer('idoc-xml', fixture('sap-idoc-orders05', 'broken/truncated.xml'));
    expect(pieces.at(-1)!.broken).toBe(true);
    expect(() => findReader('sap-idoc-orders05').parse(pieces.at(-1)!.bytes)).toThrow(FormatError);
  });

  it('a piece over the limit goes out as a broken head and the next piece is whole', () => {
    const bytes = fixture('x12-850', 'several-st-sets.edi');
    const splitter = createSplitter('x12', 600);
    const pieces = [...splitter.push(bytes), ...splitter.end()];
    expect(pieces.map((p) => p.broken)).toEqual([true, true]);
    expect(pieces[0]!.where).toMatch(/over the 600-byte limit/);
  });
});
