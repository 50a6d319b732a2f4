import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEaiInProcess } from '../../tests/run-eai-in-process.ts';
import { detectFormat, unreadDocument } from '../detect.ts';
import { isRefused } from '../each-document.ts';
import { encodingProblem, readerBytes } from '../index.ts';
import { fixtureSupport } from '../test-support.ts';
import { FormatError } from '../types.ts';
import { segmentType } from './flat.ts';
import { CONTROL_RECORD, SEGMENT_FIELDS } from './flat-layout.ts';
import { toFlat } from './flat-test-support.ts';
import { reader } from './index.ts';
import { SAP_FIELD } from './tree.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { fixture, parse, refusal } = fixtureSupport(reader, fixtures);
const XML_FIXTURES = readdirSync(fixtures).filter((name) => name.endsWith('.xml'));
/**
 * flat-file-port-orders.txt, written from the layout (flat-layout.ts) as a SAP file port writes ORDERS05: two IDocs
 * (an ORDERS and an ORDCHG) in CRLF lines, segment definitions' names (E2EDK01005, E2EDP19003, a customer's
 * Z2ORDERS_HDR000), trailing blanks cut on every line but the last (padded to 1063 as SAP writes it), numbers aligned
 * right (`      8.000`) and with SAP's trailing minus (`1.500-`), umlauts in UTF-8 (columns count characters), a
 * header text (E1EDKT1 > E1EDKT2 by PSGNUM) and item material ids and schedule lines under their E1EDP01.
 */
const FLAT = 'flat-file-port-orders.txt';

/** What of the XML reader's tree a flat file can carry, and what its flat reader writes differently. */
function comparable(value: unknown, dropped: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => comparable(v, dropped));
  if (!value || typeof value !== 'object') return value;
  const node: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$loc' || key === 'refused') continue;
    // A blank field is no field in a flat file (nor in SAP's own IDoc-XML); an unwritable one is not in it.
    if (SAP_FIELD.test(key) && (v === '' || dropped.has(key))) continue;
    node[key] = comparable(v, dropped);
  }
  // A segment the layout does not have: its SDATA, whole (the converter wrote its fields one after the other).
  if (typeof node.segment === 'string' && !SEGMENT_FIELDS[node.segment]) {
    const sdata = Object.entries(value)
      .filter(([key]) => SAP_FIELD.test(key))
      .map(([, v]) => v)
      .join('');
    for (const key of Object.keys(node)) if (SAP_FIELD.test(key)) delete node[key];
    if (sdata) node.SDATA = sdata;
  }
  return node;
}

function flatTrees(xmlName: string, options: Parameters<typeof toFlat>[1]) {
  const xml = fixture(xmlName);
  const { flat, dropped } = toFlat(xml, options);
  const expected = reader.parseEach!(xml).map((result) => {
    if (isRefused(result)) return { id: result.id, refused: true };
    // The control record's TABNAM: the first 10 characters of its line, so always there.
    const tree = { ...result.tree, control: { ...result.tree.control, TABNAM: 'EDI_DC40' } };
    return comparable({ ...result, tree }, dropped);
  });
  const actual = reader.parseEach!(Buffer.from(flat, 'utf8')).map((result) =>
    isRefused(result) ? { id: result.id, refused: true } : comparable(result, dropped),
  );
  return { expected, actual, flat };
}

describe('sap-idoc-orders05 flat files: the layout', () => {
  it('is EDI_DC40 of 524 characters as SAP publishes it, and no segment longer than SDATA (1000)', () => {
    const lengths = (layout: string) =>
      layout
        .split(' ')
        .filter((_, i) => i % 2 === 1)
        .map(Number);
    expect(lengths(CONTROL_RECORD).reduce((a, b) => a + b)).toBe(524);
    expect(CONTROL_RECORD.split(' ').filter((_, i) => i % 2 === 0)).toEqual(
      'TABNAM MANDT DOCNUM DOCREL STATUS DIRECT OUTMOD EXPRSS TEST IDOCTYP CIMTYP MESTYP MESCOD MESFCT STD STDVRS STDMES SNDPOR SNDPRT SNDPFC SNDPRN SNDSAD SNDLAD RCVPOR RCVPRT RCVPFC RCVPRN RCVSAD RCVLAD CREDAT CRETIM REFINT REFGRP REFMES ARCKEY SERIAL'.split(
        ' ',
      ),
    );
    for (const [type, layout] of Object.entries(SEGMENT_FIELDS)) {
      expect(
        lengths(layout).reduce((a, b) => a + b),
        type,
      ).toBeLessThanOrEqual(1000);
      for (const name of layout.split(' ').filter((_, i) => i % 2 === 0)) expect(name).toMatch(SAP_FIELD);
    }
    // Every segment the reader interprets has its fields at published offsets.
    for (const type of [
      'E1EDK01',
      'E1EDK14',
      'E1EDK03',
      'E1EDKA1',
      'E1EDK02',
      'E1EDKT1',
      'E1EDKT2',
      'E1EDP01',
    ]) {
      expect(SEGMENT_FIELDS[type], type).toBeDefined();
    }
    for (const type of [
      'E1EDP02',
      'E1EDP03',
      'E1EDP19',
      'E1EDPA1',
      'E1EDP20',
      'E1EDP26',
      'E1EDPT1',
      'E1EDPT2',
    ]) {
      expect(SEGMENT_FIELDS[type], type).toBeDefined();
    }
    expect(SEGMENT_FIELDS.E1EDS01).toBeDefined();
    expect(SEGMENT_FIELDS.E1EDP01).toMatch(/^POSEX 6 ACTION 3 PSTYP 1 KZABS 1 MENGE 15 MENEE 3 /);
  });

  it('reads a segment definition name as its type: E2 and the version, E2EDK14 without one, Z2 as Z1', () => {
    expect(segmentType('E2EDK01005')).toBe('E1EDK01');
    expect(segmentType('E2EDP19003')).toBe('E1EDP19');
    expect(segmentType('E2EDK14')).toBe('E1EDK14');
    expect(segmentType('E1EDP01')).toBe('E1EDP01');
    expect(segmentType('Z2ORDERS_HDR000')).toBe('Z1ORDERS_HDR');
    expect(segmentType('Z1ITEM_EXT')).toBe('Z1ITEM_EXT');
  });
});

describe('sap-idoc-orders05 flat files: the same trees as IDoc-XML', () => {
  for (const name of XML_FIXTURES) {
    it(`${name}: as a file port writes it (segment types, LF) and as middleware hands it on (definitions, CRLF, trailing blanks cut)`, () => {
      for (const options of [
        { names: 'type' as const },
        { names: 'definition' as const, eol: '\r\n', cutTrailingBlanks: true },
      ]) {
        const { expected, actual } = flatTrees(name, options);
        if (name === 'text-continuation-lines.xml') {
          // The one thing a flat file cannot say: a TDLINE's trailing blank before a `=` line is the field's
          // padding, so the words join without it (as SAP's own char fields drop trailing blanks).
          const texts = (trees: unknown[]) =>
            (trees[0] as { tree: { texts: Array<{ text: string }> } }).tree.texts.map((t) => t.text);
          expect(texts(expected)[0]).toMatch(/^Please deliver to the warehouse/);
          expect(texts(actual)[0]).toMatch(/^Please deliver to thewarehouse/);
          for (const trees of [expected, actual]) {
            for (const t of (trees[0] as { tree: { texts: Array<{ text?: string }> } }).tree.texts)
              delete t.text;
          }
        }
        expect(actual, `${name} ${options.names}`).toEqual(expected);
      }
    });
  }

  it('nests by HLEVEL where PSGNUM is not filled, and locates each segment by its line', () => {
    const { flat } = toFlat(fixture('items-schedule-lines-material-ids.xml'));
    const unnumbered = flat
      .split('\n')
      .map((line) =>
        line.startsWith('EDI_DC40') || line === '' ? line : `${line.slice(0, 55)}000000${line.slice(61)}`,
      )
      .join('\n');
    const [document] = reader.parse(Buffer.from(unnumbered));
    const [xml] = reader.parse(fixture('items-schedule-lines-material-ids.xml'));
    expect(comparable(document, new Set())).toEqual(comparable(xml, new Set()));
    const item = document!.tree.items[0]!;
    expect(item.$loc).toMatch(/^IDOC\[1\]\/E1EDP01\[1\] \(line \d+\)$/);
    expect(item.materialIds[0]!.$loc).toMatch(/^IDOC\[1\]\/E1EDP01\[1\]\/E1EDP19\[1\] \(line \d+\)$/);
  });
});

describe('sap-idoc-orders05 flat files: the file port fixture', () => {
  it('reads both IDocs: values trimmed, numbers as SAP writes them, children under their parents', () => {
    const [orders, change] = parse(FLAT);
    expect([orders!.kind, orders!.id, orders!.source]).toEqual(['ORDERS', '0000000000530001', 'PRDCLNT100']);
    expect([change!.kind, change!.id]).toEqual(['ORDCHG', '0000000000530002']);
    const tree = orders!.tree;
    expect(tree.$loc).toBe('IDOC[1] (line 1)');
    expect(tree.header).toMatchObject({ CURCY: 'EUR', WKURS: '1.00000', BELNR: 'PO-88120' });
    expect(tree.partners[0]).toMatchObject({
      role: 'soldTo',
      NAME1: 'Müller Haustechnik GmbH',
      ORT01: 'Würzburg',
    });
    expect(tree.dates[0]).toMatchObject({ date: '2025-03-13', time: '16:45:00' });
    expect(tree.texts[0]!.text).toBe('Anlieferung bitte nur vormittags, Tor 3.');
    expect(tree.items.map((i) => [i.POSEX, i.MENGE, i.VPREI, i.NETWR])).toEqual([
      ['000010', '8.000', '125.50', '1004.00'],
      ['000020', '2.500', '9.80', '24.50'],
    ]);
    expect(tree.items[0]!.materialIds.map((m) => [m.role, m.IDTNR, m.KTEXT])).toEqual([
      ['buyer', 'HT-PUMPE-25', 'Umwälzpumpe DN 25'],
      ['vendor', '4711-025', undefined],
    ]);
    expect(tree.items[0]!.scheduleLines[0]).toMatchObject({
      $loc: 'IDOC[1]/E1EDP01[1]/E1EDP20[1] (line 12)',
      WMENG: '8.000',
      date: '2025-03-21',
    });
    // The customer's segment, not in the layout: kept whole, never dropped.
    expect(tree.unknown).toEqual([
      {
        $loc: 'IDOC[1]/Z1ORDERS_HDR[1] (line 10)',
        SDATA: 'EILIG  KW12',
        segment: 'Z1ORDERS_HDR',
        children: [],
      },
    ]);
    expect(change!.tree.items[0]).toMatchObject({ ACTION: '002', MENGE: '1.500-' });
    expect(change!.tree.items[0]!.$loc).toBe('IDOC[2]/E1EDP01[1] (line 22)');
  });

  it('is detected by its first record, EDI_DC40 at column 1; another basic type is named', () => {
    expect(detectFormat(fixture(FLAT))).toBe('sap-idoc-orders05');
    const desadv = fixture(FLAT).toString('utf8').replaceAll('ORDERS05', 'DELVRY07');
    expect(detectFormat(Buffer.from(desadv))).toBeUndefined();
    expect(unreadDocument(Buffer.from(desadv))).toBe(
      'a SAP IDoc (flat file) of basic type DELVRY07; the hub reads ORDERS05 (sap-idoc-orders05)',
    );
  });

  it('eai map maps it as the IDoc-XML of the same orders, with no --format', async () => {
    const result = await runEaiInProcess(['map', join(fixtures, FLAT), '--json']);
    expect(result.code).toBe(0);
    const records = JSON.parse(result.stdout) as Array<{
      key: string;
      value: { changeType: string; salesOrder: { customer: { name: string }; lines: unknown[] } };
    }>;
    expect(records.map((r) => [r.key, r.value.changeType, r.value.salesOrder.lines.length])).toEqual([
      ['sap:PO-88120', 'CREATED', 2],
      ['sap:PO-88120', 'UPDATED', 1],
    ]);
    expect(records[0]!.value.salesOrder.customer.name).toBe('Müller Haustechnik GmbH');
  });
});

describe('sap-idoc-orders05 flat files: encoding', () => {
  const windows1252 = Buffer.from(fixture(FLAT).toString('utf8'), 'latin1');

  it('reads UTF-8 by default and says to name the code page of a file that is not', () => {
    const error = refusal(windows1252);
    expect(error.location).toMatch(/^byte \d+$/);
    expect(error.message).toMatch(
      /invalid UTF-8 \(byte 0xfc at offset \d+, line 5, column 102\): an IDoc flat file in windows-1252\? name its character set \(eai map --encoding windows-1252/,
    );
  });

  it('takes --encoding / a connector encoding for flat files, columns counted in characters', () => {
    expect(encodingProblem('sap-idoc-orders05', 'windows-1252')).toBeUndefined();
    const [document] = reader.parse(readerBytes('sap-idoc-orders05', windows1252, 'windows-1252'));
    expect(document!.tree.partners[0]).toMatchObject({ NAME1: 'Müller Haustechnik GmbH', ORT01: 'Würzburg' });
    // IDoc-XML still reads in the set its declaration names: the encoding named is not applied to it.
    const xml = fixture('several-idocs.xml');
    expect(readerBytes('sap-idoc-orders05', xml, 'windows-1252')).toBe(xml);
    // A format all of whose documents declare theirs still refuses one.
    expect(encodingProblem('edifact-orders', 'windows-1252')).toMatch(/name no encoding/);
  });

  it('eai map --encoding windows-1252 reads the file port file in its code page', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'eai-idoc-flat-')), 'idoc-flat-1252.txt');
    writeFileSync(file, windows1252);
    const refused = await runEaiInProcess(['map', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--encoding windows-1252/);
    const read = await runEaiInProcess(['map', file, '--encoding', 'windows-1252', '--json']);
    expect(read.code).toBe(0);
    expect(JSON.parse(read.stdout)[0].value.salesOrder.customer.name).toBe('Müller Haustechnik GmbH');
  });
});

describe('sap-idoc-orders05 flat files: what is refused, where', () => {
  const lines = () => fixture(FLAT).toString('utf8').split('\r\n');
  const flat = (edit: (lines: string[]) => void) => {
    const all = lines();
    edit(all);
    return Buffer.from(all.join('\r\n'));
  };
  /** The refusal of the IDoc with DOCNUM `id`, the file's others read. */
  const refusedAlone = (input: Buffer, id: string): FormatError => {
    const results = reader.parseEach!(input);
    const refused = results.filter(isRefused);
    expect(refused.map((r) => r.id)).toEqual([id]);
    expect(results.length - refused.length).toBeGreaterThan(0);
    return refused[0]!.refused;
  };

  it('a data record before any EDI_DC40: the whole file, at its line', () => {
    const error = refusal(flat((all) => all.unshift(all[1]!)));
    expect(error.location).toBe('line 1, column 1');
    expect(error.message).toMatch(/a data record \(E2EDK01005\) before any control record EDI_DC40/);
  });

  it('IDOCTYP other than ORDERS05: that IDoc, at the field', () => {
    const input = flat((all) => {
      all[17] = all[17]!.replace('ORDERS05', 'DELVRY07');
    });
    const error = refusedAlone(input, '0000000000530002');
    expect(error.location).toBe('IDOC[2]/EDI_DC40[1]/IDOCTYP (line 18, column 40)');
    expect(error.message).toMatch(/basic type is DELVRY07, expected ORDERS05/);
  });

  it("a DOCNUM other than its control record's: that IDoc, at the record's DOCNUM", () => {
    const input = flat((all) => {
      all[3] = all[3]!.replace('0000000000530001', '0000000000530099');
    });
    const error = refusedAlone(input, '0000000000530001');
    expect(error.location).toBe('line 4, column 34');
    expect(error.message).toMatch(
      /DOCNUM 0000000000530099 of E2EDK03 is not its control record's \(0000000000530001, line 1\)/,
    );
  });

  it('a number field that is not a number: that IDoc, at the field, named', () => {
    const input = flat((all) => {
      all[10] = all[10]!.replace('      8.000', '      8,000');
    });
    const error = refusedAlone(input, '0000000000530001');
    expect(error.location).toBe('IDOC[1]/E1EDP01[1]/MENGE (line 11, column 75)');
    expect(error.message).toMatch(/MENGE is not a number: .?"8,000"/);
  });

  it('a line longer than its layout: refused at the column, short lines padded', () => {
    const longer = flat((all) => {
      all[2] = `${all[2]!.padEnd(1063)}X`;
    });
    const error = refusedAlone(longer, '0000000000530001');
    expect(error.location).toBe('IDOC[1]/E1EDK14[1] (line 3, column 1064)');
    expect(error.message).toMatch(/E1EDK14's record is 1063 characters; this line has text at column 1064/);
    const shifted = flat((all) => {
      all[2] = `${all[2]!.padEnd(110)}HIDDEN`;
    });
    expect(refusedAlone(shifted, '0000000000530001').message).toMatch(
      /text at column 111, after E1EDK14's last field ORGID \(columns 67-101\)/,
    );
  });

  it('a PSGNUM naming no segment before it: that IDoc, at PSGNUM', () => {
    const input = flat((all) => {
      all[11] = `${all[11]!.slice(0, 55)}000077${all[11]!.slice(61)}`;
    });
    const error = refusedAlone(input, '0000000000530001');
    expect(error.location).toBe('line 12, column 56');
    expect(error.message).toMatch(/PSGNUM 000077 of E2EDP20001 names no segment before it/);
  });

  it('a 3.x control record (EDI_DC): refused, saying what to send instead', () => {
    const error = refusal(Buffer.from(`EDI_DC    100000000000012345ORDERS05\n`));
    expect(error.location).toBe('line 1, column 1');
    expect(error.message).toMatch(/record types version 4\.x \(EDI_DC40\) or send IDoc-XML/);
    expect(error).toBeInstanceOf(FormatError);
  });
});

describe('sap-idoc-orders05: the basic types ORDERS05 succeeded', () => {
  // SAP extends a released basic type only compatibly, so ORDERS01 to ORDERS04 (older releases, partners'
  // converters) are ORDERS05 without its newer segments and fields: read alike, as XML and flat, and detected.
  const xml = fixture('several-idocs.xml').toString('utf8');
  const as = (type: string) => Buffer.from(xml.replaceAll('ORDERS05', type));
  const withoutType = (docs: ReturnType<typeof reader.parse>) =>
    docs.map(({ tree: { control, ...tree }, ...doc }) => ({
      ...doc,
      tree,
      control: { ...control, IDOCTYP: '' },
    }));

  it('reads ORDERS01 to ORDERS04 IDocs as ORDERS05, keeping IDOCTYP as sent, and detects them', () => {
    const orders05 = reader.parse(fixture('several-idocs.xml'));
    for (const type of ['ORDERS01', 'ORDERS02', 'ORDERS03', 'ORDERS04']) {
      const docs = reader.parse(as(type));
      expect(docs.map((d) => d.tree.control.IDOCTYP)).toEqual([type, type]);
      expect(JSON.stringify(withoutType(docs)).replaceAll(type, 'ORDERS05')).toBe(
        JSON.stringify(withoutType(orders05)),
      );
      expect(detectFormat(as(type)), type).toBe('sap-idoc-orders05');
      expect(unreadDocument(as(type)), type).toBeUndefined();
      const flat = Buffer.from(toFlat(as(type)).flat, 'utf8');
      expect(detectFormat(flat), type).toBe('sap-idoc-orders05');
      expect(reader.parse(flat).map((d) => [d.kind, d.id, d.tree.control.IDOCTYP])).toEqual([
        ['ORDERS', '0000000000410001', type],
        ['ORDERS', '0000000000410002', type],
      ]);
    }
  });

  it('still refuses another basic type (ORDERS06, INVOIC02), naming the ones it reads', () => {
    for (const type of ['ORDERS06', 'INVOIC02']) {
      const [first] = reader.parseEach!(as(type));
      expect(first && isRefused(first) && first.refused.message, type).toMatch(
        new RegExp(`basic type is ${type}, expected ORDERS05 \\(or its predecessors ORDERS01 to ORDERS04\\)`),
      );
      expect(detectFormat(as(type).subarray(as(type).indexOf('<IDOC'))), type).toBeUndefined();
    }
  });
});
