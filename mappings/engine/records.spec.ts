import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import {
  type CanonicalRecord,
  findMapping,
  isRecordFailure,
  MappingError,
  mapDocument,
  mapRecordsEagerly,
  type RecordFailure,
} from '../index.ts';
import { checkCommand, mapCommand } from './cli.ts';
import { compileMapping } from './compile.ts';
import { loadMappingFile } from './spec.ts';

/**
 * A document of several records (a CSV's rows) where one does not map: mapRecordsEagerly gives that one's failure in
 * its place and the others' records; what concerns the whole document (its header, its deadline) still throws.
 */

const customerTable = findMapping('csv/customer-table.to-canonical.yaml');
const receivedAt = new Date('2026-01-01T00:00:00Z');
const HEADER = 'Customer ID,Name,Email,Country,Created At';
const row = (n: number, created = '2024-01-15') => `C${n},Firm ${n},c${n}@example.com,DE,${created}`;
/** A creation date with an impossible time: the shipped mapping's $timestamp throws on it. */
const BAD_ROW = row(3, '2024-01-15T25:99');

function table(rows: string[], header = HEADER): Buffer {
  return Buffer.from(`${[header, ...rows].join('\n')}\n`);
}

function parsed(bytes: Buffer) {
  const [document] = findReader('csv').parse(bytes);
  return document!;
}

const customers = (records: CanonicalRecord[]) => records.map((r) => r.value.customer);

describe('a document whose one record does not map', () => {
  it('fails that record alone, in its place, naming its row and field; the others are what they are without it', async () => {
    const document = parsed(table([row(1), row(2), BAD_ROW, row(4), row(5)]));
    const outcomes = await mapRecordsEagerly(customerTable, document, { receivedAt });
    expect(outcomes.map(isRecordFailure)).toEqual([false, false, true, false, false]);
    const failure = outcomes[2] as RecordFailure;
    expect(failure.record).toBe(3);
    expect(failure.error).toBeInstanceOf(MappingError);
    expect(failure.error).toMatchObject({ path: 'occurredAt', location: 'line 4', wholeDocument: false });
    expect((failure.error as MappingError).problem).toMatch(
      /^\$timestamp: .?"2024-01-15 25:99".? is not a valid date and time/,
    );
    // The good rows' customers as a table that never had the bad row makes them.
    const alone = await mapDocument(customerTable, parsed(table([row(1), row(2), row(4), row(5)])), {
      receivedAt,
    });
    expect(customers(outcomes.filter((o): o is CanonicalRecord => !isRecordFailure(o)))).toEqual(
      customers(alone),
    );
    // All or nothing (fixtures, `eai mdm load`'s chunks): the document fails with that record's error.
    await expect(mapDocument(customerTable, document, { receivedAt })).rejects.toThrow(failure.error.message);
  });

  it('refuses a row without an id alone (it was the customer "csv:", with every other such row)', async () => {
    const outcomes = await mapRecordsEagerly(
      customerTable,
      parsed(table([row(1), ',No Id Ltd,x@example.com,DE,2024-01-15', row(3)])),
      { receivedAt },
    );
    expect(outcomes.map(isRecordFailure)).toEqual([false, true, false]);
    expect((outcomes[1] as RecordFailure).error).toMatchObject({
      path: 'customer.customerId',
      problem: 'the row has no customer id: its id column is empty',
      location: 'line 3',
    });
  });

  it('a value the canonical schema refuses fails its record alone, and the next record starts afresh', async () => {
    const dir = ownMapping();
    const mapping = compileMapping(loadMappingFile(join(dir, 'customers.to-canonical.yaml')));
    const outcomes = await mapRecordsEagerly(
      mapping,
      parsed(
        Buffer.from(
          'id,type,name,family\nK1,ORGANIZATION,Acme,\nK2,ALIEN,Zork,\nK3,PERSON,Jane,\nK4,ORGANIZATION,Beta,\nK5,PERSON,Jo,Doe\n',
        ),
      ),
      { receivedAt },
    );
    expect(outcomes.map(isRecordFailure)).toEqual([false, true, true, false, false]);
    expect((outcomes[1] as RecordFailure).error.message).toMatch(
      /customer\.partyType: "ALIEN" does not fit enum .*PartyType.* \(input line 3\)/,
    );
    expect((outcomes[2] as RecordFailure).error).toMatchObject({
      path: 'customer.person.familyName',
      problem: 'a person needs a family name',
      location: 'line 4',
    });
    expect((outcomes[3] as CanonicalRecord).value.customer).toMatchObject({
      customerId: 'erp:K4',
      organizationName: 'Beta',
    });
    expect((outcomes[4] as CanonicalRecord).value.customer).toMatchObject({
      customerId: 'erp:K5',
      partyType: 'PERSON',
      person: { givenName: 'Jo', familyName: 'Doe' },
    });
  });

  it('a document past its deadline is refused whole, never cut into failed records', async () => {
    // Mapped by JSONata ($error is not compiled), records as cheap as `rows`: the deadline strikes between records.
    const mapping = compileMapping(loadMappingFile(join(ownMapping(), 'customers.to-canonical.yaml')));
    const rows = Array.from({ length: 30_000 }, (_, i) => `K${i},ORGANIZATION,Firm ${i},`);
    const document = parsed(Buffer.from(`id,type,name,family\n${rows.join('\n')}\n`));
    const refused = await Promise.resolve()
      .then(() => mapRecordsEagerly(mapping, document, { receivedAt, deadlineMs: 50 }))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MappingError);
    expect(refused).toMatchObject({ wholeDocument: true });
    expect((refused as MappingError).message).toMatch(/per-document deadline of 0\.05 s/);
  });

  it('eai map prints the good records and one line naming the failed record, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-records-'));
    const input = join(dir, 'customers.csv');
    writeFileSync(input, table([row(1), row(2), BAD_ROW, row(4), row(5)]));
    const mapping = 'mappings/csv/customer-table.to-canonical.yaml';
    const text = await mapCommand({ format: 'csv', input, mapping });
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(
      /^record 3 of 5: mappings\/csv\/customer-table\.to-canonical\.yaml: occurredAt: \$timestamp: .* \(input line 4\)\n$/,
    );
    expect((JSON.parse(text.stdout) as CanonicalRecord[]).map((r) => r.key)).toEqual([
      'csv:C1',
      'csv:C2',
      'csv:C4',
      'csv:C5',
    ]);
    const json = await mapCommand({ format: 'csv', input, mapping, json: true });
    const report = JSON.parse(json.stderr);
    expect(report.errors).toEqual([
      expect.objectContaining({
        error: 'MappingError',
        record: 3,
        document: 1,
        location: 'line 4',
        field: 'occurredAt',
      }),
    ]);
    expect(report.documents).toEqual([
      expect.objectContaining({ document: 1, ok: false, records: 4, failedRecords: 1 }),
    ]);
  });
});

/** A customer table mapped by column names (no columns table), in a folder of its own with one fixture. */
function ownMapping(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eai-own-csv-'));
  mkdirSync(join(dir, 'fixtures'));
  mkdirSync(join(dir, 'expected'));
  writeFileSync(join(dir, 'fixtures/one.csv'), 'id,type,name,family\nK1,ORGANIZATION,Acme,\n');
  writeFileSync(
    join(dir, 'customers.to-canonical.yaml'),
    [
      'description: a customer table by its column names',
      'input: csv',
      'output: eai.canonical.CustomerEvent',
      'onlyByName: true',
      'fixtures: {inputs: fixtures, expected: expected}',
      'columns:',
      '  required: [id, type]',
      'records: rows',
      'fields:',
      `  changeType: "'CREATED'"`,
      '  occurredAt: $doc.receivedAt',
      `  origin: {system: "'erp'"}`,
      '  customer:',
      `    customerId: "'erp:' & id"`,
      '    partyType: type',
      // A record that failed inside a nested one ($from) must not leave its $parent to the next record's fields.
      `    organizationName: "$parent ? 'STALE' : name"`,
      '    person:',
      `      $from: "type = 'PERSON' ? $"`,
      '      givenName: name',
      `      familyName: "family ? family : $error('a person needs a family name')"`,
    ].join('\n'),
  );
  return dir;
}

describe('CSV columns: a header against what the mapping reads', () => {
  it('refuses a table whose header has no column for the id, naming the closest header names', async () => {
    const document = parsed(table([row(1)], 'Cust No,Name,Email,Land,Segment'));
    const refused = await Promise.resolve()
      .then(() => mapRecordsEagerly(customerTable, document, { receivedAt }))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MappingError);
    expect(refused).toMatchObject({ path: '(header)', location: 'line 1', wholeDocument: true });
    expect((refused as MappingError).problem).toMatch(
      /^the header has no column for "id" \(the columns table lookups\/customer-columns\.yaml reads customerid, customernumber, .* as it\); closest header names: "Cust No", /,
    );
  });

  it('a mapping that names its columns: a header without a required one is refused, naming it and the nearest', async () => {
    const mapping = compileMapping(loadMappingFile(join(ownMapping(), 'customers.to-canonical.yaml')));
    const refused = await Promise.resolve()
      .then(() => mapRecordsEagerly(mapping, parsed(Buffer.from('id,Typ,name\nK1,PERSON,Jane\n'))))
      .catch((error: unknown) => error);
    expect((refused as MappingError).problem).toBe(
      'the header has no column "type"; closest header names: "Typ", "name", "id": rename the column',
    );
  });

  it('eai map check <mapping> <table>: the missing required column fails, the columns it does not read are warned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-columns-'));
    const input = join(dir, 'export.csv');
    writeFileSync(input, table([row(1)], 'Cust No,Name,Emial,Country,Segment'));
    const target = 'mappings/csv/customer-table.to-canonical.yaml';
    const text = await checkCommand({ target, input, typesOnly: true });
    expect(text.code).toBe(1);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^mappings\/csv\/customer-table\.to-canonical\.yaml: .*export\.csv line 1: the header has no column for "id" .*closest header names: "Cust No"/,
    );
    expect(lines).toContain(
      `warning: ${target}: ${input} line 1: column "Emial" is not named in the columns table lookups/customer-columns.yaml, so it feeds no canonical field (a mapping may keep such columns in extensions, as the shipped customer table does); did you mean "email"?`,
    );
    expect(lines.at(-1)).toMatch(/1 required column\(s\) missing, 3 of 5 columns not read by the mapping$/);
    const json = JSON.parse((await checkCommand({ target, input, typesOnly: true, json: true })).stdout);
    expect(json.ok).toBe(false);
    expect(json.table).toMatchObject({
      header: ['Cust No', 'Name', 'Emial', 'Country', 'Segment'],
      missing: [{ required: 'id', closest: ['Cust No', expect.any(String), expect.any(String)] }],
      unknown: [
        { column: 'Cust No' },
        { column: 'Emial', hint: 'did you mean "email"?' },
        { column: 'Segment' },
      ],
    });
    // A header with every column it needs passes; its extra columns are only warned about.
    writeFileSync(input, table([row(1)], 'Customer ID,Name,Segment'));
    expect((await checkCommand({ target, input, typesOnly: true })).code).toBe(0);
    // Without a mapping file (every mapping), a table has nothing to be checked against.
    const all = await checkCommand({ input, typesOnly: true });
    expect(all.code).toBe(1);
    expect(all.stderr).toMatch(/needs one mapping file that reads csv/);
  });

  it('eai map check: a required part no column of the table feeds, and a column no fixture has, are said', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-columns-copy-'));
    const file = join(dir, 'customers.to-canonical.yaml');
    copyFileSync('mappings/csv/customer-table.to-canonical.yaml', file);
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('required: [id]', 'required: [idd]')
        .replace(
          'inputs: ../../formats/csv/fixtures',
          `inputs: ${join(process.cwd(), 'formats/csv/fixtures')}`,
        ),
    );
    const check = JSON.parse((await checkCommand({ target: file, typesOnly: true, json: true })).stdout);
    expect(check.problems).toEqual([
      expect.objectContaining({
        at: 'columns.required',
        message: expect.stringMatching(
          /^"idd" is fed by no column of the columns table .*; did you mean "id"\?$/,
        ),
      }),
    ]);
    // A mapping of its own column names that reads one its fixture's header lacks.
    const own = ownMapping();
    const yaml = join(own, 'customers.to-canonical.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace("'STALE' : name", "'STALE' : company"));
    const warned = JSON.parse((await checkCommand({ target: yaml, typesOnly: true, json: true })).stdout);
    expect(warned.warnings).toEqual([
      expect.objectContaining({
        message: `the mapping reads a column "company" that no fixture's header has`,
      }),
    ]);
  });
});
