import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { reader as csvReader } from '../../formats/csv/index.ts';
import { writers } from '../../formats/index.ts';
import { reader as jsonReader } from '../../formats/json/index.ts';
import { runEai } from '../../tests/run-eai.ts';
import { checkCommand, formatsCommand, mapCommand } from './cli.ts';
import { mappingSchema } from './spec.ts';

/**
 * A from-canonical mapping for a target the hub has no format of its own for writes `json` or `csv`, and the type
 * check refuses one whose output no writer writes (it used to pass `--types-only` and fail only on its fixtures).
 */
const testdata = 'mappings/engine/testdata/writers';
const noWriter = `${testdata}/customer.xml.from-canonical.yaml`;
const toJson = `${testdata}/customer.json.from-canonical.yaml`;
const records = 'mappings/csv/fixtures/canonical/organization-quotes-umlauts.json';

describe('eai map check: a from-canonical mapping needs a writer for its output', () => {
  it('--types-only refuses one whose output format has no writer, naming the file, `output` and the formats with writers', async () => {
    const text = await checkCommand({ target: noWriter, typesOnly: true });
    expect(text.code).toBe(1);
    const names = writers.map((w) => w.name).join(', ');
    expect(text.stdout).toContain(
      `${noWriter}:5: output: no writer for format "xml"; formats with writers: ${names}\n`,
    );
    const json = JSON.parse((await checkCommand({ target: noWriter, typesOnly: true, json: true })).stdout);
    expect(json.ok).toBe(false);
    expect(json.problems).toEqual([
      {
        file: noWriter,
        line: 5,
        at: 'output',
        message: `no writer for format "xml"; formats with writers: ${names}`,
      },
    ]);
  });

  it('and a to-canonical mapping a reader for its input, refused at `input` (not a crash of the name check)', async () => {
    const result = await checkCommand({
      target: `${testdata}/invoice.x12-810.to-canonical.yaml`,
      typesOnly: true,
      json: true,
    });
    expect(result.code).toBe(1);
    // First, before what its fields lack.
    expect(JSON.parse(result.stdout).problems[0]).toEqual({
      file: `${testdata}/invoice.x12-810.to-canonical.yaml`,
      line: 3,
      at: 'input',
      message: expect.stringMatching(/^no reader for format "x12-810"; formats with readers: .*x12-850/),
    });
  });

  it('passes a json one, types and fixtures', async () => {
    const result = await checkCommand({ target: toJson, json: true });
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, problems: [] });
    expect(result.code).toBe(0);
  });
});

describe('eai map --to-system --mapping', () => {
  it('writes canonical records through the named from-canonical mapping as json, which the json reader reads back', async () => {
    const result = await mapCommand({ format: 'json', input: records, toSystem: true, mapping: toJson });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const [document] = jsonReader.parse(Buffer.from(result.stdout));
    expect(document!.tree).toMatchObject({
      customerNumber: 'salesforce:001xx000003DGbYAAW',
      name: 'Café "Zur Linde", Müller & Söhne KG',
      address: { lines: ['Friedrichstraße 123', 'Hinterhaus; 2. OG'], city: 'Berlin' },
    });
  });

  it('writes a csv table with the shipped customer table mapping, named as a connector names it', async () => {
    const result = await mapCommand({
      format: 'csv',
      input: records,
      toSystem: true,
      mapping: 'csv/customer-table.from-canonical.yaml',
    });
    expect(result.code).toBe(0);
    const [table] = csvReader.parse(Buffer.from(result.stdout));
    expect(table!.tree.rows).toEqual([
      expect.objectContaining({
        id: 'salesforce:001xx000003DGbYAAW',
        name: 'Café "Zur Linde", Müller & Söhne KG',
        street: 'Friedrichstraße 123\nHinterhaus; 2. OG',
      }),
    ]);
  });

  it('refuses a mapping that writes another format, and says to name one where the format has no default', async () => {
    const other = await mapCommand({ format: 'csv', input: records, toSystem: true, mapping: toJson });
    expect(other).toMatchObject({
      code: 1,
      stderr: `mapping ${toJson} writes format json, not format csv: --to-system takes a from-canonical mapping\n`,
    });
    const unnamed = await mapCommand({ format: 'csv', input: records, toSystem: true });
    expect(unnamed.stderr).toBe(
      'no from-canonical mapping writes format "csv" by default: name one (--mapping <file>, a sink\'s mapping:), e.g. a copy of csv/customer-table.from-canonical.yaml\n',
    );
  });

  it('the outside trial’s command: eai map --to-system --format json --mapping <file> --input <records>', async () => {
    const result = await runEai([
      'map',
      '--to-system',
      '--format',
      'json',
      '--mapping',
      toJson,
      '--input',
      records,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ customerNumber: 'salesforce:001xx000003DGbYAAW' });
    // --format may be left out: the mapping's output is the format.
    const inferred = await runEai(['map', '--to-system', '--mapping', toJson, records]);
    expect(inferred.stdout).toBe(result.stdout);
  });
});

describe('eai map formats', () => {
  it('says csv and json are also written', () => {
    const rows = JSON.parse(formatsCommand({ json: true }).stdout) as Array<{
      name: string;
      written: boolean;
    }>;
    expect(rows.filter((r) => r.written).map((r) => r.name)).toEqual(
      expect.arrayContaining(['csv', 'json', 'sap-idoc-orders05']),
    );
    expect(formatsCommand({}).stdout).toMatch(/^json .*\(also written\)$/m);
  });
});

describe("a from-canonical mapping's writer options (options.csv)", () => {
  const excel = `${testdata}/customer.excel-csv.from-canonical.yaml`;

  it('writes the table as its options say: `;`, a byte-order mark, LF, formulas escaped', async () => {
    const result = await mapCommand({ format: 'csv', input: records, toSystem: true, mapping: excel });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      '\uFEFFid;name;phone\nsalesforce:001xx000003DGbYAAW;"Café ""Zur Linde"", Müller & Söhne KG";\'+493012345678\n',
    );
    // And its fixtures are checked with them (the expected files hold what the options write).
    const checked = JSON.parse((await checkCommand({ target: excel, json: true })).stdout);
    expect(checked).toMatchObject({ ok: true, problems: [] });
  });

  it('refuses options for another writer than its output’s, and a value the writer does not take, naming the key', async () => {
    const misplaced = await checkCommand({
      target: `${testdata}/customer.misplaced-csv.from-canonical.yaml`,
      typesOnly: true,
    });
    expect(misplaced.code).toBe(1);
    expect(misplaced.stderr).toBe(
      `${testdata}/customer.misplaced-csv.from-canonical.yaml: options.csv: options for the csv writer, and this mapping's output is json: remove them\n`,
    );
    const spec = parseYaml(readFileSync(excel, 'utf8'));
    spec.options.csv.delimiter = ':';
    const problem = mappingSchema.safeParse(spec);
    expect(problem.success).toBe(false);
    expect(problem.error!.issues[0]!.path).toEqual(['options', 'csv', 'delimiter']);
  });
});
