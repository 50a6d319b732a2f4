import { describe, expect, it } from 'vitest';
import { FIXTURE_RECEIVED_AT } from '../engine/fixtures.ts';
import { findMapping, mapBytes } from '../index.ts';

/**
 * A German SAP customer list exported to a spreadsheet heads its dates "Angelegt am" (created on) and "Geändert am"
 * (changed on), and a technical export ERDAT and AEDAT: the customer table read "Angelegt am" and ERDAT as columns
 * of its own (extensions), so the customer had no createdAt. With a BOM, semicolons and a quoted line break, as such
 * an export writes them.
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records as JSON, asserted by path
type Json = any;

async function customers(table: string): Promise<Json[]> {
  const mapped = await mapBytes('csv', Buffer.from(`\uFEFF${table}`), {
    mapping: findMapping('csv/customer-table.to-canonical.yaml'),
    receivedAt: FIXTURE_RECEIVED_AT,
  });
  return mapped.flatMap((d) => d.records.map((r) => JSON.parse(JSON.stringify(r.value)).customer));
}

describe('CSV customer table: when a row was created and changed, as SAP exports name it', () => {
  it('"Angelegt am" and "Geändert am" (spreadsheet), ERDAT and AEDAT (field names) are createdAt and updatedAt', async () => {
    const [sheet] = await customers(
      'Kundennr.;Name 1;Angelegt am;Geändert am;Bemerkung\r\n' +
        'D-20001;Bergblick AG;03.04.2023;2024-11-30;"zahlt\r\nimmer spät"\r\n',
    );
    expect([sheet.createdAt, sheet.updatedAt]).toEqual([
      '2023-04-03T00:00:00.000Z',
      '2024-11-30T00:00:00.000Z',
    ]);
    expect(sheet.extensions).toEqual({ Bemerkung: 'zahlt\r\nimmer spät' });
    const [fields] = await customers(
      'KUNNR;NAME1;ERDAT;AEDAT\n0000104711;Bergblick AG;2023-04-03;2024-11-30\n',
    );
    expect([fields.createdAt, fields.updatedAt]).toEqual([
      '2023-04-03T00:00:00.000Z',
      '2024-11-30T00:00:00.000Z',
    ]);
    expect(fields.extensions).toEqual({});
  });
});
