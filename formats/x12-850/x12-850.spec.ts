import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quotedValue } from '../../lib/errors.ts';
import { fixtureSupport } from '../test-support.ts';
import type { RefusedDocument } from '../types.ts';
import { itHandlesLargeDocuments, itRefusesBrokenEdiFixtures } from '../x12/test-support.ts';
import { makeLargeDocument } from './fixtures/large.ts';
import { createReader, reader } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { parse: fixture } = fixtureSupport(reader, fixtures);

describe('x12-850 fixtures', () => {
  it('msg-outside-n9-spi-instructions: a MSG outside an N9 loop is a note of the header or its PO1 loop', () => {
    const [doc] = fixture('msg-outside-n9-spi-instructions.edi');
    const tree = doc!.tree;
    expect(tree.notes.map((n) => [n.qualifier, n.messages])).toEqual([
      [undefined, ['Deliver to loading dock B before noon', 'Call the front desk on arrival']],
    ]);
    expect(tree.lines.map((l) => l.notes.flatMap((n) => n.messages))).toEqual([['Keep upright'], []]);
    expect(tree.otherSegments.map((s) => s.tag)).toEqual(['SPI']);
    expect(tree.parties[0]?.addressLines).toEqual(['410 Quay Road']);
  });

  it('pipe-separators-crlf: separators from the ISA, header, parties and lines', () => {
    const [doc] = fixture('pipe-separators-crlf.edi');
    const tree = doc!.tree;
    expect(doc).toMatchObject({ format: 'x12-850', kind: '850', id: '000004711/0001', source: 'ACMESUPPLY' });
    expect(tree.envelope.interchange.separators).toEqual({ element: '|', component: ':', segment: '~' });
    expect(tree.beg).toMatchObject({ purpose: '00', type: 'SA', poNumber: 'PO-240311-01', date: '20240311' });
    expect(tree.currency?.code).toBe('USD');
    expect(tree.refs.map((r) => `${r.qualifier}=${r.value}`)).toEqual(['DP=038', 'IA=VEND-4471']);
    expect(tree.contacts[0]?.communications).toEqual([
      { qualifier: 'TE', id: '5125550142' },
      { qualifier: 'EM', id: 'm.lopez@bigretail.example' },
    ]);
    expect(tree.parties[0]).toMatchObject({
      entityCode: 'ST',
      additionalNames: ['RECEIVING DOCK B'],
      addressLines: ['4500 Logistics Pkwy', 'Building 2'],
      city: 'Austin',
      postalCode: '78744',
      country: 'US',
    });
    expect(tree.lines.map((l) => [l.lineNumber, l.quantity, l.unit, l.unitPrice])).toEqual([
      ['1', '48', 'EA', '3.25'],
      ['2', '12', 'CA', '27.50'],
      ['3', '2.5', 'KG', '14.00'],
    ]);
    expect(tree.lines[0]?.productIds).toEqual([
      { qualifier: 'UP', id: '061414112345' },
      { qualifier: 'VP', id: 'WID-1001' },
    ]);
    expect(tree.lines[1]?.packaging[0]).toMatchObject({ pack: '6', size: '1', unit: 'EA' });
    expect(tree.summary).toMatchObject({ lineCount: '3', hashTotal: '62.5' });
    expect(tree.lines[2]?.$loc).toBe('ISA#1/GS#1/ST#1/PO1#3/PO1 (segment 22, line 22)');
  });

  it('n4-alpha3-countries: an N404 alpha-3 code (USA, CAN, mex) is read as its alpha-2 one', () => {
    const [doc] = fixture('n4-alpha3-countries.edi');
    expect(doc?.tree.parties.map((p) => [p.entityCode, p.state, p.country])).toEqual([
      ['ST', 'KY', 'US'],
      ['BT', 'ON', 'CA'],
      ['SF', 'NLE', 'MX'],
    ]);
  });

  it('trailing-ctrl-z-nul-padding: a Ctrl-Z and NUL bytes after the IEA are padding, not a segment', () => {
    const docs = fixture('trailing-ctrl-z-nul-padding.edi');
    expect(docs.map((d) => d.id)).toEqual(['000004715/0001', '000004715/0002']);
    // Padding within the interchange is still refused: only what stands between and after segments is skipped.
    const bytes = readFileSync(join(fixtures, 'trailing-ctrl-z-nul-padding.edi'), 'latin1');
    expect(() => reader.parse(Buffer.from(bytes.replace('BEG*', 'BEG\u001a*'), 'latin1'))).toThrow(/BEG/);
  });

  it('bom-short-isa: unpadded ISA behind a byte-order mark', () => {
    const [doc] = fixture('bom-short-isa.edi');
    expect(doc?.tree.envelope.interchange).toMatchObject({
      senderId: 'ACMESUPPLY',
      receiverId: 'BIGRETAIL',
      controlNumber: '000004711',
    });
    expect(doc?.tree.beg.poNumber).toBe('PO-240311-02');
  });

  it("several-interchanges-own-delimiters: each ISA sets its interchange's separators", () => {
    const docs = fixture('several-interchanges-own-delimiters.edi');
    expect(docs.map((d) => [d.id, d.tree.beg.poNumber, d.tree.envelope.interchange.separators])).toEqual([
      ['000004801/0001', 'PO-M-2001', { element: '*', component: '>', segment: '~' }],
      ['000004802/0001', 'PO-M-2002', { element: '|', component: '^', segment: '!' }],
    ]);
    expect(docs[1]?.tree.envelope.interchange.$loc).toBe('ISA#2 (segment 18, line 18)');
  });

  it('wrapped-80-columns: line breaks inside segments (the ISA too) are not data', () => {
    const [doc] = fixture('wrapped-80-columns.edi');
    expect(doc?.tree.envelope.interchange).toMatchObject({ time: '0930', controlNumber: '000004803' });
    expect(doc?.tree.beg.poNumber).toBe('PO-W-2003');
    expect(doc?.tree.lines.map((l) => l.quantity)).toEqual(['48', '12']);
  });

  it('ge-iea-count-mismatch: accepted, every set of the interchange carries the GE01 / IEA01 warnings', () => {
    const [doc] = fixture('ge-iea-count-mismatch.edi');
    expect(doc?.tree.envelope.interchange.warnings).toEqual([
      'ISA#1/GS#1/GE (segment 16, line 16): GE01 says 2 transaction sets (ST), holds 1',
      'ISA#1/IEA (segment 17, line 17): IEA01 says 3 functional groups (GS), holds 1',
    ]);
    expect(fixture('several-st-sets.edi')[0]?.tree.envelope.interchange.warnings).toBeUndefined();
  });

  it('several-st-sets: one document per ST..SE', () => {
    const docs = fixture('several-st-sets.edi');
    expect(docs.map((d) => [d.id, d.tree.beg.poNumber, d.tree.currency?.code])).toEqual([
      ['000004711/0001', 'PO-A-1001', 'USD'],
      ['000004711/0002', 'PO-A-1002', 'CAD'],
    ]);
    expect(docs[1]?.tree.envelope.transactionSet.$loc).toMatch(/^ISA#1\/GS#1\/ST#2\/ST/);
  });

  it('locates a BEG error in its set, as every other segment error is (the second of several sets here)', () => {
    const text = readFileSync(join(fixtures, 'several-st-sets.edi'), 'utf8');
    const second = text.indexOf('ST*850*0002');
    const bytes = Buffer.from(text.slice(0, second) + text.slice(second).replace('20240311', '20240230'));
    expect(() => reader.parse(bytes)).toThrow(
      `x12-850: ISA#1/GS#1/ST#2/BEG (segment 27, line 1), element BEG05: BEG05 ${quotedValue('20240230')}: February has no day 30`,
    );
  });

  it('newline-terminator and multi-byte terminator read the same content', () => {
    const [newline] = fixture('newline-terminator.edi');
    const [multibyte] = fixture('multibyte-terminator-no-final-newline.edi');
    expect(newline?.tree.envelope.interchange.separators.segment).toBe('\n');
    expect(multibyte?.tree.envelope.interchange.separators).toMatchObject({ segment: '§', component: '»' });
    expect(newline?.tree.lines.map((l) => l.quantity)).toEqual(multibyte?.tree.lines.map((l) => l.quantity));
    expect(multibyte?.tree.parties[1]?.addressLines).toEqual(['PO Box 1200']);
  });

  it('line-items-pid-po4-sch-line-n1: line loops keep their schedules, notes and ship-to', () => {
    const [doc] = fixture('line-items-pid-po4-sch-line-n1.edi');
    const [mug, notebooks, lamp] = doc!.tree.lines;
    expect(doc?.tree.currency?.code).toBe('EUR');
    expect(doc?.tree.envelope.interchange).toMatchObject({
      version: '00501',
      separators: { repetition: '^' },
    });
    expect(mug?.unitPrice).toBe('1.9900');
    expect(mug?.productIds.map((p) => p.qualifier)).toEqual(['UP', 'BP', 'VP']);
    expect(mug?.packaging[0]).toMatchObject({ pack: '12', size: '300', unit: 'ML', packagingCode: 'CTN' });
    expect(mug?.schedules.map((s) => [s.quantity, s.date])).toEqual([
      ['60', '20240401'],
      ['40', '20240415'],
    ]);
    expect(mug?.dates[0]).toMatchObject({ qualifier: '010', date: '20240329' });
    expect(mug?.refs[0]).toMatchObject({ qualifier: 'LI', value: '0001' });
    expect(notebooks?.productIds[0]).toEqual({ qualifier: 'EN', id: '4006381333931' });
    expect(notebooks?.parties[0]).toMatchObject({ entityCode: 'ST', id: 'S112', city: 'Round Rock' });
    expect(lamp?.notes[0]?.messages).toEqual(['Wrap separately', 'Include receipt']);
    expect(lamp?.unitPrice).toBe('249');
  });
});

describe('x12-850 one bad set among several', () => {
  it("second-set-se-count-off: a set whose SE01 is off is refused alone, the interchange's other set read", () => {
    // It refused the whole interchange: the good first order was lost with it.
    const results = reader.parseEach!(readFileSync(join(fixtures, 'broken/second-set-se-count-off.edi')));
    expect(results.map((r) => ('refused' in r ? `refused ${r.id}` : `read ${r.id}`))).toEqual([
      'read 000004711/0001',
      'refused 000004711/0002',
    ]);
    const refused = results[1] as RefusedDocument;
    expect(refused.refused.location).toBe('ISA#1/GS#1/ST#2/SE (segment 48, line 1)');
    expect(refused.refused.interchange).toEqual({ sender: 'ACMESUPPLY', controlNumber: '000004711' });
  });

  it('second-set-po103-not-a-unit: a set whose PO103 is no unit code is refused alone, the first set read', () => {
    const results = reader.parseEach!(readFileSync(join(fixtures, 'broken/second-set-po103-not-a-unit.edi')));
    expect(results.map((r) => ('refused' in r ? `refused ${r.id}` : `read ${r.id}`))).toEqual([
      'read 000000318/0001',
      'refused 000000318/0002',
    ]);
    const read = results[0] as { tree: { lines: { unit: string }[] } };
    expect(read.tree.lines.map((l) => l.unit)).toEqual(['EA']);
  });
});

describe('x12-850 decimal numbers (R)', () => {
  it('r-exponent-quantities-prices: an R value with a base-10 exponent is read as sent; the CTT02 hash total checks its value', () => {
    // X12.6 section 3.5.1: "A base 10 exponential may be appended to the end of a decimal number". 4.8E1 + 12 +
    // 25E-1 = 62.5 = CTT02's 6.25E1; before, each was refused as not numeric.
    const [doc] = fixture('r-exponent-quantities-prices.edi');
    const lines = doc!.tree.lines;
    expect(lines.map((l) => [l.quantity, l.unitPrice])).toEqual([
      ['4.8E1', '325E-2'],
      ['12', '27.50'],
      ['25E-1', '.14E2'],
    ]);
    expect(doc!.tree.summary).toMatchObject({ lineCount: '3', hashTotal: '6.25E1' });
  });

  it('refuses an exponent whose value no canonical decimal holds, naming segment, element and value', () => {
    const text = readFileSync(join(fixtures, 'r-exponent-quantities-prices.edi'), 'utf8').replace(
      '4.8E1',
      '1E40',
    );
    expect(() => reader.parse(Buffer.from(text))).toThrow(
      /PO1 \(segment \d+, line \d+\), element PO102: PO102 1E40 has more digits than an exact decimal keeps/,
    );
  });
});

describe('x12-850 stated totals and routing', () => {
  it('amt-ctt-td5-routing: header and CTT-loop AMTs, CTT totals, header and line TD5', () => {
    const [doc] = fixture('amt-ctt-td5-routing.edi');
    const tree = doc!.tree;
    expect(tree.amounts.map((a) => [a.qualifier, a.amount])).toEqual([
      ['1', '129.13'],
      ['TT', '129.13'],
    ]);
    expect(tree.amounts[1]?.$loc).toMatch(/^ISA#1\/GS#1\/ST#1\/AMT \(segment 17, line 17\)$/);
    expect(tree.summary).toMatchObject({ lineCount: '2', hashTotal: '17' });
    expect(tree.td5).toEqual([
      expect.objectContaining({
        routingSequence: 'O',
        idQualifier: '2',
        carrierId: 'UPSN',
        transportationMethod: 'M',
        routing: 'UPS GROUND',
      }),
    ]);
    expect(tree.lines[1]?.td5.map((t) => [t.carrierId, t.routing])).toEqual([['FDEG', 'FEDEX 2DAY']]);
    expect(tree.otherSegments.map((s) => s.tag)).toEqual([]);
    expect(tree.lines[1]?.otherSegments.map((s) => s.tag)).toEqual([]);
  });
});

describe('x12-850 dates in DTM05 / DTM06', () => {
  it('dtm-period-format-d8-rd8-dt: a D8, DT or RD8 date is read where DTM02 / DTM03 put it, a range with its end', () => {
    const [doc] = fixture('dtm-period-format-d8-rd8-dt.edi');
    const tree = doc!.tree;
    expect(tree.dates.map(({ $loc: _, ...d }) => d)).toEqual([
      {
        qualifier: '002',
        periodFormat: 'RD8',
        period: '20240320-20240325',
        date: '20240320',
        endDate: '20240325',
      },
      { qualifier: '010', periodFormat: 'DT', period: '202403151600', date: '20240315', time: '1600' },
      { qualifier: '001', date: '20240330', time: '1700', timeCode: 'ET' },
    ]);
    expect(tree.lines[0]?.dates).toEqual([expect.objectContaining({ qualifier: '002', date: '20240327' })]);
  });
});

describe('x12-850 broken fixtures', () => {
  itRefusesBrokenEdiFixtures(reader, fixtures, {
    'truncated.edi': /truncated/,
    'wrong-separators.edi': /wrong separators/,
    // node-x12's 850 without its ISA / GS: the set alone.
    'set-without-isa.edi':
      /segment 1, line 1: not an X12 interchange: expected ISA, found .*; this is a transaction set without its interchange envelope \(ISA … IEA\), whose ISA06 names the trading partner/,
    'missing-beg.edi': /missing mandatory segment BEG/,
    'non-numeric-quantity.edi': /PO102 must be numeric, found .?"TEN"/,
    // X12 element 355 is ID 2/2: a word where the code goes (EdiFabric's sample sends PO103 INVALID) was mapped as
    // the unit "EACH"; now the set is refused at PO103 (below: the interchange's first set read).
    'second-set-po103-not-a-unit.edi':
      /ISA#1\/GS#1\/ST#2\/PO1#1\/PO1 \(segment 23, line 23\), element PO103: PO103 .?"EACH".? is not a unit of measurement code \(X12 element 355: two letters or digits, such as EA, CA or LB\)/,
    // X12.6: "the plus sign (+) shall not be transmitted"; the line says what the sender writes instead.
    'plus-sign-quantity.edi':
      /element PO102: PO102 .?"\+12".? has a plus sign, which X12 numbers do not carry \(a number without a sign is positive\): the sender writes .?"12"/,
    'unknown-currency.edi': /"USX".? is not an ISO 4217 currency code/,
    'invalid-utf8.edi': /byte 275: invalid UTF-8/,
    'se-count-mismatch.edi': /SE01 says "22" but there are 23 segments/,
    'ctt-hash-mismatch.edi': /CTT02 says 63 but the PO102 quantities add up to 62.5/,
    'message-type-856.edi': /message type "856" \(ST01\) is not x12-850/,
    // An interchange of a PO group and an SH group: the 850 reader reads the 850 set (eai map <file> the 856 with its own).
    'interchange-850-and-856-groups.edi':
      /ISA#1\/GS#2\/ST#1\/ST .*message type "856" \(ST01\) is not x12-850/,
    // An 810 whose SE count is off too: refused for what it is, at its ST, not for the count.
    'message-type-810-se-count-off.edi':
      /^x12-850: ISA#1\/GS#1\/ST#1\/ST \(segment 3, line 3\): message type "810" \(ST01\) is not x12-850/,
    // The second set's SE01 is off: that set refused (below: the first one read).
    'second-set-se-count-off.edi':
      /ISA#1\/GS#1\/ST#2\/SE \(segment 48, line 1\): control count mismatch: SE01 says "22" but there are 23 segments/,
    // SAC05 is N2 (implied decimals): `15.00` would be read as 1,500.00 by a translator that follows the standard.
    'sac-amount-not-n2.edi': /SAC05 must be a whole number, found .?"15.00"/,
    // ITD03 is a percent (R): '2%' is not read as 2.
    'itd-discount-percent-not-numeric.edi': /ITD03 must be numeric, found .?"2%"/,
    // ISA06 is mandatory: 15 blanks would become the system `edi:` and a 997 nobody can route.
    'isa06-blank.edi': /element ISA06: ISA06 \(interchange sender id\) is mandatory but blank/,
    // A date in DTM06 is checked as one in DTM02 is.
    'dtm-rd8-range-not-a-date.edi':
      /DTM \(segment 6, line 6\), element DTM06: DTM06 .?"20240231".?: February has no day 31/,
  });
});

describe('x12-850 size', () => {
  itHandlesLargeDocuments(reader, createReader, makeLargeDocument);
});
