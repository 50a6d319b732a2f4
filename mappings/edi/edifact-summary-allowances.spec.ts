import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_RECEIVED_AT } from '../engine/fixtures.ts';
import { loadMappings, mapBytes } from '../index.ts';

/**
 * A new user's trial fed an ORDERS whose summary section (after UNS) carried ALC groups, allowances and charges on the
 * order's totals: the reader left the ALC among its other segments and took the ALC's MOA for an order total, so the
 * canonical order had neither.
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records as JSON, asserted by path
type Json = any;

const FIXTURE = join(import.meta.dirname, '../../formats/edifact-orders/fixtures/uns-summary-alc-groups.edi');

async function order(input: Buffer): Promise<Json> {
  const mapping = loadMappings().find((m) => m.file.endsWith('edi/edifact-orders.to-canonical.yaml'));
  if (!mapping) throw new Error('no edifact-orders mapping');
  const [document] = await mapBytes('edifact-orders', input, { mapping, receivedAt: FIXTURE_RECEIVED_AT });
  return JSON.parse(JSON.stringify(document!.records[0]!.value));
}

describe('EDIFACT ORDERS allowances and charges of the summary section (ALC after UNS)', () => {
  it('go to extensions as edifact.summary.ALC.<i>, apart from the header ALCs, with their ALI and MOA', async () => {
    const { salesOrder } = await order(readFileSync(FIXTURE));
    const { extensions } = salesOrder;
    expect(JSON.parse(extensions['edifact.summary.ALC.1'])).toEqual({
      type: 'A',
      number: 'TD-2024',
      sequence: '1',
      service: 'DI',
      description: 'Year-end discount',
      additionalInfo: [{ origin: 'BE' }],
      amounts: [{ qualifier: '204', amount: '69' }],
    });
    expect(JSON.parse(extensions['edifact.summary.ALC.2'])).toEqual({
      type: 'C',
      sequence: '2',
      service: 'FC',
      amounts: [{ qualifier: '23', amount: '25' }],
    });
    expect(Object.keys(extensions).filter((k) => k.startsWith('edifact.ALC.'))).toEqual([]);
    // The order total is MOA 86, not an ALC's amount.
    expect(salesOrder.totalAmount).toEqual({ amount: '1311', currency: 'EUR' });
  });

  it("a summary ALC's amount is a stated amount: without a CUX the order is refused rather than given XXX", async () => {
    const text = [
      "UNB+UNOC:3+SENDER:14+RECEIVER:14+241108:0930+R1'",
      "UNH+1+ORDERS:D:96A:UN'",
      "BGM+220+PO-1+9'",
      "LIN+1++4012345678901:EN'",
      "QTY+21:4'",
      "UNS+S'",
      "CNT+2:1'",
      "ALC+A++++DI'",
      "MOA+204:5'",
      "UNT+9+1'",
      "UNZ+1+R1'",
    ].join('\n');
    await expect(order(Buffer.from(text))).rejects.toThrow(
      /states prices \(PRI\) or amounts \(MOA\) but no currency/,
    );
  });
});
