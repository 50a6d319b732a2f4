import { FormatError, type FormatWriter } from '../types.ts';
import { CSV_FORMAT, firstControl } from './index.ts';

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

/**
 * RFC 4180: a cell holding a quote, the comma or a line break is quoted, its quotes doubled. So is one with spaces
 * at either end (the reader drops spaces around a delimiter, but keeps a quoted cell's own), and a header name
 * holding another delimiter the reader might take for the table's (`;`, tab, `|`: it finds it from the header line).
 */
function quoted(text: string, inHeader: boolean): string {
  const needs = /[",\r\n]/.test(text) || /^\s|\s$/.test(text) || (inHeader && /[;\t|]/.test(text));
  return needs ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A table the csv reader reads back to the same cells: a header line, then a line per row, comma-separated, CRLF
 * line ends (RFC 4180), UTF-8 without a byte-order mark. Refused, naming the row and column: no rows, a cell that is
 * a list or an object, a control character, a row key the given header does not name.
 */
export function writeCsv(tree: CsvWriteTree): Buffer {
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
  const lines = [columns.map((name) => quoted(name, true)).join(',')];
  objects.forEach((row, i) => {
    const cells = columns.map((name) => quoted(cellText(row[name], `row ${i + 1}, column "${name}"`), false));
    // One column and no value: an empty line, which the reader skips as blank (the row would be lost).
    if (cells.length === 1 && cells[0] === '')
      fail(
        `row ${i + 1}`,
        `no value in the table's one column "${columns[0]}": an empty line is not read as a row`,
      );
    lines.push(cells.join(','));
  });
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}

export const writer: FormatWriter<CsvWriteTree> = {
  name: CSV_FORMAT,
  family: 'any',
  description:
    'A table with a header line (RFC 4180, comma, CRLF, UTF-8): the tree’s rows, columns from header or the rows’ keys',
  write: writeCsv,
};
