import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureSupport } from '../test-support.ts';
import { itHandlesLargeDocuments, itRefusesBrokenEdiFixtures } from '../x12/test-support.ts';
import { makeLargeDocument } from './fixtures/large.ts';
import { createReader, reader } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { parse: fixture } = fixtureSupport(reader, fixtures);

describe('x12-856 fixtures', () => {
  it('man-gm-sscc-with-ai-00: a GM mark of (00) + a valid SSCC-18 also gives the SSCC alone; 18 digits stay as sent', () => {
    const [doc] = fixture('man-gm-sscc-with-ai-00.edi');
    const order = doc!.tree.shipment?.orders?.[0];
    const tare = order?.tares?.[0];
    expect(tare?.man).toEqual([
      expect.objectContaining({
        qualifier: 'GM',
        number: '00006141410000000012',
        sscc: '006141410000000012',
      }),
    ]);
    expect(tare?.packs?.[0]?.man?.[0]?.sscc).toBe('006141410000000029');
    const loose = order?.packs?.[0]?.man?.[0];
    expect(loose).toMatchObject({ number: '006141410000000036' });
    expect(loose?.sscc).toBeUndefined();
  });

  it('po4-dimensions-volume-inner-pack: PO4 reads every element, PO405 weight qualifier to PO418', () => {
    const [doc] = fixture('po4-dimensions-volume-inner-pack.edi');
    const tare = doc!.tree.shipment?.orders?.[0]?.tares?.[0];
    expect(tare?.packs?.[0]?.po4).toEqual([
      expect.objectContaining({
        pack: '1',
        size: '12',
        unit: 'EA',
        packagingCode: 'CTN25',
        weightQualifier: 'N',
        grossWeightPerPack: '9.8',
        weightUnit: 'LB',
        volume: '1.2',
        volumeUnit: 'CF',
        length: '18',
        width: '12',
        height: '10',
        dimensionUnit: 'IN',
        innerPack: '6',
      }),
    ]);
  });

  it('iea-count-mismatch: an IEA01 that disagrees is accepted with a warning (formats/x12/README.md: control counts)', () => {
    const [doc] = fixture('iea-count-mismatch.edi');
    expect(doc?.tree.envelope.interchange.warnings).toEqual([
      'ISA#1/IEA (segment 29, line 29): IEA01 says 2 functional groups (GS), holds 1',
    ]);
  });

  it('version-003060-yymmdd-dates: dates of a set before 004010 (YYMMDD) read as CCYYMMDD, 69-99 as 19YY', () => {
    const [doc] = fixture('version-003060-yymmdd-dates.edi');
    const { envelope, bsn, dates, orders, segments } = doc!.tree;
    expect(envelope.group).toMatchObject({ version: '003060', date: '20250612' });
    expect(bsn).toMatchObject({ shipmentId: 'SH-40917', date: '20250612', time: '1505' });
    expect(dates.map((d) => [d.qualifier, d.date, d.time])).toEqual([
      ['011', '20250612', '1500'],
      ['017', '20250616', undefined],
    ]);
    expect(orders[0]?.prf).toMatchObject({ poNumber: 'PO-31877', poDate: '19981230' });
    // The set's segments keep the dates as sent.
    expect(segments.find((s) => s.tag === 'BSN')?.elements[2]).toBe('250612');
  });

  it('hl-shipment-order-pack-item: shipment → order → packs → items with carrier, refs and SSCCs', () => {
    const [doc] = fixture('hl-shipment-order-pack-item.edi');
    const { bsn, dates, shipment, orders, items, summary } = doc!.tree;
    expect(doc).toMatchObject({ kind: '856', id: '000004711/0001', source: 'ACMESUPPLY' });
    expect(bsn).toMatchObject({
      purpose: '00',
      shipmentId: 'ASN-1001',
      date: '20240312',
      time: '1430',
      structureCode: '0001',
    });
    expect(dates.map((d) => d.qualifier)).toEqual(['011', '017']);
    expect(shipment?.td1?.[0]).toMatchObject({
      packagingCode: 'CTN25',
      ladingQuantity: '4',
      weight: '86.4',
      weightUnit: 'LB',
    });
    expect(shipment?.td5?.[0]).toMatchObject({ idQualifier: '2', scac: 'UPSN', transportationMethod: 'M' });
    expect(shipment?.td3?.[0]?.equipmentNumber).toBe('TRL-4471');
    expect(shipment?.refs?.map((r) => `${r.qualifier}=${r.value}`)).toEqual([
      'BM=BOL-88123',
      '2I=1Z999AA10123456784',
    ]);
    expect(shipment?.parties?.map((p) => [p.entityCode, p.city])).toEqual([
      ['SF', 'San Jose'],
      ['ST', 'Austin'],
    ]);
    expect(orders[0]?.prf).toMatchObject({ poNumber: 'PO-240311-01', poDate: '20240311' });
    const packs = shipment?.orders?.[0]?.packs ?? [];
    expect(packs.map((p) => p.man?.[0]?.number)).toEqual([
      '037612345000000007',
      '037612345000000014',
      '037612345000000021',
    ]);
    expect(packs.map((p) => p.items?.[0]?.sn1?.quantity)).toEqual(['12', '24', '36']);
    expect(items.map((i) => i.lin?.productIds[0]?.id)).toEqual([
      '061414112345',
      '501234567890',
      '061414112345',
    ]);
    expect(packs[1]?.items?.[0]?.sn1?.$loc).toMatch(
      /^ISA#1\/GS#1\/ST#1\/HL#6\/SN1 \(segment \d+, line \d+\)$/,
    );
    expect(summary).toMatchObject({ count: '8', counts: 'HL' });
  });

  it('prf-in-item-loops: no order HL, each item loop keeps its own PRF', () => {
    const [doc] = fixture('prf-in-item-loops.edi');
    const { orders, items } = doc!.tree;
    expect(orders).toEqual([]);
    expect(items.map((i) => [i.lin?.productIds[1]?.id, i.prf?.poNumber, i.prf?.poDate])).toEqual([
      ['WID-1000', 'PO-5501', '20240301'],
      ['WID-1001', 'PO-5502', '20240302'],
      ['WID-1003', 'PO-5501', '20240301'],
    ]);
    expect(items[1]?.prf?.$loc).toMatch(/^ISA#1\/GS#1\/ST#1\/HL#4\/PRF \(segment \d+, line \d+\)$/);
  });

  it('hl-order-without-parent: an order-level HL is a root, ! and ^ separators, CRLF', () => {
    const [doc] = fixture('hl-order-without-parent.edi');
    const { hierarchy, shipment, orders } = doc!.tree;
    expect(shipment).toBeUndefined();
    expect(hierarchy.map((h) => h.level)).toEqual(['order']);
    expect(orders[0]).toBe(hierarchy[0]);
    expect(orders[0]?.td5?.[0]?.scac).toBe('FDEG');
    expect(orders[0]?.refs?.[0]).toMatchObject({ qualifier: 'CN', value: '794612345678' });
    expect(orders[0]?.items?.map((i) => [i.lin?.productIds[0]?.id, i.sn1?.quantity, i.sn1?.unit])).toEqual([
      ['4006381333931', '24', 'PK'],
      ['5901234123457', '100', 'EA'],
    ]);
    expect(doc?.tree.envelope.interchange.separators).toMatchObject({ element: '!', component: '^' });
  });

  it('several-packs-tares: pallets (T) hold packs (P) hold items', () => {
    const [doc] = fixture('several-packs-tares.edi');
    const tares = doc!.tree.shipment?.orders?.[0]?.tares ?? [];
    expect(tares.map((t) => t.man?.[0]?.number)).toEqual(['037612345000000007', '037612345000000014']);
    expect(tares.map((t) => t.packs?.length)).toEqual([2, 2]);
    expect(tares[1]?.packs?.[1]?.items?.[0]?.lin?.productIds).toEqual([
      { qualifier: 'UP', id: '8712345678906' },
      { qualifier: 'VP', id: 'LAMP-11' },
    ]);
    expect(doc?.tree.shipment?.td5?.[0]?.scac).toBe('FDEG');
    expect(doc?.tree.items).toHaveLength(4);
  });

  it('packs-under-items: pack-level SN1 splits the item quantity', () => {
    const [doc] = fixture('packs-under-items.edi');
    const item = doc!.tree.items[0];
    expect(item?.sn1?.quantity).toBe('30');
    expect(item?.packs?.map((p) => [p.sn1?.quantity, p.man?.[0]?.number])).toEqual([
      ['18', '037612345000000007'],
      ['12', '037612345000000014'],
    ]);
    expect(item?.children?.map((c) => c.level)).toEqual(['pack', 'pack']);
  });

  it('bsn-14-short-isa-newline-terminator: advance notification purpose 14', () => {
    const [doc] = fixture('bsn-14-short-isa-newline-terminator.edi');
    expect(doc?.tree.bsn.purpose).toBe('14');
    expect(doc?.tree.envelope.interchange.separators.segment).toBe('\n');
    expect(doc?.tree.items[0]?.sn1?.quantity).toBe('5');
  });

  it('several-st-sets: one document per ASN', () => {
    const docs = fixture('several-st-sets.edi');
    expect(
      docs.map((d) => [d.id, d.tree.bsn.shipmentId, d.tree.shipment?.td5?.[0]?.scac, d.tree.items.length]),
    ).toEqual([
      ['000004711/0001', 'ASN-6001', 'UPSN', 1],
      ['000004711/0002', 'ASN-6002', 'FDEG', 2],
    ]);
  });
});

describe('x12-856 equipment, measurements and terms', () => {
  it('retail-equipment-fob-stores-styles: TD3 seal, FOB, MEA on tare and pack, N1 stores, LIN style numbers', () => {
    const [doc] = fixture('retail-equipment-fob-stores-styles.edi');
    const { shipment, orders } = doc!.tree;
    expect(shipment?.td3).toEqual([
      expect.objectContaining({
        equipmentCode: 'TL',
        equipmentInitial: 'ODFL',
        equipmentNumber: '4417730',
        sealNumber: 'SL77031',
      }),
    ]);
    expect(shipment?.fob).toEqual([
      expect.objectContaining({
        paymentMethod: 'PP',
        locationQualifier: 'OR',
        location: 'DAYTON OH',
        termsQualifier: '01',
        terms: 'FCA',
        termsLocationQualifier: 'OR',
        termsLocation: 'DAYTON OH',
      }),
    ]);
    expect(shipment?.fob?.[0]?.$loc).toMatch(/^ISA#1\/GS#1\/ST#1\/HL#1\/FOB \(segment 17, line 17\)$/);
    const tare = orders[0]?.tares?.[0];
    expect(tare?.mea).toEqual([
      expect.objectContaining({ reference: 'WT', qualifier: 'G', value: '120.2', unit: 'LB' }),
    ]);
    expect(tare?.packs?.[0]?.mea?.map((m) => [m.qualifier, m.value, m.unit])).toEqual([
      ['G', '32.5', 'LB'],
      ['VOL', '1.8', 'CF'],
    ]);
    expect(orders[0]?.parties?.map((p) => [p.entityCode, p.id])).toEqual([
      ['BY', '1187'],
      ['Z7', '1187'],
    ]);
    expect(shipment?.otherSegments ?? []).toEqual([]);
  });
});

describe('x12-856 broken fixtures', () => {
  itRefusesBrokenEdiFixtures(reader, fixtures, {
    'truncated.edi': /truncated/,
    'wrong-separators.edi': /wrong separators/,
    'missing-bsn.edi': /missing mandatory segment BSN/,
    'bsn02-empty.edi':
      /BSN \(segment 4, line 4\), element BSN02: BSN02 \(shipment identification\) is mandatory but empty/,
    'non-numeric-quantity.edi': /SN102 must be numeric, found .?"10 EA"/,
    // UN/ECE's PCE (EDIFACT's piece) in an X12 SN103, element 355 (ID 2/2): refused rather than mapped as a unit.
    'sn103-edifact-unit.edi':
      /element SN103: SN103 .?"PCE".? is not a unit of measurement code \(X12 element 355: two letters or digits, such as EA, CA or LB\)/,
    'unknown-currency.edi': /"EURO".? is not an ISO 4217 currency code/,
    'invalid-utf8.edi': /byte 410: invalid UTF-8/,
    'hl-parent-missing.edi': /HL02 parent "9" is not an earlier HL/,
    'ctt-count-mismatch.edi': /CTT01 says 7 but there are 3 HL and 1 LIN segments/,
    'message-type-850.edi': /message type "850" \(ST01\) is not x12-856/,
    'mea-non-numeric-weight.edi': /MEA03 must be numeric, found .?"412 KG"/,
    'po4-non-numeric-length.edi': /PO410 must be numeric, found .?"18IN"/,
    'yymmdd-date-in-version-004010.edi': /BSN03 must be a CCYYMMDD date, found .?"240312"/,
  });
});

describe('x12-856 size', () => {
  itHandlesLargeDocuments(reader, createReader, makeLargeDocument);
});
