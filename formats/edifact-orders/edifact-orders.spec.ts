import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSample } from '../../tests/samples.ts';
import { fixtureSupport } from '../test-support.ts';
import type { RefusedDocument } from '../types.ts';
import { itHandlesLargeDocuments, itRefusesBrokenEdiFixtures } from '../x12/test-support.ts';
import { makeLargeDocument } from './fixtures/large.ts';
import { createReader, reader } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { parse: fixture } = fixtureSupport(reader, fixtures);
const SAMPLE = 'edifact-orders/phpedifact-example_order_ok.edi';

describe('edifact-orders fixtures', () => {
  it('trailing-ctrl-z: a DOS end-of-file mark after the UNZ is padding, not a segment', () => {
    expect(fixture('trailing-ctrl-z.edi').map((d) => d.id)).toEqual(['10045/ORD-3']);
  });

  it('una-custom-separators: UNA honoured, header, parties, currency and lines', () => {
    const [doc] = fixture('una-custom-separators.edi');
    const tree = doc!.tree;
    expect(doc).toMatchObject({
      format: 'edifact-orders',
      kind: 'ORDERS',
      id: '10042/ORD-1',
      source: '4012345000009',
    });
    expect(tree.envelope.interchange).toMatchObject({
      una: true,
      separators: { component: '|', element: '*', decimal: ',', release: '#', segment: '~' },
    });
    expect(tree.envelope.message).toMatchObject({
      type: 'ORDERS',
      version: 'D',
      release: '01B',
      associationCode: 'EAN010',
    });
    expect(tree.bgm).toMatchObject({ documentCode: '220', number: '4500012345', function: '9' });
    expect(tree.dates.map((d) => [d.qualifier, d.format, d.iso])).toEqual([
      ['137', '102', '2024-03-12'],
      ['2', '203', '2024-03-20T14:00'],
    ]);
    expect(tree.refs[0]).toMatchObject({
      qualifier: 'CT',
      value: 'RV-2024-17',
      dates: [{ qualifier: '171', iso: '2024-01-01' }],
    });
    const buyer = tree.parties[0];
    expect(buyer).toMatchObject({
      qualifier: 'BY',
      id: '4012345000009',
      idAgency: '9',
      name: 'Kaufhaus Nord GmbH',
      city: 'Hamburg',
      country: 'DE',
    });
    expect(buyer?.refs[0]).toMatchObject({ qualifier: 'VA', value: 'DE123456789' });
    expect(buyer?.contacts[0]).toMatchObject({ function: 'PD', name: 'Jana Becker' });
    expect(buyer?.contacts[0]?.communications.map((c) => c.channel)).toEqual(['TE', 'EM']);
    expect(tree.currencies[0]).toMatchObject({ usage: '2', code: 'EUR', qualifier: '9' });
    expect(
      tree.lines.map((l) => [
        l.lineNumber,
        l.itemNumber,
        l.quantities[0]?.value,
        l.quantities[0]?.unit,
        l.prices[0]?.amount,
      ]),
    ).toEqual([
      ['1', '4006381333931', '24', 'PCE', '19.90'],
      ['2', '5012345678900', '12', 'PCE', '44.50'],
      ['3', '8712345678906', '60', 'PCE', '7.25'],
    ]);
    expect(tree.lines[0]?.amounts[0]).toMatchObject({ qualifier: '203', amount: '477.60' });
    // C509: 5125 qualifier, 5118 amount, 5375 type, 5387 specification, 5284 unit price basis, 6411 unit.
    expect(tree.lines[0]?.prices[0]).toMatchObject({
      qualifier: 'AAA',
      amount: '19.90',
      basis: '1',
      unit: 'PCE',
    });
    expect(tree.lines[2]?.descriptions[0]?.text).toBe('LED bulb E27 806lm pack of 3');
    expect(tree.summary.counts[0]).toMatchObject({ qualifier: '2', value: '3' });
    expect(tree.lines[1]?.$loc).toBe('UNB#1/UNH#1/LIN#2/LIN (segment 23, line 24)');
  });

  it('no-una-defaults-crlf: default separators without UNA', () => {
    const [doc] = fixture('no-una-defaults-crlf.edi');
    expect(doc?.tree.envelope.interchange.una).toBe(false);
    expect(doc?.tree.bgm.number).toBe('4500012346');
    expect(doc?.tree.lines).toHaveLength(3);
  });

  it("release-characters: ?+ ?: ?' and ?? stay data", () => {
    const [doc] = fixture('release-characters.edi');
    const texts = doc!.tree.lines.map((l) => l.descriptions[0]?.text);
    expect(texts).toEqual([
      "Lamp 'Nordlicht' 2+1 offer: 50% off",
      'Cable 3x1.5mm? H05VV-F white 10m reel ok',
    ]);
    expect(doc?.tree.lines[1]?.quantities[0]).toMatchObject({ value: '5', unit: 'MTR' });
  });

  it('pia-product-id: the GTIN sits in PIA, not LIN', () => {
    const [doc] = fixture('pia-product-id.edi');
    const line = doc!.tree.lines[0];
    expect(line?.itemNumber).toBeUndefined();
    expect(line?.productIds.map((p) => [p.function, p.ids[0]?.id, p.ids[0]?.type])).toEqual([
      ['5', '4006381333931', 'SRV'],
      ['1', 'LL-1001', 'SA'],
    ]);
  });

  it("lin-loc-split-deliveries: a LIN group's LOC groups hold their own QTY and DTM, apart from the line's", () => {
    const [doc] = fixture('lin-loc-split-deliveries.edi');
    const [first, second, third] = doc!.tree.lines;
    expect(first?.quantities.map((q) => [q.qualifier, q.value])).toEqual([['21', '24']]);
    expect(first?.dates.map((d) => [d.qualifier, d.value])).toEqual([['2', '20240320']]);
    expect(
      first?.deliveries.map((d) => [
        d.qualifier,
        d.place,
        d.quantities.map((q) => q.value),
        d.dates.map((x) => x.value),
      ]),
    ).toEqual([
      ['7', '4012345000023', ['16'], ['20240320']],
      ['7', '4012345000030', ['8'], ['20240327']],
    ]);
    expect(second?.deliveries.map((d) => [d.place, d.quantities[0]?.unit])).toEqual([
      ['4012345000023', undefined],
    ]);
    expect(third?.deliveries).toEqual([]);
  });

  it('ung-group-several-messages: one document per message inside a UNG group', () => {
    const docs = fixture('ung-group-several-messages.edi');
    expect(
      docs.map((d) => [d.id, d.tree.bgm.number, d.tree.currencies[0]?.code, d.tree.envelope.group?.ref]),
    ).toEqual([
      ['10042/ORD-5', '4500012349', 'EUR', 'G1'],
      ['10042/ORD-6', '4500012350', 'CHF', 'G1'],
    ]);
    expect(docs[1]?.tree.bgm.$loc).toMatch(/^UNB#1\/UNG#1\/UNH#2\/BGM/);
  });

  it('unz-count-mismatch: accepted, every message of the interchange carries the UNZ warning', () => {
    const docs = fixture('unz-count-mismatch.edi');
    expect(docs.map((d) => d.id)).toEqual(['10042/ORD-4', '10042/ORD-5']);
    for (const doc of docs) {
      expect(doc.tree.envelope.interchange.warnings).toEqual([
        'UNB#1/UNZ (segment 84, line 84): UNZ+3+10042: interchange says 3 messages, holds 2',
      ]);
    }
    expect(fixture('pia-product-id.edi')[0]!.tree.envelope.interchange.warnings).toBeUndefined();
  });

  it('several-interchanges-own-una: each interchange read with its own UNA, segments numbered through the file', () => {
    const docs = fixture('several-interchanges-own-una.edi');
    expect(
      docs.map((d) => [d.id, d.tree.bgm.number, d.tree.envelope.interchange.separators.element]),
    ).toEqual([
      ['10051/ORD-21', '4500012361', '+'],
      ['10052/ORD-22', '4500012362', '*'],
    ]);
    expect(docs[1]?.tree.envelope.interchange).toMatchObject({
      una: true,
      separators: { component: '|', decimal: ',', release: '#', segment: '~' },
    });
    // 19 segments in the first interchange (the UNAs are not segments), so the second UNB is segment 20, line 22.
    expect(docs[1]?.tree.envelope.interchange.$loc).toBe('UNB#2 (segment 20, line 22)');
    expect(docs[1]?.tree.lines[0]?.descriptions[0]?.text).toBe('Desk lamp LED 9W warm white');
  });

  it('wrapped-80-columns: line breaks inside segments are not data; a segment is on the line it starts on', () => {
    const [doc] = fixture('wrapped-80-columns.edi');
    expect(doc?.tree.envelope.message).toMatchObject({ type: 'ORDERS', release: '96A' });
    expect(doc?.tree.parties[0]?.name).toBe('Kaufhaus Nord GmbH');
    expect(doc?.tree.lines.map((l) => [l.itemNumber, l.quantities[0]?.value])).toEqual([
      ['4006381333931', '24'],
      ['5012345678900', '12'],
    ]);
    // `…'NAD+BY+4012345000009::9++Kau` ends line 2; the NAD starts on it.
    expect(doc?.tree.parties[0]?.$loc).toBe('UNB#1/UNH#1/NAD#1/NAD (segment 5, line 2)');
  });

  it("dtm-week-616-mmdd-106-range-719: a delivery week Monday to Sunday, MMDD in the document date's year", () => {
    const [doc] = fixture('dtm-week-616-mmdd-106-range-719.edi');
    expect(doc?.tree.dates.map((d) => [d.qualifier, d.format, d.iso])).toEqual([
      ['137', '102', '2024-03-12'],
      ['2', '616', '2024-03-25/2024-03-31'],
      ['64', '719', '2024-03-18T08:00/2024-03-22T16:00'],
    ]);
    expect(doc?.tree.lines[0]?.dates[0]).toMatchObject({ format: '106', value: '0325', iso: '2024-03-25' });
  });

  it('bom-free-text-35-cut: text cut at 35 characters is joined without a space', () => {
    const [doc] = fixture('bom-free-text-35-cut.edi');
    expect(doc?.tree.freeText).toEqual([
      'Bitte Anlieferung nur werktags zwischen 7 und 15 Uhr; Rampe 3 benutzen',
    ]);
  });

  it('imd-characteristics-nad-region-name: IMD text without its language code, C819 region code or name', () => {
    const [doc] = fixture('imd-characteristics-nad-region-name.edi');
    const line = doc!.tree.lines[1]!;
    expect(line.descriptions.map((d) => [d.characteristic, d.code, d.text, d.language])).toEqual([
      ['ANM', undefined, 'Ladies T-Shirt Basic', 'EN'],
      ['35', 'Col3012', 'PINK', 'EN'],
      ['98', 'XL', undefined, undefined],
    ]);
    const [, supplier, shipTo] = doc!.tree.parties;
    expect(supplier).toMatchObject({ region: 'NY', country: 'US' });
    expect(supplier?.regionName).toBeUndefined();
    expect(shipTo).toMatchObject({ city: 'Preston', regionName: 'Lancashire', postalCode: 'SW1A 1AA' });
    expect(shipTo?.region).toBeUndefined();
  });

  it('alc-pat-tax-groups: TAX, PAT and ALC groups of the header and the lines, each with its own MOA / PCD / DTM', () => {
    const [doc] = fixture('alc-pat-tax-groups.edi');
    const tree = doc!.tree;
    expect(tree.taxes).toMatchObject([
      {
        function: '7',
        type: 'VAT',
        rate: '21',
        category: 'S',
        amounts: [{ qualifier: '124', amount: '96,60' }],
      },
    ]);
    expect(tree.taxes[0]!.locations).toMatchObject([{ qualifier: '157', id: 'BE' }]);
    expect(tree.paymentTerms.map((p) => [p.type, p.periods, p.dates.length, p.percentages.length])).toEqual([
      ['1', '30', 1, 0],
      ['22', '10', 0, 1],
    ]);
    const [freight, discount] = tree.allowances;
    expect(freight).toMatchObject({
      indicator: 'C',
      number: 'FR1',
      service: 'FC',
      serviceDescription: 'Freight charge',
      additionalInfo: [{ origin: 'DE', conditions: ['6'] }],
      amounts: [{ qualifier: '23', amount: '45,50' }],
    });
    // The TAX after an ALC is the ALC's, and so is the MOA after it (the tax on the charge), not the header's.
    expect(freight!.taxes).toMatchObject([{ rate: '21', amounts: [{ qualifier: '124', amount: '9,56' }] }]);
    expect(discount!.quantities).toMatchObject([
      { qualifier: '1', value: '100', range: { qualifier: '4', unit: 'PCE', min: '100', max: '499' } },
    ]);
    // The header keeps no segment of these groups among its other segments, nor CUX, which came between them.
    expect(tree.otherSegments).toEqual([]);
    expect(tree.currencies).toHaveLength(1);
    const [one, two] = tree.lines;
    // The line's MOA+203 (before its groups) stays the line's; the MOA after its TAX is the tax's.
    expect(one!.amounts.map((a) => a.qualifier)).toEqual(['203']);
    expect(one!.taxes).toMatchObject([{ rate: '6', amounts: [{ qualifier: '125' }] }]);
    expect(one!.allowances).toMatchObject([
      { indicator: 'A', service: 'TD', rates: [{ rate: '0,75', unit: 'PCE' }] },
    ]);
    // A PRI after the line's PAT group ends it: still the line's price.
    expect(two!.paymentTerms).toMatchObject([{ periods: '14' }]);
    expect(two!.prices).toMatchObject([{ qualifier: 'AAA', amount: '2,10' }]);
    expect([...tree.lines.flatMap((l) => l.otherSegments)]).toEqual([]);
  });

  it("uns-summary-alc-groups: ALC groups after UNS are the summary's, each with its ALI and MOA, never an order total", () => {
    const [doc] = fixture('uns-summary-alc-groups.edi');
    const { summary, allowances, otherSegments } = doc!.tree;
    expect(summary.amounts.map((a) => [a.qualifier, a.amount])).toEqual([['86', '1311,00']]);
    expect(summary.counts).toMatchObject([{ qualifier: '2', value: '1' }]);
    expect(summary.allowances).toMatchObject([
      {
        indicator: 'A',
        number: 'TD-2024',
        sequence: '1',
        service: 'DI',
        serviceDescription: 'Year-end discount',
        additionalInfo: [{ origin: 'BE', conditions: [] }],
        amounts: [{ qualifier: '204', amount: '69,00' }],
      },
      { indicator: 'C', sequence: '2', service: 'FC', amounts: [{ qualifier: '23', amount: '25,00' }] },
    ]);
    // Not the header's groups, and no segment left over.
    expect(allowances).toEqual([]);
    expect(otherSegments).toEqual([]);
  });

  it("a summary ALC takes only its ALI and MOA: a CNT after it is still checked as the summary's", () => {
    const text = [
      "UNB+UNOC:3+SENDER:14+RECEIVER:14+241108:0930+R1'",
      "UNH+1+ORDERS:D:96A:UN'",
      "BGM+220+PO-1+9'",
      "LIN+1++4012345678901:EN'",
      "QTY+21:4'",
      "UNS+S'",
      "ALC+A++++DI'",
      "MOA+204:5'",
      "CNT+2:3'",
      "UNT+9+1'",
      "UNZ+1+R1'",
    ].join('');
    expect(() => reader.parse(Buffer.from(text))).toThrow(
      /CNT01\.2: control count mismatch: CNT\+2 says 3 but there are 1 LIN line items/,
    );
  });

  it("the reader's description (docs/mappings.md's formats table) names every segment it files from the fixtures", () => {
    const named = new Set(reader.description.match(/\b[A-Z]{3}\b/g));
    const filed = new Set<string>();
    for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.edi'))) {
      for (const { tree } of fixture(file)) {
        const unread = new Set([...tree.otherSegments, ...tree.lines.flatMap((l) => l.otherSegments)]);
        for (const segment of tree.segments) if (!unread.has(segment)) filed.add(segment.tag);
      }
    }
    // UNT closes the UNH the description names.
    filed.delete('UNT');
    expect([...filed].filter((tag) => !named.has(tag)).sort()).toEqual([]);
    // And it names nothing the reader does not read: the envelope outside UNH..UNT, and GIN (read on a line, in no
    // ORDERS fixture) aside.
    const outside = new Set(['UNA', 'UNB', 'GIN']);
    expect([...named].filter((tag) => !filed.has(tag) && !outside.has(tag)).sort()).toEqual([]);
  });

  it('parses the shared sample (UNOC with replacement characters, 146 lines, UNT 599)', () => {
    const [doc] = reader.parse(readSample(SAMPLE));
    expect(doc?.id).toBe('896/2019265563');
    expect(doc?.tree.lines).toHaveLength(146);
    expect(doc?.tree.parties[0]?.name).toBe('A+A K\uFFFDlte GmbH');
    expect(doc?.tree.lines[0]?.productIds[0]?.ids[0]).toMatchObject({
      id: '6001001',
      type: 'IN',
      agency: '92',
    });
  });
});

describe('edifact-orders control counts of one message', () => {
  it("messages-unt-count-and-reference-off: a message whose UNT01 or UNT02 is off is refused alone, the interchange's other message read", () => {
    // It refused the whole interchange: the good first order was lost with it.
    const results = reader.parseEach!(
      readFileSync(join(fixtures, 'broken/messages-unt-count-and-reference-off.edi')),
    );
    expect(results.map((r) => ('refused' in r ? `refused ${r.id}` : `read ${r.id}`))).toEqual([
      'read 10042/ORD-1',
      'refused 10042/ORD-2',
      'refused 10042/ORD-3',
    ]);
    const [, count, reference] = results as [unknown, RefusedDocument, RefusedDocument];
    expect(count.refused.location).toBe('UNB#1/UNH#2/UNT (segment 77, line 77)');
    expect(count.refused.message).toMatch(
      /control count mismatch: UNT01 says "37" but there are 38 segments/,
    );
    expect(reference.refused.location).toBe('UNB#1/UNH#3/UNT (segment 115, line 115)');
    expect(reference.refused.message).toMatch(
      /control reference mismatch: UNT02 "ORD-X" differs from UNH01 "ORD-3"/,
    );
    // Each dead letter names its interchange, as an envelope error's does.
    expect(count.refused.interchange).toEqual({ sender: '4012345000009', controlNumber: '10042' });
  });
});

describe('edifact-orders broken fixtures', () => {
  itRefusesBrokenEdiFixtures(reader, fixtures, {
    'truncated.edi': /truncated/,
    'wrong-separators.edi': /wrong separators/,
    'missing-bgm.edi': /missing mandatory segment BGM/,
    'non-numeric-quantity.edi': /QTY01.2 must be numeric, found .?"twelve"/,
    'unknown-currency.edi': /"EUX".? is not an ISO 4217 currency code/,
    'invalid-utf8.edi': /byte 235: invalid UTF-8/,
    'unt-count-mismatch.edi': /UNT01 says "37" but there are 38 segments/,
    'cnt-mismatch.edi': /CNT\+2 says 4 but there are 3 LIN/,
    'message-type-desadv.edi': /message type "DESADV" \(UNH02\) is not edifact-orders/,
    // An INVOIC whose UNT count is off too: refused for what it is, at its UNH, not for the count.
    'message-type-invoic-unt-count-off.edi':
      /^edifact-orders: UNB#1\/UNH#1\/UNH \(segment 2, line 2\): message type "INVOIC" \(UNH02\) is not edifact-orders/,
    // The second message's UNT01 is off, the third's UNT02: those refused (below: the first one read).
    'messages-unt-count-and-reference-off.edi':
      /UNB#1\/UNH#2\/UNT \(segment 77, line 77\): control count mismatch: UNT01 says "37" but there are 38 segments/,
    // 0004 is mandatory: a blank sender would become the system `edi:` and a CONTRL nobody can route.
    'unb-blank-sender.edi':
      /UNB#1 \(segment 1, line 2\), element UNB02\.1: UNB02\.1 \(interchange sender identification\) is mandatory but blank/,
    'dtm-106-no-document-date.edi':
      /element DTM01\.2: DTM value .?"0325".? \(format 106, MMDD\) has no year, and the message has no document date/,
    'dtm-format-not-read.edi': /element DTM01\.3: DTM\+2 format code "201X" is not one this reader decodes/,
    // A Chilean retailer's translator writes a date and time (12 digits) under 102: the refusal says what 102 lays
    // out and what the value is laid out as.
    // A bookseller's order as a distributor's README shows it: the message alone, UNH to UNT, no UNB.
    'message-without-unb.edi':
      /segment 1, line 1: not an EDIFACT interchange: expected UNA or UNB, found .*; this is a message without its interchange envelope \(UNB … UNZ\), whose UNB names the sender/,
    'dtm-102-date-and-time.edi':
      /element DTM01\.2: DTM value .?"202104220000".? does not match format 102 \(CCYYMMDD\); it has the layout of format 203 \(CCYYMMDDHHMM\): the sender writes DTM\+137:202104220000:203, or CCYYMMDD under 102$/,
    'unreleased-repetition-separator-v4.edi':
      /element NAD04: unreleased repetition separator "\*" \(UNA, syntax version 4\)/,
    // BGM+220+PO+4711/24+9: the number's unreleased + put its rest into 1225; it mapped as order PO.
    'bgm-unreleased-plus-in-number.edi':
      /BGM \(segment 3, line 3\), element BGM03: BGM03 "4711\/24" is not a code .*Write it as \?\+/,
    // `1:10` unreleased in a description: the text was cut there, `10 und Sosse 1` read as its language, `6` dropped.
    'imd-unreleased-colon-in-text.edi':
      /LIN#1\/IMD \(segment 8, line 8\), element IMD03: IMD03 has 7 components but C273 \(item description\) has 6: .*Write it as \?: \("10 und Sosse 1:6"\)/,
    // Six components, so the count fits, but the sixth (3453, language) is `10`, the rest of `1:10`.
    'imd-unreleased-colon-read-as-language.edi':
      /element IMD03\.6: IMD03\.6 "10" is not a language code \(ISO 639, 2 or 3 letters\)/,
    'nad-unreleased-colon-in-street.edi':
      /NAD#2\/NAD \(segment 6, line 6\), element NAD05: NAD05 has 6 components but C059 \(street\) has 4/,
  });
});

describe('edifact-orders size', () => {
  itHandlesLargeDocuments(reader, createReader, makeLargeDocument);
});
