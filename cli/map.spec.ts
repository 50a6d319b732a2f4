import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { readers } from '../formats/index.ts';
import { checkCommand, mapCommand } from '../mappings/engine/cli.ts';
import { runEai } from '../tests/run-eai.ts';
import { runEaiInProcess } from '../tests/run-eai-in-process.ts';
import { registerMapCommand } from './commands/map.ts';

describe('eai map says what is missing', () => {
  it('without --format: one line naming the option and the formats, exit 1', async () => {
    const result = await runEaiInProcess(['map', '--input', 'formats/csv/fixtures/customers-comma.csv']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^eai map: --format is required \(the document does not name its format\): one of /,
    );
    for (const reader of readers) expect(lines[0]).toContain(reader.name);
  });

  it('a --mapping that cannot be read (a duplicate key in its columns table) is that, in one line, not a missing --format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-map-dup-'));
    const mapping = readFileSync('mappings/csv/customer-table.to-canonical.yaml', 'utf8').replace(
      'columns: lookups/customer-columns.yaml',
      'columns: columns.yaml',
    );
    writeFileSync(join(dir, 'mine.yaml'), mapping);
    writeFileSync(join(dir, 'columns.yaml'), 'kundennummer: id\ncity: city\ncity: city\n');
    const result = await runEaiInProcess([
      'map',
      'formats/csv/fixtures/customers-comma.csv',
      '--mapping',
      join(dir, 'mine.yaml'),
    ]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /mine\.yaml: lookups\.columns: cannot read columns\.yaml: Map keys must be unique at line 3/,
    );
  });

  it('a document whose envelope names a type no reader takes: one line saying which, and what the hub reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-map-810-'));
    const file = join(dir, 'invoice.edi');
    writeFileSync(
      file,
      'ISA*00*          *00*          *ZZ*A              *ZZ*B              *240105*0930*U*00401*000000777*0*P*>~\n' +
        'GS*IN*A*B*20240105*0930*777*X*004010~\nST*810*0001~\nBIG*20240105*INV-1**PO-1~\nSE*3*0001~\nGE*1*777~\nIEA*1*000000777~\n',
    );
    const result = await runEaiInProcess(['map', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `eai map: ${file} is an X12 810 transaction set; the hub reads X12 850 (x12-850) and 856 (x12-856); see eai map --help\n`,
    );
  });

  it('- reads the document from stdin (its format from its envelope), and --to-system - writes records piped in', async () => {
    const po = readFileSync('formats/x12-850/fixtures/buyer-party-n1-by-per.edi', 'utf8');
    const mapped = await runEai(['map', '-', '--json'], { stdin: po });
    expect(mapped.code).toBe(0);
    const records = JSON.parse(mapped.stdout) as Array<{ schema: string; key: string }>;
    expect(records.map((r) => [r.schema, r.key])).toEqual([
      ['eai.canonical.SalesOrderEvent', 'edi:828513080:PO-77120'],
    ]);
    const idoc = await runEaiInProcess([
      'map',
      'formats/sap-idoc-orders05/fixtures/several-idocs.xml',
      '--json',
    ]);
    const written = await runEai(['map', '--to-system', '--format', 'sap-idoc-orders05', '-'], {
      stdin: idoc.stdout,
    });
    expect(written.code).toBe(0);
    expect(written.stdout).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<ORDERS05>/);
    // Not the ORDERS IDoc it read: the mapping out writes SAP's order response, and the doc and --help say so.
    const messageTypes = [...written.stdout.matchAll(/<MESTYP>(\w+)<\/MESTYP>/g)].map((m) => m[1]);
    expect(new Set(messageTypes)).toEqual(new Set(['ORDRSP']));
    const doc = readFileSync('docs/mappings.md', 'utf8');
    const pipe = doc.indexOf('| npx eai map --to-system --format sap-idoc-orders05 -');
    const said = doc.slice(doc.lastIndexOf('\n# - reads the document from stdin', pipe), pipe);
    expect(said).toContain('ORDRSP');
    expect(said).not.toMatch(/and back/);
    // A document that names no format: asked for, naming stdin.
    const unnamed = await runEai(['map', '-'], { stdin: '{"line_items": []}' });
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toMatch(
      /^eai map: --format is required \(the document does not name its format\)/,
    );
  }, 60_000);

  it('- with nothing piped in (cat missing.edi | eai map -) says stdin is empty, not that --format is required', async () => {
    const empty = await runEai(['map', '-'], { stdin: '' });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^eai map: stdin is empty: nothing came through the pipe/);
  });

  it('--help does not promise the IDoc back: it names what --to-system writes for sap-idoc-orders05', () => {
    const program = new Command();
    registerMapCommand(program);
    const help = program.commands.find((c) => c.name() === 'map')!.helpInformation();
    expect(help).not.toMatch(/and back/);
    expect(help).toContain('ORDRSP');
  });

  it('a document that is not there: one line naming it, before asking for a format', async () => {
    const result = await runEaiInProcess(['map', 'whatever.edi']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      'eai map: input file whatever.edi not found; see eai map --help',
    ]);
    // A folder given for the document is said to be one (it was "EISDIR: illegal operation on a directory, read").
    const folder = await runEaiInProcess(['map', 'formats/x12-850/fixtures']);
    expect(folder.stderr.trim().split('\n')).toEqual([
      'eai map: input file formats/x12-850/fixtures is a folder, not a file; see eai map --help',
    ]);
  });

  it('a CSV without --mapping: says to name one and which shipped mapping to start from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-map-csv-'));
    writeFileSync(join(dir, 'kunden.csv'), 'Kundennummer;Firma\n1;Muster GmbH\n');
    const result = await runEaiInProcess(['map', '--format', 'csv', '--input', join(dir, 'kunden.csv')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `no mapping reads format "csv" by default: name one (--mapping <file>, a connector's mapping:), e.g. a copy of csv/customer-table.to-canonical.yaml\n`,
    );
  });

  it('a CSV with --mapping and no --format: the format is the one the mapping reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-map-csv-'));
    writeFileSync(join(dir, 'kunden.csv'), 'Kundennummer;Firma\n1;Muster GmbH\n');
    const result = await runEaiInProcess([
      'map',
      join(dir, 'kunden.csv'),
      '--mapping',
      'mappings/csv/customer-table.to-canonical.yaml',
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [record] = JSON.parse(result.stdout);
    expect(record.value.customer).toMatchObject({
      partyType: 'ORGANIZATION',
      organizationName: 'Muster GmbH',
    });
  });

  it("quotes a refused document's value as plain text: no marks of the admin API's viewer masking in a terminal", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-map-marks-'));
    const order = join(dir, 'order.json');
    writeFileSync(
      order,
      '{"id": 1, "created_at": "2024-01-10T10:00:00Z", "currency": "USD", "shipping_address": {"country_code": "Jane Roe"}}',
    );
    const result = await runEaiInProcess(['map', order, '--format', 'shopify-order']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('got "Jane Roe"');
    expect(result.stderr).not.toMatch(/[\u2068\u2069]/);
  });

  it('a missing input file is named, not a bare ENOENT', async () => {
    const result = await runEaiInProcess(['map', '--format', 'x12-856', '--input', 'no/such/asn.edi']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('input file no/such/asn.edi not found');
    const json = await runEaiInProcess([
      'map',
      '--format',
      'x12-856',
      '--input',
      'no/such/asn.edi',
      '--json',
    ]);
    expect(JSON.parse(json.stderr).errors[0].message).toBe('input file no/such/asn.edi not found');
  });
});

describe('eai map on hostile input: one located line, never a raw JavaScript error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eai-map-hostile-'));
  const cdc = readFileSync('formats/salesforce-cdc/fixtures/pubsub-nulled-fields.json', 'utf8');
  const x850 = readFileSync('formats/x12-850/fixtures/amt-ctt-td5-routing.edi', 'utf8');
  const cases: Array<[string, string, string, RegExp]> = [
    [
      'epcis-2',
      'deep.json',
      `${'['.repeat(500_000)}${']'.repeat(500_000)}`,
      /^epcis-2: line 1, column 65: JSON nested deeper than 64 levels/,
    ],
    [
      'salesforce-cdc',
      'epoch.json',
      cdc.replace('1696444513000,', '99999999999999999999,'),
      /^salesforce-cdc: \/ChangeEventHeader\/commitTimestamp: commitTimestamp must be epoch milliseconds/,
    ],
    [
      'sap-idoc-orders05',
      'deep.xml',
      `<ORDERS05>${'<E1X>'.repeat(5000)}${'</E1X>'.repeat(5000)}</ORDERS05>`,
      /^sap-idoc-orders05: line 1, column \d+: elements nested deeper than 64 levels/,
    ],
    [
      'x12-850',
      'feb30.edi',
      x850.replace('**20240310~', '**20240230~'),
      /^x12-850: ISA#1\/GS#1\/ST#1\/BEG \(segment 4, line 4\), element BEG05: BEG05 .?"20240230".?: February has no day 30$/,
    ],
  ];
  // In-process (mapCommand is what the command prints); the real process once, for the wiring.
  it.each(cases)('%s: %s', async (format, file, content, line) => {
    const input = join(dir, file);
    writeFileSync(input, content);
    const result = await mapCommand({ format, input });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(lines[0]).not.toMatch(/RangeError|TypeError|Maximum call stack|Invalid time value|at [\w.]+ \(/);
  });
});

it('the eai process prints that line for a million nested arrays (exit 1)', async () => {
  const input = join(mkdtempSync(join(tmpdir(), 'eai-map-deep-')), 'deep.json');
  writeFileSync(input, `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
  const result = await runEai(['map', '--format', 'hubspot-contact', '--input', input]);
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    'hubspot-contact: line 1, column 65: JSON nested deeper than 64 levels (at /0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0)\n',
  );
});

describe('a document that is not UTF-8: where, and the --encoding that reads it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eai-map-charset-'));
  // As a German partner's ERP writes an X12 850: Windows-1252, ü the byte 0xfc.
  const po = join(dir, 'po-1252.edi');
  writeFileSync(
    po,
    Buffer.from(
      readFileSync('formats/x12-850/fixtures/buyer-party-n1-by-per.edi', 'utf8').replace(
        'ACME HARDWARE SUPPLY',
        'MÜLLER EISENWAREN',
      ),
      'latin1',
    ),
  );

  it('eai map: the reader located the byte; the line names the option and the character set the bytes suggest', async () => {
    const refused = await mapCommand({ format: 'x12-850', input: po });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'x12-850: byte 224: invalid UTF-8 (byte 0xdc at offset 224, line 6, column 8): a Windows-1252 or Latin-1 document? name its character set, e.g. --encoding windows-1252, or convert the file\n',
    );
    const read = await mapCommand({ format: 'x12-850', input: po, encoding: 'windows-1252' });
    expect(read.code).toBe(0);
    expect(JSON.parse(read.stdout)[0].value.salesOrder.customer.name).toMatch(/^MÜLLER EISENWAREN/);
    // UTF-16 shows by its byte-order mark: named, not windows-1252.
    const utf16 = join(dir, 'contact-utf16.json');
    const contact = readFileSync('formats/hubspot-contact/fixtures/created-by-hub.json', 'utf8');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(contact, 'utf16le')]));
    const wide = await mapCommand({ format: 'hubspot-contact', input: utf16, json: true });
    expect(JSON.parse(wide.stderr).errors[0]).toMatchObject({
      error: 'FormatError',
      location: 'byte 0',
      message: expect.stringMatching(
        /: a UTF-16LE document\? name its character set, e\.g\. --encoding utf-16le, or convert the file$/,
      ),
    });
    expect((await mapCommand({ format: 'hubspot-contact', input: utf16, encoding: 'utf-16le' })).code).toBe(
      0,
    );
    // A format that declares its own character set (EDIFACT's UNB) is not told to name one.
    const edifact = join(dir, 'orders-1252.edi');
    const orders = readFileSync('formats/edifact-orders/fixtures/broken/invalid-utf8.edi');
    writeFileSync(edifact, orders);
    const declared = await mapCommand({ format: 'edifact-orders', input: edifact });
    expect(declared.stderr).toMatch(/invalid UTF-8/);
    expect(declared.stderr).not.toMatch(/--encoding/);
  });

  it('eai map check <csv mapping> <table> takes --encoding as eai map does, and says to name it', async () => {
    const table = join(dir, 'kunden-cp1252.csv');
    writeFileSync(table, Buffer.from('Kundennummer;Firma;Straße\nK1;Müller GmbH;Hauptstraße 1\n', 'latin1'));
    const mapping = 'mappings/csv/customer-table.to-canonical.yaml';
    const checked = await runEaiInProcess([
      'map',
      'check',
      mapping,
      table,
      '--encoding',
      'windows-1252',
      '--types-only',
    ]);
    expect(checked.stderr).toBe('');
    expect(checked.code).toBe(0);
    // The header read in its character set: Straße is the street column, not a mangled name the mapping ignores.
    expect(checked.stdout).toBe(
      `1 mapping: 0 type problems (fixtures not run); ${table}: 0 required column(s) missing, 0 of 3 columns not read by the mapping\n`,
    );
    const unnamed = await checkCommand({ target: mapping, input: table, typesOnly: true });
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toMatch(
      /^csv: byte \d+: invalid UTF-8 .*: a Windows-1252 or Latin-1 document\? name its character set, e\.g\. --encoding windows-1252, or convert the file\n$/,
    );
    const unknown = await checkCommand({ target: mapping, input: table, encoding: 'klingon' });
    expect(unknown.stderr).toMatch(/^--encoding: character set "klingon" is not known/);
    const tableless = await checkCommand({ target: mapping, encoding: 'windows-1252' });
    expect(tableless.stderr).toBe(
      '--encoding names the character set of a table to check: eai map check <mapping> <table> --encoding windows-1252\n',
    );
  });
});
