import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURE_RECEIVED_AT } from '../engine/fixtures.ts';
import { loadMappings, mapBytes } from '../index.ts';

/**
 * What a new user's trial fed the EDI mappings from partners' documents not in the repository (variants of the
 * fixtures, changed here inline): a DESADV in a syntax 4 interchange, whose UNB date is CCYYMMDD, was refused; a
 * DESADV line's other quantities and dates, an 856 item loop's DTMs and an order's second DTM of one role (a latest
 * delivery date beside the requested one) reached no field nor extension.
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records as JSON, asserted by path
type Json = any;

async function events(format: string, mappingFile: string, input: string): Promise<Json[]> {
  const mapping = loadMappings().find((m) => m.file.endsWith(mappingFile));
  if (!mapping) throw new Error(`no mapping ${mappingFile}`);
  const mapped = await mapBytes(format, Buffer.from(input, 'latin1'), {
    mapping,
    receivedAt: FIXTURE_RECEIVED_AT,
  });
  return mapped.flatMap((d) => d.records.map((r) => JSON.parse(JSON.stringify(r.value))));
}

const fixture = (path: string) => readFileSync(path, 'latin1');
const desadv = (input: string) => events('edifact-desadv', 'edi/edifact-desadv.to-canonical.yaml', input);

/** Replaces `from` once, checking it was there, so a changed fixture fails here rather than test nothing. */
function edit(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

describe('EDIFACT DESADV in a syntax 4 interchange', () => {
  const sscc = fixture('formats/edifact-desadv/fixtures/cps-pac-gin-sscc.edi');

  it('reads the UNB date as CCYYMMDD, as the ORDERS mapping does (it was taken for YYMMDD: "2020240312")', async () => {
    const four = edit(sscc, 'UNB+UNOC:3+', 'UNB+UNOC:4+').replace('+240312:1430+', '+20240312:1430+');
    expect(four).toContain('+20240312:1430+');
    const [syntax3] = await desadv(sscc);
    const [syntax4] = await desadv(four);
    expect(syntax4.occurredAt).toBe(syntax3.occurredAt);
    // Without DTM 137 the interchange's date is when it was issued.
    const withoutDtm137 = edit(four, "DTM+137:202403121430:203'\n", '');
    const [undated] = await desadv(withoutDtm137.replace(/UNT\+(\d+)\+/, (_, n) => `UNT+${Number(n) - 1}+`));
    expect(undated.occurredAt).toBe('2024-03-12T14:30:00.000Z');
  });
});

describe("EDIFACT DESADV facts the canonical line has no field for go to the line's extensions", () => {
  it('QTY other than 12 (21 ordered), the line DTMs (361 best before) and RFFs without a field; header DTMs too', async () => {
    const input = edit(
      fixture('formats/edifact-desadv/fixtures/cps-pac-gin-sscc.edi'),
      "QTY+12:24:PCE'\nRFF+ON:4500012345'\nRFF+LI:1'\n",
      "QTY+12:24:PCE'\nQTY+21:30:PCE'\nDTM+361:20250801:102'\nRFF+ON:4500012345'\nRFF+LI:1'\nRFF+AAU:DN-77'\n",
    ).replace("DTM+132:20240314:102'\n", "DTM+132:20240314:102'\nDTM+2:20240315:102'\n");
    const [event] = await desadv(input.replace(/UNT\+(\d+)\+/, (_, n) => `UNT+${Number(n) + 4}+`));
    const line = event.shipment.lines[0];
    expect(line.quantity).toEqual({ value: '24', unitCode: 'H87' });
    expect(line.extensions).toEqual({
      'edifact.QTY.21': '30 PCE',
      'edifact.DTM.361': '2025-08-01',
      'edifact.RFF.AAU': 'DN-77',
    });
    expect(event.shipment.lines[1].extensions).toEqual({});
    expect(event.shipment.extensions['edifact.DTM.2']).toBe('2024-03-15');
    // DTMs with a field stay out of extensions.
    expect(Object.keys(event.shipment.extensions).filter((k) => k.startsWith('edifact.DTM.'))).toEqual([
      'edifact.DTM.2',
    ]);
  });
});

describe('X12 856 DTMs without a canonical field', () => {
  it("an item loop's DTMs (036 expiration, 405 production) go to its line, other header DTMs to the shipment", async () => {
    const asn = edit(
      edit(
        fixture('formats/x12-856/fixtures/hl-shipment-order-pack-item.edi'),
        'SN1**24*EA**24*EA~\n',
        'SN1**24*EA**24*EA~\nDTM*036*20260131~\nDTM*405*20240301~\n',
      ),
      'DTM*017*20240314*0900~\n',
      'DTM*017*20240314*0900~\nDTM*067*20240315~\n',
    ).replace('SE*43*0001', 'SE*46*0001');
    const [event] = await events('x12-856', 'edi/x12-856.to-canonical.yaml', asn);
    const [first, second] = event.shipment.lines;
    expect(second.extensions).toMatchObject({ 'x12.DTM.036': '2026-01-31', 'x12.DTM.405': '2024-03-01' });
    expect(Object.keys(first.extensions).filter((k) => k.startsWith('x12.DTM.'))).toEqual([]);
    expect(event.shipment.extensions['x12.DTM.067']).toBe('2024-03-15');
    // 011 and 017 have fields (shippedAt, estimatedArrival): not repeated in extensions.
    expect(Object.keys(event.shipment.extensions).filter((k) => k.startsWith('x12.DTM.'))).toEqual([
      'x12.DTM.067',
    ]);
    expect(event.shipment.estimatedArrival).toBe('2024-03-14T09:00:00.000Z');
  });
});

describe('an order whose DTMs give one role twice', () => {
  it("X12 850: DTM 063 (do not deliver after) beside 002 (requested, the window's latest) is kept as x12.DTM.063", async () => {
    const po = edit(
      fixture('formats/x12-850/fixtures/itd-fob-pkg-terms.edi'),
      'DTM*002*20250528~',
      'DTM*002*20250528~\nDTM*063*20250530~',
    ).replace(/SE\*(\d+)\*0001/, (_, n) => `SE*${Number(n) + 1}*0001`);
    const [event] = await events('x12-850', 'edi/x12-850.to-canonical.yaml', po);
    expect(event.salesOrder.requestedDelivery.latest).toBe('2025-05-28T00:00:00.000Z');
    expect(event.salesOrder.extensions['x12.DTM.063']).toBe('2025-05-30');
    expect(event.salesOrder.extensions['x12.DTM.002']).toBeUndefined();
  });

  it('EDIFACT ORDERS: DTM+63 beside DTM+2, and DTM+4 beside 137 (the order date), go to extensions', async () => {
    const orders = edit(
      fixture('formats/edifact-orders/fixtures/no-una-defaults-crlf.edi'),
      "DTM+2:202403201400:203'",
      "DTM+2:202403201400:203'\r\nDTM+63:20240322:102'\r\nDTM+4:20240311:102'",
    ).replace('UNT+38+ORD-2', 'UNT+40+ORD-2');
    const [event] = await events('edifact-orders', 'edi/edifact-orders.to-canonical.yaml', orders);
    expect(event.salesOrder.orderDate).toBe('2024-03-12T00:00:00.000Z');
    expect(event.salesOrder.requestedDelivery.latest).toBe('2024-03-20T14:00:00.000Z');
    expect(event.salesOrder.extensions).toMatchObject({
      'edifact.DTM.63': '2024-03-22',
      'edifact.DTM.4': '2024-03-11',
    });
    // A line's DTM+2 is its window, not an extension.
    expect(
      Object.keys(event.salesOrder.extensions).filter((k) => /^edifact\.(line\.\d+\.)?DTM\.2$/.test(k)),
    ).toEqual([]);
  });
});
