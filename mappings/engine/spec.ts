import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { csvWriteOptions } from '../../formats/csv/writer.ts';
import { x12AcknowledgmentOptions } from '../../formats/x12-855/index.ts';
import { x12ShipNoticeOptions } from '../../formats/x12-856/index.ts';
import { ConfigError, firstLineOf } from '../../lib/errors.ts';
import { shownPath } from '../../lib/shown-path.ts';
import { isTimeZone } from '../../lib/time-zone.ts';
import { parseYamlText, yamlValueLines } from '../../lib/yaml-text.ts';
import { zodProblemText } from '../../lib/zod-problems.ts';
import type { LookupTables } from './functions.ts';

/**
 * A mapping file: one source format and direction, JSONata per output field. Nested maps mirror nested records;
 * `$each` makes an array of records (one per node the expression yields), `$from` moves the context for a nested
 * record (and makes it null when the expression yields nothing). Keys starting with `$` are directives, the rest
 * are output field names, so the static check can compare them with the schema.
 */
export type FieldMap = { [field: string]: string | FieldMap };

const fieldMap: z.ZodType<FieldMap> = z.lazy(() =>
  z.record(z.string(), z.union([z.string().min(1), fieldMap])).superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      if (key.startsWith('$') && key !== '$each' && key !== '$from') {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `unknown directive "${key}" (known: $each, $from)`,
        });
      }
      if ((key === '$each' || key === '$from') && typeof map[key] !== 'string') {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} takes a JSONata expression` });
      }
    }
    if ('$each' in map && '$from' in map) {
      ctx.addIssue({ code: 'custom', path: ['$from'], message: 'use either $each or $from, not both' });
    }
  }),
);

/** The keys of `options` that hold a writer's own options, each named after its format. */
const WRITER_OPTION_KEYS = ['csv', 'x12-855', 'x12-856'] as const;

export const mappingSchema = z
  .object({
    description: z.string().describe('What the mapping does, one line.'),
    input: z.string().describe('A format name (to-canonical) or an Avro full name (from-canonical).'),
    output: z
      .string()
      .describe('An Avro full name (to-canonical) or a format name with a writer (from-canonical).'),
    options: z
      .object({
        timeZone: z
          .string()
          .refine(isTimeZone, {
            error: 'not an IANA time zone name (e.g. Europe/Berlin, America/New_York, UTC)',
          })
          .default('UTC')
          .describe(
            'IANA zone of local dates and times: those the input writes without a zone (IDocs, EDI and Odoo write none), and those a from-canonical mapping writes ($localDate, $localTime). A connector’s `timeZone` (and `eai map --time-zone`) sets it per partner or system.',
          ),
        csv: csvWriteOptions
          .optional()
          .describe(
            'A from-canonical mapping whose `output` is `csv`: how the table is written for its receiver (`delimiter`, `byteOrderMark`, `lineEnding`, `formulaEscape`, below). Absent: RFC 4180 as it is.',
          ),
        'x12-855': x12AcknowledgmentOptions
          .optional()
          .describe(
            "A from-canonical mapping whose `output` is `x12-855`: the interchange's envelope where the order does not carry it (`envelope`: our ISA05 / ISA06, the partner's ISA07 / ISA08, GS02 / GS03, GS08, ISA15), `separators` and `lineEnding`. Absent: the order's envelope, `*` `>` `~`, a newline after each segment.",
          ),
        'x12-856': x12ShipNoticeOptions
          .optional()
          .describe(
            "A from-canonical mapping whose `output` is `x12-856`: the interchange's envelope where the shipment does not carry it (`envelope`: our ISA05 / ISA06, the partner's ISA07 / ISA08, GS02 / GS03, GS08, ISA15), `separators` and `lineEnding`. Absent: the shipment's envelope, `*` `>` `~`, a newline after each segment.",
          ),
      })
      .strict()
      .default({ timeZone: 'UTC' })
      .describe(
        'How the mapping reads and writes: the zone of local times, and its output format’s writer options.',
      ),
    lookups: z
      .record(z.string(), z.string())
      .default({})
      .describe('Lookup tables by name: YAML files of code → value, relative to the mapping file.'),
    fixtures: z
      .object({
        inputs: z.string().describe('Folder of input documents, relative to the mapping file.'),
        expected: z.string().describe('Folder of expected outputs, `<input file name>.json` each.'),
      })
      .strict()
      .describe('The fixtures `eai map test` and `mappings:check` run.'),
    onlyByName: z
      .boolean()
      .default(false)
      .describe(
        "A further mapping of its format, used only where a connector names it (`mapping:`); the format's default (`eai map`, connectors that name none) stays its other mapping.",
      ),
    takesFirst: z
      .boolean()
      .default(false)
      .describe(
        "A further mapping (`onlyByName`) of a from-canonical format that writes, where no mapping is named (`eai map --to-system`), the records its `records` selects, the format's default the others (HubSpot's companies beside its contacts).",
      ),
    sendTo: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A from-canonical mapping of a format that several APIs of its system take: the API its documents go to, as the system names it (HubSpot's batch bodies: `/crm/v3/objects/contacts` or `/crm/v3/objects/companies`, whose batch/upsert or, by record id, batch/update takes them). `eai map --to-system` says it with each document (`sendTo` in `--json`).",
      ),
    imports: z
      .array(z.string())
      .default([])
      .describe(
        'Files of shared named expressions (YAML maps of name → JSONata, e.g. helper functions), relative to the mapping file; they come before `let`, in order.',
      ),
    let: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        'Named expressions evaluated once per document on its tree, in order, bound as `$name`; a let reads only the lets above it (one that reads a let at or below it is refused at load, naming both and their lines).',
      ),
    records: z
      .string()
      .optional()
      .describe('Expression yielding one context per output record; default: the document tree, one record.'),
    columns: z
      .object({
        table: z
          .string()
          .optional()
          .describe(
            'The lookup table (a name under `lookups`) that says which part of the record each column feeds: a column is looked up as the header writes it, else by its `$columnKey` (lowercased without spaces and punctuation, accents kept).',
          ),
        required: z
          .array(z.string().min(1))
          .default([])
          .describe(
            'What the header must have: column names as written, or with `table` the parts some column must feed. A table whose header lacks one is refused whole, naming it and the closest header names.',
          ),
      })
      .strict()
      .optional()
      .describe(
        "CSV input only: the columns the mapping reads, checked against each table's header at run time and by `eai map check <mapping> <table>`.",
      ),
    fields: fieldMap.describe('Output fields: a JSONata expression each, nested maps for nested records.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    // A writer's options under another format's name would be taken by no writer, unsaid.
    for (const format of WRITER_OPTION_KEYS) {
      if (spec.options[format] !== undefined && spec.output !== format)
        ctx.addIssue({
          code: 'custom',
          path: ['options', format],
          message: `options for the ${format} writer, and this mapping's output is ${spec.output}: remove them`,
        });
    }
    // Taken first beside the format's default: a default of its own would have nothing to come before.
    if (spec.takesFirst && !spec.onlyByName)
      ctx.addIssue({
        code: 'custom',
        path: ['takesFirst'],
        message:
          "takesFirst is for a further mapping of its format: set onlyByName: true too (the format's default writes the records this one does not select)",
      });
  });

/** The options a from-canonical mapping gives the writer of its output format (undefined: the writer's defaults). */
export function writerOptions(spec: MappingSpec): unknown {
  return (WRITER_OPTION_KEYS as readonly string[]).includes(spec.output)
    ? spec.options[spec.output as (typeof WRITER_OPTION_KEYS)[number]]
    : undefined;
}

export type MappingSpec = z.infer<typeof mappingSchema>;

export interface LoadedMapping {
  /** Path relative to the working directory, used in every error message. */
  file: string;
  spec: MappingSpec;
  tables: LookupTables;
  /** Where each imported `let` name was defined, so errors in it point at that file. */
  letOrigins: Record<string, string>;
  fixturesDir: string;
  expectedDir: string;
  /** Every file it was read from: the mapping file, then its lookup tables and imports as found. */
  files: string[];
  /** The line of each value in the mapping file by its place (`fields.salesOrder.status`), for errors. */
  lines?: Map<string, number>;
}

/** The shipped mappings (`mappings/`): the catalog names such as `sap/idoc-orders05.to-canonical.yaml` start here. */
export const shippedMappingsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A lookup table or import a mapping names: relative to the mapping's own folder, else a shipped file by its name
 * under `mappings/` (`lookups/countries.yaml`, `salesforce/lib/customer-functions.yaml`), the rule by which a
 * connector names its mapping. So a shipped mapping copied into a deployment folder still finds the shipped
 * tables it uses, and a table of the same name next to the copy takes their place.
 */
/** Where a file named by `ref` may be, in order: absolute as it is, else beside `base`, else under `mappings/`. */
export function catalogCandidates(ref: string, base?: string): string[] {
  return isAbsolute(ref) ? [ref] : [...(base ? [resolve(base, ref)] : []), join(shippedMappingsDir, ref)];
}

/**
 * Each lookup table file's text as last read and what it parsed to: a table several mappings name (the countries
 * table: 13 of them) is parsed once while its text stays the same, not once for each, in every process and mapping
 * thread that loads the catalog; a changed file is parsed again. Tables are only read, never changed, once loaded.
 */
const parsedTables = new Map<string, { text: string; table: unknown }>();

function parsedTable(base: string, ref: string, files: string[]): unknown {
  const text = readReferenced(base, ref, files);
  const path = files.at(-1)!;
  const known = parsedTables.get(path);
  if (known?.text === text) return known.table;
  const table = parseYamlText(text);
  parsedTables.set(path, { text, table });
  return table;
}

function readReferenced(base: string, ref: string, files: string[]): string {
  const candidates = catalogCandidates(ref, base);
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`no such file (looked in ${candidates.join(', ')})`);
  files.push(found);
  return readFileSync(found, 'utf8');
}

export function loadMappingFile(path: string): LoadedMapping {
  const file = shownPath(path);
  let raw: unknown;
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
    raw = parseYamlText(text);
  } catch (error) {
    throw new ConfigError(`${file}: not readable YAML: ${firstLineOf(error)}`, { cause: error });
  }
  const keys = raw && typeof raw === 'object' && !Array.isArray(raw) ? Object.keys(raw) : [];
  if (!['input', 'output', 'fields'].some((key) => keys.includes(key)))
    // Not a mapping at all: its keys are not listed as unknown ones, for the same reason.
    throw new ConfigError(`${file}: not a mapping file (it has none of input, output and fields)`);
  const parsed = mappingSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${file}: ${zodProblemText(parsed.error)}`);
  const spec = parsed.data;
  const base = dirname(path);
  const files = [path];
  const tables: LookupTables = {};
  for (const [name, tablePath] of Object.entries(spec.lookups)) {
    let table: unknown;
    try {
      table = parsedTable(base, tablePath, files);
    } catch (error) {
      throw new ConfigError(`${file}: lookups.${name}: cannot read ${tablePath}: ${firstLineOf(error)}`);
    }
    if (!table || typeof table !== 'object' || Array.isArray(table)) {
      throw new ConfigError(`${file}: lookups.${name}: ${tablePath} must be a map of code → value`);
    }
    tables[name] = table as Record<string, unknown>;
  }
  const imported: Record<string, string> = {};
  const letOrigins: Record<string, string> = {};
  for (const importPath of spec.imports) {
    let shared: unknown;
    try {
      shared = parseYamlText(readReferenced(base, importPath, files));
    } catch (error) {
      throw new ConfigError(`${file}: imports: cannot read ${importPath}: ${firstLineOf(error)}`);
    }
    const entries = Object.entries((shared ?? {}) as Record<string, unknown>);
    const bad = entries.find(([, expression]) => typeof expression !== 'string');
    if (!shared || typeof shared !== 'object' || Array.isArray(shared) || bad) {
      throw new ConfigError(`${file}: imports: ${importPath} must be a map of name → JSONata expression`);
    }
    for (const [name, expression] of entries) {
      if (Object.hasOwn(spec.let, name)) {
        throw new ConfigError(`${file}: let.${name}: also defined in ${importPath}; rename one`);
      }
      imported[name] = expression as string;
      letOrigins[name] = importPath;
    }
  }
  spec.let = { ...imported, ...spec.let };
  return {
    file,
    spec,
    tables,
    letOrigins,
    fixturesDir: resolve(base, spec.fixtures.inputs),
    expectedDir: resolve(base, spec.fixtures.expected),
    files,
    lines: yamlValueLines(text),
  };
}
