import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Json, sapOrder as order } from './test-support.ts';

/**
 * An ORDERS05 item's material numbers: E1EDP19 per qualifier (001 the buyer's, 002 the vendor's), and E1EDP01 MATNR,
 * the sending SAP system's own (the seller's, as the ORDRSP mapping answers with E1EDP19 002), which reached only
 * sap.line.<n>.E1EDP01.MATNR: an item named by MATNR alone had no seller item id. S/4HANA's 40-character
 * MATNR_LONG / IDTNR_LONG likewise.
 */

const FIXTURE = join(
  import.meta.dirname,
  '../../formats/sap-idoc-orders05/fixtures/e1edp01-matnr-long-material-numbers.xml',
);

describe('SAP ORDERS05 material numbers', () => {
  const xml = readFileSync(FIXTURE, 'utf8');

  it('E1EDP01 MATNR is the seller item id when no E1EDP19 002 names one; beside a different 002 it stays in extensions', async () => {
    const { lines, extensions } = await order(xml);
    expect(lines.map((l: Json) => [l.item.sellerItemId, l.item.buyerItemId])).toEqual([
      ['000000000000100234', 'CUST-7788'],
      ['VEND-555', null],
      ['VEND-600', null],
      ['S4-MATERIAL-0000000000000000000000000042', 'CUSTOMER-LONG-MATERIAL-NUMBER-000000042'],
    ]);
    expect(Object.entries(extensions).filter(([k]) => k.includes('MATNR'))).toEqual([
      ['sap.line.20.E1EDP01.MATNR', '000000000000100555'],
    ]);
  });
});
