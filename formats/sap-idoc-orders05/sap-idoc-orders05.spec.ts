import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quotedValue, withoutDocumentValues, withoutValueMarks } from '../../lib/errors.ts';
import { readSample } from '../../tests/samples.ts';
import { fixtureSupport, itHandlesLargeInputWithin10s, itRefusesBrokenFixtures } from '../test-support.ts';
import { FormatError } from '../types.ts';
import { makeLargeDocument } from './fixtures/large.ts';
import { reader, writer } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { fixture, one, parse, refusal } = fixtureSupport(reader, fixtures);

describe('sap-idoc-orders05 reader', () => {
  it('reads several IDocs from one file, each with its control record', () => {
    const docs = parse('several-idocs.xml');
    expect(docs.map((d) => [d.kind, d.id, d.source])).toEqual([
      ['ORDERS', '0000000000410001', 'CUST1000'],
      ['ORDERS', '0000000000410002', 'CUST1000'],
    ]);
    const first = docs[0]!.tree;
    expect(first.header.CURCY).toBe('EUR');
    expect(first.header.BSART).toBe('NB');
    expect(first.organization).toEqual([
      { $loc: '/ORDERS05/IDOC[1]/E1EDK14[1]', QUALF: '008', ORGID: '1000' },
    ]);
    expect(first.partners.map((p) => [p.role, p.partyId])).toEqual([
      ['soldTo', '0000100001'],
      ['shipTo', '0000100002'],
    ]);
    expect(first.references[0]).toMatchObject({ QUALF: '001', BELNR: 'PO-4711', date: '2024-03-11' });
    expect(docs[1]!.tree.items[0]!.$loc).toBe('/ORDERS05/IDOC[2]/E1EDP01[1]');
  });

  it('joins text lines by TDFORMAT: = without a blank (each side as sent), blank with one, / and * break the line', () => {
    const tree = one('text-continuation-lines.xml').tree;
    expect(tree.texts[0]!.text).toBe(
      'Please deliver to the warehouse at gate 4, not to the office.\nCall +49 30 1234567 before arrival.\nThank you.',
    );
    // Each line's TDLINE stays trimmed, as every SAP field; only the join reads it as sent.
    expect(tree.texts[0]!.lines[0]!.TDLINE).toBe('Please deliver to the');
    expect(tree.items[0]!.texts[0]!.text).toBe('Zinc-plated, in boxes of 20');
  });

  it('keeps unknown partner roles and does not invent missing ones', () => {
    const tree = one('partner-roles-missing.xml').tree;
    expect(tree.partners.map((p) => [p.PARVW, p.role])).toEqual([
      ['AG', 'soldTo'],
      ['ZM', null],
    ]);
  });

  it('names partners by LIFNR when PARTN is absent', () => {
    const tree = one('partner-lifnr-only.xml').tree;
    expect(tree.partners.map((p) => [p.role, p.partyId])).toEqual([
      ['vendor', '0000300099'],
      ['soldTo', 'V-123'],
      ['shipTo', '0000300001'],
    ]);
  });

  it('reads items with material ids, schedule lines, amounts and texts', () => {
    const tree = one('items-schedule-lines-material-ids.xml').tree;
    expect(tree.partners.map((p) => p.role)).toEqual(['soldTo', 'shipTo', 'billTo', 'payer']);
    expect(tree.texts[0]!.lines[0]!.TDLINE).toBe('Deliver to gate 4');
    expect(tree.items).toHaveLength(3);
    const item = tree.items[0]!;
    expect([item.POSEX, item.MENGE, item.MENEE, item.VPREI, item.NETWR]).toEqual([
      '000010',
      '100.000',
      'PCE',
      '1.25',
      '125.00',
    ]);
    expect(item.materialIds.map((m) => [m.role, m.IDTNR])).toEqual([
      ['buyer', 'BUYER-100'],
      ['vendor', 'VEND-100'],
      ['ean', '4006381333931'],
    ]);
    expect(item.scheduleLines).toEqual([
      {
        $loc: '/ORDERS05/IDOC[1]/E1EDP01[1]/E1EDP20[1]',
        WMENG: '60.000',
        EDATU: '20240401',
        date: '2024-04-01',
        time: null,
      },
      {
        $loc: '/ORDERS05/IDOC[1]/E1EDP01[1]/E1EDP20[2]',
        WMENG: '40.000',
        EDATU: '20240415',
        EZEIT: '140000',
        date: '2024-04-15',
        time: '14:00:00',
      },
    ]);
    expect(item.amounts[0]).toMatchObject({ QUALF: '003', BETRG: '125.00' });
    expect(item.texts[0]!.lines.map((l) => l.TDLINE)).toEqual(['Zinc plated', 'Pack in boxes of 20']);
    expect(tree.items[2]!.materialIds[0]!.$loc).toBe('/ORDERS05/IDOC[1]/E1EDP01[3]/E1EDP19[1]');
    expect(tree.totals.map((t) => [t.SUMID, t.SUMME])).toEqual([
      ['001', '3'],
      ['002', '149.00'],
    ]);
    expect(tree.unknown).toEqual([]);
  });

  it('trims padded numbers without changing them and reads all-zero dates as null', () => {
    const [doc] = parse('padded-numbers-zero-dates.xml');
    expect(doc!.id).toBe('0000000000450001');
    const tree = doc!.tree;
    expect(tree.header.WKURS).toBe('1.00000');
    expect(tree.dates.map((d) => [d.IDDAT, d.date, d.time])).toEqual([
      ['002', null, null],
      ['012', '2024-01-05', '23:59:59'],
    ]);
    expect(tree.references[0]!.date).toBeNull();
    expect(tree.items.map((i) => [i.POSEX, i.MENGE, i.PEINH])).toEqual([
      ['1', '8.000', '1'],
      ['2', '2.500-', undefined],
    ]);
    expect(tree.items[0]!.scheduleLines[0]!.date).toBeNull();
  });

  it('reads CRLF, single-quoted attributes and segments without SEGMENT', () => {
    const tree = one('crlf-single-quotes-no-segment-attr.xml').tree;
    expect(tree.header.CURCY).toBe('GBP');
    expect(tree.partners[0]).toMatchObject({ role: 'soldTo', NAME1: 'Smith & Sons' });
    expect(tree.items[0]!.materialIds[0]).toMatchObject({ role: 'vendor', IDTNR: 'WIDGET-4' });
  });

  it("reads an item's references (E1EDP02) and dates (E1EDP03) with their dates, and writes them back", () => {
    const [item, second] = one('name2-item-references-dates.xml').tree.items;
    expect(item!.references.map((r) => [r.QUALF, r.BELNR, r.ZEILE, r.date])).toEqual([
      ['001', '4500123456', '00010', '2025-05-13'],
    ]);
    expect(item!.dates.map((d) => [d.IDDAT, d.date, d.time])).toEqual([
      ['002', '2025-05-20', '07:00:00'],
      ['029', '2025-05-19', null],
    ]);
    expect(second!.dates[0]!.date).toBeNull();
    expect(item!.unknown).toEqual([]);
    const [back] = reader.parse(writer.write(one('name2-item-references-dates.xml').tree));
    expect(back!.tree.items[0]!.references.map((r) => [r.QUALF, r.ZEILE])).toEqual([['001', '00010']]);
    expect(back!.tree.items[0]!.dates.map((d) => d.IDDAT)).toEqual(['002', '029']);
  });

  it("reads an item's own partners (E1EDPA1, e.g. its ship-to plant), and writes them back", () => {
    const [item, second] = one('items-with-own-ship-to.xml').tree.items;
    expect(item!.partners.map((p) => [p.PARVW, p.role, p.partyId, p.NAME2, p.ORT01])).toEqual([
      ['WE', 'shipTo', '2100', 'Goods receipt gate 2', 'Bremen'],
    ]);
    expect(second!.partners.map((p) => [p.partyId, p.NAME1])).toEqual([['2300', 'Plant Sued']]);
    expect(item!.unknown).toEqual([]);
    const [back] = reader.parse(writer.write(one('items-with-own-ship-to.xml').tree));
    expect(back!.tree.items.map((i) => i.partners.map((p) => [p.PARVW, p.partyId, p.PSTLZ]))).toEqual([
      [['WE', '2100', '28197']],
      [['WE', '2300', '86153']],
    ]);
  });

  it('keeps unknown segments with their location and children', () => {
    const tree = one('unknown-segments.xml').tree;
    expect(tree.unknown.map((u) => [u.segment, u.$loc])).toEqual([
      ['E1EDK17', '/ORDERS05/IDOC[1]/E1EDK17[1]'],
      ['Z1ORDERS_HDR', '/ORDERS05/IDOC[1]/Z1ORDERS_HDR[1]'],
    ]);
    expect(tree.unknown[1]!.children[0]).toMatchObject({ segment: 'Z1ORDERS_SUB', ZNOTE: 'nested custom' });
    expect(tree.items[0]!.unknown.map((u) => u.segment)).toEqual(['E1EDP05', 'Z1ITEM_EXT']);
  });

  it('keeps the child segments of a read segment it does not read (E1EDKA3, a Z segment under an E1EDP20), and writes them back under it', () => {
    // They were dropped without a word (not even among eai map's unused values): an extension type's own segment
    // under each schedule line, the E1EDKA3 / E1EDPA3 address additions.
    const tree = one('extension-type-child-segments.xml').tree;
    expect(tree.unknown.map((u) => [u.segment, u.occurrence, u.children.map((c) => c.segment)])).toEqual([
      ['E1EDK17', undefined, []],
      ['E1EDKA1', 1, ['E1EDKA3']],
    ]);
    const item = tree.items[0]!;
    expect(item.unknown.map((u) => [u.segment, u.occurrence, u.$loc, u.children[0]!.segment])).toEqual([
      ['E1EDP20', 1, '/_-HARBORF_-ORDERS05_EXT/IDOC[1]/E1EDP01[1]/E1EDP20[1]', '_-HARBORF_-SHIP_WINDOW'],
      ['E1EDP20', 2, '/_-HARBORF_-ORDERS05_EXT/IDOC[1]/E1EDP01[1]/E1EDP20[2]', '_-HARBORF_-SHIP_WINDOW'],
      ['E1EDPA1', 1, '/_-HARBORF_-ORDERS05_EXT/IDOC[1]/E1EDP01[1]/E1EDPA1[1]', 'E1EDPA3'],
    ]);
    expect(item.unknown[1]!.children[0]).toMatchObject({
      VN_SHIPBEGIN: '20240624',
      VN_EXPEC_DLVD: '20240705',
    });
    // Written back, each under its own segment again: no second E1EDP20 or E1EDPA1 of their own.
    // (The writer writes the standard message type: the tree's own, /HARBORF/VND_ORDERS, made ORDERS.)
    const written = writer.write({ ...tree, control: { ...tree.control, MESTYP: 'ORDERS' } }).toString();
    expect(written.match(/<E1EDP20 SEGMENT="1">/g)).toHaveLength(2);
    expect(written.match(/<E1EDPA1 SEGMENT="1">/g)).toHaveLength(1);
    const [back] = reader.parse(Buffer.from(written));
    expect(back!.tree.items[0]!.scheduleLines.map((l) => l.WMENG)).toEqual(['1000.000', '840.000']);
    expect(
      back!.tree.items[0]!.unknown.map((u) => [u.segment, u.occurrence, u.children[0]!.VN_SHIPEND]),
    ).toEqual([
      ['E1EDP20', 1, '20240531'],
      ['E1EDP20', 2, '20240628'],
      ['E1EDPA1', 1, undefined],
    ]);
    expect(back!.tree.unknown.map((u) => [u.segment, u.children.map((c) => c.STDPN)])).toEqual([
      ['E1EDKA1', ['PGRP-210']],
      ['E1EDK17', []],
    ]);
  });

  it('reads an order response and the SAP sample', () => {
    const [doc] = parse('ordrsp-confirmation.xml');
    expect(doc!.kind).toBe('ORDRSP');
    expect(doc!.source).toBe('PRDCLNT100');
    const sample = reader.parse(readSample('sap-idoc-orders05/sapb2bbasic-ordrsp-idoc.xml'));
    expect(sample.map((d) => [d.kind, d.id, d.source])).toEqual([['ORDRSP', '5220230', 'HE4CLNT400']]);
    const tree = sample[0]!.tree;
    expect(tree.items.map((i) => i.materialIds[0]!.IDTNR)).toEqual([
      'MZ-FG-S100',
      'MZ-FG-S200',
      'MZ-FG-S300',
      'MZ-FG-S400',
    ]);
    expect(tree.references[0]!.date).toBeNull();
    expect(tree.partners.map((p) => p.role)).toEqual(['soldTo', 'billTo', 'payer', 'shipTo']);
  });
});

describe('sap-idoc-orders05 times', () => {
  it('reads HHMM and HHMMSS times and takes a blank time as none', () => {
    const tree = one('hhmm-and-blank-times.xml').tree;
    expect(tree.dates.map((d) => [d.IDDAT, d.date, d.time])).toEqual([
      ['002', '2023-10-07', null],
      ['012', '2023-10-04', '12:30:00'],
    ]);
    expect(tree.references[0]!.time).toBe('12:30:00');
    expect(tree.items[0]!.scheduleLines[0]!.time).toBe('08:00:00');
    const hhmmss = one('items-schedule-lines-material-ids.xml').tree;
    expect(hhmmss.items[0]!.scheduleLines[1]!.time).toBe('14:00:00');
  });
});

describe('sap-idoc-orders05 broken input', () => {
  itRefusesBrokenFixtures(reader, fixtures, {
    'truncated.xml': /^line \d+, column \d+$/,
    'invalid-utf8.xml': /^byte 261$/,
    'missing-edi-dc40.xml': /^\/ORDERS05\/IDOC\[1\]$/,
    'non-numeric-quantity.xml': /^\/ORDERS05\/IDOC\[1\]\/E1EDP01\[2\]\/MENGE$/,
    'unknown-currency.xml': /^\/ORDERS05\/IDOC\[1\]\/E1EDK01\[1\]\/CURCY$/,
    'wrong-structure.xml': /^\/ORDERS05$/,
    'wrong-basic-type.xml': /EDI_DC40\[1\]\/IDOCTYP$/,
    'impossible-date.xml': /E1EDP01\[1\]\/E1EDP20\[2\]\/EDATU$/,
    'impossible-time.xml': /^\/ORDERS05\/IDOC\[1\]\/E1EDK03\[2\]\/UZEIT$/,
    'custom-message-type-without-stdmes.xml': /EDI_DC40\[1\]\/MESTYP$/,
    'soap-body-without-idoc.xml': {
      location: /^\/s:Envelope\/s:Body\[1\]$/,
      message: /no IDoc in the SOAP <s:Body>: it should hold the basic type element \(<ORDERS05>\)/,
    },
  });

  it('reads an IDoc whose every element carries a namespace prefix as the same IDoc, by the local names', () => {
    const doc = one('namespace-prefixed-elements.xml');
    expect([doc.kind, doc.id, doc.source]).toEqual(['ORDERS', '0000000004711099', '0000100042']);
    expect(doc.tree.header).toMatchObject({ CURCY: 'EUR', BELNR: '4500009999' });
    expect(doc.tree.partners.map((p) => [p.role, p.partyId, p.NAME1])).toEqual([
      ['soldTo', '0000100042', 'Müller & Söhne GmbH'],
      ['shipTo', '0000100043', 'Lager Süd'],
    ]);
    expect(doc.tree.items[0]).toMatchObject({ POSEX: '000010', MENGE: '12.500', MENEE: 'KGM' });
    expect(doc.tree.items[0]!.materialIds[0]).toMatchObject({ role: 'vendor', IDTNR: 'MAT-4711' });
    // Where a value stands is where the document has it, prefixes and all.
    expect(doc.tree.items[0]!.$loc).toBe('/idoc:ORDERS05/idoc:IDOC[1]/idoc:E1EDP01[1]');
  });

  it('reads the IDocs of a SOAP envelope (IDoc SOAP, PI / CPI SOAP channels), IDOC without BEGIN', () => {
    const [doc] = parse('soap-envelope-no-begin.xml');
    expect([doc!.kind, doc!.id, doc!.source]).toEqual(['ORDERS', '0000000004711042', '0000100042']);
    expect(doc!.tree.items[0]!.$loc).toBe('/soapenv:Envelope/soapenv:Body[1]/ORDERS05[1]/IDOC[1]/E1EDP01[1]');
  });

  it("reads a company's own message type as the standard one STDMES names; without it, says to set STDMES", () => {
    const custom = one('custom-message-type-stdmes.xml');
    expect(custom.kind).toBe('ORDERS');
    expect(custom.tree.messageType).toBe('ORDERS');
    expect(custom.tree.control.MESTYP).toBe('/ACME/ORDERS');
    expect(refusal(fixture('broken/custom-message-type-without-stdmes.xml')).message).toMatch(
      /message type ZORDERS is not ORDERS, ORDRSP or ORDCHG, and STDMES, the standard one a custom type stands for, is empty: set STDMES in the partner profile/,
    );
  });

  it('refuses times no system sends, naming the field and the value', () => {
    const base = fixture('hhmm-and-blank-times.xml').toString('utf8');
    for (const bad of ['2561', '12345', '12a0', '1260', '240000', '2400', '235960', '1']) {
      const error = refusal(Buffer.from(base.replace('<UZEIT>1230</UZEIT>', `<UZEIT>${bad}</UZEIT>`)));
      expect(error.location).toBe('/ORDERS05/IDOC[1]/E1EDK03[2]/UZEIT');
      expect(error.message).toContain(`"${bad}"`);
    }
    // The last minute of the day is a time; hour 24 (midnight as the day's end) is not, in either field.
    const last = reader.parse(Buffer.from(base.replace('<UZEIT>1230</UZEIT>', '<UZEIT>235959</UZEIT>')));
    expect(last[0]!.tree.dates[1]!.time).toBe('23:59:59');
  });

  itHandlesLargeInputWithin10s(
    'parses a 1 MB IDoc within 10 s',
    () => makeLargeDocument(1_000_000),
    (input) => expect(reader.parse(input)[0]!.tree.items.length).toBeGreaterThan(3_000),
  );
  itHandlesLargeInputWithin10s(
    'refuses a 50 MB IDoc within 10 s',
    () => makeLargeDocument(50_000_000),
    (input) => expect(refusal(input).message).toMatch(/limit/),
  );
});

describe('sap-idoc-orders05 writer', () => {
  it('writes an ORDRSP that reads back to an equal tree', () => {
    for (const input of [
      'ordrsp-confirmation.xml',
      'unknown-segments.xml',
      'items-schedule-lines-material-ids.xml',
    ]) {
      const tree = structuredClone(one(input).tree);
      tree.control.MESTYP = 'ORDRSP';
      tree.messageType = 'ORDRSP';
      const [back] = reader.parse(writer.write(tree));
      expect(back!.kind).toBe('ORDRSP');
      expect(back!.tree).toEqual(tree);
    }
  });

  it('writes an ORDERS tree as ORDERS (an order SAP is to create) and refuses any other message type', () => {
    const tree = one('several-idocs.xml'.replace('several-idocs', 'partner-roles-missing')).tree;
    expect(tree.control.MESTYP).toBe('ORDERS');
    expect(writer.write(tree).toString()).toContain('<MESTYP>ORDERS</MESTYP>');
    tree.control.MESTYP = 'ORDCHG';
    expect(() => writer.write(tree)).toThrow(FormatError);
    expect(() => writer.write(tree)).toThrow(/writer writes ORDRSP or ORDERS only, tree has ORDCHG/);
  });

  it('refuses a value longer than its SAP field, naming the segment and field, instead of letting SAP cut it', () => {
    const tree = structuredClone(one('items-schedule-lines-material-ids.xml').tree);
    tree.control.MESTYP = 'ORDRSP';
    // 15 UTF-16 code units fit VPREI (CHAR 15), a negative price with its sign included.
    tree.items[0]!.VPREI = '-1234567890.123';
    expect(() => writer.write(tree)).not.toThrow();
    tree.items[0]!.VPREI = '-1234567890123.123456';
    expect(() => writer.write(tree)).toThrow(
      `sap-idoc-orders05: ${tree.$loc}/E1EDP01[1]/VPREI: VPREI holds 15 characters in SAP, the value has 21: ${quotedValue('-1234567890123.123456')}`,
    );
    tree.items[0]!.VPREI = '1';
    // An emoji takes two of a Unicode SAP system's characters: 34 letters and one are 36.
    tree.items[0]!.materialIds[0]!.IDTNR = `${'M'.repeat(34)}🚀`;
    expect(() => writer.write(tree)).toThrow(
      /\/E1EDP01\[1\]\/E1EDP19\[1\]\/IDTNR: IDTNR holds 35 characters in SAP, the value has 36/,
    );
    tree.items[0]!.materialIds[0]!.IDTNR = 'M';
    // A customer's name is quoted as a document value: a viewer and the logs read "…", an operator the name.
    tree.partners[0]!.NAME1 = 'Jane Roe, Beschaffung Haushaltswaren und Eisenwaren';
    const refused = (() => {
      try {
        writer.write(tree);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('written');
    })();
    expect(withoutDocumentValues(refused)).toMatch(
      /\/E1EDKA1\[1\]\/NAME1: NAME1 holds 35 characters in SAP, the value has 51: "…"$/,
    );
    expect(withoutDocumentValues(refused)).not.toContain('Jane');
    expect(withoutValueMarks(refused)).toContain('"Jane Roe, Beschaffung Haushaltswaren und Eisenwaren"');
  });
});
