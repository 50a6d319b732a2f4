import { describe, expect, it } from 'vitest';
import { threadCpuTimer } from '../../tests/thread-cpu.ts';
import { FormatError } from '../types.ts';
import { reader } from './index.ts';

/** A one-IDoc ORDERS05 document; `prolog` goes before the root element, `name` into the sold-to's NAME1. */
function idoc({ prolog = '', belnr = 'PO-4711', name = 'Muster GmbH' } = {}): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n${prolog}<ORDERS05><IDOC BEGIN="1">` +
    '<EDI_DC40 SEGMENT="1"><DOCNUM>1</DOCNUM><IDOCTYP>ORDERS05</IDOCTYP><MESTYP>ORDERS</MESTYP>' +
    '<SNDPRN>CUST1000</SNDPRN></EDI_DC40>' +
    `<E1EDK01 SEGMENT="1"><CURCY>EUR</CURCY><BELNR>${belnr}</BELNR></E1EDK01>` +
    `<E1EDKA1 SEGMENT="1"><PARVW>AG</PARVW><PARTN>100001</PARTN><NAME1>${name}</NAME1></E1EDKA1>` +
    '</IDOC></ORDERS05>\n'
  );
}

function refusal(xml: string): FormatError {
  try {
    reader.parse(Buffer.from(xml));
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('expected the reader to refuse the document');
}

describe('sap-idoc-orders05 reader: DOCTYPE and entities', () => {
  it('refuses a DOCTYPE after a 5 KB comment, so its entity never becomes the order number', () => {
    const comment = `<!--${'x'.repeat(5_000)}-->\n`;
    const doctype = '<!DOCTYPE ORDERS05 [<!ENTITY forged "FORGED-4711">]>\n';
    const error = refusal(idoc({ prolog: comment + doctype, belnr: '&forged;' }));
    expect(error.location).toBe('line 3, column 1');
    expect(error.message).toMatch(/DOCTYPE declarations are not accepted/);
    expect(error.message).not.toMatch(/FORGED/);
  });

  it('refuses a billion-laughs DOCTYPE wherever it stands, without expanding it', () => {
    const entities = Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`,
    ).join('');
    const doctype = `<!DOCTYPE ORDERS05 [<!ENTITY lol0 "lol">${entities}]>`;
    const cpuMs = threadCpuTimer();
    const error = refusal(idoc({ prolog: `<!--${' '.repeat(10_000)}-->${doctype}`, belnr: '&lol9;' }));
    expect(error.message).toMatch(/DOCTYPE/);
    expect(error.location).toMatch(/^line 2, column \d+$/);
    expect(cpuMs()).toBeLessThan(1_000);
  });

  it('refuses a reference to an entity nobody declared, with its line and column', () => {
    const error = refusal(idoc({ belnr: '&forged;' }));
    expect(error.location).toMatch(/^line 2, column \d+$/);
    expect(error.message).toMatch(/undeclared entity &forged;/);
  });
});

describe('sap-idoc-orders05 reader: character references', () => {
  it('decodes numeric character references and the five predefined entities exactly once', () => {
    const name = 'M&#252;ller &#x26; S&#246;hne &lt;&gt;&quot;&apos;&amp;amp; &#x1F600;';
    const [doc] = reader.parse(Buffer.from(idoc({ name })));
    expect(doc!.tree.partners[0]!.NAME1).toBe('Müller & Söhne <>"\'&amp; 😀');
  });

  it('keeps CDATA content as written', () => {
    const [doc] = reader.parse(Buffer.from(idoc({ name: '<![CDATA[A &amp; B]]>' })));
    expect(doc!.tree.partners[0]!.NAME1).toBe('A &amp; B');
  });

  it.each([
    ['&#0;', /&#0; names no XML character/],
    ['&#x1;', /&#x1; names no XML character/],
    ['&#xD800;', /&#xD800; names no XML character/],
    ['&#x110000;', /&#x110000; names no XML character/],
    ['&#99999999999;', /not a character or entity reference/],
    // The validator refuses a bare or unterminated & before references are read.
    ['a & b', /malformed XML: char '&' is not expected/],
    ['&#252', /malformed XML: char '&' is not expected/],
  ])('refuses %s with its line and column', (name, message) => {
    const xml = idoc({ name });
    const error = refusal(xml);
    const column = xml.split('\n')[1]!.indexOf('&') + 1;
    expect(error.location).toBe(`line 2, column ${column}`);
    expect(error.message).toMatch(message);
  });
});

describe('sap-idoc-orders05 reader: declared encodings', () => {
  const soldToName = (bytes: Buffer) =>
    reader.parse(bytes)[0]?.tree.partners.find((p) => p.role === 'soldTo')?.NAME1;

  it('reads a windows-1252 file as windows-1252 (€ is 0x80 there)', () => {
    const xml = idoc({ name: 'Müller € GmbH' }).replace('encoding="UTF-8"', 'encoding="windows-1252"');
    expect(
      soldToName(Buffer.from(new Uint8Array([...xml].map((c) => (c === '€' ? 0x80 : c.charCodeAt(0)))))),
    ).toBe('Müller € GmbH');
  });

  it('reads UTF-16 with a byte-order mark, little- and big-endian', () => {
    const xml = idoc({ name: 'Müller GmbH' }).replace('encoding="UTF-8"', 'encoding="UTF-16"');
    const le = Buffer.from(`\ufeff${xml}`, 'utf16le');
    expect(soldToName(le)).toBe('Müller GmbH');
    expect(soldToName(Buffer.from(le).swap16())).toBe('Müller GmbH');
  });

  it('refuses an encoding it does not know, naming it', () => {
    const xml = idoc().replace('encoding="UTF-8"', 'encoding="EBCDIC-XYZ"');
    expect(refusal(xml).message).toMatch(/character set "EBCDIC-XYZ" is not supported/);
  });
});
