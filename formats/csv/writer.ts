import { z } from 'zod';
import { ConfigError } from '../../lib/errors.ts';
import { zodProblemText } from '../../lib/zod-problems.ts';
import { FormatError, type FormatWriter } from '../types.ts';
import { CSV_FORMAT, firstControl } from './index.ts';

/**
 * What a receiving system asks of a table, named in a from-canonical mapping under `options.csv`. The defaults write
 * RFC 4180 (comma, CRLF, no byte-order mark) with every cell as it is.
 */
export const csvWriteOptions = z
  .object({
    delimiter: z
      .enum([',', ';', '\t', '|'])
      .default(',')
      .describe(
        'Between cells: `,`, `;` (German and French Excel, many ERP imports), `"\\t"` (tab) or `|`. A cell holding it is quoted.',
      ),
    byteOrderMark: z
      .boolean()
      .default(false)
      .describe(
        'Start the file with a UTF-8 byte-order mark, for Excel, which otherwise opens UTF-8 as the local code page (Ã¼ for ü).',
      ),
    lineEnding: z
      .enum(['CRLF', 'LF'])
      .default('CRLF')
      .describe('End of each line: `CRLF` as RFC 4180 says, or `LF` for a receiver on Unix that wants it.'),
    formulaEscape: z
      .boolean()
      .default(false)
      .describe(
        "Protect against CSV formula injection (OWASP): a text cell starting with `=` `+` `-` `@`, a tab or a carriage return gets a leading `'`, so a spreadsheet shows it as text instead of running it. Off by default: it changes the data (a phone `+49 30 1234567` arrives as `'+49 30 1234567`, a text `-5` as `'-5`), which a system that imports the table keeps; turn it on when people open the file in Excel, LibreOffice or Google Sheets. Numbers the mapping writes as numbers are never escaped.",
      ),
  })
  .strict();

export type CsvWriteOptions = z.output<typeof csvWriteOptions>;
export type CsvWriteOptionsInput = z.input<typeof csvWriteOptions>;

/** One row to write: its cells by column name; an absent, null or empty cell is written empty. */
export type CsvWriteRow = Record<string, unknown>;

/**
 * What a from-canonical mapping builds for a table: its `rows` (one object per row), optionally with `header`, the
 * columns in order (as the reader's document names them); or the list of rows alone. `$loc` keys (the reader's) are
 * not columns.
 */
export type CsvWriteTree = { rows: CsvWriteRow[]; header?: string[]; $loc?: string } | CsvWriteRow[];

function fail(location: string, message: string): never {
  throw new FormatError(CSV_FORMAT, location, message);
}

const TREE_KEYS = new Set(['rows', 'header', '$loc']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rowsOf(tree: unknown): { rows: unknown[]; header?: unknown } {
  if (Array.isArray(tree)) return { rows: tree };
  if (!isPlainObject(tree)) fail('(document root)', 'a csv tree is {rows: [...]} or a list of rows');
  const other = Object.keys(tree).find((key) => !TREE_KEYS.has(key));
  if (other !== undefined)
    fail(
      '(document root)',
      `"${other}" is not part of a csv tree, which holds rows (a list of objects, one per row: rows: {$each: …, <column>: …}) and optionally header (the columns in order)`,
    );
  if (tree.rows === undefined) fail('rows', 'no rows to write (a table without rows is not read back)');
  if (!Array.isArray(tree.rows)) fail('rows', 'rows must be a list of objects, one per row');
  return { rows: tree.rows, header: tree.header };
}

/** A C0 control character other than tab, LF and CR, or DEL: refused, as the reader refuses such a table (binary). */
function checkText(text: string, location: string): void {
  const at = firstControl(text);
  if (at >= 0) {
    const code = text.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0');
    fail(location, `control character U+${code}: a table holds text only`);
  }
}

/** The columns: `header` as given, else every row's keys in the order they first appear. */
function columnsOf(rows: CsvWriteRow[], header: unknown): string[] {
  if (header !== undefined) {
    if (!Array.isArray(header) || header.some((h) => typeof h !== 'string'))
      fail('header', 'header must be a list of column names');
    const known = new Set<string>();
    header.forEach((name: string, i) => {
      if (name.trim() === '') fail(`header[${i}]`, 'a column needs a name');
      if (name === '$loc') fail(`header[${i}]`, '"$loc" is reserved for the location the reader adds');
      if (known.has(name)) fail(`header[${i}]`, `"${name}" is named twice`);
      checkText(name, `header[${i}]`);
      known.add(name);
    });
    return header as string[];
  }
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) if (key !== '$loc') columns.add(key);
  for (const name of columns) {
    if (name.trim() === '') fail('header', 'a column needs a name: a row has a key that is empty or spaces');
    checkText(name, `column "${name}"`);
  }
  return [...columns];
}

/** A cell as text: a string as it is, a number or boolean as JSON writes it, null or absent empty. */
function cellText(value: unknown, location: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') {
    checkText(value, location);
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(location, `${value} is not a number a table can hold`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  const what = Array.isArray(value) ? 'a list' : 'an object';
  fail(
    location,
    `a cell is text, a number or a boolean, got ${what}: make it one value in the mapping (e.g. $join(list, ', '))`,
  );
}

/** The delimiters the reader tells apart by the header line (formats/csv/index.ts). */
const HEADER_DELIMITERS = /[,;\t|]/;

/** What starts a formula in a spreadsheet (OWASP's CSV injection list): `=` `+` `-` `@`, tab, carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * RFC 4180: a cell holding a quote, the delimiter, a comma or a line break is quoted, its quotes doubled. So is one
 * with spaces at either end (the reader drops spaces around a delimiter, but keeps a quoted cell's own), and a header
 * name holding any delimiter the reader might take for the table's (it finds it from the header line). A comma is
 * quoted whatever the delimiter: a table of one column has none in its header line, and the reader then takes a comma.
 */
function quoted(text: string, delimiter: string, inHeader: boolean): string {
  const needs =
    /[",\r\n]/.test(text) ||
    text.includes(delimiter) ||
    /^\s|\s$/.test(text) ||
    (inHeader && HEADER_DELIMITERS.test(text));
  return needs ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A table the csv reader reads back to the same cells: a header line, then a line per row, UTF-8. By default RFC 4180:
 * comma-separated, CRLF line ends, no byte-order mark; `options` (a mapping's `options.csv`) name another delimiter,
 * LF, a byte-order mark for Excel, or formula escaping (a text cell starting with `=` `+` `-` `@`, tab or CR gets a
 * leading `'`, which then reads back as part of the cell). Refused, naming the row and column: no rows, a cell that is
 * a list or an object, a control character, a row key the given header does not name.
 */
export function writeCsv(tree: CsvWriteTree, options: Partial<CsvWriteOptions> = {}): Buffer {
  const parsed = csvWriteOptions.safeParse(options);
  if (!parsed.success)
    throw new ConfigError(`csv writer: ${zodProblemText(parsed.error, 'options.csv', csvWriteOptions)}`);
  const { delimiter, byteOrderMark, lineEnding, formulaEscape } = parsed.data;
  const { rows, header } = rowsOf(tree);
  if (rows.length === 0) fail('rows', 'no rows to write (a table without rows is not read back)');
  rows.forEach((row, i) => {
    if (!isPlainObject(row)) fail(`row ${i + 1}`, 'a row is an object of cells by column name');
  });
  const objects = rows as CsvWriteRow[];
  const columns = columnsOf(objects, header);
  if (header !== undefined) {
    const named = new Set(columns);
    objects.forEach((row, i) => {
      const extra = Object.keys(row).find((key) => key !== '$loc' && !named.has(key));
      if (extra !== undefined)
        fail(
          `row ${i + 1}, column "${extra}"`,
          `not in header (${columns.join(', ')}): add it to header, or do not map it`,
        );
    });
  }
  const cell = (value: unknown, location: string): string => {
    const text = cellText(value, location);
    // Only text: a number the mapping writes as a number (-5) is one in a spreadsheet too, never a formula.
    const escaped =
      formulaEscape && typeof value === 'string' && FORMULA_START.test(text) ? `'${text}` : text;
    return quoted(escaped, delimiter, false);
  };
  const lines = [columns.map((name) => quoted(name, delimiter, true)).join(delimiter)];
  objects.forEach((row, i) => {
    const cells = columns.map((name) => cell(row[name], `row ${i + 1}, column "${name}"`));
    // One column and no value: an empty line, which the reader skips as blank (the row would be lost).
    if (cells.length === 1 && cells[0] === '')
      fail(
        `row ${i + 1}`,
        `no value in the table's one column "${columns[0]}": an empty line is not read as a row`,
      );
    lines.push(cells.join(delimiter));
  });
  const end = lineEnding === 'LF' ? '\n' : '\r\n';
  return Buffer.from(`${byteOrderMark ? '\uFEFF' : ''}${lines.join(end)}${end}`, 'utf8');
}

export const writer: FormatWriter<CsvWriteTree, Partial<CsvWriteOptions>> = {
  name: CSV_FORMAT,
  family: 'any',
  description:
    'A table with a header line (RFC 4180, UTF-8: comma and CRLF unless the mapping’s `options.csv` names others): the tree’s rows, columns from header or the rows’ keys',
  extension: '.csv',
  // RFC 4180 registers text/csv with US-ASCII as its default character set: the one written is said.
  mediaType: 'text/csv; charset=utf-8',
  write: writeCsv,
};
