import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURE_RECEIVED_AT } from '../engine/fixtures.ts';
import { UsageTracker } from '../engine/usage.ts';
import { loadMappings, mapBytes } from '../index.ts';

/**
 * Issue 15 §1: every business fact of a real X12 856 / EPCIS 2.0 document reaches the canonical ShipmentEvent,
 * in a field or in `extensions`. One assertion per fact, on fixtures written to contain them; the full outputs are
 * compared by `mappings:check` (mappings/edi/x12-856.expected, mappings/logistics/epcis-2.expected).
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records as JSON, asserted by path
type Json = any;

async function shipments(format: string, mappingFile: string, input: string): Promise<Json[]> {
  const mapping = loadMappings().find((m) => m.file.endsWith(mappingFile));
  if (!mapping) throw new Error(`no mapping ${mappingFile}`);
  const mapped = await mapBytes(format, readFileSync(input), { mapping, receivedAt: FIXTURE_RECEIVED_AT });
  return mapped.flatMap((d) => d.records.map((r) => JSON.parse(JSON.stringify(r.value)).shipment));
}

const asn = (name: string) =>
  shipments('x12-856', 'edi/x12-856.to-canonical.yaml', `formats/x12-856/fixtures/${name}`);

describe('X12 856 in a test interchange (ISA15 T)', () => {
  it('is marked x12.test and keyed apart from production (edi-test:<ISA06>), as an 850 is', async () => {
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/x12-856.to-canonical.yaml'))!;
    const production = readFileSync('formats/x12-856/fixtures/hl-shipment-order-pack-item.edi', 'latin1');
    const test = production.replace('*0*P*>~', '*0*T*>~');
    expect(test).not.toBe(production);
    const [mapped] = await mapBytes('x12-856', Buffer.from(test, 'latin1'), {
      mapping,
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    const event = JSON.parse(JSON.stringify(mapped!.records[0]!.value));
    expect(event.origin.system).toBe('edi-test:ACMESUPPLY');
    expect(event.shipment.shipmentId.startsWith('edi-test:ACMESUPPLY:')).toBe(true);
    expect(event.shipment.extensions).toMatchObject({ 'x12.test': 'true', 'x12.usage': 'T' });
  });
});

describe('EDIFACT quantities and measurements without a unit', () => {
  it('a QTY without a unit counts the item, C62 in a DESADV and an ORDERS alike; a MEA weight without one is kept, not guessed', async () => {
    const [s] = await shipments(
      'edifact-desadv',
      'edi/edifact-desadv.to-canonical.yaml',
      'formats/edifact-desadv/fixtures/qty-mea-without-unit.edi',
    );
    expect(s.lines.map((l: Json) => l.quantity)).toEqual([
      { value: '48', unitCode: 'C62' },
      { value: '12.5', unitCode: 'KGM' },
    ]);
    expect(s.packages[0].grossWeight).toBeNull();
    expect(s.extensions['edifact.CPS.1.MEA.AAB']).toBe('96.4');
    const orders = loadMappings().find((m) => m.file.endsWith('edi/edifact-orders.to-canonical.yaml'))!;
    const [ordered] = await mapBytes(
      'edifact-orders',
      readFileSync('formats/edifact-orders/fixtures/decimal-comma-gross-price-only.edi'),
      { mapping: orders, receivedAt: FIXTURE_RECEIVED_AT },
    );
    const line = JSON.parse(JSON.stringify(ordered!.records[0]!.value)).salesOrder.lines[1];
    expect(line.quantity).toEqual({ value: '10', unitCode: 'C62' });
  });
});

describe('EDIFACT DESADV in a test interchange (UNB 0035 = 1)', () => {
  it('is marked edifact.test and keyed apart from production (edi-test:<sender>)', async () => {
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/edifact-desadv.to-canonical.yaml'))!;
    const production = readFileSync('formats/edifact-desadv/fixtures/cps-pac-gin-sscc.edi', 'latin1');
    const test = production.replace("+240312:1430+10042'", "+240312:1430+10042++++++1'");
    expect(test).not.toBe(production);
    const [mapped] = await mapBytes('edifact-desadv', Buffer.from(test, 'latin1'), {
      mapping,
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    const event = JSON.parse(JSON.stringify(mapped!.records[0]!.value));
    expect(event.origin.system).toBe('edi-test:4012345000009');
    expect(event.shipment.extensions['edifact.test']).toBe('true');
  });
});

describe('X12 856 facts on the canonical shipment', () => {
  it("LIN vendor catalog number (VC) identifies the item as the seller's", async () => {
    const [s] = await asn('lin-vendor-catalog-numbers.edi');
    expect(s.lines.map((l: Json) => [l.item.sellerItemId, l.item.buyerItemId])).toEqual([['CAT-5510', null]]);
  });

  it("LIN buyer catalog number (CB) and purchaser item code (PI) identify the item as the buyer's", async () => {
    const [s] = await asn('lin-buyer-catalog-numbers.edi');
    expect(s.lines.map((l: Json) => [l.item.buyerItemId, l.item.sellerItemId])).toEqual([
      ['1234-123456', null],
      ['PUR-8812', 'V-2002'],
    ]);
  });

  it('retail ASN (S → O → T → P → I): equipment, seals, lading, weights, volume, FOB, REFs, stores, styles, ordered quantity', async () => {
    const [s] = await asn('retail-equipment-fob-stores-styles.edi');
    // TD3 equipment / trailer number, TD309 and REF SN seal numbers
    expect(s.equipment).toEqual([
      { equipmentId: 'ODFL4417730', typeCode: 'TL', sealNumbers: ['SL77031', 'SL77032'] },
    ]);
    // TD1 lading quantity and packaging
    expect(s.extensions['x12.TD1.lading']).toBe('6 CTN25, 1 PLT94');
    // TD1 gross (G) and net (N) weight, TD109/TD110 volume, with units
    expect(s.grossWeight).toEqual({ value: '184.5', unitCode: 'LBR' });
    expect(s.netWeight).toEqual({ value: '171', unitCode: 'LBR' });
    expect(s.volume).toEqual({ value: '42.3', unitCode: 'FTQ' });
    // FOB payment method and terms
    expect(s.extensions).toMatchObject({
      'x12.FOB.paymentMethod': 'PP',
      'x12.FOB.location': 'OR DAYTON OH',
      'x12.FOB.terms': '01 FCA',
      'x12.FOB.termsLocation': 'OR DAYTON OH',
    });
    // REF IV invoice number, REF DP department; BM bill of lading and CN PRO number have fields
    expect(s.extensions['x12.REF.IV']).toBe('INV-2025-0417');
    expect(s.extensions['x12.REF.DP']).toBe('00092');
    expect(s.billOfLading).toBe('ODFL0087712');
    expect(s.trackingNumbers).toEqual(['0871123344']);
    // TD5 carrier, transport method, routing
    expect(s.carrier).toMatchObject({
      scac: 'ODFL',
      transportMode: 'ROAD',
      serviceLevel: 'OLD DOMINION LTL',
    });
    // PRF purchase order number and date; N1 BY / Z7 stores on the order level
    expect(s.orderReferences).toEqual([
      expect.objectContaining({
        purchaseOrderNumber: '4500123456',
        purchaseOrderDate: '2025-03-01T00:00:00.000Z',
      }),
    ]);
    expect(s.orderReferences[0].parties.map((p: Json) => [p.role, p.roleCode, p.party.partyId])).toEqual([
      ['BUYER', 'BY', '1187'],
      ['MARK_FOR', 'Z7', '1187'],
    ]);
    // MEA gross weights on tare and packs, MEA VOL on a pack, N1 MA (mark-for) on a pack
    expect(s.packages.map((p: Json) => [p.packageId, p.grossWeight?.value, p.volume?.value ?? null])).toEqual(
      [
        ['00006141410000000017', '120.2', null],
        ['00006141410000000024', '32.5', '1.8'],
        ['00006141410000000031', '30', null],
      ],
    );
    expect(s.packages[1].parties).toEqual([
      expect.objectContaining({
        role: 'MARK_FOR',
        roleCode: 'MA',
        party: expect.objectContaining({ partyId: '1187' }),
      }),
    ]);
    // LIN IT / VA style numbers per line; BP buyer's part number has a field; MEA on an item level
    // SN104 quantity shipped to date and SN105 / SN106 quantity ordered (a back order: 36 ordered, 24 shipped)
    expect(s.lines.map((l: Json) => l.extensions)).toEqual([
      {
        'x12.LIN.IT': 'STYLE-4471',
        'x12.LIN.VA': 'VS-4471-BLK',
        'x12.SN1.shippedToDate': '24 EA',
        'x12.SN1.quantityOrdered': '36 EA',
      },
      { 'x12.LIN.IT': 'STYLE-4472' },
    ]);
    expect(s.lines[0].item.buyerItemId).toBe('BP-99812');
    expect(s.lines[1].grossWeight).toEqual({ value: '28.4', unitCode: 'LBR' });
  });

  it('MEA-only weights, split TD5, containers, tare-level store, serial numbers, item-level TD1', async () => {
    const [s] = await asn('mea-weights-split-td5-tare-store-serials.edi');
    // Shipment-level MEA G / N / VOL when there is no TD1
    expect([s.grossWeight, s.netWeight, s.volume]).toEqual([
      { value: '412', unitCode: 'KGM' },
      { value: '388', unitCode: 'KGM' },
      { value: '2.6', unitCode: 'MTQ' },
    ]);
    // The transport method of a second TD5 (the first names only the carrier): LT, less than trailer load
    expect(s.carrier).toMatchObject({ scac: 'SAIA', transportMode: 'ROAD' });
    // Two TD3s: a container and a trailer with its seal
    expect(s.equipment).toEqual([
      { equipmentId: 'MSCU1234565', typeCode: 'CN', sealNumbers: [] },
      { equipmentId: 'SAIA880412', typeCode: 'TL', sealNumbers: ['SEAL-0412B'] },
    ]);
    // Shipment-level N1 BY; tare-level N1 Z7 with its address
    expect(s.parties).toEqual([
      expect.objectContaining({
        role: 'BUYER',
        roleCode: 'BY',
        party: expect.objectContaining({ partyId: 'CP-01' }),
      }),
    ]);
    expect(s.packages[0].parties[0]).toMatchObject({
      role: 'MARK_FOR',
      party: { partyId: '0042', address: { city: 'MADISON', region: 'US-WI' } },
    });
    // PRF date and PRF02 release number, REF VN seller's order number, FOB collect, REF IV invoice
    expect(s.orderReferences[0]).toMatchObject({
      purchaseOrderNumber: 'PO-77120',
      sellerOrderNumber: 'SO-99812',
      purchaseOrderDate: '2025-04-05T00:00:00.000Z',
    });
    expect(s.extensions).toMatchObject({
      'x12.PRF.releaseNumber': '2',
      'x12.FOB.paymentMethod': 'CC',
      'x12.REF.IV': '90017734',
    });
    // REF SE serial numbers, REF LT lot, item-level TD1 weight and lading, PO4, LIN IT style, PL order line
    expect(s.lines[0]).toMatchObject({
      orderLineNumber: '10',
      lotNumber: 'L2504',
      serialNumbers: ['SN-BRK-0000451', 'SN-BRK-0000452'],
      grossWeight: { value: '11.4', unitCode: 'KGM' },
      extensions: { 'x12.LIN.IT': 'ST-220', 'x12.PO4': '1 1 EA BOX', 'x12.TD1.lading': '2 BOX' },
    });
    expect(s.lines[1].grossWeight).toEqual({ value: '3.3', unitCode: 'KGM' });
  });

  it('MAN GM with the (00) application identifier in front (20 digits) names the package by its SSCC-18, as DESADV does', async () => {
    const [s] = await asn('man-gm-sscc-with-ai-00.edi');
    expect(s.packages.map((p: Json) => [p.packageId, p.parentPackageId])).toEqual([
      ['006141410000000012', null],
      ['006141410000000029', '006141410000000012'],
      ['006141410000000036', null],
    ]);
    expect(s.lines.map((l: Json) => l.packageId)).toEqual(['006141410000000029', '006141410000000036']);
  });
});

describe('X12 856 without an order level: PRF inside the item loops', () => {
  it("each line keeps its own loop's PO, and the shipment lists every PO once in orderReferences", async () => {
    const [s] = await asn('prf-in-item-loops.edi');
    expect(s.lines.map((l: Json) => l.purchaseOrderNumber)).toEqual(['PO-5501', 'PO-5502', 'PO-5501']);
    expect(
      s.orderReferences.map((r: Json) => [r.purchaseOrderNumber, r.purchaseOrderDate, r.sellerOrderNumber]),
    ).toEqual([
      ['PO-5501', '2024-03-01T00:00:00.000Z', null],
      ['PO-5502', '2024-03-02T00:00:00.000Z', 'SO-9902'],
    ]);
  });
});

describe('EPCIS 2.0 facts on the canonical shipment', () => {
  const events = () =>
    shipments(
      'epcis-2',
      'logistics/epcis-2.to-canonical.yaml',
      'formats/epcis-2/fixtures/shipping-aggregation-epcs-parties.json',
    );

  it('childEPCs and childQuantityList: SSCCs as packages, SGTINs (URN and Digital Link) as serial numbers, classes with uom', async () => {
    const [aggregation] = await events();
    expect(aggregation.packages.map((p: Json) => [p.packageId, p.parentPackageId])).toEqual([
      ['040123450000007770', null],
      ['040123450000007787', '040123450000007770'],
    ]);
    expect(
      aggregation.lines.map((l: Json) => [l.item.gtin, l.quantity, l.lotNumber, l.serialNumbers]),
    ).toEqual([
      [
        '04012345111224',
        { value: '2', unitCode: 'C62' },
        null,
        ['urn:epc:id:sgtin:4012345.011122.25', 'urn:epc:id:sgtin:4012345.011122.26'],
      ],
      [
        '04012345011135',
        { value: '1', unitCode: 'C62' },
        null,
        ['https://id.gs1.org/01/04012345011135/21/A7731'],
      ],
      ['04012345123456', { value: '250.5', unitCode: 'KGM' }, 'LOT998', []],
      ['04012345012347', { value: '40', unitCode: 'C62' }, 'B42', []],
    ]);
    // An instance EPC that is neither SSCC nor SGTIN (a returnable pallet, GRAI)
    expect(aggregation.extensions['epcis.childEPCs']).toBe('urn:epc:id:grai:4012345.55555.9001');
  });

  it('epcList and quantityList of an ObjectEvent, an asset EPC, a class pattern', async () => {
    const [, object] = await events();
    expect(object.lines[0].serialNumbers).toEqual(['urn:epc:id:sgtin:4012345.011122.27']);
    expect(object.lines[1]).toMatchObject({
      item: { description: 'urn:epc:idpat:sgtin:4012345.011133.*' },
      quantity: { value: '12', unitCode: 'EA' },
    });
    expect(object.extensions['epcis.epcList']).toBe('urn:epc:id:giai:4012345.TRUCK-17');
  });

  it('sourceList / destinationList: every party with its type as role; the document creationDate', async () => {
    const [aggregation, object] = await events();
    expect(
      aggregation.parties.map((p: Json) => [p.role, p.roleCode, p.party.partyId, p.party.idScheme]),
    ).toEqual([
      ['SOURCE_OWNING_PARTY', 'owning_party', '4012345000009', 'GLN'],
      ['SOURCE_POSSESSING_PARTY', 'possessing_party', '4012345000009', 'GLN'],
      ['SOURCE_LOCATION', 'location', '4012345000016', 'GLN'],
      ['DESTINATION_OWNING_PARTY', 'owning_party', '0614141000005', 'GLN'],
      ['DESTINATION_POSSESSING_PARTY', 'possessing_party', '0614141000029', 'GLN'],
      ['DESTINATION_LOCATION', 'location', '0614141007776', 'GLN'],
    ]);
    expect(aggregation.shipFrom.partyId).toBe('4012345000016');
    expect(aggregation.shipTo.partyId).toBe('0614141007776');
    // creationDate 2025-05-20T16:05:12.250+02:00, in UTC
    expect([aggregation.createdAt, object.createdAt]).toEqual([
      '2025-05-20T14:05:12.250Z',
      '2025-05-20T14:05:12.250Z',
    ]);
  });
});

describe('EPCIS GLNs in any form', () => {
  it('an sgln / pgln URN, a Digital Link (414, 417, 254, any host) and a bare GLN give one canonical id', async () => {
    const [urn, link] = await shipments(
      'epcis-2',
      'logistics/epcis-2.to-canonical.yaml',
      'formats/epcis-2/fixtures/gln-forms-urn-digital-link-bare.json',
    );
    const ids = (s: Json) => [
      s.shipFrom,
      s.shipTo,
      s.parties.map((p: Json) => p.party),
      s.milestones.map((m: Json) => m.location),
    ];
    expect(ids(link)).toEqual(ids(urn));
    expect(urn.parties.map((p: Json) => [p.role, p.party.partyId, p.party.idScheme])).toEqual([
      ['SOURCE_OWNING_PARTY', '4012345000009', 'GLN'],
      ['SOURCE_LOCATION', '4012345002256', 'GLN'],
      ['DESTINATION_OWNING_PARTY', '0614141000012', 'GLN'],
      ['DESTINATION_LOCATION', '0614141007776', 'GLN'],
    ]);
    // A GLN extension (sgln serial DOOR-3, Digital Link 254) names a place inside the GLN: GS1's canonical Digital Link
    expect(urn.milestones[0].location).toBe('https://id.gs1.org/414/4012345002256/254/DOOR-3');
  });
});

describe('EDIFACT DESADV: the same facts in the same fields', () => {
  it('EQD container with its SEL seals → equipment; MEA AAB gross weights → grossWeight', async () => {
    const [s] = await shipments(
      'edifact-desadv',
      'edi/edifact-desadv.to-canonical.yaml',
      'formats/edifact-desadv/fixtures/eqd-sel-container-seals.edi',
    );
    expect(s.equipment).toEqual([
      { equipmentId: 'MSKU9070323', typeCode: 'CN', sealNumbers: ['ML-0048812', 'ML-0048813'] },
    ]);
    expect(s.packages.map((p: Json) => p.grossWeight)).toEqual([
      { value: '182.5', unitCode: 'KGM' },
      { value: '182.5', unitCode: 'KGM' },
    ]);
  });
});

describe('EDIFACT DESADV parties and item ids', () => {
  it('a NAD other than ship-from / ship-to / carrier is a party by role with its address, not a string in extensions', async () => {
    const [s] = await shipments(
      'edifact-desadv',
      'edi/edifact-desadv.to-canonical.yaml',
      'formats/edifact-desadv/fixtures/imd-colour-size-codes-qvr.edi',
    );
    expect(s.parties.map((p: Json) => [p.role, p.roleCode, p.party.partyId, p.party.idScheme])).toEqual([
      ['BUYER', 'BY', '8713082000005', 'GLN'],
      ['BILL_TO', 'IV', '8713082000005', 'GLN'],
    ]);
    expect(s.parties[1].party).toMatchObject({
      name: 'Sample',
      address: { lines: ['Desadv'], city: 'File', postalCode: '3300 AB', countryCode: 'NL' },
    });
    expect(Object.keys(s.extensions).filter((k) => k.startsWith('edifact.NAD.'))).toEqual([]);
  });

  it('an item id without a canonical field stays on the line it identifies (edifact.PIA.<type>)', async () => {
    const [s] = await shipments(
      'edifact-desadv',
      'edi/edifact-desadv.to-canonical.yaml',
      'formats/edifact-desadv/fixtures/pia-id-without-type.edi',
    );
    expect(s.lines.map((l: Json) => l.extensions['edifact.PIA.unknown'])).toEqual([
      '9783161484100',
      '9780306406157',
    ]);
    expect(s.extensions['edifact.PIA.unknown']).toBeUndefined();
  });
});

describe('EDIFACT DESADV FTX', () => {
  it("coded texts are kept by subject and a line's FTX on its line, as ORDERS keeps them; none is unused", async () => {
    // Trial: FTX+AAI++HZD:EXAMPLE:91 (a coded text, no text of its own) and every line-level FTX reached nothing and
    // only the unused-values report named them; the header texts alone were kept (edifact.FTX).
    const file = 'formats/edifact-desadv/fixtures/ftx-coded-delivery-instructions.edi';
    const [s] = await shipments('edifact-desadv', 'edi/edifact-desadv.to-canonical.yaml', file);
    expect(s.extensions).toMatchObject({
      'edifact.FTX': 'DELIVER TO GATE 4 BETWEEN 06:00 AND 14:00',
      'edifact.FTX.AAI': 'HZD:EXAMPLE:91',
    });
    expect(s.lines[0].extensions).toMatchObject({
      'edifact.FTX': 'KEEP REFRIGERATED',
      'edifact.FTX.PRD': 'RET:EXAMPLE:91',
    });
    expect(Object.keys(s.lines[1].extensions).filter((k) => k.startsWith('edifact.FTX'))).toEqual([]);
    const usage = new UsageTracker();
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/edifact-desadv.to-canonical.yaml'))!;
    await mapBytes('edifact-desadv', readFileSync(file), { mapping, usage, receivedAt: FIXTURE_RECEIVED_AT });
    expect(usage.report().unused.filter((u) => u.location.includes('FTX'))).toEqual([]);
  });
});

describe('EDIFACT DESADV order references and carrier ids', () => {
  it('keeps the RFF+ON date (DTM 171), the order line RFF+ON names, and a carrier id that is no SCAC', async () => {
    const [s] = await shipments(
      'edifact-desadv',
      'edi/edifact-desadv.to-canonical.yaml',
      'formats/edifact-desadv/fixtures/tdt-carrier-gln-rff-on-line-number.edi',
    );
    expect(s.orderReferences).toMatchObject([
      { purchaseOrderNumber: 'PO-2024-001', purchaseOrderDate: '2024-03-15T00:00:00.000Z' },
    ]);
    expect(s.lines.map((l: Json) => l.orderLineNumber)).toEqual(['10', '20']);
    expect(s.carrier.scac).toBeNull();
    expect(s.extensions['edifact.TDT.carrierId']).toBe('4098765000004');
  });
});

describe('X12 856 LIN with several ids of a kind', () => {
  it('keeps a BP beside an IN and an EN beside a UP in extensions: the first of each kind fills the line', async () => {
    const [s] = await asn('lin-several-ids-of-a-kind.edi');
    expect(s.lines[0].item).toMatchObject({
      buyerItemId: '000-12-3456',
      sellerItemId: 'MUG-12',
      gtin: '490650123456',
    });
    expect(s.lines[0].extensions).toEqual({ 'x12.LIN.BP': 'B-77', 'x12.LIN.EN': '4006381333931' });
  });
});

describe('X12 N4 state codes', () => {
  it('a US state becomes its ISO 3166-2 code (in upper case); a code that is no subdivision is kept as sent', async () => {
    const [s] = await asn('td5-service-level-dtm-range-n4-states.edi');
    expect(s.shipTo.address.region).toBe('US-TX');
    expect(s.shipFrom.address.region).toBe('XX');
  });
});

describe('X12 TD5 service level (TD512)', () => {
  it("an 856's TD512 is the carrier's service level by its code list name, its code and TD505 kept beside it", async () => {
    const [s] = await asn('td5-service-level-dtm-range-n4-states.edi');
    expect(s.carrier).toEqual({ scac: 'UPSN', name: 'UPS', transportMode: null, serviceLevel: 'Ground' });
    expect(s.extensions).toMatchObject({
      'x12.TD5.serviceLevel': 'CG',
      'x12.TD5.routing': 'UPS GROUND RESIDENTIAL',
      // A DTM dated in DTM05 / DTM06 (RDT: a range with times) is kept, not dropped.
      'x12.DTM.067': '2024-03-14T13:00:00.000Z/2024-03-14T17:00:00.000Z',
    });
  });

  it("an 850's TD512, header and line, is kept in its extensions", async () => {
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/x12-850.to-canonical.yaml'))!;
    const [mapped] = await mapBytes(
      'x12-850',
      readFileSync('formats/x12-850/fixtures/td5-service-level-code.edi'),
      {
        mapping,
        receivedAt: FIXTURE_RECEIVED_AT,
      },
    );
    const order = JSON.parse(JSON.stringify(mapped!.records[0]!.value)).salesOrder;
    expect(order.extensions['x12.TD5.serviceLevel']).toBe('CG');
    expect(JSON.parse(order.extensions['x12.line.1.TD5'])).toMatchObject({ serviceLevel: 'ND' });
  });
});

describe('X12 856 PO4 physical details', () => {
  it("a tare's or pack's PO4 weight and volume fill the package; its dimensions, inner pack and a weight that is not gross are kept by its HL; an item's PO4 on its line", async () => {
    const [s] = await asn('po4-dimensions-volume-inner-pack.edi');
    const [tare, pack] = s.packages;
    expect(tare).toMatchObject({
      packagingCode: 'PLT94',
      grossWeight: { value: '200', unitCode: 'KGM' },
      volume: { value: '2.1', unitCode: 'MTQ' },
    });
    // PO405 N: the net weight of the pack, not its gross weight.
    expect(pack).toMatchObject({
      packagingCode: 'CTN25',
      grossWeight: null,
      volume: { value: '1.2', unitCode: 'FTQ' },
    });
    expect(s.extensions).toMatchObject({
      'x12.HL.3.PO4.length': '120 CM',
      'x12.HL.3.PO4.width': '80 CM',
      'x12.HL.3.PO4.height': '145 CM',
      'x12.HL.4.PO4': '1 12 EA CTN25',
      'x12.HL.4.PO4.weight': 'N 9.8 LB',
      'x12.HL.4.PO4.length': '18 IN',
      'x12.HL.4.PO4.width': '12 IN',
      'x12.HL.4.PO4.height': '10 IN',
      'x12.HL.4.PO4.innerPack': '6',
    });
    expect(s.extensions['x12.HL.3.PO4.weight']).toBeUndefined();
    expect(s.lines[0].extensions).toEqual({
      'x12.PO4': '1 1 EA',
      'x12.PO4.weight': 'G 45 LB',
      'x12.PO4.length': '24 IN',
      'x12.PO4.width': '48 IN',
      'x12.PO4.height': '60 IN',
    });
  });
});

describe('X12 856 REF04 (C040 reference identifier)', () => {
  it('is read at every level and in N1 loops, and listed unused (the canonical shipment has no place for it), REF02 still mapped', async () => {
    // Trial: the 856 reader named REF01-03 only, so REF04's qualifier / id pairs vanished without a word.
    const plain = readFileSync('formats/x12-856/fixtures/hl-shipment-order-pack-item.edi', 'latin1');
    const edi = plain
      .replace('REF*BM*BOL-88123~', 'REF*BM*BOL-88123**PO>PO-240311-01>IV>INV-9~')
      .replace('REF*IA*VEND-4471~', 'REF*IA*VEND-4471**DP>042~')
      .replace('N4*Austin*TX*78744*US~', 'N4*Austin*TX*78744*US~\nREF*ST*DC007**WH>7~')
      .replace('SN1**12*EA**12*EA~', 'SN1**12*EA**12*EA~\nREF*IV*INV-9**BT>B-1~')
      .replace('SE*43*0001~', 'SE*45*0001~');
    expect(edi.match(/>/g)?.length).toBeGreaterThan(plain.match(/>/g)?.length ?? 0);
    const mapping = loadMappings().find((m) => m.file.endsWith('edi/x12-856.to-canonical.yaml'))!;
    const usage = new UsageTracker();
    const [mapped] = await mapBytes('x12-856', Buffer.from(edi, 'latin1'), {
      mapping,
      usage,
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    const shipment = JSON.parse(JSON.stringify(mapped!.records[0]!.value)).shipment;
    expect(shipment.billOfLading).toBe('BOL-88123');
    expect(shipment.extensions['x12.REF.IA']).toBe('VEND-4471');
    expect(shipment.lines[0].extensions['x12.REF.IV']).toBe('INV-9');
    const unused = usage.report().unused.map((u) => `${u.location.replace(/ \(.*/, '')} ${u.field}`);
    expect(unused).toEqual(
      expect.arrayContaining([
        'ISA#1/GS#1/ST#1/HL#1/REF related[0].qualifier',
        'ISA#1/GS#1/ST#1/HL#1/REF related[0].id',
        'ISA#1/GS#1/ST#1/HL#1/REF related[1].qualifier',
        'ISA#1/GS#1/ST#1/HL#1/REF related[1].id',
        'ISA#1/GS#1/ST#1/HL#2/REF related[0].id',
        'ISA#1/GS#1/ST#1/HL#1/N1#2/REF related[0].id',
        'ISA#1/GS#1/ST#1/HL#4/REF related[0].id',
      ]),
    );
  });
});
