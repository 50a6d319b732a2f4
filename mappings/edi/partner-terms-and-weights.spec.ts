import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURE_RECEIVED_AT } from '../engine/fixtures.ts';
import { loadMappings, mapBytes } from '../index.ts';

/**
 * What a new user's trial found partners' EDIFACT documents carry that reached no field nor extension: an ORDERS'
 * allowances and charges (ALC with its MOA / PCD / QTY), payment terms (PAT with DTM / PCD / MOA) and taxes (TAX with
 * its MOA), of the header and of the lines, stayed among the reader's other segments; a DESADV's header MEA (the
 * consignment's gross weight) was not read, grossWeight came from the first CPS level only.
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

const orders = (input: string) => events('edifact-orders', 'edi/edifact-orders.to-canonical.yaml', input);
const desadv = (input: string) => events('edifact-desadv', 'edi/edifact-desadv.to-canonical.yaml', input);
const json = (text: string) => JSON.parse(text);

/** The trial's order (a Belgian brewery's D.96A EANCOM ORDERS, decimal commas), cut to what is asserted here. */
const KROON = [
  "UNA:+,? '",
  "UNB+UNOC:3+5412345000013:14+4012345000009:14+241107:0815+ORD0001234++ORDERS'",
  "UNH+1+ORDERS:D:96A:UN:EAN008'",
  "BGM+220+PO?+4711/24+9'",
  "DTM+137:20241107:102'",
  "NAD+BY+5412345000013::9++Brasserie De Kroon BVBA'",
  "CUX+2:EUR:9'",
  "PAT+1++5:3:D:30'",
  "ALC+C++++FC'",
  "MOA+23:45,50'",
  "ALC+A++++DI'",
  "PCD+3:2,5'",
  "LIN+1++4012345678901:EN'",
  "QTY+21:40:PCE'",
  "MOA+203:1380,00'",
  "PRI+AAA:34,50:CT::1:PCE'",
  "TAX+7+VAT+++:::6+S'",
  "LIN+2++4012345678918:EN'",
  "QTY+21:12,5:KGM'",
  "PRI+AAA:2,10'",
  "ALC+C++++PC'",
  "MOA+8:3,00'",
  "UNS+S'",
  "MOA+86:1454,50'",
  "CNT+2:2'",
  "UNT+24+1'",
  "UNZ+1+ORD0001234'",
].join('\n');

describe('EDIFACT ORDERS allowances and charges, payment terms and taxes', () => {
  it('go to extensions as JSON, header and line, as the X12 mapping keeps SAC and ITD', async () => {
    const [event] = await orders(KROON);
    const { extensions, lines } = event.salesOrder;
    expect(json(extensions['edifact.PAT.1'])).toEqual({
      type: '1',
      timeReference: '5',
      timeRelation: '3',
      periodType: 'D',
      periods: '30',
    });
    expect(json(extensions['edifact.ALC.1'])).toEqual({
      type: 'C',
      service: 'FC',
      amounts: [{ qualifier: '23', amount: '45.5' }],
    });
    expect(json(extensions['edifact.ALC.2'])).toEqual({
      type: 'A',
      service: 'DI',
      percentages: [{ qualifier: '3', percent: '2.5' }],
    });
    expect(json(extensions['edifact.line.1.TAX.1'])).toEqual({
      function: '7',
      type: 'VAT',
      rate: '6',
      category: 'S',
    });
    expect(json(extensions['edifact.line.2.ALC.1'])).toEqual({
      type: 'C',
      service: 'PC',
      amounts: [{ qualifier: '8', amount: '3' }],
    });
    // The MOA of a line's ALC is the charge's amount, not the line's; the line's own MOA+203 stays its amount.
    expect(lines.map((l: Json) => l.lineAmount?.amount ?? null)).toEqual(['1380', null]);
    expect(event.salesOrder.totalAmount).toEqual({ amount: '1454.5', currency: 'EUR' });
    expect(Object.keys(extensions).filter((k) => /\.(ALC|PAT|TAX)\./.test(k))).toEqual([
      'edifact.PAT.1',
      'edifact.ALC.1',
      'edifact.ALC.2',
      'edifact.line.1.TAX.1',
      'edifact.line.2.ALC.1',
    ]);
  });

  it("a TAX after an ALC is the ALC's (its tax, with the MOA after it), and a header TAX keeps its MOA and LOC", async () => {
    const [event] = await orders(
      readFileSync('formats/edifact-orders/fixtures/alc-pat-tax-groups.edi', 'latin1'),
    );
    const { extensions } = event.salesOrder;
    expect(json(extensions['edifact.TAX.1'])).toEqual({
      function: '7',
      type: 'VAT',
      rate: '21',
      category: 'S',
      amounts: [{ qualifier: '124', amount: '96.6' }],
      locations: [{ qualifier: '157', id: 'BE' }],
    });
    expect(json(extensions['edifact.ALC.1']).taxes).toEqual([
      {
        function: '7',
        type: 'VAT',
        rate: '21',
        category: 'S',
        amounts: [{ qualifier: '124', amount: '9.56' }],
      },
    ]);
    expect(json(extensions['edifact.ALC.2']).quantities).toEqual([
      {
        qualifier: '1',
        quantity: '100',
        unit: 'PCE',
        range: { qualifier: '4', unit: 'PCE', min: '100', max: '499' },
      },
    ]);
    expect(json(extensions['edifact.PAT.2'])).toMatchObject({
      type: '22',
      percentages: [{ qualifier: '12', percent: '2' }],
      amounts: [{ qualifier: '52', amount: '9.2' }],
    });
    expect(extensions['edifact.TAX.2']).toBeUndefined();
  });

  it('an unreleased + in the BGM document number is refused, not mapped as an order numbered by its first part', async () => {
    await expect(orders(KROON.replace('BGM+220+PO?+4711/24+9', 'BGM+220+PO+4711/24+9'))).rejects.toThrow(
      /element BGM03: BGM03 "4711\/24" is not a code .*Write it as \?\+/,
    );
    const [released] = await orders(KROON);
    expect(released.salesOrder.orderNumber).toBe('PO+4711/24');
  });
});

describe("EDIFACT DESADV: the header's MEA measures the consignment", () => {
  // The consignment level (CPS+1) weighs its two pallets: what grossWeight took so far.
  const fixture = readFileSync('formats/edifact-desadv/fixtures/cps-pac-gin-sscc.edi', 'latin1')
    .replace("PAC+2++201::9'\n", "PAC+2++201::9'\nMEA+PD+AAB+KGM:365'\n")
    .replace(/UNT\+(\d+)\+/, (_, n) => `UNT+${Number(n) + 1}+`);

  it("gives the shipment's gross weight before the first CPS level's; net weight; others to extensions", async () => {
    const [before] = await desadv(fixture);
    expect(before.shipment.grossWeight).toEqual({ value: '365', unitCode: 'KGM' });
    expect(fixture).toContain("DTM+132:20240314:102'\n");
    const withMea = fixture
      .replace(
        "DTM+132:20240314:102'\n",
        "DTM+132:20240314:102'\nMEA+AAX+AAD+KGM:380.5'\nMEA+AAX+AAC+KGM:1100'\nMEA+AAX+ABJ+:7'\n",
      )
      .replace(/UNT\+(\d+)\+/, (_, n) => `UNT+${Number(n) + 3}+`);
    const [event] = await desadv(withMea);
    expect(event.shipment.grossWeight).toEqual({ value: '380.5', unitCode: 'KGM' });
    expect(event.shipment.netWeight).toEqual({ value: '1100', unitCode: 'KGM' });
    expect(event.shipment.volume).toBeNull();
    // A measurement no total takes (here one without a unit) is kept, not dropped.
    expect(event.shipment.extensions['edifact.MEA.ABJ']).toBe('7');
    // The packages keep their own weights.
    expect(event.shipment.packages).toEqual(before.shipment.packages);
  });
});
