import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Json, sapOrder as order } from './test-support.ts';

/**
 * IDoc-XML from a SAP system writes empty fields as `<BELNR></BELNR>` or `<BELNR/>`, and a flat file leaves a blank
 * field out of the segment (formats/sap-idoc-orders05/README.md). An E1EDK02 reference without its BELNR names no
 * document: the order mapped with a reference whose id was "" (empty element), or was refused (field left out:
 * `salesOrder.references[0].id: required`).
 */

const FIXTURE = 'formats/sap-idoc-orders05/fixtures/name2-item-references-dates.xml';
const PO_REFERENCE =
  '<E1EDK02 SEGMENT="1"><QUALF>001</QUALF><BELNR>4500123456</BELNR><DATUM>20250513</DATUM></E1EDK02>';

describe('SAP IDoc E1EDK02 references without a BELNR', () => {
  const xml = readFileSync(FIXTURE, 'utf8');

  it('are no reference, whether the field is empty or left out; a reference with one is kept', async () => {
    expect(xml).toContain(PO_REFERENCE);
    for (const empty of ['<BELNR></BELNR>', '<BELNR/>', '']) {
      const withRefs = xml.replace(
        PO_REFERENCE,
        `${PO_REFERENCE}<E1EDK02 SEGMENT="1"><QUALF>011</QUALF>${empty}</E1EDK02>` +
          '<E1EDK02 SEGMENT="1"><QUALF>002</QUALF><BELNR>AB-77</BELNR></E1EDK02>',
      );
      const salesOrder = await order(withRefs);
      expect(
        salesOrder.references.map((r: Json) => r.id),
        empty || 'left out',
      ).toEqual(['AB-77']);
      expect(salesOrder.purchaseOrderNumber).toBe('4500123456');
    }
  });
});
