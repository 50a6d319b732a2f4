import type { Command } from 'commander';
import { detectFormat, readers, unreadDocument } from '../../formats/index.ts';
import { ConfigError, errorMessage, withoutValueMarks } from '../../lib/errors.ts';
import {
  type CommandOutput,
  checkCommand,
  formatsCommand,
  mapCommand,
  readInput,
  testCommand,
} from '../../mappings/engine/cli.ts';
import { findMapping } from '../../mappings/index.ts';
import { readStdin } from '../stdin.ts';

function emit(output: CommandOutput): void {
  if (output.stdout) process.stdout.write(output.stdout);
  // The values its errors quote, without the marks that let the hub hide them from a viewer (lib/errors.ts); the
  // records on stdout are the document's data as it is.
  if (output.stderr) process.stderr.write(withoutValueMarks(output.stderr));
  process.exitCode = output.code;
}

/**
 * The format a mapping named by --mapping reads, for a document that does not name its own (a CSV), or, with
 * --to-system, the format it writes: the mapping says it. Undefined when it cannot be read here; mapCommand then
 * reports why.
 */
function formatOfMapping(
  mapping: string | undefined,
  toSystem: boolean | undefined,
): { format?: string; problem?: string } {
  if (!mapping) return {};
  try {
    const compiled = findMapping(mapping, process.cwd());
    if (toSystem)
      return { format: compiled.direction === 'from-canonical' ? compiled.spec.output : undefined };
    return { format: compiled.direction === 'to-canonical' ? compiled.spec.input : undefined };
  } catch (error) {
    // The mapping named cannot be read (a duplicate key in its columns table): that, not a missing --format.
    return { problem: errorMessage(error) };
  }
}

export function registerMapCommand(program: Command): void {
  const map = program
    .command('map')
    .description(
      'map documents to canonical records, or canonical records to a document (--to-system); works without Kafka',
    )
    .argument('[file]', 'the document (as --input; - reads it from stdin)')
    .option(
      '--format <format>',
      'document format (see: eai map formats); X12, EDIFACT, IDoc, EPCIS, Salesforce change events and HubSpot contact and company webhook batches are recognised without it',
    )
    .option(
      '--input <file>',
      'the document; with --to-system, canonical records as JSON (what eai map prints)',
    )
    .option(
      '--to-system',
      "write canonical records as a document of --format through its mapping out (sap-idoc-orders05: ORDRSP, SAP's order response) instead of reading one",
    )
    .option(
      '--mapping <file>',
      "a to-canonical mapping file to use for every document instead of the shipped one that maps it (the format's default, else the one other shipped mapping that does: a Salesforce Case change's case-cdc); with --to-system, a from-canonical one (its output is the format)",
    )
    .option(
      '--encoding <charset>',
      "the document's character set when it declares none (X12, CSV, JSON, an IDoc flat file): iso-8859-1, windows-1252, …",
    )
    .option(
      '--time-zone <zone>',
      "the partner's or system's IANA zone (Europe/Berlin) of local dates and times read (with --to-system, written), over the mapping's options.timeZone, as a connector's timeZone",
    )
    .option('--tree', 'print the parsed document tree (what mapping expressions see) instead of mapping it')
    .option(
      '--json',
      'one-line JSON output (with --to-system: each document as {document, mapping, sendTo}), machine-readable errors on stderr',
    )
    .action(
      async (
        file: string | undefined,
        given: {
          format?: string;
          input?: string;
          toSystem?: boolean;
          tree?: boolean;
          mapping?: string;
          encoding?: string;
          timeZone?: string;
          json?: boolean;
        },
      ) => {
        const options = { ...given, input: given.input ?? file };
        // `-`: the document from stdin (`cat po.edi | eai map -`), named `stdin` in messages. Either is read once.
        const piped = options.input === '-' ? await readStdin() : undefined;
        if (piped) options.input = 'stdin';
        const conflict =
          file !== undefined && given.input !== undefined && file !== given.input
            ? `two documents given (${file} and --input ${given.input}): give one`
            : piped?.length === 0
              ? 'stdin is empty: nothing came through the pipe (cat po.edi | npx eai map -)'
              : undefined;
        // Read only to find the format the document names; one that cannot be read is named at once.
        const named =
          options.format || options.toSystem || !options.input ? undefined : detected(options.input, piped);
        const ofMapping =
          options.format || named?.format ? {} : formatOfMapping(options.mapping, options.toSystem);
        options.format ??= named?.format ?? ofMapping.format;
        const missing =
          conflict ??
          named?.unreadable ??
          (!options.input
            ? 'the document is required: eai map <file>, --input <file> or - for stdin (with --to-system, the canonical records as JSON)'
            : !options.format
              ? ofMapping.problem
                ? ofMapping.problem
                : named?.unread
                  ? `${options.input} is ${named.unread}`
                  : `--format is required${named ? ' (the document does not name its format)' : ''}: one of ${readers.map((r) => r.name).join(', ')}`
              : undefined);
        if (missing || !options.format || !options.input) {
          const message = `${missing}; see eai map --help`;
          emit({
            code: 1,
            stdout: '',
            stderr: `${options.json ? JSON.stringify({ errors: [{ error: 'UsageError', message }] }) : `eai map: ${message}`}\n`,
          });
          return;
        }
        emit(
          await mapCommand({
            format: options.format,
            input: options.input,
            bytes: named?.bytes ?? piped,
            toSystem: options.toSystem,
            tree: options.tree,
            mapping: options.mapping,
            encoding: options.encoding,
            timeZone: options.timeZone,
            // Detected, not named: an interchange of several formats' documents (850 and 856 sets) has each mapped
            // with its own reader's mapping.
            otherReaders: named?.format !== undefined,
            json: options.json,
          }),
        );
      },
    );

  map
    .command('formats')
    .description('list the document formats, one line each')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean }) => emit(formatsCommand(options)));

  map
    .command('test [target]')
    .description(
      'run every mapping fixture (or those of a mapping file or folder) against its expected output',
    )
    .option('--update', 'write the actual outputs as the expected ones (review the diff before committing)')
    .option('--json', 'print the results as JSON')
    .action(async (target: string | undefined, options: { update?: boolean; json?: boolean }) =>
      emit(await testCommand({ ...options, target })),
    );

  map
    .command('check [target] [table]')
    .description(
      "type-check every mapping against its schema and run its fixtures (npm run mappings:check); with a CSV mapping file and a table, also check the table's header against the columns the mapping reads",
    )
    .option(
      '--types-only',
      'only the static type check: no fixtures are run (before the expected outputs exist)',
    )
    .option(
      '--encoding <charset>',
      "the table's character set when it is not UTF-8, as eai map --encoding: windows-1252, iso-8859-1, …",
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (
        target: string | undefined,
        table: string | undefined,
        options: { json?: boolean; typesOnly?: boolean; encoding?: string },
      ) => emit(await checkCommand({ ...options, target, input: table })),
    );
}

/**
 * The format the document's envelope names, with the bytes read to find it (then mapped as they are, not read again),
 * or why the document could not be read.
 */
function detected(
  input: string,
  piped: Buffer | undefined,
): { bytes?: Buffer; format?: string; unread?: string; unreadable?: string } {
  try {
    // The same words as with --format: a folder, a missing file or one without permission is named so.
    const bytes = piped ?? readInput(input);
    const format = detectFormat(bytes);
    if (format !== undefined) return { bytes, format };
    const unread = unreadDocument(bytes);
    return unread === undefined ? { bytes } : { bytes, unread };
  } catch (error) {
    if (error instanceof ConfigError) return { unreadable: error.message };
    return { unreadable: `cannot read ${input}: ${errorMessage(error)}` };
  }
}
