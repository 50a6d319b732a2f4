import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapBytes, writeToSystem } from '../index.ts';

/**
 * canonical SalesOrderEvent → ORDRSP IDoc (outbound mapping + writer) → the same IDoc reader → inbound mapping →
 * canonical again: equal on what an ORDRSP carries (numbers, currency, PO number, sold-to / ship-to ids, lines with
 * ids, quantities, units, prices, schedule lines, total, status). Not carried back: names and addresses of parties
 * (an order response names partners by number), notes, extensions.
 */
const dir = 'mappings/sap/fixtures/canonical';

// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

function carried(value: Json) {
  const order = value.salesOrder;
  return {
    orderId: order.orderId,
    orderNumber: order.orderNumber,
    purchaseOrderNumber: order.purchaseOrderNumber,
    orderType: order.orderType,
    currency: order.currency,
    status: order.status,
    soldTo: order.customer.sourceIds.map((s: { id: string }) => s.id),
    shipTo: order.shipTo?.partyId ?? null,
    totalAmount: order.totalAmount,
    lines: order.lines.map((l: Json) => ({
      lineNumber: l.lineNumber,
      item: { sellerItemId: l.item.sellerItemId, buyerItemId: l.item.buyerItemId, gtin: l.item.gtin },
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      lineAmount: l.lineAmount,
      scheduleLines: l.scheduleLines,
    })),
  };
}

describe('SAP ORDRSP round trip', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('has at least five canonical fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  for (const file of files) {
    it(`${file}: canonical → ORDRSP → canonical keeps every field both sides carry`, async () => {
      const original = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { value: Json };
      const [idoc] = await writeToSystem('sap-idoc-orders05', [original.value]);
      const [back] = await mapBytes('sap-idoc-orders05', idoc!);
      expect(back!.document.kind).toBe('ORDRSP');
      const [record] = back!.records;
      expect(carried(JSON.parse(JSON.stringify(record!.value)))).toEqual(carried(original.value));
      expect(record!.value.changeType).toBe('STATUS_CHANGED');
    });
  }

  it('a ship-to name over 35 characters goes out in NAME1 to NAME4 and reads back whole; one over 140 is refused, naming the partner field', async () => {
    const original = JSON.parse(readFileSync(join(dir, 'long-ship-to-name.json'), 'utf8')) as { value: Json };
    const name = original.value.salesOrder.shipTo.name as string;
    const [idoc] = await writeToSystem('sap-idoc-orders05', [original.value]);
    const [back] = await mapBytes('sap-idoc-orders05', idoc!);
    expect(back!.document.tree).toMatchObject({
      partners: expect.arrayContaining([
        expect.objectContaining({ role: 'shipTo', NAME1: 'Müller Maschinenbau und' }),
      ]),
    });
    const shipTo = (back!.document.tree as Json).partners.find((p: Json) => p.role === 'shipTo');
    expect([shipTo.NAME1, shipTo.NAME2, shipTo.NAME3, shipTo.NAME4].filter(Boolean).join(' ')).toBe(name);

    const tooLong = structuredClone(original.value);
    tooLong.salesOrder.shipTo.name = `${name} ${name}`;
    await expect(writeToSystem('sap-idoc-orders05', [tooLong])).rejects.toThrow(
      /partners: \$wrap: a text of 149 characters needs 5 lines of 35; the field holds 4 \(140 characters\)/s,
    );
  });
});
