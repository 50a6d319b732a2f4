import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError, findReader } from '../../formats/index.ts';
import {
  type CanonicalRecord,
  findMapping,
  isRecordFailure,
  mapDocument,
  mapRecordsEagerly,
  type RecordFailure,
} from '../index.ts';
import { mapCommand } from './cli.ts';
import { compileMapping } from './compile.ts';
import { loadMappingFile } from './spec.ts';

/**
 * A CSV row with another number of cells than the header (ParsedDocument.unreadable): the record made of it fails
 * alone with the reader's error, in its place; the other rows are the records they are without it.
 */

const customerTable = findMapping('csv/customer-table.to-canonical.yaml');
const receivedAt = new Date('2026-01-01T00:00:00Z');
const HEADER = 'Customer ID,Name,Email,Country,Created At';
const row = (n: number) => `C${n},Firm ${n},c${n}@example.com,DE,2024-01-15`;
const table = (rows: string[]) => Buffer.from(`${[HEADER, ...rows].join('\n')}\n`);
/** Rows 1..5, row 3 with a cell too many (a stray comma), row 4 with one too few (its date cut). */
const FIVE = table([row(1), row(2), `${row(3)},extra`, 'C4,Firm 4,c4@example.com,DE', row(5)]);
const parsed = (bytes: Buffer) => findReader('csv').parse(bytes)[0]!;
const customers = (records: CanonicalRecord[]) => records.map((r) => r.value.customer);

describe('a CSV row whose cells do not fit the header', () => {
  it('fails its record alone with the reader error, at its line; the others are mapped as without it', async () => {
    const outcomes = await mapRecordsEagerly(customerTable, parsed(FIVE), { receivedAt });
    expect(outcomes.map(isRecordFailure)).toEqual([false, false, true, true, false]);
    const [third, fourth] = [outcomes[2] as RecordFailure, outcomes[3] as RecordFailure];
    expect(third.record).toBe(3);
    expect(third.error).toBeInstanceOf(FormatError);
    expect(third.error.message).toBe('csv: line 4: 6 cells where the header names 5 columns');
    expect(fourth).toMatchObject({ record: 4, error: { location: 'line 5' } });
    expect(fourth.error.message).toBe('csv: line 5: 4 cells where the header names 5 columns');
    const alone = await mapDocument(customerTable, parsed(table([row(1), row(2), row(5)])), { receivedAt });
    expect(customers(outcomes.filter((o): o is CanonicalRecord => !isRecordFailure(o)))).toEqual(
      customers(alone),
    );
    // All or nothing (fixtures, mapBytes): the document fails with its first unfit row, as the reader refused it.
    await expect(mapDocument(customerTable, parsed(FIVE), { receivedAt })).rejects.toThrow(
      'csv: line 4: 6 cells where the header names 5 columns',
    );
  });

  it('a row no record is made at (a records expression that drops it) refuses the document whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-unfit-'));
    const file = join(dir, 'named.to-canonical.yaml');
    writeFileSync(
      file,
      [
        'description: the rows that name a customer',
        'input: csv',
        'output: eai.canonical.CustomerEvent',
        'onlyByName: true',
        'fixtures: {inputs: fixtures, expected: expected}',
        'records: rows[$exists(Name)]',
        'fields:',
        `  changeType: "'CREATED'"`,
        '  occurredAt: $doc.receivedAt',
        `  origin: {system: "'erp'"}`,
        '  customer:',
        `    customerId: "'erp:' & \`Customer ID\`"`,
        `    partyType: "'ORGANIZATION'"`,
        '    organizationName: Name',
      ].join('\n'),
    );
    const mapping = compileMapping(loadMappingFile(file));
    const refused = await Promise.resolve()
      .then(() => mapRecordsEagerly(mapping, parsed(FIVE), { receivedAt }))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FormatError);
    expect((refused as FormatError).message).toBe('csv: line 4: 6 cells where the header names 5 columns');
  });

  it('eai map prints the good rows and a line per unfit row, as for a row the mapping refused, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-unfit-map-'));
    const input = join(dir, 'customers.csv');
    writeFileSync(input, FIVE);
    const mapping = 'mappings/csv/customer-table.to-canonical.yaml';
    const text = await mapCommand({ format: 'csv', input, mapping });
    expect(text.code).toBe(1);
    expect(text.stderr).toBe(
      'record 3 of 5: csv: line 4: 6 cells where the header names 5 columns\nrecord 4 of 5: csv: line 5: 4 cells where the header names 5 columns\n',
    );
    expect((JSON.parse(text.stdout) as CanonicalRecord[]).map((r) => r.key)).toEqual([
      'csv:C1',
      'csv:C2',
      'csv:C5',
    ]);
    const report = JSON.parse((await mapCommand({ format: 'csv', input, mapping, json: true })).stderr);
    expect(report.errors).toEqual([
      expect.objectContaining({ error: 'FormatError', record: 3, document: 1, location: 'line 4' }),
      expect.objectContaining({ error: 'FormatError', record: 4, document: 1, location: 'line 5' }),
    ]);
    expect(report.documents).toEqual([
      expect.objectContaining({ document: 1, ok: false, records: 3, failedRecords: 2 }),
    ]);
  });
});
