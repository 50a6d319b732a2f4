import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURE_RECEIVED_AT } from '../engine/fixtures.ts';
import { UsageTracker } from '../engine/usage.ts';
import { loadMappings, mapBytes } from '../index.ts';

/**
 * Issue 15 §1: the UNZ count decision on the canonical event, and the X12 850 facts a real order carried and the mapping dropped (the stated totals, TD5 routing)
 * reach the canonical SalesOrderEvent. One assertion per fact on a fixture written to contain them; the full output
 * is compared by `mappings:check` (mappings/edi/x12-850.expected).
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records as JSON, asserted by path
type Json = any;

async function orders(input: string, format = 'x12-850'): Promise<Json[]> {
  const mapping = loadMappings().find((m) => m.file.endsWith(`edi/${format}.to-canonical.yaml`));
  if (!mapping) throw new Error(`no ${format} mapping`);
  const mapped = await mapBytes(format, readFileSync(`formats/${format}/fixtures/${input}`), {
    mapping,
    receivedAt: FIXTURE_RECEIVED_AT,
  });
  return mapped.flatMap((d) => d.records.map((r) => JSON.parse(JSON.stringify(r.value)).salesOrder));
}

describe('X12 850 facts on the canonical order', () => {
  it('a DTM dated in DTM05 / DTM06 is not lost: an RD8 delivery window gives both ends, a D8 line date its own', async () => {
    const [o] = await orders('dtm-period-format-d8-rd8-dt.edi');
    expect(o.requestedDelivery).toEqual({
      earliest: '2024-03-20T00:00:00.000Z',
      latest: '2024-03-25T00:00:00.000Z',
    });
    expect(o.lines[0].requestedDelivery).toEqual({ earliest: null, latest: '2024-03-27T00:00:00.000Z' });
    expect(o.lines[1].requestedDelivery).toEqual({
      earliest: '2024-03-28T08:00:00.000Z',
      latest: '2024-03-28T17:00:00.000Z',
    });
    expect(o.extensions['x12.DTM.010']).toBe('2024-03-15T16:00:00.000Z');
    // A DTM kept in extensions keeps its time and zone (DTM03 / DTM04: 17:00 Eastern daylight time).
    expect(o.extensions['x12.DTM.001']).toBe('2024-03-30T21:00:00.000Z');
  });

  it("PO1 vendor catalog number (VC) identifies the item as the seller's; a SKU (SK) alone stays in extensions", async () => {
    const [o] = await orders('po1-vendor-catalog-numbers.edi');
    expect(o.lines.map((l: Json) => [l.item.sellerItemId, l.item.buyerItemId])).toEqual([
      ['CAT-5510', null],
      [null, null],
    ]);
    expect(o.extensions['x12.line.L-2.PO1.SK']).toBe('DT/0042');
  });

  it('PO1 with a second id of a kind (BP beside IN) keeps it in extensions: the first fills the item', async () => {
    const [o] = await orders('po1-several-ids-of-a-kind.edi');
    expect(o.lines[0].item).toMatchObject({
      buyerItemId: '998877',
      sellerItemId: 'WID-100',
      gtin: '012345678905',
    });
    expect(o.extensions['x12.line.1.PO1.BP']).toBe('B-5555');
    expect(Object.keys(o.extensions).filter((k) => k.startsWith('x12.line.1.PO1.'))).toEqual([
      'x12.line.1.PO1.BP',
    ]);
  });

  it('EDIFACT PIA with a second id of a kind (IN beside BP) keeps it in extensions; one repeating the LIN GTIN is not', async () => {
    const [o] = await orders('pia-several-ids-of-a-kind.edi', 'edifact-orders');
    expect(o.lines[0].item).toMatchObject({
      sellerItemId: 'ART-4711',
      buyerItemId: 'B-99',
      gtin: '4006381333931',
    });
    expect(Object.entries(o.extensions).filter(([k]) => k.startsWith('edifact.line.1.PIA.'))).toEqual([
      ['edifact.line.1.PIA.IN', 'B-100'],
    ]);
  });

  it("PO1 buyer catalog number (CB) and purchaser item code (PI) identify the item as the buyer's", async () => {
    const [o] = await orders('po1-buyer-catalog-numbers.edi');
    expect(o.lines.map((l: Json) => [l.item.buyerItemId, l.item.sellerItemId])).toEqual([
      ['1234-123456', null],
      ['PUR-8812', 'V-2002'],
    ]);
  });

  it('PO105 price basis: HP is per 100, PE per one; a code the table lacks (CT, QT) is kept in extensions', async () => {
    const [o] = await orders('po105-price-basis-codes.edi');
    expect(o.lines.map((l: Json) => l.priceBasis)).toEqual([null, '100', null, null]);
    expect(Object.entries(o.extensions).filter(([k]) => k.endsWith('.PO105'))).toEqual([
      ['x12.line.3.PO105', 'CT'],
      ['x12.line.4.PO105', 'QT'],
    ]);
  });

  it('amt-ctt-td5-routing: the stated total, other AMTs, CTT counts, header and line TD5', async () => {
    const [o] = await orders('amt-ctt-td5-routing.edi');
    // AMT TT (total transaction amount) is the order total as sent: SalesOrder.totalAmount, not recomputed
    expect(o.totalAmount).toEqual({ amount: '129.13', currency: 'USD' });
    // Other AMTs (here AMT 1, line item total) and CTT01 / CTT02 as the document states them
    expect(o.extensions).toMatchObject({
      'x12.AMT.1': '129.13',
      'x12.CTT.lineCount': '2',
      'x12.CTT.hashTotal': '17',
    });
    // Header TD5: routing, carrier (TD502 qualifier : TD503 id), transport method, routing sequence
    expect(o.extensions).toMatchObject({
      'x12.TD5.routing': 'UPS GROUND',
      'x12.TD5.carrier': '2:UPSN',
      'x12.TD5.transportationMethod': 'M',
      'x12.TD5.routingSequence': 'O',
    });
    // A PO1 loop's own TD5, under the line's number
    expect(JSON.parse(o.extensions['x12.line.2.TD5'])).toEqual({
      carrier: '2:FDEG',
      transportationMethod: 'A',
      routing: 'FEDEX 2DAY',
    });
    expect(o.extensions['x12.line.1.TD5']).toBeUndefined();
  });

  it('ITD terms of sale, FOB instructions and PKG marking, header and line, in extensions (ITD08 read as N2)', async () => {
    const [o] = await orders('itd-fob-pkg-terms.edi');
    expect(JSON.parse(o.extensions['x12.ITD.1'])).toEqual({
      type: '08',
      basisDate: '3',
      discountPercent: '2',
      discountDays: '10',
      netDays: '30',
      discountAmount: '11.88',
      description: '2% 10 NET 30',
    });
    // The header FOB under the 856 mapping's keys: who pays the freight, where, the Incoterms (FOB04 01) and their place
    expect(o.extensions).toMatchObject({
      'x12.FOB.paymentMethod': 'PP',
      'x12.FOB.location': 'DE BEREA KY',
      'x12.FOB.terms': '01 FCA',
      'x12.FOB.termsLocation': 'OR LOUISVILLE KY',
    });
    expect(JSON.parse(o.extensions['x12.PKG.1'])).toEqual({
      descriptionType: 'F',
      description: 'PALLETIZE AND SHRINK WRAP, MAX HEIGHT 60 IN',
    });
    expect(JSON.parse(o.extensions['x12.line.2.ITD.1'])).toEqual({
      type: '01',
      basisDate: '3',
      netDays: '60',
    });
    expect(JSON.parse(o.extensions['x12.line.2.FOB.1'])).toMatchObject({
      paymentMethod: 'CC',
      location: 'LOUISVILLE KY',
    });
    expect(JSON.parse(o.extensions['x12.line.2.PKG.1']).description).toBe('SHIP IN MASTER CARTON OF 6');
    expect(Object.keys(o.extensions).filter((k) => k.startsWith('x12.line.1.'))).toEqual([]);
  });

  it('SAC allowances and charges, header and line, in extensions with SAC05 read as N2 (1500 is 15.00)', async () => {
    const [o] = await orders('sac-allowances-charges-bang-dollar.edi');
    expect(JSON.parse(o.extensions['x12.SAC.1'])).toEqual({
      type: 'C',
      code: 'D240',
      amount: '25',
      percentQualifier: '3',
      percent: '1.5',
      handling: '06',
      description: 'Freight prepaid and added',
    });
    expect(JSON.parse(o.extensions['x12.line.1.SAC.1'])).toEqual({ type: 'C', code: 'D240', amount: '15' });
    expect(JSON.parse(o.extensions['x12.line.2.SAC.1'])).toEqual({
      type: 'A',
      code: 'C310',
      amount: '-25',
      description: 'Promo',
    });
  });

  it("SAC's agency code, promotion reference, option number, second quantity and language are kept, not dropped by the reader", async () => {
    // Trial: a retailer's 850 with SAC*A*C310*VI*WM01*1250********PROMO-77**SPRING PROMO lost VI, WM01 and PROMO-77
    // (the reader picked no SAC03, SAC04, SAC11, SAC13, SAC14, SAC16), and eai map's unused-values report never said so.
    const [o] = await orders('sac-agency-code-promotion-reference.edi');
    expect(JSON.parse(o.extensions['x12.SAC.1'])).toEqual({
      type: 'A',
      code: 'C310',
      agencyQualifier: 'VI',
      agencyCode: 'WM01',
      amount: '12.5',
      referenceId: 'PROMO-77',
      description: 'SPRING PROMO',
      language: 'EN',
    });
    expect(JSON.parse(o.extensions['x12.line.1.SAC.1'])).toEqual({
      type: 'A',
      code: 'C000',
      amount: '6',
      quantity: '12',
      quantity2: '24',
      referenceId: 'DEAL-2024-031',
      optionNumber: '2',
    });
  });

  it("TD5 06-11 and 13-15 and ITD 09-11 reach the order's extensions; SCH 03/04, 08-12, PID 06-09 and REF04, which the canonical order has no place for, are listed unused", async () => {
    // Trial: the reader named none of these (only the raw segments held them), so they vanished without a word.
    const file = 'td5-sch-pid-ref04-itd-trailing-elements.edi';
    const [o] = await orders(file);
    expect(o.extensions).toMatchObject({
      'x12.TD5.shipmentStatus': 'CC',
      'x12.TD5.location': 'PP ATL01',
      'x12.TD5.transit': 'OD AD 3',
      'x12.TD5.serviceLevel': 'CG SE SD',
      'x12.TD5.country': 'US',
    });
    expect(JSON.parse(o.extensions['x12.line.1.TD5'])).toEqual({
      carrier: '2:FDEN',
      transportationMethod: 'A',
      routingSequence: 'O',
      serviceLevel: 'ND SD',
    });
    expect(JSON.parse(o.extensions['x12.ITD.1'])).toMatchObject({
      deferredDueDate: '2025-08-15',
      deferredAmount: '1250',
      invoicePercent: '50',
    });
    const usage = new UsageTracker();
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/x12-850.to-canonical.yaml'))!;
    await mapBytes('x12-850', readFileSync(`formats/x12-850/fixtures/${file}`), {
      mapping,
      usage,
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    const unused = usage.report().unused.map((u) => `${u.location.replace(/ \(.*/, '')} ${u.field}`);
    expect(unused).toEqual(
      expect.arrayContaining([
        'ISA#1/GS#1/ST#1/REF related[0].qualifier',
        'ISA#1/GS#1/ST#1/REF related[1].id',
        'ISA#1/GS#1/ST#1/PO1#1/REF related[0].id',
        'ISA#1/GS#1/ST#1/PO1#1/PID position',
        'ISA#1/GS#1/ST#1/PO1#1/PID sourceSubqualifier',
        'ISA#1/GS#1/ST#1/PO1#1/PID condition',
        'ISA#1/GS#1/ST#1/PO1#1/PID language',
        'ISA#1/GS#1/ST#1/PO1#1/SCH entityCode',
        'ISA#1/GS#1/ST#1/PO1#1/SCH name',
        'ISA#1/GS#1/ST#1/PO1#1/SCH dateQualifier2',
        'ISA#1/GS#1/ST#1/PO1#1/SCH date2',
        'ISA#1/GS#1/ST#1/PO1#1/SCH requestReference',
        'ISA#1/GS#1/ST#1/PO1#1/SCH scheduleLineId',
      ]),
    );
    // What the mapping now keeps is no longer unused.
    expect(unused.filter((u) => /\/(TD5|ITD) /.test(u))).toEqual([]);
  });

  it("N407 (country subdivision) with N404 becomes the address's ISO 3166-2 region; N105 / N106, which the canonical party has no place for, are listed unused", async () => {
    // Trial: the reader picked N4 up to N406 and N1 up to N104, so a German or Austrian address lost its region and the
    // relationship of a buyer to its parent vanished, neither mapped nor listed unused.
    const file = 'n4-country-subdivision-n1-relationship.edi';
    const [o] = await orders(file);
    expect(o.shipTo.address).toMatchObject({ countryCode: 'DE', region: 'DE-BY' });
    // Already written with its prefix (and an alpha-3 N404 read as alpha-2): kept as it is.
    expect(o.billTo.address).toMatchObject({ countryCode: 'AT', region: 'AT-9' });
    // A line's N1 loop too, a lower-case code read as upper case.
    expect(JSON.parse(o.extensions['x12.line.1.N1.Z7'])).toMatchObject({
      countryCode: 'CA',
      region: 'CA-ON',
    });
    const usage = new UsageTracker();
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/x12-850.to-canonical.yaml'))!;
    await mapBytes('x12-850', readFileSync(`formats/x12-850/fixtures/${file}`), {
      mapping,
      usage,
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    const unused = usage.report().unused.map((u) => `${u.location.replace(/ \(.*/, '')} ${u.field}`);
    expect(unused).toEqual(['ISA#1/GS#1/ST#1/N1#1/N1 relationship', 'ISA#1/GS#1/ST#1/N1#1/N1 relatedEntity']);
  });

  it("SDQ destination quantities (a line's split by store) are kept in the order's extensions, none of them unused", async () => {
    // Trial: the reader named no SDQ element (a PO1 loop's otherSegments held it), so the split by store was listed
    // unused and the canonical order (no per-location quantities on a line) lost it.
    const plain = readFileSync('formats/x12-850/fixtures/line-items-pid-po4-sch-line-n1.edi', 'latin1');
    const edi = plain
      .replace(
        'PID*F****COFFEE MUG WHITE 300ML~',
        'PID*F****COFFEE MUG WHITE 300ML~\nSDQ*EA*92*0101*60*0102*40~',
      )
      .replace('PID*F****DESK LAMP LED~', `PID*F****DESK LAMP LED~\nSDQ*EA*92*0205*1${'*'.repeat(19)}DC7~`)
      .replace('SE*33*0001~', 'SE*35*0001~');
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/x12-850.to-canonical.yaml'))!;
    const usage = new UsageTracker();
    const [mapped] = await mapBytes('x12-850', Buffer.from(edi, 'latin1'), {
      mapping,
      usage,
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    const o = JSON.parse(JSON.stringify(mapped!.records[0]!.value)).salesOrder;
    expect(JSON.parse(o.extensions['x12.line.1.SDQ.1'])).toEqual({
      unit: 'EA',
      idQualifier: '92',
      quantities: [
        { location: '0101', quantity: '60' },
        { location: '0102', quantity: '40' },
      ],
    });
    expect(JSON.parse(o.extensions['x12.line.3.SDQ.1'])).toEqual({
      unit: 'EA',
      idQualifier: '92',
      location: 'DC7',
      quantities: [{ location: '0205', quantity: '1' }],
    });
    expect(o.extensions['x12.line.2.SDQ.1']).toBeUndefined();
    expect(usage.report().unused.filter((u) => /\/SDQ /.test(u.location))).toEqual([]);
  });

  it('an order without AMT TT has no stated total (none is computed from the lines)', async () => {
    const [o] = await orders('line-items-pid-po4-sch-line-n1.edi');
    expect(o.lines.length).toBeGreaterThan(0);
    expect(o.totalAmount).toBeNull();
  });
});

describe('X12 test interchange (ISA15 T)', () => {
  it('is marked x12.test and kept apart from production: its system, order id and key are edi-test:<ISA06>', async () => {
    const [o] = await orders('isa15-test-interchange.edi');
    expect(o.orderId).toBe('edi-test:GARDENCENTRAL:PO-77120');
    expect(o.sourceIds).toEqual([{ system: 'edi-test:GARDENCENTRAL', id: 'PO-77120', idType: 'BEG03' }]);
    expect(o.extensions).toMatchObject({ 'x12.test': 'true', 'x12.usage': 'T' });
  });

  it('a production interchange (ISA15 P) carries no test mark', async () => {
    const [o] = await orders('amt-ctt-td5-routing.edi');
    expect(o.orderId.startsWith('edi:')).toBe(true);
    expect(o.extensions['x12.test']).toBeUndefined();
    expect(o.extensions['x12.usage']).toBeUndefined();
  });
});

describe('EDIFACT test interchange (UNB 0035 = 1)', () => {
  it('is marked edifact.test and kept apart from production, as an X12 ISA15 T is: edi-test:<sender>', async () => {
    const [o] = await orders('unb-test-indicator.edi', 'edifact-orders');
    expect(o.orderId).toBe('edi-test:4098765000002:ONB-TEST-0001');
    expect(o.extensions['edifact.test']).toBe('true');
    const [production] = await orders('decimal-comma-gross-price-only.edi', 'edifact-orders');
    expect(production.orderId.startsWith('edi:')).toBe(true);
    expect(production.extensions['edifact.test']).toBeUndefined();
  });
});

describe('EDIFACT ORDERS prices other than the net price', () => {
  it('a line with only a gross price (PRI AAB) has no unitPrice but keeps the price in extensions; decimal commas read', async () => {
    const [o] = await orders('decimal-comma-gross-price-only.edi', 'edifact-orders');
    expect(o.lines.map((l: Json) => [l.quantity.value, l.unitPrice?.amount ?? null])).toEqual([
      ['2.5', '12.4'],
      ['10', null],
    ]);
    expect(o.extensions['edifact.line.2.PRI.AAB']).toBe('3.5');
    expect(o.extensions['edifact.line.1.PRI.AAA']).toBeUndefined();
  });
});

describe('EDIFACT ORDERS transport and delivery terms', () => {
  it('TDT (carrier, mode) and TOD (the Incoterm) are kept in extensions, not dropped', async () => {
    const [o] = await orders('tdt-tod-transport-terms.edi', 'edifact-orders');
    expect(JSON.parse(o.extensions['edifact.TDT.1'])).toEqual({
      stage: '20',
      mode: '30',
      means: '31',
      carrier: 'DHL',
      carrierAgency: '87',
    });
    expect(JSON.parse(o.extensions['edifact.TOD.1'])).toEqual({ function: '6', terms: 'FCA', codeList: '4' });
  });
});

describe('EDIFACT ORDERS line transport and delivery terms', () => {
  it("a LIN group's TDT and TOD are kept per line, by its line number, apart from the header's", async () => {
    const [o] = await orders('line-tdt-tod-transport-terms.edi', 'edifact-orders');
    expect(JSON.parse(o.extensions['edifact.TDT.1'])).toMatchObject({ mode: '30', carrier: 'DHL' });
    expect(JSON.parse(o.extensions['edifact.TOD.1'])).toMatchObject({ terms: 'FCA' });
    expect(JSON.parse(o.extensions['edifact.line.1.TDT.1'])).toEqual({ stage: '20', mode: '40' });
    expect(JSON.parse(o.extensions['edifact.line.1.TOD.1'])).toEqual({
      function: '6',
      terms: 'CPT',
      codeList: '4',
    });
    expect(JSON.parse(o.extensions['edifact.line.2.TDT.1'])).toEqual({
      stage: '20',
      mode: '30',
      means: '31',
      carrier: 'SCHENKER',
      carrierAgency: '87',
      carrierName: 'DB SCHENKER',
    });
    expect(o.extensions['edifact.line.2.TOD.1']).toBeUndefined();
  });
});

describe('X12 850 PO4 physical details', () => {
  it("a PO1 loop's PO4 keeps its weight, volume, dimensions and inner pack beside pack, size and packaging", async () => {
    const [o] = await orders('po4-weight-volume-dimensions.edi');
    expect(JSON.parse(o.extensions['x12.line.1.PO4'])).toEqual({
      pack: '1',
      size: '10',
      unit: 'EA',
      packaging: 'CTN90',
      weight: '10.5 KG',
      volume: '0.16 CR',
      length: '0.8 MR',
      width: '0.5 MR',
      height: '0.4 MR',
      innerPack: '2',
    });
  });

  it('keeps every PO4 of a PO1 loop (x12.line.<n>.PO4, then .PO4.2…) and those of the heading (x12.PO4)', async () => {
    const [o] = await orders('po4-several-and-heading.edi');
    const po4 = (key: string) => JSON.parse(o.extensions[key] ?? 'null');
    expect(po4('x12.PO4')).toEqual({ pack: '48', weight: 'G 400 LB' });
    expect(po4('x12.line.1.PO4')).toEqual({
      pack: '1',
      size: '10',
      unit: 'EA',
      packaging: 'CTN90',
      weight: '10.5 KG',
    });
    expect(po4('x12.line.1.PO4.2')).toEqual({ pack: '6', size: '1', unit: 'EA', packaging: 'BOX25' });
    expect(po4('x12.line.2.PO4')).toEqual({ pack: '12', size: '300', unit: 'ML', packaging: 'CTN' });
    expect(po4('x12.line.2.PO4.2')).toBeNull();
  });
});

describe('EDIFACT ORDERS currency', () => {
  it('an order with no price or amount at all (EANCOM priced by list) has currency XXX, no currency involved', async () => {
    const [o] = await orders('eancom-no-prices.edi', 'edifact-orders');
    expect(o.currency).toBe('XXX');
    expect(o.lines.map((l: Json) => [l.quantity.value, l.unitPrice])).toEqual([
      ['2', null],
      ['4', null],
    ]);
  });

  it('an order with a price but no currency is still refused: no currency is guessed, and the error says to add a CUX', async () => {
    const priced = readFileSync('formats/edifact-orders/fixtures/eancom-no-prices.edi', 'utf8')
      .replace("QTY+21:4'", "QTY+21:4'\nPRI+AAA:1.99'")
      .replace('UNT+18+1', 'UNT+19+1');
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/edifact-orders.to-canonical.yaml'))!;
    const refused = mapBytes('edifact-orders', Buffer.from(priced), { mapping });
    await expect(refused).rejects.toThrow(
      /let\.currency: the order states prices \(PRI\) or amounts \(MOA\) but no currency: .*add a CUX segment/,
    );
    // The author's words alone, without the expression that said them.
    await expect(refused).rejects.not.toThrow(/\[in let\.currency/);
  });
});

describe('EDIFACT interchange whose UNZ count disagrees with its messages', () => {
  it('is accepted, and every canonical order of it carries the warning naming the UNZ segment', async () => {
    const all = await orders('unz-count-mismatch.edi', 'edifact-orders');
    expect(all.map((o) => o.orderNumber)).toHaveLength(2);
    for (const o of all) {
      expect(o.extensions['edi.warning']).toBe(
        'UNB#1/UNZ (segment 84, line 84): UNZ+3+10042: interchange says 3 messages, holds 2',
      );
    }
    const [clean] = await orders('pia-product-id.edi', 'edifact-orders');
    expect(clean.extensions['edi.warning']).toBeUndefined();
  });
});
