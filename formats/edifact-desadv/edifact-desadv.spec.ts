import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSample } from '../../tests/samples.ts';
import { fixtureSupport } from '../test-support.ts';
import { itHandlesLargeDocuments, itRefusesBrokenEdiFixtures } from '../x12/test-support.ts';
import { makeLargeDocument } from './fixtures/large.ts';
import { createReader, reader } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { parse: fixture, fixture: fixtureBytes } = fixtureSupport(reader, fixtures);
const fixtureText = (name: string): string => fixtureBytes(name).toString('utf8');
const SAMPLE = 'edifact-desadv/phpedifact-D96ADESADV.edi';

describe('edifact-desadv fixtures', () => {
  it('cps-pac-gin-sscc: consignment → pallets with PAC, SSCC, MEA and lines', () => {
    const [doc] = fixture('cps-pac-gin-sscc.edi');
    const tree = doc!.tree;
    expect(doc).toMatchObject({ kind: 'DESADV', id: '10042/DES-1', source: '4012345000009' });
    expect(tree.bgm).toMatchObject({ documentCode: '351', number: 'DN-240312-01' });
    expect(tree.dates.map((d) => d.iso)).toEqual(['2024-03-12T14:30', '2024-03-12', '2024-03-14']);
    expect(tree.refs[0]).toMatchObject({
      qualifier: 'ON',
      value: '4500012345',
      dates: [{ iso: '2024-03-11' }],
    });
    expect(tree.parties.map((p) => p.qualifier)).toEqual(['SU', 'BY', 'DP']);
    expect(tree.transport[0]).toMatchObject({
      stage: '20',
      mode: '30',
      carrierId: 'DHLG',
      carrierName: 'DHL Freight',
    });
    const [consignment] = tree.packages;
    expect(consignment?.packaging[0]).toMatchObject({ count: '2', type: '201' });
    expect(consignment?.children.map((p) => [p.id, p.parentId, p.sscc])).toEqual([
      ['2', '1', ['037612345000000007']],
      ['3', '1', ['037612345000000014']],
    ]);
    const pallet = consignment?.children[0];
    expect(pallet?.packaging[0]).toMatchObject({
      count: '1',
      type: '201',
      identities: [{ qualifier: 'BJ', ids: ['037612345000000007'] }],
    });
    expect(pallet?.packaging[0]?.levelCode).toBeUndefined();
    expect(pallet?.measurements[0]).toMatchObject({
      purpose: 'PD',
      dimension: 'AAB',
      unit: 'KGM',
      value: '182.5',
    });
    expect(pallet?.lines.map((l) => [l.itemNumber, l.quantities[0]?.value, l.packageId])).toEqual([
      ['4006381333931', '24', '2'],
      ['5012345678900', '12', '2'],
    ]);
    expect(tree.lines.map((l) => l.packageId)).toEqual(['2', '2', '3']);
    expect(tree.lines[0]?.refs.map((r) => r.qualifier)).toEqual(['ON', 'LI']);
    expect(tree.lines[2]?.$loc).toMatch(/^UNB#1\/UNH#1\/CPS#3\/LIN#3\/LIN \(segment \d+, line \d+\)$/);
  });

  it("header-mea-consignment-totals: the header's MEA measure the consignment, an EQD's stays the equipment's", () => {
    const [doc] = fixture('header-mea-consignment-totals.edi');
    expect(doc!.tree.measurements.map((m) => [m.purpose, m.dimension, m.unit, m.value])).toEqual([
      ['AAX', 'AAD', 'KGM', '380.5'],
      ['AAX', 'AAC', 'KGM', '365'],
      ['AAX', 'AAW', 'MTQ', '2.4'],
      ['AAX', 'LN', 'MTR', '2.4'],
    ]);
    expect(doc!.tree.otherSegments).toEqual([]);
    const withEquipment = fixtureText('eqd-sel-container-seals.edi').replace(
      "SEL+ML-0048813+SH'",
      "SEL+ML-0048813+SH'\nMEA+AAE+AAD+KGM:24000'",
    );
    expect(withEquipment).toContain('MEA+AAE');
    const [eqd] = reader.parse(
      Buffer.from(withEquipment.replace(/UNT\+(\d+)\+/, (_, n) => `UNT+${Number(n) + 1}+`)),
    );
    expect(eqd!.tree.measurements).toEqual([]);
    expect(eqd!.tree.otherSegments.map((s) => s.tag)).toEqual(['MEA']);
  });

  it('no-cps-lines-like-sample: lines without packing', () => {
    const [doc] = fixture('no-cps-lines-like-sample.edi');
    expect(doc?.tree.packages).toEqual([]);
    expect(doc?.tree.lines.map((l) => [l.itemNumber, l.quantities[0]?.value, l.packageId])).toEqual([
      ['4006381333931', '24', undefined],
      ['5012345678900', '12', undefined],
    ]);
  });

  it('cnt-line-count: CNT (no UNS in a DESADV) is the summary, its CNT+2 line count checked, not a segment of the last line', () => {
    const [doc] = fixture('cnt-line-count.edi');
    expect(doc?.tree.summary.counts.map((c) => [c.qualifier, c.value])).toEqual([['2', '2']]);
    expect(doc?.tree.summary.counts[0]?.$loc).toBe('UNB#1/UNH#1/CNT (segment 12, line 1)');
    expect(doc?.tree.lines.at(-1)?.otherSegments).toEqual([]);
  });

  it('una-custom-separators: same content as with default separators (the whole tree, but for message numbers)', () => {
    const [custom] = fixture('una-custom-separators.edi');
    const [standard] = fixture('cps-pac-gin-sscc.edi');
    expect(custom!.tree.envelope.interchange.separators).toMatchObject({
      component: '|',
      element: '*',
      release: '#',
      segment: '~',
    });
    // Where things stand (locations, line numbers) and which separators wrote them differ; nothing else may.
    const content = (tree: object) =>
      JSON.parse(
        JSON.stringify(tree, (key, value) =>
          ['$loc', 'line', 'segment', 'envelope'].includes(key) ? undefined : value,
        ),
      ) as { bgm: { number: string }; segments: Array<{ tag: string; elements: unknown[] }> };
    const [a, b] = [content(custom!.tree), content(standard!.tree)];
    expect(a.bgm.number).toBe('DN-240312-03');
    expect(b.bgm.number).toBe('DN-240312-01');
    a.bgm.number = b.bgm.number;
    // The message header (number, association code), BGM and trailer differ in the fixtures; every other segment,
    // element by element, and the whole tree built from them are the same.
    const body = (t: typeof a) => t.segments.filter((s) => !['UNH', 'BGM', 'UNT'].includes(s.tag));
    expect(body(a)).toEqual(body(b));
    expect(body(a)).toHaveLength(37);
    const { segments: _a, ...treeA } = a;
    const { segments: _b, ...treeB } = b;
    expect(treeA).toEqual(treeB);
    expect(custom!.tree.lines).toHaveLength(3);
  });

  it('several-packs-nested: pallet → cartons, several SSCCs, batch GIN on the line', () => {
    const [doc] = fixture('several-packs-nested.edi');
    const pallet = doc!.tree.packages[0]?.children[0];
    expect(pallet?.sscc).toEqual(['000614141000000014']);
    expect(pallet?.children.map((c) => [c.id, c.sscc])).toEqual([
      ['3', ['000614141000000021', '000614141000000038']],
      ['4', ['037612345000000038']],
    ]);
    expect(pallet?.children[0]?.lines[0]?.identities[0]).toMatchObject({
      qualifier: 'BX',
      ids: ['LOT-2024-03-A'],
    });
    expect(pallet?.children[1]?.lines[0]?.quantities.map((q) => q.qualifier)).toEqual(['12', '21']);
  });

  it('release-characters-crlf: released separators in a carrier name', () => {
    const [doc] = fixture('release-characters-crlf.edi');
    const carrier = doc!.tree.parties.find((p) => p.qualifier === 'CA');
    expect(carrier?.name).toBe("O'Brien + Sons Haulage: Ltd?");
  });

  it('bom-several-messages: two messages, one packed, one not', () => {
    const docs = fixture('bom-several-messages.edi');
    expect(docs.map((d) => [d.id, d.tree.bgm.number, d.tree.packages.length, d.tree.lines.length])).toEqual([
      ['10042/DES-6', 'DN-6', 1, 3],
      ['10042/DES-7', 'DN-7', 0, 2],
    ]);
  });

  it('parses the shared sample (no UNA, CPS without parent, PIA ISBNs)', () => {
    const [doc] = reader.parse(readSample(SAMPLE));
    expect(doc?.id).toBe('1/142');
    expect(doc?.tree.packages[0]?.id).toBe('IE2156580387');
    expect(doc?.tree.lines.map((l) => l.productIds[0]?.ids[0]?.id)).toEqual([
      '9780738507330',
      '9781568361871',
    ]);
    expect(doc?.tree.lines[0]?.descriptions[0]?.text).toBe('MUNCIE THE MIDDLE');
  });
});

describe('edifact-desadv interchange warnings', () => {
  it('unz-count-mismatch: a UNZ01 count that disagrees is accepted with a warning naming the UNZ', () => {
    const docs = fixture('unz-count-mismatch.edi');
    expect(docs).toHaveLength(1);
    expect(docs[0]!.tree.envelope.interchange.warnings).toEqual([
      'UNB#1/UNZ (segment 42, line 42): UNZ+3+10042: interchange says 3 messages, holds 1',
    ]);
  });

  it('a UNZ whose count is no number or whose reference differs from UNB05 is accepted with a warning too, as the file connector accepts it (CONTRL 29 / 28)', () => {
    // Trial: eai map refused these whole while the file connector read every message and answered CONTRL 28 / 29.
    const text = fixtureText('unz-count-mismatch.edi');
    const warningsOf = (edi: string) =>
      reader.parse(Buffer.from(edi)).map((doc) => doc.tree.envelope.interchange.warnings);
    expect(warningsOf(text.replace("UNZ+3+10042'", "UNZ+x+10042'"))).toEqual([
      ['UNB#1/UNZ (segment 42, line 42): UNZ+x+10042: UNZ01 "x" is no number, holds 1'],
    ]);
    expect(warningsOf(text.replace("UNZ+3+10042'", "UNZ+1+10043'"))).toEqual([
      ['UNB#1/UNZ (segment 42, line 42): UNZ+1+10043: UNZ02 "10043" differs from UNB05 "10042"'],
    ]);
    expect(warningsOf(text.replace("UNZ+3+10042'", "UNZ+2+10043'"))).toEqual([
      [
        'UNB#1/UNZ (segment 42, line 42): UNZ+2+10043: interchange says 2 messages, holds 1',
        'UNB#1/UNZ (segment 42, line 42): UNZ+2+10043: UNZ02 "10043" differs from UNB05 "10042"',
      ],
    ]);
  });

  it('a consistent interchange carries no warnings', () => {
    expect(fixture('cps-pac-gin-sscc.edi')[0]!.tree.envelope.interchange.warnings).toBeUndefined();
  });
});

describe('edifact-desadv broken fixtures', () => {
  itRefusesBrokenEdiFixtures(reader, fixtures, {
    'truncated.edi': /truncated/,
    'wrong-separators.edi': /wrong separators/,
    'missing-bgm.edi': /missing mandatory segment BGM/,
    'non-numeric-quantity.edi': /QTY01.2 must be numeric, found .?"1O"/,
    'unknown-currency.edi': /"XYZ".? is not an ISO 4217 currency code/,
    'invalid-utf8.edi': /byte 332: invalid UTF-8/,
    'sscc-check-digit.edi': /not a valid SSCC-18/,
    'message-type-orders.edi': /message type "ORDERS" \(UNH02\) is not edifact-desadv/,
    'cps-parent-missing.edi': /CPS02 parent "7" is not an earlier CPS/,
    // As an X12 CTT01 that disagrees with the PO1 lines: the document is refused, at the CNT.
    'cnt-line-count-mismatch.edi': /control count mismatch: CNT\+2 says 3 but there are 2 LIN line items/,
    // BGM+351+DES+DN-240312-01+9: the number's unreleased + put its rest into 1225; it mapped as shipment DES.
    // The check is the ORDERS one, shared (formats/edifact/bgm.ts).
    'bgm-unreleased-plus-in-number.edi':
      /BGM \(segment 3, line 3\), element BGM03: BGM03 "DN-240312-01" is not a code .*Write it as \?\+/,
    // Evergreen ILS's ASN (`UNA:+.?'` then a line break): refused at UNT02 `193'` (the apostrophes read as data), far
    // from the cause; now at the UNA, saying what to write.
    'una-reserved-space-missing.edi':
      /UNA \(byte 0, line 1\): service string advice "UNA:\+\.\?'" has five characters where six belong.*write "UNA:\+\.\? '"/,
  });
});

describe('edifact-desadv size', () => {
  itHandlesLargeDocuments(reader, createReader, makeLargeDocument);
});
