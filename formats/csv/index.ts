import { createHash } from 'node:crypto';
import { CsvError, type Options, parse } from 'csv-parse/sync';
import { decodeUtf8 } from '../text-input/decode.ts';
import { FormatError, type FormatReader, type ParsedDocument } from '../types.ts';

export const CSV_FORMAT = 'csv';

/** One data row: its cells by column name (an empty cell is absent), `$loc` = `line N` of the file. */
export interface CsvRow {
  $loc: string;
  [column: string]: string;
}

export interface CsvTree {
  $loc: string;
  rows: CsvRow[];
}

const DELIMITERS = [',', ';', '\t', '|'];

/** The delimiter of the header line: the candidate it holds most of, outside quotes (a comma when none). */
export function detectDelimiter(headerLine: string): string {
  const outside = headerLine.replace(/"[^"]*"/g, '');
  let best = ',';
  let most = 0;
  for (const d of DELIMITERS) {
    const count = outside.split(d).length - 1;
    if (count > most) [best, most] = [d, count];
  }
  return best;
}

/**
 * csv-parse's options for a table with a header line: RFC 4180 quoting, BOM, CRLF / LF / CR, spaces around delimiters
 * dropped; raw text kept so that
 * each row's first line can be counted (csv-parse's own count runs ahead on line breaks inside quotes).
 */
export function csvOptions(headerLine: string): Options {
  return {
    delimiter: detectDelimiter(headerLine),
    bom: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    // Spaces around a delimiter are not data (`a, b`, also before a quote: `a, "b, c"`); a quoted cell keeps its own.
    trim: true,
    raw: true,
  };
}

/**
 * The header's column names, refused (with the column) when one is empty or repeated. `endsWithDelimiter`: the
 * header line's last character, when it is its delimiter (`id;name;city;`, as Excel and SAP export a table whose
 * rows end with one too): then an empty last name is said to be that, and what to do. Not dropped: a cell under it
 * would have no column to go to, and a header whose rows do not end so is another table.
 */
export function checkColumns(format: string, header: string[], endsWithDelimiter?: string): string[] {
  const columns = header.map((c) => c.trim());
  columns.forEach((name, i) => {
    if (name === '') {
      const trailing = endsWithDelimiter !== undefined && i === columns.length - 1 && i > 0;
      throw new FormatError(
        format,
        'line 1',
        trailing
          ? `column ${i + 1} has no name: the header line ends with a separator (${endsWithDelimiter === '\t' ? 'tab' : endsWithDelimiter})? remove it, or name the column`
          : `column ${i + 1} has no name: name it, or remove the empty column`,
      );
    }
    if (name === '$loc') throw new FormatError(format, 'line 1', `column ${i + 1}: "$loc" is reserved`);
    if (columns.indexOf(name) !== i)
      throw new FormatError(
        format,
        'line 1',
        `column ${i + 1}: "${name}" repeats column ${columns.indexOf(name) + 1}`,
      );
  });
  return columns;
}

/**
 * A data row whose number of cells differs from the header's (a stray delimiter, a cell missing, a line an editor
 * cut): the row cannot be read, but the table's other rows can. `problem` says how many cells against how many
 * columns; `location` is the line the row starts on.
 */
export class UnfitRow {
  readonly line: number;
  readonly problem: string;
  constructor(line: number, cells: number, columns: number) {
    this.line = line;
    this.problem = `${cells} cell${cells === 1 ? '' : 's'} where the header names ${columns} columns`;
  }
  get location(): string {
    return `line ${this.line}`;
  }
}

/**
 * Turns csv-parse's records (`raw: true`) into rows, counting lines: the first record is the header, blank lines
 * are skipped, a row with another number of cells than the header is an UnfitRow at its line.
 */
export class CsvRows {
  columns: string[] | undefined;
  /** The line the next record starts on (where a quoted cell that is never closed was opened). */
  line = 1;
  private readonly format: string;
  constructor(format: string) {
    this.format = format;
  }

  /** The row of one record, an UnfitRow for a row the header cannot hold, or undefined for the header and blank lines. */
  push(record: { record: string[]; raw: string }): CsvRow | UnfitRow | undefined {
    const line = this.line;
    this.line += (record.raw.replace(/(\r\n|\r|\n)$/, '').match(/\r\n|\r|\n/g)?.length ?? 0) + 1;
    const cells = record.record;
    if (cells.length === 1 && cells[0] === '') return undefined;
    if (!this.columns) {
      this.columns = checkColumns(this.format, cells, lastDelimiter(record.raw));
      return undefined;
    }
    if (cells.length !== this.columns.length) return new UnfitRow(line, cells.length, this.columns.length);
    const row: CsvRow = { $loc: `line ${line}` };
    this.columns.forEach((name, i) => {
      if (cells[i] !== '') row[name] = cells[i]!;
    });
    return row;
  }
}

/** The line's last character (spaces and the line break aside) when it is one of the delimiters, else undefined. */
function lastDelimiter(line: string): string | undefined {
  const last = line.replace(/[ \r\n]+$/, '').slice(-1);
  return DELIMITERS.includes(last) ? last : undefined;
}

/** What csv-parse's error codes mean, in words a person who exported the file can act on. */
const quoteInside = (field: number | undefined) =>
  `cell ${(field ?? 0) + 1}: a quote inside an unquoted cell (quote the whole cell and double its quotes: "")`;
const CSV_ERRORS: Record<string, (field: number | undefined) => string> = {
  CSV_QUOTE_NOT_CLOSED: () => 'a quoted cell opened in this row is never closed (a " is missing)',
  INVALID_OPENING_QUOTE: quoteInside,
  CSV_INVALID_CLOSING_QUOTE: quoteInside,
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: (field) =>
    `cell ${(field ?? 0) + 1}: text after the closing quote (double the quotes inside a quoted cell: "")`,
};

/**
 * csv-parse's error as a located FormatError (its line, and what it found); any other error as it is. A quoted
 * cell never closed is located where its record starts (`recordLine`, when the caller knows it), not at the end
 * of the table where the parser noticed.
 */
export function csvFormatError(format: string, error: unknown, recordLine?: number): unknown {
  if (!(error instanceof CsvError)) return error;
  const { index } = error as CsvError & { lines?: number; index?: number };
  const lines =
    error.code === 'CSV_QUOTE_NOT_CLOSED' && recordLine !== undefined
      ? recordLine
      : (error as CsvError & { lines?: number }).lines;
  const known = CSV_ERRORS[error.code];
  const what = known
    ? known(index)
    : error.message.replace(/^[^:]*:\s*/, '').replace(/\s*(at|on) line \d+.*$/i, '');
  return new FormatError(format, lines ? `line ${lines}` : 'the table', what, { cause: error });
}

/**
 * The line of the row holding the last quote that opens a cell and is never closed: quotes toggle (a doubled
 * quote inside a cell toggles twice), and the row starts at the line break before it outside quotes.
 */
function unclosedQuoteLine(text: string): number {
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  let openedRow = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      quoted = !quoted;
      if (quoted) openedRow = rowLine;
    } else if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      if (!quoted) rowLine = line;
    }
  }
  return openedRow;
}

/** The first line of a table (its header), for the delimiter. */
export function headerLineOf(text: string): string {
  return text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/, 1)[0] ?? '';
}

/** The index of the first C0 control character other than tab, LF and CR (or DEL): binary, not a table. */
export function firstControl(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) return i;
  }
  return -1;
}

export function parseCsv(input: Buffer): ParsedDocument<CsvTree>[] {
  const text = decodeUtf8(CSV_FORMAT, input);
  const control = firstControl(text);
  if (control >= 0) {
    const line = text.slice(0, control).split(/\r\n|\r|\n/).length;
    const code = text.charCodeAt(control).toString(16).toUpperCase().padStart(4, '0');
    throw new FormatError(
      CSV_FORMAT,
      `line ${line}`,
      `control character U+${code}: binary data, not a text table`,
    );
  }
  const headerLine = headerLineOf(text);
  if (headerLine.trim() === '')
    throw new FormatError(CSV_FORMAT, 'line 1', 'expected a header line naming the columns');
  let records: { record: string[]; raw: string }[];
  try {
    records = parse(text, csvOptions(headerLine)) as unknown as typeof records;
  } catch (error) {
    throw csvFormatError(CSV_FORMAT, error, unclosedQuoteLine(text));
  }
  const reader = new CsvRows(CSV_FORMAT);
  const rows: CsvRow[] = [];
  const unfit: UnfitRow[] = [];
  for (const record of records) {
    const row = reader.push(record);
    if (row instanceof UnfitRow) {
      unfit.push(row);
      // In its place, so that the rows after it keep their numbers (the `<document id>:<n>` of their records).
      rows.push({ $loc: row.location });
    } else if (row) rows.push(row);
  }
  // A document that holds no records is not a business document (an empty export, or not a table at all).
  if (rows.length === 0) throw new FormatError(CSV_FORMAT, 'line 2', 'a header line and no rows under it');
  refuseUnfitTable(unfit, rows.length, reader.columns ?? [], detectDelimiter(headerLine));
  const id = createHash('sha256').update(input).digest('hex').slice(0, 16);
  const header = reader.columns ?? [];
  const unreadable = unfit.map((u) => ({ location: u.location, problem: u.problem }));
  return [
    {
      format: CSV_FORMAT,
      kind: 'table',
      id,
      source: CSV_FORMAT,
      header,
      tree: { $loc: '', rows },
      ...(unreadable.length > 0 ? { unreadable } : {}),
    },
  ];
}

/**
 * A table more of whose rows do not fit its header than do is not read row by row: its header is not the one of
 * its rows (another delimiter, a header line missing or cut), or it is no table at all. Refused whole, at its
 * first unfit row. Fewer unfit rows are each a record that fails alone (ParsedDocument.unreadable).
 */
function refuseUnfitTable(unfit: UnfitRow[], rows: number, columns: string[], delimiter: string): void {
  const [first] = unfit;
  if (!first || unfit.length * 2 <= rows) return;
  const shown = delimiter === '\t' ? 'tab' : `"${delimiter}"`;
  throw new FormatError(
    CSV_FORMAT,
    first.location,
    `${first.problem}; ${unfit.length} of the ${rows} rows do not have the header's ${columns.length} cells (split at ${shown}, the header's delimiter): the table is refused whole; check its delimiter and header line`,
  );
}

/**
 * The column names of a table's header line (checked as `parse` checks them), without reading its rows: for
 * `eai map check <mapping> <table>`, which compares them with what the mapping reads.
 */
export function csvHeader(input: Buffer): string[] {
  const text = decodeUtf8(CSV_FORMAT, input);
  const headerLine = headerLineOf(text);
  if (headerLine.trim() === '')
    throw new FormatError(CSV_FORMAT, 'line 1', 'expected a header line naming the columns');
  let records: string[][];
  try {
    records = parse(headerLine, { ...csvOptions(headerLine), raw: false, to_line: 1 }) as string[][];
  } catch (error) {
    throw csvFormatError(CSV_FORMAT, error, 1);
  }
  return checkColumns(CSV_FORMAT, records[0] ?? [], lastDelimiter(headerLine));
}

export const reader: FormatReader<CsvTree> = {
  name: CSV_FORMAT,
  family: 'any',
  description:
    'A table with a header line (RFC 4180; comma, semicolon, tab or bar found from the header): one row per record, cells by column name',
  parse: parseCsv,
};
