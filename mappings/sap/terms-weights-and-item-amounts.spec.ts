import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sapOrder as order } from './test-support.ts';

/**
 * What a new user's trial found a SAP ORDERS05 IDoc's modelled segments carry that reached no field nor extension:
 * E1EDK01 ZTERM (terms of payment key) and the order's weights NTGEW / BRGEW / GEWEI; an item's plant (WERKS),
 * material group (MATKL) and its E1EDP26 amounts (QUALF 002 gross value, 003 net value, …), which also went unused
 * as the line amount when the item had no NETWR.
 */

const FIXTURE = join(
  import.meta.dirname,
  '../../formats/sap-idoc-orders05/fixtures/terms-weights-plant-item-amounts.xml',
);

describe('SAP ORDERS05 terms of payment, weights, plant, material group and item amounts', () => {
  const xml = readFileSync(FIXTURE, 'utf8');

  it('E1EDK01 ZTERM and the weights go to sap.zterm, sap.ntgew, sap.brgew, sap.gewei, as sent', async () => {
    const { extensions } = await order(xml);
    expect(extensions).toMatchObject({
      'sap.zterm': 'ZB30',
      'sap.ntgew': '118.500',
      'sap.brgew': '131.250',
      'sap.gewei': 'KGM',
    });
  });

  it("an item's WERKS and MATKL go to sap.line.<n>.werks / .matkl", async () => {
    const { extensions } = await order(xml);
    expect(extensions['sap.line.10.werks']).toBe('1000');
    expect(extensions['sap.line.10.matkl']).toBe('M-BOLTS');
    expect(extensions['sap.line.20.werks']).toBe('1100');
    expect(extensions['sap.line.20.matkl']).toBeUndefined();
  });

  it('E1EDP26 003 (net value) is the line amount of an item without NETWR; the other amounts go to extensions', async () => {
    const { lines, extensions } = await order(xml);
    expect(lines[0].lineAmount).toEqual({ amount: '125', currency: 'EUR' });
    const amountKeys = Object.keys(extensions).filter((k) => k.includes('.E1EDP26.'));
    // Line 10's 003 became its lineAmount; line 20 has NETWR, so its 003 stays in extensions.
    expect(Object.fromEntries(amountKeys.map((k) => [k, extensions[k]]))).toEqual({
      'sap.line.10.E1EDP26.002': '131.00',
      'sap.line.10.E1EDP26.004': '125.00',
      'sap.line.20.E1EDP26.003': '24.00',
    });
    expect(lines[1].lineAmount).toEqual({ amount: '24', currency: 'EUR' });
  });

  it('an item with neither NETWR nor an E1EDP26 003 has no line amount, and keeps its other amounts', async () => {
    const without = xml.replace('<E1EDP26 SEGMENT="1"><QUALF>003</QUALF><BETRG>125.00</BETRG></E1EDP26>', '');
    expect(without).not.toBe(xml);
    const { lines, extensions } = await order(without);
    expect(lines[0].lineAmount).toBeNull();
    expect(extensions['sap.line.10.E1EDP26.002']).toBe('131.00');
    expect(extensions['sap.line.10.E1EDP26.004']).toBe('125.00');
  });

  it('a header weight that is no number is refused at its field', async () => {
    await expect(order(xml.replace('<NTGEW>118.500</NTGEW>', '<NTGEW>118,5</NTGEW>'))).rejects.toThrow(
      /E1EDK01\[1\]\/NTGEW: NTGEW is not a number: .?"118,5"/,
    );
  });
});
