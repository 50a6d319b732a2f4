import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { ConfigError } from '../../lib/errors.ts';
import { checkCommand, testCommand } from './cli.ts';
import { compileMapping } from './compile.ts';
import { MappingError } from './errors.ts';
import { decimal, decimalMul, decimalSum, timestamp, trimZeros } from './functions.ts';
import { mapDocument } from './run.ts';
import { loadMappingFile } from './spec.ts';

const testdata = 'mappings/engine/testdata';

describe('mapping functions', () => {
  it('reads document numbers as exact decimals, SAP trailing signs included, and refuses the rest', () => {
    expect(decimal('8.000')).toBe('8');
    expect(decimal('2.500-')).toBe('-2.5');
    expect(decimal(' +0012.50 ')).toBe('12.5');
    expect(decimal('')).toBeUndefined();
    expect(decimal(undefined)).toBeUndefined();
    expect(() => decimal('12,5')).toThrow(/not a number/);
    expect(() => decimal('-1-')).toThrow(/not a number/);
  });

  it('multiplies and sums without floating point', () => {
    expect(0.1 * 3).not.toBe(0.3);
    expect(decimalMul('0.1', '3')).toBe('0.3');
    expect(decimalMul('1499.90', '12')).toBe('17998.8');
    expect(decimalSum(['0.1', '0.2', '-0.3'])).toBe('0');
    expect(decimalSum(['99999999999999999.99', '0.01'])).toBe('100000000000000000');
  });

  it('turns local dates and times into UTC, honouring the zone and its daylight saving time', () => {
    expect(timestamp('20240115', '093000', 'Europe/Berlin')).toBe('2024-01-15T08:30:00.000Z');
    expect(timestamp('2024-07-15', '09:30', 'Europe/Berlin')).toBe('2024-07-15T07:30:00.000Z');
    expect(timestamp('2024-03-31 03:30:00', undefined, 'Europe/Berlin')).toBe('2024-03-31T01:30:00.000Z');
    expect(timestamp('20240115')).toBe('2024-01-15T00:00:00.000Z');
    expect(timestamp('2024-01-15T10:00:00+05:30', undefined, 'Europe/Berlin')).toBe(
      '2024-01-15T04:30:00.000Z',
    );
    expect(() => timestamp('20240230')).toThrow(/not a valid date/);
    expect(() => timestamp('20240115', '1200', 'Mars/Olympus')).toThrow(/time zone/);
    expect(trimZeros('000010')).toBe('10');
    expect(trimZeros('0000')).toBe('0');
  });
});

describe('mappings:check', () => {
  it('fails a deliberately broken mapping, naming every problem with its place in the file', async () => {
    const result = await checkCommand({ target: `${testdata}/broken`, json: true });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      problems: Array<{ at: string; message: string }>;
    };
    expect(report.ok).toBe(false);
    const byPlace = Object.fromEntries(report.problems.map((p) => [p.at, p.message]));
    expect(byPlace['fields.salesOrder.orderNumber']).toMatch(/required field "orderNumber"/);
    expect(byPlace['fields.salesOrder.colour']).toMatch(/has no field "colour"/);
    expect(byPlace['fields.salesOrder.status']).toMatch(/\$each needs an array-of-records field/);
    expect(byPlace['fields.changeType']).toMatch(/literal "SHIPPED_TWICE" does not fit/);
    expect(byPlace['fields.salesOrder.lines.item.gtin']).toMatch(/table "eans"/);
    expect(report.problems).toHaveLength(5);
  });

  it('fails a mapping that type-checks but emits an invalid record, naming output field and input segment', async () => {
    const result = await checkCommand({ target: `${testdata}/invalid-output`, json: true });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      problems: unknown[];
      fixtures: Array<{ ok: boolean; details: string[] }>;
    };
    expect(report.problems).toEqual([]);
    expect(report.fixtures[0]?.ok).toBe(false);
    expect(report.fixtures[0]?.details.join('\n')).toMatch(
      /invalid-output\/orders\.to-canonical\.yaml: .*salesOrder\.lines\[0\]\.quantity\.value: "PCE" is not an exact decimal.* \(input \/ORDERS05\/IDOC\[1\]\/E1EDP01\[1\]\)/,
    );
  });

  it('throws a MappingError that carries the mapping file, the field path and the input location', async () => {
    const mapping = compileMapping(loadMappingFile(`${testdata}/invalid-output/orders.to-canonical.yaml`));
    const [document] = findReader('sap-idoc-orders05').parse(
      readFileSync(`${testdata}/broken/inputs/order.xml`),
    );
    const error = await mapDocument(mapping, document!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).retriable).toBe(false);
    expect((error as MappingError).message).toContain('salesOrder.lines[1].quantity.value');
    expect((error as MappingError).message).toContain('(input /ORDERS05/IDOC[1]/E1EDP01[2])');
  });

  it('never quotes a file that is not a mapping back: not YAML says where, a YAML map without mapping keys says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-not-a-mapping-'));
    try {
      const secretLine = 'root:$6$salt$hashedpassword:20228:0:99999:7:::';
      writeFileSync(join(dir, 'shadow'), `${secretLine}\nx: [\n`);
      writeFileSync(join(dir, 'config.yaml'), 'password: hunter2\napiKey: abc123\n');
      const problems = ['shadow', 'config.yaml'].map((name) => {
        try {
          loadMappingFile(join(dir, name));
          return 'loaded';
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          return (error as Error).message;
        }
      });
      expect(problems[0]).toMatch(/shadow: not readable YAML: .* at line \d+, column \d+$/);
      expect(problems[1]).toMatch(
        /config\.yaml: not a mapping file \(it has none of input, output and fields\)$/,
      );
      for (const problem of problems)
        for (const word of ['hashedpassword', 'password', 'apiKey', 'hunter2'])
          expect(problem).not.toContain(word);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warns of names the input tree has nowhere (a typo yields nothing), with the closest real name', async () => {
    const result = await checkCommand({ target: `${testdata}/unknown-names`, json: true, typesOnly: true });
    const report = JSON.parse(result.stdout) as {
      problems: unknown[];
      warnings: Array<{ at: string; message: string }>;
    };
    expect(report.problems).toEqual([]);
    expect(result.code).toBe(0);
    const messages = report.warnings.map((w) => `${w.at}: ${w.message}`);
    expect(messages).toEqual([
      expect.stringMatching(
        /^fields\.salesOrder\.currency: "cur" is a field of no x12-850 tree .* did you mean "currency"\?$/,
      ),
      expect.stringMatching(
        /^fields\.salesOrder\.lines\.lineNumber: "assignedId" is a field of no x12-850 tree/,
      ),
    ]);
    const text = await checkCommand({ target: `${testdata}/unknown-names`, typesOnly: true });
    expect(text.stdout).toMatch(
      /^warning: .*unknown-names\/orders\.to-canonical\.yaml:20: fields\.salesOrder\.currency: "cur"/m,
    );
  });

  it('passes every mapping in the catalog: no type problems, every fixture equal to its expected output', async () => {
    const result = await checkCommand({ json: true });
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      mappings: number;
      problems: unknown[];
      warnings: unknown[];
      fixtures: Array<{ ok: boolean; input: string; details: string[] }>;
    };
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.fixtures.filter((f) => !f.ok)).toEqual([]);
    expect(report.mappings).toBeGreaterThanOrEqual(2);
    expect(result.code).toBe(0);
  }, 240_000);
});

describe('mapping imports', () => {
  it('binds imported expressions before let, in order, so later imports and let can use them', async () => {
    const loaded = loadMappingFile(`${testdata}/imports/orders.to-canonical.yaml`);
    expect(Object.keys(loaded.spec.let)).toEqual(['orderKey', 'orderLabel', 'orderId']);
    const [document] = findReader('sap-idoc-orders05').parse(
      readFileSync(`${testdata}/broken/inputs/order.xml`),
    );
    const records = await mapDocument(compileMapping(loaded), document!);
    expect(records).toMatchObject([
      { value: { salesOrder: { orderId: 'sap:440001', orderNumber: 'order sap:440001' } } },
    ]);
  });

  it('refuses a name defined both in an import and in let, naming the mapping file and the name', () => {
    const file = `${testdata}/imports/conflict.to-canonical.yaml`;
    expect(() => loadMappingFile(file)).toThrow(ConfigError);
    expect(() => loadMappingFile(file)).toThrow(`${file}: let.orderKey: also defined in lib/order-keys.yaml`);
  });

  it('names the imported file when an imported expression does not parse', () => {
    const file = `${testdata}/imports/bad-import.to-canonical.yaml`;
    expect(() => compileMapping(loadMappingFile(file))).toThrow(ConfigError);
    expect(() => compileMapping(loadMappingFile(file))).toThrow(
      `${file}: let.orderKey (imported from lib/broken.yaml): JSONata syntax error`,
    );
  });
});

describe('a shipped mapping copied out of mappings/', () => {
  it('loads under any name: its own tables beside it first, the shipped ones by name', async () => {
    // As the masterdata README says: copy the customer table mapping and its columns table, list your columns.
    const dir = mkdtempSync(join(tmpdir(), 'eai-mapping-copy-'));
    const file = join(dir, 'my-columns.yaml');
    copyFileSync('mappings/csv/customer-table.to-canonical.yaml', file);
    mkdirSync(join(dir, 'lookups'));
    writeFileSync(
      join(dir, 'lookups/customer-columns.yaml'),
      'rec_id: id\nsurname: familyName\nLand: country\n',
    );
    const mapping = compileMapping(loadMappingFile(file));
    const [document] = findReader('csv').parse(
      Buffer.from('rec_id,surname,Land\nrec-1-org,neumann,Deutschland\n'),
    );
    const [record] = await mapDocument(mapping, { ...document!, source: 'febrl' });
    expect(record?.value).toMatchObject({
      customer: {
        customerId: 'febrl:rec-1-org',
        // A table with no company column: a family name makes a person.
        partyType: 'PERSON',
        person: { familyName: 'neumann' },
        // The shipped country table, found by its name (lookups/countries.yaml) from the copy's folder.
        addresses: [{ countryCode: 'DE' }],
      },
    });
  });

  it('refuses a file named for the opposite direction', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-mapping-copy-'));
    const file = join(dir, 'partner.from-canonical.yaml');
    copyFileSync('mappings/csv/customer-table.to-canonical.yaml', file);
    // Without a columns table of its own beside it, the copy reads the shipped one (mappings/lookups/).
    expect(loadMappingFile(file).tables.columns).toEqual(
      loadMappingFile('mappings/csv/customer-table.to-canonical.yaml').tables.columns,
    );
    mkdirSync(join(dir, 'lookups'));
    writeFileSync(join(dir, 'lookups/customer-columns.yaml'), 'nummer: id\n');
    expect(loadMappingFile(file).tables.columns).toEqual({ nummer: 'id' });
    expect(() => compileMapping(loadMappingFile(file))).toThrow(
      /a to-canonical mapping .* named \.from-canonical\.yaml: rename it/,
    );
  });
});

describe("a partner's own mapping, as its author gets it wrong (trial: an Amazon orders report on csv)", () => {
  /** A mapping of a two-column order table in a folder of its own, `field` the one line under test. */
  function partnerMapping(field: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'eai-partner-mapping-'));
    mkdirSync(join(dir, 'fixtures'));
    mkdirSync(join(dir, 'orders.expected'));
    writeFileSync(
      join(dir, 'fixtures/orders.csv'),
      'order-id,purchase-date\nA-1,2024-03-05T14:22:10+00:00\n',
    );
    writeFileSync(
      join(dir, 'orders.to-canonical.yaml'),
      [
        'description: a partner order table',
        'input: csv',
        'output: eai.canonical.SalesOrderEvent',
        'onlyByName: true',
        'fixtures: {inputs: fixtures, expected: orders.expected}',
        'records: rows',
        'fields:',
        `  changeType: ${field.startsWith('changeType') ? field.slice('changeType: '.length) : `"'CREATED'"`}`,
        '  occurredAt: $timestamp(`purchase-date`)',
        '  origin: {system: "\'partner\'"}',
        '  salesOrder:',
        '    orderId: "`order-id`"',
        '    orderNumber: "`order-id`"',
        '    currency: "\'EUR\'"',
        '    customer: {name: "\'x\'"}',
        '    lines: "[]"',
        '    status: "\'OPEN\'"',
        ...(field.startsWith('changeType') ? [] : [`    ${field}`]),
      ].join('\n'),
    );
    return dir;
  }

  it('eai map check / test of the mapping file itself, outside mappings/ (it found 0 mappings and failed unexplained)', async () => {
    const dir = partnerMapping('notes: "[\'a note\']"');
    const file = join(dir, 'orders.to-canonical.yaml');
    await testCommand({ target: file, update: true });
    const check = await checkCommand({ target: file, json: true });
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, mappings: 1, fixtures: [{ ok: true }] });
    expect(check.code).toBe(0);
  });

  it('a folder without mapping files says so instead of "0 mappings" (which check passed)', async () => {
    const dir = partnerMapping('notes: "[\'a note\']"');
    copyFileSync(join(dir, 'orders.to-canonical.yaml'), join(dir, 'orders.yaml'));
    rmSync(join(dir, 'orders.to-canonical.yaml'));
    for (const run of [checkCommand, testCommand]) {
      const result = await run({ target: dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /no mapping file in this folder \(mapping files are named <name>\.to-canonical\.yaml/,
      );
    }
  });

  it('names a misspelt function and the one meant (JSONata said "Attempted to invoke a non-function")', async () => {
    const dir = partnerMapping('orderDate: $timestmp(`purchase-date`)');
    const mapping = compileMapping(loadMappingFile(join(dir, 'orders.to-canonical.yaml')));
    const [document] = findReader('csv').parse(readFileSync(join(dir, 'fixtures/orders.csv')));
    const error = (await mapDocument(mapping, document!).catch((e: unknown) => e)) as MappingError;
    expect(error).toBeInstanceOf(MappingError);
    expect(error.message).toMatch(
      /salesOrder\.orderDate: \$timestmp is not a function of JSONata, the hub or this mapping's lets \(did you mean \$timestamp\?\) \[in fields\.salesOrder\.orderDate, line 18: /,
    );
  });

  it("names only the misspelt function, not JSONata's own ones beside it (it said $string and $trim were none)", async () => {
    const dir = partnerMapping('orderDate: $timestmp($trim($string(`purchase-date`)))');
    const mapping = compileMapping(loadMappingFile(join(dir, 'orders.to-canonical.yaml')));
    const [document] = findReader('csv').parse(readFileSync(join(dir, 'fixtures/orders.csv')));
    const error = (await mapDocument(mapping, document!).catch((e: unknown) => e)) as MappingError;
    expect(error).toBeInstanceOf(MappingError);
    expect(error.message).toMatch(
      /salesOrder\.orderDate: \$timestmp is not a function of JSONata, the hub or this mapping's lets \(did you mean \$timestamp\?\) \[in /,
    );
  });

  it('says a nullable timestamp wants a timestamp, and lists every symbol of an enum (was ["null","long"], a cut schema)', async () => {
    const timestampDir = partnerMapping('orderDate: "`order-id`"');
    const mapping = compileMapping(loadMappingFile(join(timestampDir, 'orders.to-canonical.yaml')));
    const [document] = findReader('csv').parse(readFileSync(join(timestampDir, 'fixtures/orders.csv')));
    const error = (await mapDocument(mapping, document!).catch((e: unknown) => e)) as MappingError;
    expect(error.message).toMatch(
      /salesOrder\.orderDate: "A-1" is not a timestamp with a zone \(use \$timestamp\)/,
    );

    const enumDir = partnerMapping('changeType: "\'NEW\'"');
    const check = await checkCommand({ target: enumDir, json: true, typesOnly: true });
    expect(JSON.parse(check.stdout).problems[0].message).toBe(
      'literal "NEW" does not fit enum eai.canonical.ChangeType (one of CREATED, UPDATED, STATUS_CHANGED, DELETED, UNDELETED, MERGED, RESYNC_REQUESTED)',
    );
  });
});

describe('a record field given one expression (trial: an X12 850 AMT*TT total as salesOrder.totalAmount)', () => {
  it('is a type problem naming the record and its fields, and at run time says to write a nested map', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-record-field-'));
    mkdirSync(join(dir, 'fixtures'));
    writeFileSync(
      join(dir, 'fixtures/order.csv'),
      'order-id,purchase-date,total\nA-1,2024-03-05T14:22:10+00:00,884.06\n',
    );
    writeFileSync(
      join(dir, 'orders.to-canonical.yaml'),
      [
        'description: a partner order table',
        'input: csv',
        'output: eai.canonical.SalesOrderEvent',
        'onlyByName: true',
        'fixtures: {inputs: fixtures, expected: orders.expected}',
        'records: rows',
        'fields:',
        '  changeType: "\'CREATED\'"',
        '  occurredAt: $timestamp(`purchase-date`)',
        '  origin: {system: "\'partner\'"}',
        '  salesOrder:',
        '    orderId: "`order-id`"',
        '    orderNumber: "`order-id`"',
        '    currency: "\'EUR\'"',
        '    customer: {name: "\'x\'"}',
        '    lines: "[]"',
        '    status: "\'OPEN\'"',
        '    totalAmount: $decimal(total)',
      ].join('\n'),
    );
    const check = await checkCommand({ target: dir, json: true, typesOnly: true });
    expect(JSON.parse(check.stdout).problems).toEqual([
      expect.objectContaining({
        at: 'fields.salesOrder.totalAmount',
        message:
          '$decimal(…) makes a text, and this field is record eai.canonical.Money (fields amount, currency): write it as a nested map of its fields',
      }),
    ]);
    const mapping = compileMapping(loadMappingFile(join(dir, 'orders.to-canonical.yaml')));
    const [document] = findReader('csv').parse(readFileSync(join(dir, 'fixtures/order.csv')));
    const error = (await mapDocument(mapping, document!).catch((e: unknown) => e)) as MappingError;
    expect(error.message).toMatch(
      /salesOrder\.totalAmount: "884\.06" is not a record: record eai\.canonical\.Money \(fields amount, currency\) is written as a nested map of its fields \(amount: …, currency: …\), not one expression/,
    );
  });
});

describe('an enum field read through a lookup table (trial: a Squarespace fulfillmentStatus table)', () => {
  it('is a type problem for each table value and literal fallback the enum lacks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-enum-lookup-'));
    mkdirSync(join(dir, 'fixtures'));
    mkdirSync(join(dir, 'lookups'));
    writeFileSync(join(dir, 'fixtures/order.json'), '{"id": "A-1", "fulfillmentStatus": "PENDING"}\n');
    writeFileSync(
      join(dir, 'lookups/status.yaml'),
      'PENDING: OPEN\nFULFILLED: SHIPPED\nCANCELED: CANCELED_BY_BUYER\n',
    );
    writeFileSync(
      join(dir, 'order.to-canonical.yaml'),
      [
        'description: a shop order',
        'input: json',
        'output: eai.canonical.SalesOrderEvent',
        'onlyByName: true',
        'lookups: {status: lookups/status.yaml}',
        'fixtures: {inputs: fixtures, expected: order.expected}',
        'fields:',
        '  changeType: "\'CREATED\'"',
        "  occurredAt: $timestamp('2024-03-05')",
        '  origin: {system: "\'shop\'"}',
        '  salesOrder:',
        '    orderId: id',
        '    orderNumber: id',
        '    currency: "\'EUR\'"',
        '    customer: {name: "\'x\'"}',
        '    lines: "[]"',
        "    status: \"id ? $lookup('status', fulfillmentStatus, 'NONE') : 'UNKNOWN'\"",
      ].join('\n'),
    );
    const check = await checkCommand({ target: dir, json: true, typesOnly: true });
    const messages = JSON.parse(check.stdout).problems.map((p: { message: string }) => p.message);
    expect(messages).toEqual([
      expect.stringMatching(
        /^lookup table "status" maps "CANCELED" to "CANCELED_BY_BUYER", which does not fit enum eai\.canonical\.SalesOrderStatus \(one of RECEIVED, OPEN, .*CANCELLED, UNKNOWN\)$/,
      ),
      expect.stringMatching(/^\$lookup fallback "NONE" does not fit enum eai\.canonical\.SalesOrderStatus/),
    ]);
    expect(check.code).toBe(1);
  });
});

describe('a variable nothing binds (trial: a ShipStation XML line numbered with $position)', () => {
  it('is warned about with the place in the file; what JSONata, the hub, lets and the expression bind is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-unbound-'));
    mkdirSync(join(dir, 'fixtures'));
    writeFileSync(join(dir, 'fixtures/order.json'), '{"id": "A-1", "items": [{"sku": "X"}]}\n');
    writeFileSync(
      join(dir, 'order.to-canonical.yaml'),
      [
        'description: a shop order',
        'input: json',
        'output: eai.canonical.SalesOrderEvent',
        'onlyByName: true',
        'fixtures: {inputs: fixtures, expected: order.expected}',
        'let:',
        '  system: "\'shop\'"',
        '  label: "function($a) { $a & \':\' & $system }"',
        'fields:',
        '  changeType: "\'CREATED\'"',
        "  occurredAt: $timestamp('2024-03-05')",
        '  origin: {system: $sytem, documentId: "$doc.id"}',
        '  salesOrder:',
        '    orderId: "($n := id; $label($n))"',
        '    orderNumber: "$string($count($tree.items)) & $$.id"',
        '    currency: "\'EUR\'"',
        '    orderReason: $string($position)',
        '    customer: {name: "items#$i@$it.($string($i) & $it.sku)"}',
        '    lines:',
        '      $each: items',
        '      lineNumber: $string($position)',
        '      item: {sellerItemId: "$parent.id & $record.id & $uppercase(sku)"}',
        '      quantity: {value: "\'1\'", unitCode: "\'C62\'"}',
        '    status: "\'OPEN\'"',
      ].join('\n'),
    );
    const check = await checkCommand({ target: dir, json: true, typesOnly: true });
    const warnings = JSON.parse(check.stdout).warnings.map((w: { at: string; message: string }) => [
      w.at,
      w.message,
    ]);
    expect(warnings).toEqual([
      [
        'fields.origin.system',
        expect.stringMatching(
          /^\$sytem is bound by nothing .* so it always yields nothing \(did you mean \$system\?\)$/,
        ),
      ],
      [
        'fields.salesOrder.orderReason',
        expect.stringMatching(/^\$position is bound only for an item of a \$each .*outside any \$each/),
      ],
    ]);
  });
});

describe('the line of a mapping file a problem is on (trial: a broken expression in an X12 850 partner mapping)', () => {
  it('a syntax error and a type problem name file:line, the field and what is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-lines-'));
    mkdirSync(join(dir, 'fixtures'));
    writeFileSync(join(dir, 'fixtures/order.json'), '{"id": "A-1"}\n');
    const lines = [
      'description: a shop order',
      'input: json',
      'output: eai.canonical.SalesOrderEvent',
      'onlyByName: true',
      'fixtures: {inputs: fixtures, expected: order.expected}',
      'fields:',
      '  changeType: "\'CREATED\'"',
      "  occurredAt: $timestamp('2024-03-05')",
      '  origin: {system: "\'shop\'"}',
      '  salesOrder:',
      '    orderId: id',
      '    orderNumber: id',
      '    currency: "\'EUR\'"',
      '    customer: {name: "\'x\'"}',
      '    lines: "[]"',
      '    status: "\'NEW\'"',
    ];
    const file = join(dir, 'order.to-canonical.yaml');
    writeFileSync(file, lines.join('\n'));
    const check = await checkCommand({ target: dir, typesOnly: true });
    expect(check.stdout).toMatch(
      /order\.to-canonical\.yaml:16: fields\.salesOrder\.status: literal "NEW" does not fit enum/,
    );
    writeFileSync(
      file,
      lines.map((l) => (l.startsWith('    orderNumber') ? '    orderNumber: "id &"' : l)).join('\n'),
    );
    expect(() => compileMapping(loadMappingFile(file))).toThrow(
      /order\.to-canonical\.yaml:12: fields\.salesOrder\.orderNumber: JSONata syntax error at character 4: Unexpected end of expression/,
    );
  });
});

describe('JSONata arithmetic on exact decimals (trial: a JSON status callback summing confirmed quantities)', () => {
  it('says that decimals are strings and which function adds them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-sum-'));
    mkdirSync(join(dir, 'fixtures'));
    writeFileSync(
      join(dir, 'fixtures/order.json'),
      '{"id": "A-1", "lines": [{"qty": "2.5"}, {"qty": "1"}]}\n',
    );
    writeFileSync(
      join(dir, 'order.to-canonical.yaml'),
      [
        'description: a shop order',
        'input: json',
        'output: eai.canonical.SalesOrderEvent',
        'onlyByName: true',
        'fixtures: {inputs: fixtures, expected: order.expected}',
        'fields:',
        '  changeType: "\'CREATED\'"',
        "  occurredAt: $timestamp('2024-03-05')",
        '  origin: {system: "\'shop\'"}',
        '  salesOrder:',
        '    orderId: id',
        '    orderNumber: id',
        '    currency: "\'EUR\'"',
        '    customer: {name: "\'x\'"}',
        '    lines: "[]"',
        '    notes: "[$string($sum(lines.$decimal(qty)))]"',
      ].join('\n'),
    );
    const mapping = compileMapping(loadMappingFile(join(dir, 'order.to-canonical.yaml')));
    const [document] = findReader('json').parse(readFileSync(join(dir, 'fixtures/order.json')));
    const error = (await mapDocument(mapping, document!).catch((e: unknown) => e)) as MappingError;
    expect(error.message).toMatch(
      /salesOrder\.notes: Argument 1 of function "sum" must be an array of "numbers" \(decimals are exact strings here: \$decimalSum\(list\) adds them exactly\)/,
    );
  });
});

describe('MappingError', () => {
  it('is one line when its problem quotes a multi-line expression (a dead letter reason header, a .reason file)', () => {
    const problem =
      'cannot evaluate\n      $timestamp(\n        dates[0]\n      ): "2020241108" is not a date';
    const error = new MappingError('m.yaml', 'shipment.shippedAt', problem, 'UNH#1/DTM');
    expect(error.message).toBe(
      'm.yaml: shipment.shippedAt: cannot evaluate $timestamp( dates[0] ): "2020241108" is not a date (input UNH#1/DTM)',
    );
    expect(error.problem).not.toContain('\n');
  });
});

describe('lookup tables a user writes', () => {
  it('match codes written without quotes as the document sends them (X12 BEG01 05, not the number 5)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-lookup-codes-'));
    try {
      writeFileSync(join(dir, 'purposes.yaml'), '00: CREATED\n05: UPDATED\n');
      writeFileSync(
        join(dir, 'x12-850.to-canonical.yaml'),
        [
          'description: a partner table',
          'input: x12-850',
          'output: eai.canonical.SalesOrderEvent',
          'onlyByName: true',
          'fixtures: { inputs: fixtures, expected: expected }',
          'lookups:',
          '  purposes: purposes.yaml',
          'fields: {}',
        ].join('\n'),
      );
      const loaded = loadMappingFile(join(dir, 'x12-850.to-canonical.yaml'));
      expect(loaded.tables.purposes).toEqual({ '00': 'CREATED', '05': 'UPDATED' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a time picture without a zone (trial: a partner timestamp read with $toMillis, taken for UTC)', () => {
  it('warns at file:line and the field for $toMillis / $parseTime pictures with a time and no [Z] / [z]', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-zone-'));
    mkdirSync(join(dir, 'fixtures'));
    writeFileSync(join(dir, 'fixtures/order.json'), '{"id": "A-1", "at": "2024-03-05 14:30"}\n');
    const lines = [
      'description: a shop order',
      'input: json',
      'output: eai.canonical.SalesOrderEvent',
      'onlyByName: true',
      'fixtures: {inputs: fixtures, expected: order.expected}',
      'fields:',
      '  changeType: "\'CREATED\'"',
      '  occurredAt: "$parseTime(at, \'[Y]-[M01]-[D01] [H01]:[m01]\')"',
      '  origin: {system: "\'shop\'", documentId: id}',
      '  salesOrder:',
      '    orderId: id',
      '    orderNumber: "$string($toMillis(at, \'[Y]-[M01]-[D01] [H01]:[m01]\'))"',
      // With the text's offset, a zone passed, or a date alone (midnight UTC, the canonical convention): no warning.
      '    purchaseOrderNumber: "$string($toMillis(at, \'[Y]-[M01]-[D01] [H01]:[m01] [Z01:01]\'))"',
      "    notes: \"$parseTime(at, '[Y]-[M01]-[D01] [H01]:[m01]', 'Europe/Berlin') & $parseTime(at, '[Y]-[M01]-[D01]')\"",
      '    createdAt: "$parseTime(at, \'[Y]-[M01]-[D01] [H01]:[m01] [z]\')"',
      '    currency: "\'EUR\'"',
      '    status: "\'OPEN\'"',
    ];
    writeFileSync(join(dir, 'order.to-canonical.yaml'), lines.join('\n'));
    const check = await checkCommand({ target: dir, json: true, typesOnly: true });
    const warnings = JSON.parse(check.stdout).warnings as Array<{
      file: string;
      line?: number;
      at: string;
      message: string;
    }>;
    expect(warnings.map((w) => [w.line, w.at])).toEqual([
      [8, 'fields.occurredAt'],
      [12, 'fields.salesOrder.orderNumber'],
    ]);
    expect(warnings[0]!.file).toMatch(/order\.to-canonical\.yaml$/);
    expect(warnings[0]!.message).toMatch(
      /^\$parseTime's picture "\[Y\]-\[M01\]-\[D01\] \[H01\]:\[m01\]" has no time zone .*connector's timeZone.*UTC/,
    );
    expect(warnings[1]!.message).toMatch(
      /^\$toMillis's picture .* has no time zone .* as UTC.*\[Z01:01\].*\$parseTime/,
    );
  });

  it("does not warn of $parseTime in a mapping whose options.timeZone names the partner's zone; $toMillis still", async () => {
    // Trial: a shop's JSON export of Berlin wall-clock times, mapped with options.timeZone Europe/Berlin, read them
    // right and was still warned they would be read as UTC.
    const dir = mkdtempSync(join(tmpdir(), 'eai-zone-'));
    mkdirSync(join(dir, 'fixtures'));
    writeFileSync(join(dir, 'fixtures/order.json'), '{"id": "A-1", "at": "2024-03-05 14:30"}\n');
    const lines = [
      'description: a shop order',
      'input: json',
      'output: eai.canonical.SalesOrderEvent',
      'onlyByName: true',
      'options: {timeZone: Europe/Berlin}',
      'fixtures: {inputs: fixtures, expected: order.expected}',
      'fields:',
      '  changeType: "\'CREATED\'"',
      '  occurredAt: "$parseTime(at, \'[Y]-[M01]-[D01] [H01]:[m01]\')"',
      '  origin: {system: "\'shop\'", documentId: id}',
      '  salesOrder:',
      '    orderId: id',
      '    orderNumber: "$string($toMillis(at, \'[Y]-[M01]-[D01] [H01]:[m01]\'))"',
      '    currency: "\'EUR\'"',
      '    status: "\'OPEN\'"',
    ];
    try {
      writeFileSync(join(dir, 'order.to-canonical.yaml'), lines.join('\n'));
      const check = await checkCommand({ target: dir, json: true, typesOnly: true });
      const warnings = JSON.parse(check.stdout).warnings as Array<{ at: string; message: string }>;
      expect(warnings.map((w) => w.at)).toEqual(['fields.salesOrder.orderNumber']);
      expect(warnings[0]!.message).toMatch(/^\$toMillis's picture/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a canonical field name read where its record lacks it (trial: a customer's city read as customer.city)", () => {
  it('is warned about at its path with the fields of the record there, though another record of the schema has the name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-paths-'));
    mkdirSync(join(dir, 'fixtures'));
    writeFileSync(join(dir, 'fixtures/customer.json'), '{}\n');
    writeFileSync(
      join(dir, 'table.from-canonical.yaml'),
      [
        'description: a customer table',
        'input: eai.canonical.CustomerEvent',
        'output: csv',
        'onlyByName: true',
        'fixtures: {inputs: fixtures, expected: table.expected}',
        'let:',
        '  c: customer',
        '  first: "function($list) { $list[primary][0] }"',
        'records: "changeType != \'DELETED\' ? $"',
        'fields:',
        '  rows:',
        '    $each: $',
        // `city` and `postalCode` are an address's, not the customer's; `primray` is no email's field.
        '    city: $c.city',
        '    zip: customer.postalCode',
        '    email: $c.emails[primray][0].address',
        // Right where they are read: not warned about.
        "    street: \"$join($c.addresses[use = 'BILLING'][0].lines, ' ')\"",
        '    place: $record.customer.addresses.city',
        '    mail: $first($c.emails).address',
        '    custom: $c.extensions.anything',
        '    origin: "origin.system & $tree.origin.documentId"',
      ].join('\n'),
    );
    const check = await checkCommand({ target: dir, json: true, typesOnly: true });
    const warnings = JSON.parse(check.stdout).warnings.map((w: { at: string; message: string }) => [
      w.at,
      w.message,
    ]);
    expect(warnings).toEqual([
      [
        'fields.rows.city',
        expect.stringMatching(
          /^"city" is no field of eai\.canonical\.CustomerPartyMaster \(at customer\), so it always yields nothing; (did you mean|its fields: .*addresses)/,
        ),
      ],
      [
        'fields.rows.zip',
        expect.stringMatching(
          /^"postalCode" is no field of eai\.canonical\.CustomerPartyMaster \(at customer\)/,
        ),
      ],
      [
        'fields.rows.email',
        expect.stringMatching(
          /^"primray" is no field of eai\.canonical\.\w+ \(at customer\.emails\[\]\), so it always yields nothing; did you mean "primary"\?$/,
        ),
      ],
    ]);
  });
});
