import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_RECEIVED_AT } from '../engine/fixtures.ts';
import { findMapping, mapBytes } from '../index.ts';

/**
 * The CSV customer table's amounts as the export's locale writes them, and its salutation column. The full output
 * is compared by `mappings:check` (mappings/csv/customer-table.to-canonical.expected).
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records as JSON, asserted by path
type Json = any;

const SHIPPED = 'csv/customer-table.to-canonical.yaml';
const GERMAN = 'formats/csv/fixtures/kunden-kreditlimit-anrede.csv';

async function customers(mappingRef: string, input = GERMAN): Promise<Json[]> {
  const mapped = await mapBytes('csv', readFileSync(input), {
    mapping: findMapping(mappingRef),
    receivedAt: FIXTURE_RECEIVED_AT,
  });
  return mapped.flatMap((d) => d.records.map((r) => JSON.parse(JSON.stringify(r.value)).customer));
}

const credit = (c: Json) => (c.credit ? [c.credit.limit.amount, c.credit.limit.currency] : null);

describe('CSV customer table: amounts in the export locale', () => {
  it('reads 25.000,00, 1.250,5, 1.234.567 and 25000,00 as decimals; 10.000 (ten or ten thousand) stays as written', async () => {
    const rows = await customers(SHIPPED);
    expect(rows.map(credit)).toEqual([
      ['25000', 'EUR'],
      ['1250.5', 'EUR'],
      null,
      ['1234567', 'EUR'],
      ['25000', 'EUR'],
    ]);
    expect(rows[2].extensions).toMatchObject({ creditLimit: '10.000', currency: 'EUR' });
  });

  it('with decimalComma true (a copy for a German export) 10.000 is ten thousand; false, 10,000 is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-csv-amounts-'));
    const shipped = readFileSync(`mappings/${SHIPPED}`, 'utf8');
    expect(shipped).toContain('decimalComma: "null"');
    writeFileSync(join(dir, 'comma.yaml'), shipped.replace('decimalComma: "null"', 'decimalComma: "true"'));
    writeFileSync(join(dir, 'point.yaml'), shipped.replace('decimalComma: "null"', 'decimalComma: "false"'));
    const comma = await customers(join(dir, 'comma.yaml'));
    expect(credit(comma[2])).toEqual(['10000', 'EUR']);
    expect(comma[2].extensions).toEqual({ salutation: 'Firma' });
    const english = join(dir, 'english.csv');
    writeFileSync(
      english,
      'Customer Number,Name,Credit Limit,Currency\nK-1,Acme,"10,000",USD\nK-2,Beta,10.000,USD\n',
    );
    expect((await customers(join(dir, 'point.yaml'), english)).map(credit)).toEqual([
      ['10000', 'USD'],
      ['10', 'USD'],
    ]);
    expect((await customers(SHIPPED, english)).map(credit)).toEqual([null, null]);
  });
});

describe('CSV customer table: salutation (Anrede)', () => {
  it("is the person's title; Anrede Firma makes an organisation and stays in extensions", async () => {
    const rows = await customers(SHIPPED);
    expect(rows.map((c) => [c.partyType, c.person?.title ?? null])).toEqual([
      ['PERSON', 'Herr'],
      ['PERSON', 'Frau'],
      ['ORGANIZATION', null],
      ['PERSON', 'Dr.'],
      ['PERSON', 'Ms'],
    ]);
    expect(rows[2].organizationName).toBe('Nordwind Handel GmbH');
    expect(rows[2].extensions.salutation).toBe('Firma');
  });
});
