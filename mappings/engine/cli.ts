import { readFileSync, statSync } from 'node:fs';
import { CSV_FORMAT } from '../../formats/csv/index.ts';
import {
  encodingProblem,
  ForeignDocumentError,
  findReader,
  formatReading,
  readerBytes,
  readers,
  withNotUtf8Advice,
  writers,
} from '../../formats/index.ts';
import { ConfigError, EaiError, NonRetriableError } from '../../lib/errors.ts';
import { shownPath } from '../../lib/shown-path.ts';
import { isTimeZone } from '../../lib/time-zone.ts';
import {
  type CompiledMapping,
  type FailedDocument,
  findMapping,
  inboundMapping,
  inTimeZone,
  isFailed,
  isRecordFailure,
  loadMappings,
  type MappedDocument,
  mapEach,
  mapParsed,
  mapRecordsEagerly,
  namedInboundMappings,
  outboundMappingsInTurn,
  type UsageReport,
  UsageTracker,
  type WrittenDocument,
  writeWithFirst,
} from '../index.ts';
import { problemText, staticProblems, staticWarnings } from './check.ts';
import { columnsProblems, type HeaderReport, headerProblems, headerReport } from './csv-columns.ts';
import { type ErrorLine, errorLine } from './errors.ts';
import { type FixtureResult, fixtureInputs, runFixtures } from './fixtures.ts';
import { canonicalValues } from './run.ts';

/**
 * What `eai map` does, as functions that return their output instead of printing it, so tests run them
 * in-process against every broken fixture and the commander wiring (cli/commands/map.ts) stays thin.
 */
export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

function problemLine(error: unknown): ErrorLine {
  const line = errorLine(error);
  // Readers and mappings refuse input with located errors; anything else is a fault in eai, and the line says so.
  if (!(error instanceof EaiError))
    line.message = `unexpected ${error instanceof Error ? error.name : 'error'} inside eai (a bug: report it with the input): ${line.message}`;
  return line;
}

const oneLine = (message: string) => message.split('\n').join(' ');

function failure(error: unknown, json: boolean): CommandOutput {
  const line = problemLine(error);
  const text = json ? JSON.stringify({ errors: [line] }) : oneLine(line.message);
  return { code: 1, stdout: '', stderr: `${text}\n` };
}

/**
 * A document that is not UTF-8, of a format that declares no character set (X12, CSV, JSON), read without
 * `--encoding`: the reader's error, then what the bytes look like and the option that reads them, as `eai mdm load`
 * says it. Any other error as it is.
 */
function withEncodingAdvice(error: unknown, format: string, encoding: string | undefined): unknown {
  return withNotUtf8Advice(error, format, encoding, 'option');
}

/**
 * An input of documents where some were not mapped: the records of the others on stdout, one line per document (or
 * part of one) that was not on stderr (`document 2 of 3 (id): …`; a lone document's line as it is), exit 1. A document
 * of several records (`records:`, a CSV's rows) where some did not map has its other records on stdout and a line
 * per failed record (`record 3 of 5: …`, `document 1 of 2 (id), record 3 of 5: …`); a document whose events its
 * reader set apart (a webhook batch's other objects) a line per event. `--json`: the errors, each with its
 * document's number and id (and its record's), and one object per document with `ok` (and `failedRecords`,
 * `unmappedEvents`).
 */
interface DocumentLine {
  document: number;
  id?: string;
  kind?: string;
  ok: boolean;
  records?: number;
  failedRecords?: number;
  unmappedEvents?: number;
  error?: ErrorLine;
}

/** A document, or one event of it, that was read but that no record came of: what `eai map` reports as not mapped. */
export class NotMappedError extends NonRetriableError {
  readonly location: string | undefined;
  constructor(message: string, location?: string) {
    super(message);
    this.location = location;
  }
}

function notMappedLine(error: NotMappedError): ErrorLine {
  return {
    error: 'NotMapped',
    ...(error.location !== undefined ? { location: error.location } : {}),
    message: error.message,
  };
}

interface Outcome {
  result: MappedDocument | FailedDocument;
  /** The document read, no record of it (or of some of its events) made: why, one error each. */
  unmapped: NotMappedError[];
}

function documentFailures(outcomes: Outcome[], json: boolean): CommandOutput {
  const lines = outcomes.map(({ result: r, unmapped }, i): DocumentLine => {
    if (isFailed(r))
      return { document: i + 1, ...(r.id ? { id: r.id } : {}), ok: false, error: problemLine(r.error) };
    const failedRecords = r.failed?.length ?? 0;
    const wholeUnmapped = r.records.length === 0 && unmapped.length === 1 && !unmapped[0]!.location;
    return {
      document: i + 1,
      id: r.document.id,
      kind: r.document.kind,
      ok: failedRecords === 0 && unmapped.length === 0,
      records: r.records.length,
      ...(failedRecords ? { failedRecords } : {}),
      ...(wholeUnmapped
        ? { error: notMappedLine(unmapped[0]!) }
        : unmapped.length > 0
          ? { unmappedEvents: unmapped.length }
          : {}),
    };
  });
  const failed = outcomes.flatMap(
    ({ result: r, unmapped }, i): Array<ErrorLine & { document: number; id?: string; of?: number }> => {
      const line = lines[i]!;
      if (isFailed(r)) return [{ ...line.error!, document: line.document, id: line.id }];
      const records = (r.failed ?? []).map((f) => ({
        ...problemLine(f.error),
        record: f.record,
        document: line.document,
        id: line.id,
        of: r.total,
      }));
      const events = unmapped.map((u) => ({ ...notMappedLine(u), document: line.document, id: line.id }));
      return [...records, ...events];
    },
  );
  const stderr = json
    ? JSON.stringify({ errors: failed.map(({ of: _, ...f }) => f), documents: lines })
    : failed
        .map((f) => {
          const record = f.record === undefined ? '' : `record ${f.record} of ${f.of}`;
          const document =
            outcomes.length === 1
              ? ''
              : `document ${f.document} of ${outcomes.length}${f.id ? ` (${f.id})` : ''}`;
          const where = [document, record].filter(Boolean).join(', ');
          return where ? `${where}: ${oneLine(f.message)}` : oneLine(f.message);
        })
        .join('\n');
  const mapped = outcomes.map((o) => o.result).filter((r): r is MappedDocument => !isFailed(r));
  const records = mapped.flatMap((m) => m.records);
  const stdout = records.length > 0 ? `${JSON.stringify(records, null, json ? undefined : 2)}\n` : '';
  return { code: 1, stdout, stderr: `${stderr}\n` };
}

/** The input document; a missing file is named, not reported as a bare ENOENT. */
export function readInput(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`input file ${path} not found`);
    if (code === 'EISDIR') throw new ConfigError(`input file ${path} is a folder, not a file`);
    if (code === 'EACCES') throw new ConfigError(`input file ${path} cannot be read (permission denied)`);
    throw error;
  }
}

/**
 * A valid document that yields no canonical record is not an error (an EPCIS packing event is no shipment
 * milestone), but `eai map` never prints `[]` without saying so: one note on stderr naming the documents read and the
 * mapping that selected nothing from them; the exit status stays 0.
 */
function noRecordsNote(mappingFile: string, mapped: MappedDocument[], input: string, json: boolean): string {
  const documents = mapped.map((m) => `${m.document.kind} ${m.document.id}`);
  const message =
    mapped.length === 0
      ? `${input} holds no document: no canonical record`
      : `no canonical record: ${mappingFile} selects nothing from ${documents.join(', ')} (read with --tree what it holds)`;
  return `${json ? JSON.stringify({ warnings: [{ warning: 'NoCanonicalRecord', location: input, message }] }) : `eai map: ${message}`}\n`;
}

/** The format that reads an object's webhook events, by the object a subscription type names (`company.creation`). */
const WEBHOOK_OBJECT_FORMATS: Record<string, string> = {
  contact: 'hubspot-contact',
  company: 'hubspot-company',
};

interface SetApartEvent {
  $loc: string;
  subscriptionType: string;
  objectId?: string;
}

/** The events a webhook batch's reader set apart (`otherEvents`), none for other documents. */
function setApartOf(document: MappedDocument['document']): SetApartEvent[] {
  const other = (document.tree as { otherEvents?: unknown } | undefined)?.otherEvents;
  return Array.isArray(other) ? (other as SetApartEvent[]) : [];
}

/** The object a set-apart event is of (`company` of `company.creation`), and the format that reads its events. */
function objectOf(event: SetApartEvent): { object: string; reader: string | undefined } {
  const object = event.subscriptionType.split('.')[0] ?? '';
  return { object, reader: WEBHOOK_OBJECT_FORMATS[object] };
}

/**
 * Events a webhook batch's reader set apart (`otherEvents`: HubSpot posts every subscription of an app to one URL, so
 * a contact batch holds a company's events too, which the contact mapping never sees): not mapped, each named with
 * its place and the format that maps it, whether or not the batch's other events gave records.
 */
function setApartEvents(
  document: MappedDocument['document'],
  format: string,
  readAlso: ReadonlySet<string> = new Set(),
): NotMappedError[] {
  // An event of an object whose own reader read the batch too (readAlso) is that reader's: mapped there.
  return setApartOf(document)
    .filter((e) => !readAlso.has(objectOf(e).reader ?? ''))
    .map((e) => {
      const { object, reader } = objectOf(e);
      const maps = reader && reader !== format ? `; eai map --format ${reader} maps a ${object}'s` : '';
      const where = e.$loc || '/';
      return new NotMappedError(
        `${format}: ${where}: ${e.subscriptionType} event${e.objectId ? ` of object ${e.objectId}` : ''} is no ${format} event: no ${format} mapping reads it${maps}`,
        where,
      );
    });
}

/**
 * What of each document was not mapped, in an input of several documents (or a batch of events): a document no record
 * came of while the input's others gave records, or that other shipped mappings of the format map (`fits`: a
 * Salesforce Case change read with --mapping cdc, or one several mappings map), and the events a batch's reader set
 * apart. A lone document (or every one) no shipped mapping makes a record of is a valid document that yields none
 * (noRecordsNote), not this.
 */
async function unmappedOf(
  results: Array<MappedDocument | FailedDocument>,
  options: {
    format: string;
    input: string;
    mapping: CompiledMapping;
    fits: Fits;
    readAlso?: ReadonlySet<string>;
  },
): Promise<Outcome[]> {
  // The input format's documents (not those another object's reader read from the same batch: setApartMapped).
  const own = results.filter((r) => isFailed(r) || r.document.format === options.format);
  const anyRecords = own.some((r) => !isFailed(r) && r.records.length > 0);
  const outcomes: Outcome[] = [];
  for (const result of results) {
    if (isFailed(result)) {
      outcomes.push({ result, unmapped: [] });
      continue;
    }
    // A document another object's reader read from the same batch (setApartMapped) reports only its failures: what
    // it set apart, the input format's documents report.
    if (result.document.format !== options.format) {
      outcomes.push({ result, unmapped: [] });
      continue;
    }
    const unmapped = setApartEvents(result.document, options.format, options.readAlso);
    if (result.records.length === 0 && !result.failed && unmapped.length === 0) {
      const { kind, id } = result.document;
      const by = options.fits.get(result) ?? [];
      const selects = `${shownPath(options.mapping.file)} makes no record of ${kind} ${id}`;
      if (by.length > 0)
        unmapped.push(
          new NotMappedError(
            `${selects}; ${by.length === 1 ? 'another shipped mapping maps it' : `${by.length} other shipped mappings map it (${by.map((m) => shownPath(m.file)).join(', ')}): name one`}: eai map --mapping ${shownPath(by[0]!.file)} ${options.input}`,
          ),
        );
      else if (anyRecords && own.length > 1)
        unmapped.push(
          new NotMappedError(
            `${selects}, and no other shipped mapping of ${options.format} reads it (read with --tree what it holds)`,
          ),
        );
    }
    outcomes.push({ result, unmapped });
  }
  return outcomes;
}

/** The format's shipped to-canonical mappings: its default (when it has one), then those read only by name. */
function shippedInboundMappings(format: string, catalog?: string): CompiledMapping[] {
  let standard: CompiledMapping[] = [];
  try {
    standard = [inboundMapping(format, catalog)];
  } catch {
    // a format read only by named mappings (a table)
  }
  return [...standard, ...namedInboundMappings(format, catalog)];
}

/** Of `mappings`, those that make a record of `document`. */
async function thoseThatMap(
  mappings: CompiledMapping[],
  document: MappedDocument['document'],
): Promise<CompiledMapping[]> {
  const fit: CompiledMapping[] = [];
  for (const mapping of mappings) {
    try {
      const outcomes = await mapRecordsEagerly(mapping, document);
      if (outcomes.some((o) => !isRecordFailure(o))) fit.push(mapping);
    } catch {
      // that mapping cannot map it either
    }
  }
  return fit;
}

/** Per document of the input's format its mapping made no record of, the other shipped mappings that make one. */
type Fits = Map<MappedDocument, CompiledMapping[]>;

async function otherFits(
  results: Array<MappedDocument | FailedDocument>,
  format: string,
  mapping: CompiledMapping,
  catalog: string | undefined,
): Promise<Fits> {
  const fits: Fits = new Map();
  const candidates = shippedInboundMappings(format, catalog).filter((m) => m.file !== mapping.file);
  if (candidates.length === 0) return fits;
  for (const result of results) {
    if (isFailed(result) || result.document.format !== format) continue;
    if (result.records.length > 0 || result.failed || setApartOf(result.document).length > 0) continue;
    const fit = await thoseThatMap(candidates, result.document);
    if (fit.length > 0) fits.set(result, fit);
  }
  return fits;
}

/**
 * The one other shipped mapping that maps the input, when the format's default made no record of any of its
 * documents and every document another mapping maps is mapped by that one alone (a file of Salesforce Case changes:
 * case-cdc, Case's entity); undefined otherwise.
 */
function soleFit(
  results: Array<MappedDocument | FailedDocument>,
  format: string,
  fits: Fits,
): CompiledMapping | undefined {
  const own = results.filter((r) => isFailed(r) || r.document.format === format);
  if (own.some((r) => isFailed(r) || r.records.length > 0 || r.failed)) return undefined;
  const fitting = [...fits.values()];
  const first = fitting[0]?.[0];
  return first && fitting.every((fit) => fit.length === 1 && fit[0]!.file === first.file) ? first : undefined;
}

/**
 * `results` with each document one other shipped mapping alone maps (`fits`) mapped by it: an Account's change and a
 * Case's in one file, each by the mapping of its entity. Those several map stay as they are (unmappedOf names them).
 */
async function byTheirFit(
  results: Array<MappedDocument | FailedDocument>,
  fits: Fits,
  timeZone: string | undefined,
): Promise<{ results: Array<MappedDocument | FailedDocument>; fits: Fits; replaced: boolean }> {
  const left: Fits = new Map();
  let replaced = false;
  const out: Array<MappedDocument | FailedDocument> = [];
  for (const result of results) {
    const fit = isFailed(result) ? undefined : fits.get(result);
    if (!fit || isFailed(result)) out.push(result);
    else if (fit.length === 1) {
      out.push(await mapParsed(inTimeZone(fit[0]!, timeZone), result.document));
      replaced = true;
    } else {
      out.push(result);
      left.set(result, fit);
    }
  }
  return { results: out, fits: left, replaced };
}

/**
 * mapEach, and (with `otherReaders`) for each document its reader refused for its type, the result of the reader of
 * that type (detect.ts formatReading: the same interchange read by another set's or message's reader, an 856 among
 * 850s, wherever in the file it stands), mapped with that format's mapping; documents are matched by their place,
 * every EDI reader yielding one result per set or message. The file is read once more per other type it holds.
 */
async function mapEachWithItsReader(
  format: string,
  bytes: Buffer,
  options: { mapping: CompiledMapping; usage?: UsageTracker },
  otherReaders: boolean,
): Promise<Array<MappedDocument | FailedDocument>> {
  const results = await mapEach(format, bytes, options);
  if (!otherReaders) return results;
  const others = new Set<string>();
  for (const result of results) {
    if (!isFailed(result) || !(result.error instanceof ForeignDocumentError)) continue;
    const other = formatReading(result.error.documentType);
    if (other !== undefined && other !== format) others.add(other);
  }
  for (const other of others) {
    if (!results.some((r) => isFailed(r) && r.error instanceof ForeignDocumentError)) break;
    let alternative: Array<MappedDocument | FailedDocument>;
    try {
      alternative = await mapEach(other, bytes, { mapping: inboundMapping(other) });
    } catch {
      continue; // the other reader refuses the whole input: the format's own errors stand
    }
    if (alternative.length !== results.length) continue;
    // A document of the other format's type (its reader read it, or refused it for what it holds rather than for
    // its type): that reader's outcome, not this one's "is not <format>".
    alternative.forEach((result, i) => {
      const own = results[i]!;
      if (!isFailed(own) || !(own.error instanceof ForeignDocumentError)) return;
      if (!isFailed(result) || !(result.error instanceof ForeignDocumentError)) results[i] = result;
    });
  }
  return results;
}

/**
 * A webhook batch's events its reader set apart that another object's reader reads (HubSpot posts every subscription
 * of an app to one URL: a contact batch holds company events), read and mapped by that reader with its shipped
 * mapping: its documents, and the formats that read the batch besides `format` (whose events are then not reported as
 * set apart). None with `--mapping`, which names one mapping for all.
 */
async function setApartMapped(
  results: Array<MappedDocument | FailedDocument>,
  format: string,
  bytes: Buffer,
): Promise<{ results: Array<MappedDocument | FailedDocument>; readAlso: Set<string> }> {
  const formats = new Set<string>();
  for (const result of results) {
    if (isFailed(result)) continue;
    for (const { reader } of setApartOf(result.document).map(objectOf))
      if (reader && reader !== format) formats.add(reader);
  }
  const more: Array<MappedDocument | FailedDocument> = [];
  for (const other of formats)
    more.push(...(await mapEach(other, bytes, { mapping: inboundMapping(other) })));
  return { results: more, readAlso: new Set([format, ...formats]) };
}

/** Documents up to this size get the count of input values no mapping used (tracking reads about doubles the time). */
const USAGE_COUNT_LIMIT = 1024 * 1024;

/** At most this many unused values are listed in `--json` (a 1-MiB document may hold tens of thousands). */
const UNUSED_LISTED = 1000;

/**
 * Every value a reader understood lands in a canonical field or in `extensions`; what no expression read is counted
 * on stderr (`--json`: an `UnmappedInput` warning listing them by location, the first UNUSED_LISTED of them, with
 * `listed` saying how many when that cut them), so a dropped fact shows.
 */
function unusedNote(mappingFile: string, report: UsageReport, json: boolean): string {
  if (report.unused.length === 0) return '';
  const count = report.unused.length;
  const message = `${count} of ${report.total} input values were used by no expression of ${mappingFile}`;
  if (json) {
    const unused = report.unused.slice(0, UNUSED_LISTED);
    const cut = unused.length < count ? { listed: unused.length } : {};
    return `${JSON.stringify({ warnings: [{ warning: 'UnmappedInput', count, total: report.total, message, ...cut, unused }] })}\n`;
  }
  // A field of a JSON document's root has the empty location (its JSON pointer): the field's name says it alone.
  const first = report.unused
    .slice(0, 5)
    .map((u) => (u.location ? `${u.location}: ${u.field}` : u.field))
    .join('; ');
  return `eai map: ${message} (${first}${count > 5 ? '; …' : ''}; --json lists them)\n`;
}

/** `eai map --format F --input FILE [--to-system]`. */
export async function mapCommand(options: {
  format: string;
  /** The document's file, or its name in messages when `bytes` holds it (`stdin`). */
  input: string;
  /** The document, already read (from stdin, or to find its format). */
  bytes?: Buffer;
  toSystem?: boolean;
  /** Print the parsed document trees (what mapping expressions see) instead of mapping them. */
  tree?: boolean;
  /**
   * A mapping file to read the document with instead of the format's shipped one (a partner's own, a template); with
   * toSystem, the from-canonical mapping that writes it.
   */
  mapping?: string;
  /** The document's character set when its format declares none (a partner's ISO-8859-1 X12); default UTF-8. */
  encoding?: string;
  /** The zone of local dates and times read (or, with toSystem, written) over the mapping's (a connector's timeZone). */
  timeZone?: string;
  /**
   * Whether a document the format's reader refuses for its type (an X12 interchange of 850 and 856 sets, an EDIFACT
   * one of ORDERS and DESADV messages) is read by the reader of its type and mapped with that format's mapping: when
   * the format was detected, not named. Not with `mapping`, which names one mapping for all.
   */
  otherReaders?: boolean;
  json?: boolean;
  /** The folder of the mappings chosen from without --mapping: the shipped catalog unless a test gives its own. */
  catalog?: string;
}): Promise<CommandOutput> {
  const json = !!options.json;
  try {
    const problem = options.encoding && encodingProblem(options.format, options.encoding);
    if (problem) throw new ConfigError(`--encoding: ${problem}`);
    if (options.timeZone && !isTimeZone(options.timeZone))
      throw new ConfigError(
        `--time-zone: "${options.timeZone}" is not an IANA time zone name (e.g. Europe/Berlin, America/New_York, UTC)`,
      );
    const raw = options.bytes ?? readInput(options.input);
    const bytes = options.toSystem ? raw : readerBytes(options.format, raw, options.encoding);
    if (options.tree) {
      const documents = findReader(options.format).parse(bytes);
      return { code: 0, stdout: `${JSON.stringify(documents, null, json ? undefined : 2)}\n`, stderr: '' };
    }
    if (options.toSystem) {
      if (options.mapping) {
        const outbound = findMapping(options.mapping, process.cwd());
        if (outbound.direction !== 'from-canonical' || outbound.spec.output !== options.format) {
          throw new ConfigError(
            `mapping ${options.mapping} ${outbound.direction === 'from-canonical' ? `writes format ${outbound.spec.output}` : `reads format ${outbound.spec.input} (a to-canonical mapping)`}, not format ${options.format}: --to-system takes a from-canonical mapping`,
          );
        }
      }
      // Without --mapping, each record is written by the first of the format's mappings that selects it (a
      // `takesFirst` one: HubSpot's companies, then the default: its contacts).
      const outbound = options.mapping
        ? [findMapping(options.mapping, process.cwd())]
        : outboundMappingsInTurn(options.format);
      const documents = await writeWithFirst(
        outbound.map((m) => inTimeZone(m, options.timeZone)),
        recordsToWrite(bytes, options.input),
        // A look at what a sink would write: numbered documents (X12) show control number 1, used by nothing.
        { controlNumbers: async () => 1 },
      );
      if (json) return { code: 0, stdout: `${JSON.stringify(documents.map(writtenJson))}\n`, stderr: '' };
      return {
        code: 0,
        stdout: documents.map((d) => d.document.toString('utf8')).join('\n'),
        stderr: sendToNote(documents),
      };
    }
    let mapping = inTimeZone(
      options.mapping
        ? findMapping(options.mapping, process.cwd())
        : inboundMapping(options.format, options.catalog),
      options.timeZone,
    );
    if (mapping.direction !== 'to-canonical' || mapping.spec.input !== options.format) {
      throw new ConfigError(
        mapping.direction === 'to-canonical'
          ? `mapping ${options.mapping} reads format ${mapping.spec.input}, and ${options.input} is read as ${options.format}: name a mapping whose input is ${options.format}, or leave out --mapping for that format's own`
          : `mapping ${options.mapping} writes canonical records as ${mapping.spec.output} (a from-canonical mapping): to read ${options.input} as ${options.format}, name a to-canonical mapping of ${options.format}; to write records with it, add --to-system`,
      );
    }
    const read = async (by: CompiledMapping) => {
      const usage = bytes.length <= USAGE_COUNT_LIMIT ? new UsageTracker() : undefined;
      const results = await mapEachWithItsReader(
        options.format,
        bytes,
        { mapping: by, usage },
        !options.mapping && options.otherReaders === true,
      );
      return { results, usage, fits: await otherFits(results, options.format, by, options.catalog) };
    };
    let { results, usage, fits } = await read(mapping);
    // Without --mapping, a document the format's default makes no record of is mapped by the one other shipped
    // mapping that makes one (a Salesforce change event's entity decides: Account and Contact the customer mapping,
    // Case case-cdc): the whole input by it when it maps every such document and the default none, so its unused
    // values are counted; else each such document by its own. A document several map is named, with them.
    let mixed = false;
    if (!options.mapping && fits.size > 0) {
      const sole = soleFit(results, options.format, fits);
      if (sole) {
        mapping = inTimeZone(sole, options.timeZone);
        ({ results, usage, fits } = await read(mapping));
      } else {
        const fitted = await byTheirFit(results, fits, options.timeZone);
        ({ results, fits } = fitted);
        mixed = fitted.replaced;
      }
    }
    const alsoRead = options.mapping
      ? { results: [], readAlso: new Set<string>() }
      : await setApartMapped(results, options.format, bytes);
    results.push(...alsoRead.results);
    const outcomes = await unmappedOf(results, {
      format: options.format,
      input: options.input,
      mapping,
      fits,
      readAlso: alsoRead.readAlso,
    });
    if (outcomes.some(({ result: r, unmapped }) => isFailed(r) || r.failed || unmapped.length > 0))
      return documentFailures(outcomes, json);
    const mapped = results.filter((r): r is MappedDocument => !isFailed(r));
    const records = mapped.flatMap((m) => m.records);
    const stdout = `${JSON.stringify(records, null, json ? undefined : 2)}\n`;
    // Counted for the input format's mapping alone: with another object's reader beside it (or another mapping for
    // some of its documents), their values would count as unused.
    const usageNote =
      usage && alsoRead.results.length === 0 && !mixed ? unusedNote(mapping.file, usage.report(), json) : '';
    if (records.length > 0) return { code: 0, stdout, stderr: usageNote };
    return { code: 0, stdout, stderr: noRecordsNote(mapping.file, mapped, options.input, json) };
  } catch (error) {
    return failure(
      options.toSystem ? error : withEncodingAdvice(error, options.format, options.encoding),
      json,
    );
  }
}

/** A document `--to-system --json` prints: its text, the mapping that wrote it and the API it goes to (`sendTo`). */
function writtenJson(written: WrittenDocument): { document: string; mapping: string; sendTo: string | null } {
  return {
    document: written.document.toString('utf8'),
    mapping: written.mapping.file,
    sendTo: written.mapping.spec.sendTo ?? null,
  };
}

/**
 * Where each document `--to-system` printed goes, on stderr, when its mapping says (`sendTo`: HubSpot's batch bodies
 * to contacts or companies, the one body format of both): the body alone does not tell.
 */
function sendToNote(documents: WrittenDocument[]): string {
  if (!documents.some((d) => d.mapping.spec.sendTo)) return '';
  return documents
    .map(
      (d, i) =>
        `eai map: document ${i + 1} of ${documents.length} ${d.mapping.spec.sendTo ? `goes to ${d.mapping.spec.sendTo}` : 'names no API (its mapping has no sendTo)'} (written by ${d.mapping.file})\n`,
    )
    .join('');
}

/**
 * The canonical records `--to-system` writes, read from JSON: a file that is not JSON (a document given where the
 * records were meant, an empty file) is the caller's mistake, said as such, not an "unexpected error inside eai".
 */
function recordsToWrite(bytes: Buffer, input: string): unknown[] {
  try {
    return canonicalValues(bytes.toString('utf8'));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new ConfigError(
      `${input}: not JSON (${error.message}): --to-system reads canonical records as JSON, what eai map prints`,
    );
  }
}

/** `eai map formats`. */
export function formatsCommand(options: { json?: boolean }): CommandOutput {
  const mappings = loadMappings();
  const rows = readers.map((r) => ({
    name: r.name,
    family: r.family,
    description: r.description,
    toCanonical:
      mappings.find((m) => m.direction === 'to-canonical' && m.spec.input === r.name)?.spec.output ?? null,
    written: writers.some((w) => w.name === r.name),
    fromCanonical: writers.some((w) => w.name === r.name)
      ? (mappings.find((m) => m.direction === 'from-canonical' && m.spec.output === r.name)?.spec.input ??
        null)
      : null,
  }));
  const width = Math.max(...rows.map((r) => r.name.length));
  const stdout = options.json
    ? `${JSON.stringify(rows)}\n`
    : `${rows
        .map(
          (r) =>
            `${r.name.padEnd(width)}  ${r.family.toUpperCase()}  ${r.description}${r.written ? ' (also written)' : ''}`,
        )
        .join('\n')}\n`;
  return { code: 0, stdout, stderr: '' };
}

function selectMappings(target?: string) {
  if (!target) return loadMappings();
  const found = statSync(target, { throwIfNoEntry: false });
  if (!found)
    throw new ConfigError(
      `${target}: no such mapping file or folder (a folder of *.yaml mappings, or one of them)`,
    );
  // A file is that mapping wherever it sits (a partner's own beside its deployment, ./mappings/…), as --mapping
  // reads it; a folder is every mapping file below it, and one that holds none says so instead of passing empty.
  if (found.isFile()) return [findMapping(target, process.cwd())];
  const mappings = loadMappings(target);
  if (mappings.length === 0)
    throw new ConfigError(
      `${target}: no mapping file in this folder (mapping files are named <name>.to-canonical.yaml or <name>.from-canonical.yaml)`,
    );
  return mappings;
}

function fixtureReport(results: FixtureResult[]): string {
  return results
    .map((r) =>
      r.ok
        ? `ok    ${r.input}${r.removed ? ' (obsolete: its input is gone; removed)' : r.updated ? ' (expected output written)' : ''}`
        : `FAIL  ${r.input} (${r.mapping})\n${r.details.map((d) => `      ${d}`).join('\n')}`,
    )
    .join('\n');
}

/** `eai map test [dir|file] [--update]`: every fixture against its expected output, with a diff per failure. */
export async function testCommand(options: {
  target?: string;
  update?: boolean;
  json?: boolean;
}): Promise<CommandOutput> {
  try {
    const results: FixtureResult[] = [];
    for (const mapping of selectMappings(options.target))
      results.push(...(await runFixtures(mapping, options)));
    const failed = results.filter((r) => !r.ok).length;
    const stdout = options.json
      ? `${JSON.stringify({ passed: results.length - failed, failed, results })}\n`
      : `${fixtureReport(results)}\n${results.length - failed} passed, ${failed} failed\n`;
    return { code: failed > 0 || results.length === 0 ? 1 : 0, stdout, stderr: '' };
  } catch (error) {
    return failure(error, !!options.json);
  }
}

/**
 * `eai map check [dir]` (`npm run mappings:check`): the static type check, then every fixture (`typesOnly`: the
 * type check alone, for a mapping whose expected outputs are not written yet). `input`: a table the mapping (one
 * CSV mapping file) is for, whose header is checked against what the mapping reads (csv-columns.ts): a required
 * column it lacks is a problem, a column the mapping does not read and a column the mapping reads that it lacks are
 * warnings.
 */
export async function checkCommand(options: {
  target?: string;
  input?: string;
  /** The table's character set when it is not UTF-8 (windows-1252, iso-8859-1), as `eai map --encoding`. */
  encoding?: string;
  json?: boolean;
  typesOnly?: boolean;
}): Promise<CommandOutput> {
  try {
    if (options.encoding !== undefined) {
      if (options.input === undefined)
        throw new ConfigError(
          `--encoding names the character set of a table to check: eai map check <mapping> <table> --encoding ${options.encoding}`,
        );
      const problem = encodingProblem(CSV_FORMAT, options.encoding);
      if (problem) throw new ConfigError(`--encoding: ${problem}`);
    }
    const mappings = selectMappings(options.target);
    const columns = mappings.map((m) => columnsProblems(m, fixtureInputs(m.fixturesDir)));
    const problems = [...mappings.flatMap(staticProblems), ...columns.flatMap((c) => c.problems)];
    const warnings = [...mappings.flatMap(staticWarnings), ...columns.flatMap((c) => c.warnings)];
    const typeProblems = problems.length;
    let header: HeaderReport | undefined;
    if (options.input !== undefined) {
      const [mapping] = mappings;
      if (mappings.length !== 1 || mapping?.spec.input !== CSV_FORMAT || mapping.direction !== 'to-canonical')
        throw new ConfigError(
          `a table to check (${options.input}) needs one mapping file that reads csv, not ${options.target ?? 'every mapping'}`,
        );
      const table = readerBytes(CSV_FORMAT, readInput(options.input), options.encoding);
      try {
        header = headerReport(mapping, shownPath(options.input), table);
      } catch (error) {
        throw withEncodingAdvice(error, CSV_FORMAT, options.encoding);
      }
      const found = headerProblems(mapping, header);
      problems.push(...found.problems);
      warnings.push(...found.warnings);
    }
    const fixtures: FixtureResult[] = [];
    if (!options.typesOnly) for (const mapping of mappings) fixtures.push(...(await runFixtures(mapping)));
    const failedFixtures = fixtures.filter((r) => !r.ok);
    const ok = problems.length === 0 && failedFixtures.length === 0 && mappings.length > 0;
    const tableLine = header
      ? `; ${header.input}: ${header.missing.length} required column(s) missing, ${header.unknown.length} of ${header.header.length} columns not read by the mapping`
      : '';
    const stdout = options.json
      ? `${JSON.stringify({ ok, mappings: mappings.length, problems, warnings, fixtures, ...(header ? { table: header } : {}) })}\n`
      : `${[
          ...problems.map(problemText),
          ...warnings.map((p) => `warning: ${problemText(p)}`),
          ...failedFixtures.map(
            (r) => `FAIL  ${r.input} (${r.mapping})\n${r.details.map((d) => `      ${d}`).join('\n')}`,
          ),
          `${mappings.length} mapping${mappings.length === 1 ? '' : 's'}: ${typeProblems} type problem${typeProblems === 1 ? '' : 's'}${options.typesOnly ? ' (fixtures not run)' : `, ${fixtures.length - failedFixtures.length}/${fixtures.length} fixtures equal to their expected output`}${tableLine}`,
        ].join('\n')}\n`;
    return { code: ok ? 0 : 1, stdout, stderr: '' };
  } catch (error) {
    return failure(error, !!options.json);
  }
}
