import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Json, sapOrder as order } from './test-support.ts';

/**
 * What a new user's trial found a SAP ORDERS05 IDoc carries that reached no field nor extension (the reader keeps
 * these segments in `unknown`): E1EDK04 taxes, E1EDK05 conditions (charges, discounts), E1EDK17 terms of delivery
 * (the Incoterms: SalesOrder has no field for them), E1EDK18 terms of payment, an item's E1EDP05 conditions and a
 * customer's own Z segments; and an E1EDP01 without POSEX was refused (`lineNumber: required`).
 */

const FIXTURE = 'formats/sap-idoc-orders05/fixtures/name2-item-references-dates.xml';

/** Inserts `segments` before the first `before`, checking it is there, so a changed fixture fails here. */
function insert(xml: string, before: string, segments: string): string {
  expect(xml).toContain(before);
  return xml.replace(before, `${segments}${before}`);
}

describe('SAP ORDERS05 segments the canonical order has no field for', () => {
  const xml = readFileSync(FIXTURE, 'utf8');

  it("keep every field as sap.<SEGMENT>.<n>.<FIELD>, an item's under sap.line.<n>., a child under its parent", async () => {
    const header =
      '<E1EDK04 SEGMENT="1"><MWSKZ>V1</MWSKZ><MSATZ>8.100</MSATZ><MWSBT>92.50</MWSBT></E1EDK04>' +
      '<E1EDK05 SEGMENT="1"><ALCKZ>+</ALCKZ><KSCHL>ZFRT</KSCHL><BETRG>45.00</BETRG></E1EDK05>' +
      '<E1EDK05 SEGMENT="1"><ALCKZ>-</ALCKZ><KSCHL>ZSKT</KSCHL><BETRG>12.50-</BETRG><KOTXT></KOTXT></E1EDK05>' +
      '<E1EDK17 SEGMENT="1"><QUALF>001</QUALF><LKOND>FCA</LKOND><LKTEXT>Free Carrier Langnau</LKTEXT></E1EDK17>' +
      '<E1EDK18 SEGMENT="1"><QUALF>001</QUALF><TAGE>30</TAGE><PRZNT>2.000</PRZNT></E1EDK18>' +
      '<ZE1EDK_BERGBLICK SEGMENT="1"><ZROUTE>R12</ZROUTE>' +
      '<ZE1EDK_STOP SEGMENT="1"><ZRAMPE>3</ZRAMPE></ZE1EDK_STOP></ZE1EDK_BERGBLICK>';
    const item =
      '<E1EDP05 SEGMENT="1"><ALCKZ>-</ALCKZ><KSCHL>ZRAB</KSCHL><BETRG>44.40</BETRG><KRATE>2.00</KRATE></E1EDP05>' +
      '<ZE1EDP_CHARGE SEGMENT="1"><ZCHARG>2024-0815</ZCHARG></ZE1EDP_CHARGE>';
    const before = await order(xml);
    const salesOrder = await order(insert(insert(xml, '<E1EDKA1', header), '</E1EDP01>', item));
    const added = Object.fromEntries(
      Object.entries(salesOrder.extensions as Record<string, string>).filter(
        ([key]) => !(key in before.extensions),
      ),
    );
    expect(added).toEqual({
      'sap.E1EDK04.1.MWSKZ': 'V1',
      'sap.E1EDK04.1.MSATZ': '8.100',
      'sap.E1EDK04.1.MWSBT': '92.50',
      'sap.E1EDK05.1.ALCKZ': '+',
      'sap.E1EDK05.1.KSCHL': 'ZFRT',
      'sap.E1EDK05.1.BETRG': '45.00',
      // SAP's trailing minus as sent; an empty field is none.
      'sap.E1EDK05.2.ALCKZ': '-',
      'sap.E1EDK05.2.KSCHL': 'ZSKT',
      'sap.E1EDK05.2.BETRG': '12.50-',
      'sap.E1EDK17.1.QUALF': '001',
      'sap.E1EDK17.1.LKOND': 'FCA',
      'sap.E1EDK17.1.LKTEXT': 'Free Carrier Langnau',
      'sap.E1EDK18.1.QUALF': '001',
      'sap.E1EDK18.1.TAGE': '30',
      'sap.E1EDK18.1.PRZNT': '2.000',
      'sap.ZE1EDK_BERGBLICK.1.ZROUTE': 'R12',
      'sap.ZE1EDK_BERGBLICK.1.ZE1EDK_STOP.1.ZRAMPE': '3',
      'sap.line.10.E1EDP05.1.ALCKZ': '-',
      'sap.line.10.E1EDP05.1.KSCHL': 'ZRAB',
      'sap.line.10.E1EDP05.1.BETRG': '44.40',
      'sap.line.10.E1EDP05.1.KRATE': '2.00',
      'sap.line.10.ZE1EDP_CHARGE.1.ZCHARG': '2024-0815',
    });
    // Nothing else of the order changes.
    expect({ ...salesOrder, extensions: {} }).toEqual({ ...before, extensions: {} });
  });

  it('leave E1EDK36 (payment cards: the card number) out: card data does not go onto the bus', async () => {
    const salesOrder = await order(
      insert(
        xml,
        '<E1EDKA1',
        '<E1EDK36 SEGMENT="1"><CCINS>VISA</CCINS><CCNUM>4111111111111111</CCNUM></E1EDK36>',
      ),
    );
    expect(JSON.stringify(salesOrder)).not.toContain('4111111111111111');
    expect(Object.keys(salesOrder.extensions).filter((k) => k.includes('E1EDK36'))).toEqual([]);
  });
});

describe('SAP ORDERS05 items without POSEX', () => {
  it('are numbered by their position among the E1EDP01, as EDIFACT lines without LIN 1082 are', async () => {
    const xml = readFileSync(FIXTURE, 'utf8');
    const posex = xml.match(/<POSEX>[^<]*<\/POSEX>/g) ?? [];
    expect(posex.length).toBeGreaterThan(1);
    const withPosex = await order(xml);
    // The second item loses its POSEX: it is line 2, its extensions under sap.line.2.
    const second = posex[1]!;
    const salesOrder = await order(xml.replace(second, ''));
    expect(salesOrder.lines.map((l: Json) => l.lineNumber)).toEqual(
      withPosex.lines.map((l: Json, i: number) => (i === 1 ? '2' : l.lineNumber)),
    );
    const secondNumber = withPosex.lines[1].lineNumber;
    const renamed = Object.keys(withPosex.extensions).map((k) =>
      k.replace(`sap.line.${secondNumber}.`, 'sap.line.2.'),
    );
    expect(Object.keys(salesOrder.extensions)).toEqual(renamed);
  });
});
