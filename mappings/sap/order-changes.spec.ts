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
