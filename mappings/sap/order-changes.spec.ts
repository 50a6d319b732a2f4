import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURE_RECEIVED_AT } from '../engine/fixtures.ts';
import { loadMappings, mapBytes } from '../index.ts';

/**
 * An ORDCHG carries the whole purchase order, each item with E1EDP01 ACTION: 001 added, 002 changed, 003 deleted.
 * The canonical event is a full snapshot (changedFields empty), so a deleted item is no line of it; which were
 * deleted is kept in extensions. The full output is compared by `mappings:check` (mappings/sap/idoc-orders05.expected).
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records as JSON, asserted by path
type Json = any;

async function orders(input: string): Promise<Json[]> {
  const mapping = loadMappings().find((m) => m.file.endsWith('sap/idoc-orders05.to-canonical.yaml'));
  if (!mapping) throw new Error('no idoc-orders05 mapping');
  const mapped = await mapBytes(
    'sap-idoc-orders05',
    readFileSync(`formats/sap-idoc-orders05/fixtures/${input}`),
    {
      mapping,
      receivedAt: FIXTURE_RECEIVED_AT,
    },
  );
  return mapped.flatMap((d) => d.records.map((r) => JSON.parse(JSON.stringify(r.value))));
}

describe('SAP ORDCHG items by their ACTION', () => {
  it('an item deleted (ACTION 003) is no line of the changed order and is named in sap.deletedItems', async () => {
    const [event] = await orders('ordchg-deleted-item.xml');
    expect(event.changeType).toBe('UPDATED');
    expect(event.changedFields).toEqual([]);
    expect(event.salesOrder.lines.map((l: Json) => [l.lineNumber, l.quantity.value])).toEqual([['10', '5']]);
    expect(event.salesOrder.extensions['sap.deletedItems']).toBe('20');
  });
});

describe('SAP ORDERS / ORDCHG by the header ACTION, the action code for the whole message', () => {
  it('001 (reverse entire document) cancels the order, in an ORDCHG and an ORDERS; 004 (changes) stays an update', async () => {
    const events = await orders('ordchg-reverse-whole-order.xml');
    expect(
      events.map((e) => [e.salesOrder.extensions['sap.mestyp'], e.changeType, e.salesOrder.status]),
    ).toEqual([
      ['ORDCHG', 'STATUS_CHANGED', 'CANCELLED'],
      ['ORDERS', 'STATUS_CHANGED', 'CANCELLED'],
      ['ORDCHG', 'UPDATED', 'OPEN'],
    ]);
    // The cancelled order keeps its own key, so it reaches the order's running workflow.
    expect(events[0].salesOrder.orderId).toBe('sap:4500099887');
  });
});

describe('SAP header organisation data (E1EDK14) and the customer PO date (E1EDK02 QUALF 001 DATUM)', () => {
  it('keeps each E1EDK14 as sap.E1EDK14.<QUALF>, takes 012 as the order type without BSART, the PO date as orderDate', async () => {
    const [event] = await orders('organization-data-po-date.xml');
    const order = event.salesOrder;
    expect(Object.entries(order.extensions).filter(([k]) => k.startsWith('sap.E1EDK'))).toEqual([
      ['sap.E1EDK14.008', '1010'],
      ['sap.E1EDK14.007', '10'],
      ['sap.E1EDK14.006', '00'],
      ['sap.E1EDK14.012', 'TA'],
      ['sap.E1EDK02.001.DATUM', '2025-03-28'],
    ]);
    expect(order.orderType).toBe('TA');
    // No E1EDK03 document date: the day the customer issued its purchase order.
    expect(order.orderDate).toBe('2025-03-28T00:00:00.000Z');
  });
});

describe('SAP order partners beyond ship-to and bill-to', () => {
  it('the sold-to (AG) keeps its address as SOLD_TO, as the EDI mappings keep the buyer; other partners theirs', async () => {
    const [event] = await orders('name2-item-references-dates.xml');
    const roles = event.salesOrder.otherParties.map((p: Json) => p.role);
    expect(roles).toEqual(['SOLD_TO', 'SUPPLIER']);
    expect(event.salesOrder.otherParties[0].party).toMatchObject({
      partyId: '510001',
      name: 'Stadtwerke Musterstadt Beschaffung und Logistik',
      address: { lines: ['Am Wasserturm 3'], city: 'Musterstadt', postalCode: '12345', countryCode: 'DE' },
    });
  });
});
