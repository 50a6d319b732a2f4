/**
 * Bulk load of canonical Customers from a JSON lines file (one `customer` value of a CustomerEvent per line) or a
 * CSV table with a mapping:
 * matched one record at a time in batches, each batch committed together with the load's position, so a load
 * that stops resumes after the last committed batch (same system and same file content).
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { appendFileSync, createReadStream, existsSync, writeFileSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { type Readable, Transform } from 'node:stream';
import type avro from 'avsc';
import { parse as parseStream } from 'csv-parse';
import { schemaProblems, shown } from '../bus/serde.ts';
import {
  CSV_FORMAT,
  type CsvRow,
  CsvRows,
  csvFormatError,
  csvOptions,
  headerLineOf,
  UnfitRow,
} from '../formats/csv/index.ts';
import { FormatError, likelyCharset, notUtf8Advice } from '../formats/index.ts';
import { ConfigError } from '../lib/errors.ts';
import {
  type CanonicalRecord,
  type CompiledMapping,
  columnsRead,
  MappingError,
  mapDocument,
  missingColumns,
} from '../mappings/index.ts';
import { avroType } from '../schemas/catalog.ts';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { hasCustomerData, NO_CUSTOMER_DATA } from './customer-data.ts';
import { type MasterDataStore, type MatchItem, type Outcome, sourceIdOf } from './store.ts';

/** Records per outcome, and the lines or rows set aside (`rejected`). */
export type LoadCounts = Record<Outcome | 'rejected', number>;

export interface LoadProgress {
  lines: number;
  totalLines: number;
  counts: LoadCounts;
}

export interface LoadSummary extends LoadProgress {
  system: string;
  input: string;
  /** The lines or rows of this run set aside, with why (their text is in `rejectsFile`). */
  rejected: Array<{ line: number; reason: string }>;
  rejectsFile?: string;
  /** Lines skipped because an earlier run had committed them. */
  resumedFrom: number;
  /**
   * The file, with the same content (and mapping), was loaded to its end before: nothing was done, and the counts
   * are that load's (LoadOptions.again loads it again).
   */
  alreadyLoaded: boolean;
  seconds: number;
  recordsPerSecond: number;
}

async function* lines(path: string): AsyncGenerator<string> {
  const input = createReadStream(path, 'utf8');
  // Opened first, so a missing or unreadable file is one line naming it wherever it is read (reconcile reads the
  // export without describing it first, and printed the bare ENOENT).
  await once(input, 'open').catch((error: Error) => {
    throw new ConfigError(`${path}: cannot read (${error.message})`);
  });
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let first = true;
  for await (const line of reader) {
    if (first && line.trimStart().startsWith('[')) {
      // A JSON array (what `eai map` prints): each of its values stands for a line. Read whole: a file made that way
      // is small; an export of a million customers is JSON lines.
      reader.close();
      input.destroy();
      yield* arrayValues(path);
      return;
    }
    if (line.trim()) first = false;
    yield line;
  }
}

/** The values of a file that holds one JSON array, each as one line of JSON. */
async function* arrayValues(path: string): AsyncGenerator<string> {
  const { size } = await stat(path);
  if (size > MAX_ARRAY_BYTES)
    throw new ConfigError(
      `${path}: a JSON array of ${Math.round(size / 1e6)} MB: give more than ${MAX_ARRAY_BYTES / 1e6} MB as JSON lines, one value per line`,
    );
  let values: unknown;
  try {
    values = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    // (Node's message quotes the text: keep where it broke only.)
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new ConfigError(
      `${path}: starts as a JSON array but is not JSON${at ? ` (at character ${at})` : ''}`,
    );
  }
  if (!Array.isArray(values)) throw new ConfigError(`${path}: starts with [ but is not one JSON array`);
  for (const value of values) yield JSON.stringify(value);
}

const MAX_ARRAY_BYTES = 64 * 1024 * 1024;

/**
 * Refuses a workbook (`refuseWorkbook`), and a file that is not UTF-8 when no other character set is named (a
 * Windows-1252 or Latin-1 export, as Excel and many ERPs write them), naming the first line that is not: read as
 * UTF-8, its ü, é or ß became U+FFFD, stored in the customers' names and addresses without a word. Streams the
 * bytes once, a line at a time.
 */
async function requireText(path: string, table = false, encoding?: string): Promise<void> {
  await refuseWorkbook(path);
  // A table whose character set is named is decoded from it: any byte sequence is text there.
  if (encoding) return;
  let line = 1;
  let carry = Buffer.alloc(0);
  const check = (bytes: Buffer) => {
    if (isUtf8(bytes)) return;
    // The set the line's bytes suggest (UTF-16 by the byte-order mark of line 1, else windows-1252), as eai map says.
    const charset = likelyCharset(bytes);
    const { guess, fix } = notUtf8Advice(charset);
    // A table may name its character set instead (--encoding); JSON lines are UTF-8 (RFC 8259).
    const said = table ? fix : `convert the file first, e.g. iconv -f ${charset} -t utf-8`;
    throw new ConfigError(`${path}:${line}: not UTF-8 (a ${guess} export?): ${said}`);
  };
  try {
    for await (const chunk of createReadStream(path)) {
      let data = Buffer.concat([carry, chunk as Buffer]);
      for (let end = data.indexOf(0x0a); end >= 0; end = data.indexOf(0x0a)) {
        check(data.subarray(0, end));
        data = data.subarray(end + 1);
        line++;
      }
      carry = Buffer.from(data);
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${path}: cannot read (${(error as Error).message})`);
  }
  check(carry);
}

/** The file's digest and line count: the run key and the progress total. */
async function describeInput(path: string): Promise<{ digest: string; totalLines: number }> {
  await requireText(path);
  const hash = createHash('sha256');
  let totalLines = 0;
  try {
    for await (const line of lines(path)) {
      hash.update(line).update('\n');
      if (line.trim()) totalLines++;
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${path}: cannot read (${(error as Error).message})`);
  }
  return { digest: hash.digest('hex'), totalLines };
}

/**
 * One line's customer, or why it is not one (the line itself is kept aside, not quoted in the reason; an invalid
 * field's own value is, cut short, so that it can be found and fixed).
 */
function readCustomer(line: string, system: string): CustomerPartyMaster | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    // Node's message quotes the line: keep only where it broke (a customer line holds personal data).
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    return `not JSON${at ? ` (at character ${at})` : ''}`;
  }
  // What `eai map` prints ({schema, key, value}) and `eai bus tail` prints ({topic, …, value}): the event in it.
  if (value && typeof value === 'object' && !('customer' in value) && 'value' in value) {
    value = (value as { value: unknown }).value;
  }
  // A whole CustomerEvent is accepted too: its customer is what is loaded.
  if (value && typeof value === 'object' && 'customer' in value && 'changeType' in value) {
    value = (value as { customer: unknown }).customer;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return 'expected a canonical Customer object';
  const customer = value as CustomerPartyMaster;
  const unknown = undeclaredFields(avroType('CustomerPartyMaster.avsc'), customer);
  if (unknown.length > 0)
    return `not a canonical Customer: unknown field(s) ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''} (a misspelt field, or a system's own export: map it to the canonical Customer first, e.g. eai map; fields without a place go in extensions)`;
  const hasId =
    customer.sourceIds?.some((s) => s.system === system) || typeof customer.customerId === 'string';
  if (!hasId) return `customer has neither customerId nor a ${system} sourceId`;
  const invalid = invalidFields(customer);
  if (invalid.length > 0) return `not a canonical Customer: invalid field(s) ${invalid.join('; ')}`;
  if (!hasCustomerData(customer)) return `customer ${sourceIdOf(system, customer)}: ${NO_CUSTOMER_DATA}`;
  return customer;
}

/**
 * Where the customer does not fit the canonical Customer schema (an unknown partyType, a 30 February), each as
 * `<path> <value>: <why>` (`birthDate "1980-02-30": February has no day 30`), as the formats' readers word such
 * errors: such a record would become a golden record that no event can carry, and the golden sync, which publishes
 * changes in order, would retry it for good and send nothing else. The value is the refused field's alone, cut
 * short (bus/serde.ts shown): what the person loading the file needs to find and fix it, never the whole line.
 */
function invalidFields(customer: CustomerPartyMaster): string[] {
  // The customerId may come from the system's source id instead (store.ts sourceIdOf).
  const value = customer.customerId === undefined ? { ...customer, customerId: '' } : customer;
  return schemaProblems(avroType('CustomerPartyMaster.avsc'), value).map(
    (p) => `${p.path} ${shown(p.found)}: ${p.problem}`,
  );
}

/**
 * The paths of the fields `value` has that `type` does not declare (`emial`, `person.suffix`, `phones[0].ext`). The
 * schema check passes them, and the load would drop them unsaid: a misspelt `emial` would cost the customer's email.
 */
export function undeclaredFields(type: avro.Type, value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  const t = type as avro.Type & {
    fields?: Array<{ name: string; type: avro.Type }>;
    itemsType?: avro.Type;
    types?: avro.Type[];
  };
  if (t.typeName.startsWith('union'))
    return (t.types ?? []).flatMap((branch) =>
      branch.typeName === 'record' ? undeclaredFields(branch, value, path) : [],
    );
  if (t.typeName === 'array' && Array.isArray(value) && t.itemsType) {
    const items = t.itemsType;
    return value.flatMap((item, i) => undeclaredFields(items, item, `${path}[${i}]`));
  }
  if (t.typeName !== 'record' || Array.isArray(value)) return [];
  const fields = new Map((t.fields ?? []).map((f) => [f.name, f.type]));
  return Object.entries(value).flatMap(([name, v]) => {
    const at = path ? `${path}.${name}` : name;
    const field = fields.get(name);
    return field ? undeclaredFields(field, v, at) : [at];
  });
}

/** A line or row that could not be read or mapped: where, why, and its text as the file has it. */
export interface Rejected {
  line: number;
  reason: string;
  text: string;
}

/** A stretch of the file: how many lines or rows it covers, the customers read from them, the ones set aside. */
export interface SourceChunk {
  rows: number;
  customers: CustomerPartyMaster[];
  rejected: Rejected[];
}

/** Where a load's customers come from: the file's run key and size, then its chunks after the first `skip` rows. */
export interface CustomerSource {
  readonly path: string;
  /** A CSV table (else JSON lines). */
  readonly table?: boolean;
  /** The character set of a table that is not UTF-8 (`--encoding`), decoded as it is read. */
  readonly encoding?: string;
  describe(): Promise<{ digest: string; totalLines: number }>;
  /** What a rejects file starts with so that it loads as it is once fixed (a CSV's header line). */
  head(): Promise<string>;
  chunks(skip: number): AsyncIterable<SourceChunk>;
}

/** Every customer of a source, refusing the first line or row that cannot be read (reconcile: no guessing). */
export async function* allCustomers(source: CustomerSource): AsyncGenerator<CustomerPartyMaster> {
  await requireText(source.path, source.table, source.encoding);
  for await (const chunk of source.chunks(0)) {
    const [first] = chunk.rejected;
    if (first) throw new ConfigError(`${source.path}:${first.line}: ${first.reason}`);
    yield* chunk.customers;
  }
}

export interface LoadOptions {
  batchSize?: number;
  onProgress?: (p: LoadProgress) => void;
  /**
   * Lines or rows that cannot be read or mapped are set aside into this file (the input's format, so it loads
   * once fixed) and the load goes on; after `maxRejects` of them it stops. Without a file, the first one stops it.
   */
  rejectsFile?: string;
  maxRejects?: number;
  /**
   * A CSV table's character set when it is not UTF-8 (`windows-1252`, `iso-8859-1`: Excel's and many ERPs'
   * exports), decoded as it is read; its rejects file is written in it too, so it loads again the same way.
   */
  encoding?: string;
  /**
   * Load from the first line even when this file (same content, same mapping) was loaded before, or a load of it
   * stopped: records already stored come again as unchanged or updated. Without it, a stopped load resumes and a
   * finished one is not run again (`alreadyLoaded`).
   */
  again?: boolean;
}

/** JSON lines, one canonical Customer (or a whole CustomerEvent) per line. */
export function loadJsonLines(
  store: MasterDataStore,
  system: string,
  path: string,
  options: LoadOptions = {},
): Promise<LoadSummary> {
  return load(store, system, path, jsonLinesSource(path, system), options);
}

/**
 * A CSV table mapped row by row with a to-canonical mapping of format `csv` that yields CustomerEvents (the shipped
 * template is `mappings/csv/customer-table.to-canonical.yaml`). The whole file is read once before anything is
 * loaded, so a malformed line stops the load at its line number before a record is written.
 */
export function loadTable(
  store: MasterDataStore,
  system: string,
  path: string,
  mapping: CompiledMapping,
  options: LoadOptions = {},
): Promise<LoadSummary> {
  checkTableMapping(mapping);
  return load(store, system, path, tableSource(path, system, mapping, options.encoding), options);
}

/** A system's customers in a file: JSON lines, or a CSV table read with `mapping` (checked as for `loadTable`). */
export function customerFile(
  path: string,
  system: string,
  mapping?: CompiledMapping,
  encoding?: string,
): CustomerSource {
  if (!mapping) return jsonLinesSource(path, system);
  checkTableMapping(mapping);
  return tableSource(path, system, mapping, encoding);
}

function checkTableMapping(mapping: CompiledMapping): void {
  if (
    mapping.direction !== 'to-canonical' ||
    mapping.spec.input !== CSV_FORMAT ||
    mapping.spec.output !== CUSTOMER_EVENT
  )
    throw new ConfigError(
      `${mapping.file}: a CSV needs a mapping with input: ${CSV_FORMAT} and output: ${CUSTOMER_EVENT} (see mappings/csv/customer-table.to-canonical.yaml)`,
    );
}

const CUSTOMER_EVENT = 'eai.canonical.CustomerEvent';
/** Rows mapped as one document: small enough to stay far inside a document's mapping deadline. */
const ROWS_PER_DOCUMENT = 100;

function jsonLinesSource(path: string, system: string): CustomerSource {
  return {
    path,
    describe: () => describeInput(path),
    head: async () => '',
    async *chunks(skip) {
      let lineNumber = 0;
      let seen = 0;
      for await (const line of lines(path)) {
        lineNumber++;
        if (!line.trim()) continue;
        seen++;
        if (seen <= skip) continue;
        const read = readCustomer(line, system);
        yield typeof read === 'string'
          ? { rows: 1, customers: [], rejected: [{ line: lineNumber, reason: read, text: line }] }
          : { rows: 1, customers: [read], rejected: [] };
      }
    },
  };
}

/** A row of the table and its text as the file has it; a row the table cannot hold (its cell count) is refused. */
type TableRow = { row: CsvRow; raw: string } | { refused: Rejected };

/**
 * The table's rows, streamed through csv-parse with bounded memory. A row with another number of cells than the
 * header (the reader's UnfitRow, as a connector's table has it) is refused on its own; what breaks the table itself
 * (a quote never closed, a bad header) stops it.
 */
async function* tableRows(
  path: string,
  encoding: string | undefined,
  onHeader?: (columns: string[]) => void,
): AsyncGenerator<TableRow> {
  const head = await readHead(path, encoding);
  const rows = new CsvRows(CSV_FORMAT);
  try {
    const parser = textOf(path, encoding).pipe(parseStream(csvOptions(headerLineOf(head))));
    for await (const record of parser) {
      const read = record as { record: string[]; raw: string };
      const raw = read.raw.replace(/(\r\n|\r|\n)$/, '');
      const before = rows.columns;
      const row = rows.push(read);
      if (!before && rows.columns) onHeader?.(rows.columns);
      if (row instanceof UnfitRow) yield { refused: { line: row.line, reason: row.problem, text: raw } };
      else if (row) yield { row, raw };
    }
  } catch (error) {
    const located = csvFormatError(CSV_FORMAT, error, rows.line);
    if (located instanceof FormatError)
      throw new ConfigError(
        `${path}: ${located.location}: ${located.message.split(': ').slice(2).join(': ')}`,
      );
    throw error;
  }
}

async function readHead(path: string, encoding?: string): Promise<string> {
  const handle = await open(path, 'r').catch((error: Error) => {
    throw new ConfigError(`${path}: cannot read (${error.message})`);
  });
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, 0);
    const bytes = buffer.subarray(0, bytesRead);
    // stream: a character cut at the 64 KB end is left out, not turned into U+FFFD.
    return encoding ? new TextDecoder(encoding).decode(bytes, { stream: true }) : bytes.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The file's bytes as UTF-8: as they are, or decoded from `encoding` chunk by chunk. */
function textOf(path: string, encoding: string | undefined): Readable {
  if (!encoding) return createReadStream(path);
  const decoder = new TextDecoder(encoding);
  return createReadStream(path).pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        done(null, decoder.decode(chunk, { stream: true }));
      },
      flush(done) {
        done(null, decoder.decode());
      },
    }),
  );
}

/**
 * Text in the input's character set, so that a rejects file loads again with the same `--encoding`: UTF-8 and
 * UTF-16LE as Node writes them, a single-byte set (windows-1252, iso-8859-x, …) through the table of its 256 bytes as
 * TextDecoder reads them (a character the set lacks, which a row read from it never holds, becomes `?`).
 */
function encodeAs(text: string, encoding: string | undefined): Buffer {
  const name = encoding?.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!encoding || name === 'utf8') return Buffer.from(text, 'utf8');
  if (name === 'utf16le' || name === 'utf16') return Buffer.from(text, 'utf16le');
  const table = singleByteTable(encoding);
  if (!table) return Buffer.from(text, 'utf8');
  const out = Buffer.alloc(text.length);
  let at = 0;
  for (const char of text) out[at++] = table.get(char) ?? 0x3f;
  return out.subarray(0, at);
}

const singleByteTables = new Map<string, Map<string, number> | undefined>();

/** Character → byte of a character set whose every byte reads as one character, else undefined (multi-byte sets). */
function singleByteTable(encoding: string): Map<string, number> | undefined {
  if (singleByteTables.has(encoding)) return singleByteTables.get(encoding);
  const decoder = new TextDecoder(encoding);
  const table = new Map<string, number>();
  let single = true;
  for (let byte = 0; byte < 256 && single; byte++) {
    const char = decoder.decode(Uint8Array.of(byte));
    if ([...char].length !== 1) single = false;
    else if (char !== '\uFFFD' && !table.has(char)) table.set(char, byte);
  }
  const found = single ? table : undefined;
  singleByteTables.set(encoding, found);
  return found;
}

/** A ZIP container (.xlsx, .ods) and an OLE2 compound file (.xls) begin with these bytes. */
const WORKBOOK_MAGIC = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('d0cf11e0a1b11ae1', 'hex')];

/**
 * A spreadsheet saved as a workbook, not as text: refused in one line saying how to export it, before it is read as
 * lines of mojibake (or, with --encoding, decoded into rows of binary). Opening the file first also names a missing
 * or unreadable one, or a folder, in one line.
 */
export async function refuseWorkbook(path: string): Promise<void> {
  const handle = await open(path, 'r').catch((error: Error) => {
    throw new ConfigError(`${path}: cannot read (${error.message})`);
  });
  try {
    if ((await handle.stat()).isDirectory())
      throw new ConfigError(`${path} is a folder, not a file: give the export itself (--input <file>)`);
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(8), 0, 8, 0);
    const head = buffer.subarray(0, bytesRead);
    if (WORKBOOK_MAGIC.some((magic) => head.subarray(0, magic.length).equals(magic)))
      throw new ConfigError(
        `${path}: a spreadsheet workbook (Excel .xlsx / .xls, or another ZIP or OLE file), not text: save it as "CSV UTF-8" and load that with --mapping`,
      );
  } finally {
    await handle.close();
  }
}

function tableSource(
  path: string,
  system: string,
  mapping: CompiledMapping,
  encoding: string | undefined,
): CustomerSource {
  const id = `${system}:${basename(path)}`;
  /** The table's column names, read with the first chunk (its rows were read, so its header is a valid one). */
  let header: string[] | undefined;
  const map = async (rows: CsvRow[]) =>
    (
      await mapDocument(mapping, {
        format: CSV_FORMAT,
        kind: 'table',
        id,
        source: system,
        header,
        tree: { $loc: '', rows },
      })
    ).map((record: CanonicalRecord) => record.value.customer as CustomerPartyMaster);
  /**
   * Rows mapped together; when the mapping refuses one, or a row yields a record of ids alone (`hasCustomerData`),
   * each alone, so only those are set aside.
   */
  const mapChunk = async (chunk: TableRow[]): Promise<SourceChunk> => {
    const refused = chunk.flatMap((c) => ('refused' in c ? [c.refused] : []));
    const readable = chunk.flatMap((c) => ('row' in c ? [c] : []));
    try {
      const customers = await map(readable.map((c) => c.row));
      if (customers.every(hasCustomerData)) return { rows: chunk.length, customers, rejected: refused };
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
    }
    const out: SourceChunk = { rows: chunk.length, customers: [], rejected: refused };
    for (const { row, raw } of readable) {
      const line = Number(/\d+/.exec(row.$loc)?.[0] ?? 0);
      try {
        const customers = await map([row]);
        const empty = customers.find((c) => !hasCustomerData(c));
        if (empty) {
          const reason = `customer ${sourceIdOf(system, empty)}: ${NO_CUSTOMER_DATA}`;
          out.rejected.push({ line, reason, text: raw });
          continue;
        }
        out.customers.push(...customers);
      } catch (error) {
        if (!(error instanceof MappingError)) throw error;
        out.rejected.push({ line, reason: error.message.replace(/ \(input line \d+\)$/, ''), text: raw });
      }
    }
    return out;
  };
  /**
   * A first chunk in which no row gives a customer and every row was set aside for having no data: the mapping
   * reads none of the table's columns (a header in a language or form its columns table does not list). Said once,
   * naming the columns, instead of every row set aside with "no customer data".
   */
  const noColumnMapped = (chunk: TableRow[], mapped: SourceChunk): ConfigError | null => {
    if (
      mapped.customers.length > 0 ||
      mapped.rejected.length === 0 ||
      !mapped.rejected.every((r) => r.reason.endsWith(NO_CUSTOMER_DATA))
    )
      return null;
    // The columns with a value in some row (an empty cell is not in its row).
    const columns = [...new Set(chunk.flatMap((c) => ('row' in c ? Object.keys(c.row) : [])))].filter(
      (k) => k !== '$loc',
    );
    return readsNone(columns);
  };
  const readsNone = (columns: string[]) => {
    const table = mapping.spec.lookups.columns;
    return new ConfigError(
      `${path}: no row gives a customer: ${mapping.file} reads none of its columns (${columns.join(', ')})${
        table ? `; add their names to its columns table (${table}) or rename them` : '; map them in it'
      }`,
    );
  };
  return {
    path,
    table: true,
    encoding,
    async describe() {
      await requireText(path, true, encoding);
      // The mapping is part of what was loaded: once it is fixed (a column added), the same file loads anew.
      const hash = createHash('sha256').update(
        JSON.stringify([mapping.spec, mapping.tables, encoding ?? '']),
      );
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      let totalLines = 0;
      for await (const _row of tableRows(path, encoding)) totalLines++;
      return { digest: hash.digest('hex'), totalLines };
    },
    head: async () => headerLineOf(await readHead(path, encoding)),
    async *chunks(skip) {
      let seen = 0;
      let chunk: TableRow[] = [];
      let first = true;
      const mapFirst = async (rows: TableRow[]) => {
        // A header without a column the mapping requires fails every row alike: said once, before any is mapped
        // (as a table none of whose columns the mapping reads, when that is why).
        const missing = first && header ? missingColumns(mapping, header) : [];
        if (header && missing.length > 0) {
          if (columnsRead(mapping, header).length === 0) throw readsNone(header);
          throw new ConfigError(`${path}: line 1: ${missing.map((m) => m.message).join('; ')}`);
        }
        const mapped = await mapChunk(rows);
        if (first) {
          first = false;
          const unmapped = noColumnMapped(rows, mapped);
          if (unmapped) throw unmapped;
        }
        return mapped;
      };
      const read = (columns: string[]) => {
        header = columns;
      };
      for await (const entry of tableRows(path, encoding, read)) {
        seen++;
        if (seen <= skip) continue;
        chunk.push(entry);
        if (chunk.length >= ROWS_PER_DOCUMENT) {
          yield await mapFirst(chunk);
          chunk = [];
        }
      }
      if (chunk.length > 0) yield await mapFirst(chunk);
    },
  };
}

async function load(
  store: MasterDataStore,
  system: string,
  path: string,
  source: CustomerSource,
  options: LoadOptions,
): Promise<LoadSummary> {
  const batchSize = options.batchSize ?? 500;
  const maxRejects = options.rejectsFile ? (options.maxRejects ?? 100) : 0;
  const { digest, totalLines } = await source.describe();
  const runKey = `${system}:${digest}`;
  const previous = options.again ? null : await store.loadProgress(runKey);
  const counts: LoadCounts = {
    new: 0,
    merged: 0,
    review: 0,
    updated: 0,
    unchanged: 0,
    erased: 0,
    rejected: 0,
  };
  for (const [k, v] of Object.entries(previous?.counts ?? {}))
    if (k in counts) counts[k as keyof LoadCounts] = v;
  const resumedFrom = previous?.lines ?? 0;
  const started = Date.now();
  if (previous && totalLines > 0 && resumedFrom >= totalLines)
    return {
      system,
      input: path,
      lines: resumedFrom,
      totalLines,
      counts,
      rejected: [],
      resumedFrom,
      alreadyLoaded: true,
      seconds: 0,
      recordsPerSecond: 0,
    };
  const rejected: Array<Omit<Rejected, 'text'>> = [];
  // A run from the start writes a fresh rejects file; a resumed one adds to it (its earlier rows are not read again).
  let rejectsOpen = resumedFrom > 0 && options.rejectsFile !== undefined && existsSync(options.rejectsFile);
  const setAside = async (rows: Rejected[]) => {
    if (rows.length === 0 || !options.rejectsFile) return;
    if (!rejectsOpen) {
      const head = await source.head();
      writeFileSync(options.rejectsFile, encodeAs(head ? `${head}\n` : '', source.encoding));
      rejectsOpen = true;
    }
    appendFileSync(options.rejectsFile, encodeAs(rows.map((r) => `${r.text}\n`).join(''), source.encoding));
  };
  let done = resumedFrom;
  // One batch in the database at a time; the next one is read and prepared (standardised, keyed) meanwhile.
  let inFlight: Promise<void> = Promise.resolve();
  const submit = async (items: MatchItem[], rows: number, setAsideRows: Rejected[]) => {
    await store.prepare(items);
    await inFlight;
    const position = done + rows;
    inFlight = store
      .upsertBatch(items, async (client, results) => {
        for (const r of results) counts[r.outcome]++;
        counts.rejected += setAsideRows.length;
        await store.saveProgress(client, runKey, system, path, position, counts);
      })
      .then(async () => {
        // Written once the batch is committed: a load that stops before sets nothing aside twice.
        await setAside(setAsideRows);
        done = position;
        options.onProgress?.({ lines: done, totalLines, counts: { ...counts } });
      });
    // Awaited by the next submit or at the end; until then a failure must not count as unhandled.
    inFlight.catch(() => undefined);
  };
  let batch: MatchItem[] = [];
  let batchRows = 0;
  let batchRejected: Rejected[] = [];
  for await (const chunk of source.chunks(resumedFrom)) {
    for (const r of chunk.rejected) {
      rejected.push({ line: r.line, reason: r.reason });
      if (rejected.length > maxRejects) {
        await inFlight.catch(() => undefined);
        const first = rejected[0] as Omit<Rejected, 'text'>;
        throw new ConfigError(
          maxRejects === 0
            ? `${path}:${r.line}: ${r.reason}`
            : `${path}: more than ${maxRejects} lines cannot be loaded (first at line ${first.line}: ${first.reason}; now line ${r.line}: ${r.reason}); nothing after line ${done} was loaded`,
        );
      }
    }
    batch.push(...chunk.customers.map((customer) => ({ system, customer })));
    batchRows += chunk.rows;
    batchRejected.push(...chunk.rejected);
    if (batch.length >= batchSize) {
      await submit(batch, batchRows, batchRejected);
      batch = [];
      batchRows = 0;
      batchRejected = [];
    }
  }
  if (batchRows > 0) await submit(batch, batchRows, batchRejected);
  await inFlight;
  const seconds = (Date.now() - started) / 1000;
  return {
    system,
    input: path,
    lines: done,
    totalLines,
    counts,
    rejected,
    rejectsFile: counts.rejected > 0 ? options.rejectsFile : undefined,
    resumedFrom,
    alreadyLoaded: false,
    seconds,
    recordsPerSecond: seconds > 0 ? (done - resumedFrom) / seconds : 0,
  };
}
