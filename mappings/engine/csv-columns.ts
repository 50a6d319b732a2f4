import { readFileSync } from 'node:fs';
import { distance } from 'fastest-levenshtein';
import { CSV_FORMAT, csvHeader } from '../../formats/csv/index.ts';
import type { ParsedDocument } from '../../formats/types.ts';
import { meant } from '../../lib/zod-problems.ts';
import { type AstNode, type Problem, walkAst } from './check.ts';
import { allExpressions, type CompiledMapping } from './compile.ts';
import { MappingError } from './errors.ts';
import { columnKey } from './functions.ts';

/**
 * The columns a CSV mapping reads, against a table's header. A mapping names columns directly (a path step `Email`
 * in an expression), or through a columns table (`columns.table`: a lookup of column name → the part of the record it
 * feeds, as `mappings/csv/customer-table.to-canonical.yaml` reads `lookups/customer-columns.yaml`). What it needs is
 * its `columns.required`: column names, or with a table the parts some column must feed. A header that lacks one is
 * refused whole at run time (`checkHeader`: every row of it would be mapped wrong alike, as the customer table's rows
 * without an id column all became the customer `<system>:`), naming it and the closest header names; `eai map check
 * <mapping> <table>` says the same before the table is sent (`headerReport`), and names the header's columns the
 * mapping does not read.
 */

const NEAREST = 3;

/** The part of the record a header column feeds by the mapping's columns table, as `$lookup` would find it. */
export function columnPart(mapping: CompiledMapping, column: string): string | undefined {
  const name = mapping.spec.columns?.table;
  const table = name ? mapping.tables[name] : undefined;
  if (!table) return undefined;
  const written = column.trim();
  const key = columnKey(written) ?? '';
  const found = Object.hasOwn(table, written)
    ? table[written]
    : Object.hasOwn(table, key)
      ? table[key]
      : table['*'];
  return found === undefined || found === null ? undefined : String(found);
}

/** The columns table's names for a part (its keys whose value is the part). */
function namesFor(mapping: CompiledMapping, part: string): string[] {
  const name = mapping.spec.columns?.table;
  const table = name ? (mapping.tables[name] ?? {}) : {};
  return Object.entries(table)
    .filter(([key, value]) => key !== '*' && String(value) === part)
    .map(([key]) => key);
}

/** The header's names nearest to what is missing (to the columns table's names for it, with a table), nearest first. */
function nearest(mapping: CompiledMapping, required: string, header: string[]): string[] {
  const targets = mapping.spec.columns?.table ? namesFor(mapping, required) : [required.toLowerCase()];
  if (targets.length === 0) return [];
  // Edits per letter of the longer name: "Cust No" (custno) is nearer customerno than "Land" is id.
  const score = (column: string) => {
    const mine = mapping.spec.columns?.table ? (columnKey(column) ?? '') : column.toLowerCase();
    return Math.min(...targets.map((t) => distance(mine, t) / Math.max(mine.length, t.length, 1)));
  };
  return header
    .map((column, index) => ({ column, index, score: score(column) }))
    .sort((a, b) => a.score - b.score || a.index - b.index)
    .slice(0, NEAREST)
    .map((c) => c.column);
}

export interface MissingColumn {
  /** The column (or, with a columns table, the part) the mapping requires. */
  required: string;
  /** The header names nearest to it, nearest first. */
  closest: string[];
  message: string;
}

/** The mapping's required columns (or parts) that the header lacks, each said with the closest header names. */
export function missingColumns(mapping: CompiledMapping, header: string[]): MissingColumn[] {
  const columns = mapping.spec.columns;
  if (!columns || columns.required.length === 0) return [];
  const table = columns.table;
  const present = new Set(table ? header.map((c) => columnPart(mapping, c)) : header);
  return columns.required
    .filter((required) => !present.has(required))
    .map((required) => {
      const closest = nearest(mapping, required, header);
      const names = table ? namesFor(mapping, required) : [];
      const shown = names.slice(0, 6).join(', ');
      const what = table
        ? `no column for "${required}" (the columns table ${mapping.spec.lookups[table] ?? table} reads ${
            names.length === 0
              ? 'no column as it'
              : `${shown}${names.length > 6 ? `, … (${names.length} names)` : ''} as it`
          })`
        : `no column "${required}"`;
      const near = closest.length
        ? `; closest header names: ${closest.map((c) => `"${c}"`).join(', ')}`
        : '; the header names no column';
      const fix = table ? ': rename the column, or add its name to the table' : ': rename the column';
      return { required, closest, message: `the header has ${what}${near}${fix}` };
    });
}

/**
 * Refuses a table whose header lacks a column the mapping requires (`columns.required`), for the whole document:
 * a MappingError at `(header)`, line 1, naming each missing one and the closest header names.
 */
export function checkHeader(mapping: CompiledMapping, document: ParsedDocument): void {
  if (!mapping.spec.columns || !document.header) return;
  const missing = missingColumns(mapping, document.header);
  if (missing.length === 0) return;
  throw new MappingError(mapping.file, '(header)', missing.map((m) => m.message).join('; '), 'line 1', {
    wholeDocument: true,
  });
}

/** Names a CSV tree's nodes hold besides a table's columns, and those of JSONata's $match results. */
const NOT_COLUMNS = new Set(['rows', '$loc', 'match', 'index', 'groups']);

/**
 * The column names a mapping without a columns table reads: the names its expressions step into, less those of
 * objects it builds itself (`{'cells': …}`) and of its lookup tables' values.
 */
export function namesRead(mapping: CompiledMapping): string[] {
  const built = new Set<string>(NOT_COLUMNS);
  const collect = (value: unknown) => {
    if (!value || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (!Array.isArray(value)) built.add(key);
      collect(child);
    }
  };
  for (const table of Object.values(mapping.tables)) for (const value of Object.values(table)) collect(value);
  const expressions = allExpressions(mapping);
  for (const node of expressions)
    walkAst(node.expression.ast(), (ast) => {
      if (ast.type !== 'unary' || ast.value !== '{' || !Array.isArray(ast.lhs)) return;
      for (const pair of ast.lhs as AstNode[][])
        if (pair[0]?.type === 'string') built.add(String(pair[0].value));
    });
  // `$doc.id`, `$doc.receivedAt`: the document's, not columns.
  const ofDoc = new Set<AstNode>();
  const names = new Set<string>();
  for (const node of expressions)
    walkAst(node.expression.ast(), (ast) => {
      const steps = ast.type === 'path' && Array.isArray(ast.steps) ? (ast.steps as AstNode[]) : [];
      if (steps[0]?.type === 'variable' && steps[0].value === 'doc')
        for (const step of steps) ofDoc.add(step);
      if (ast.type === 'name' && typeof ast.value === 'string' && !built.has(ast.value) && !ofDoc.has(ast))
        names.add(ast.value);
    });
  return [...names];
}

/** The header's columns the mapping reads: those its columns table names, or (without one) its expressions name. */
export function columnsRead(mapping: CompiledMapping, header: string[]): string[] {
  if (mapping.spec.columns?.table)
    return header.filter((column) => columnPart(mapping, column) !== undefined);
  const read = new Set(namesRead(mapping));
  return header.filter((column) => read.has(column));
}

export interface HeaderReport {
  input: string;
  header: string[];
  missing: MissingColumn[];
  /**
   * Header columns the mapping does not read: with a columns table, those it does not name (the shipped customer
   * table keeps them in extensions); without, those no expression names. `hint`: the name it would read, if close.
   */
  unknown: Array<{ column: string; hint?: string }>;
  /** Without a columns table: names the mapping's expressions read that the header lacks. */
  absent: Array<{ column: string; hint?: string }>;
}

/** A table's header against the mapping (`eai map check <mapping> <table>`). */
export function headerReport(mapping: CompiledMapping, input: string, bytes: Buffer): HeaderReport {
  const header = csvHeader(bytes);
  const table = mapping.spec.columns?.table;
  const missing = missingColumns(mapping, header);
  if (table) {
    const known = Object.keys(mapping.tables[table] ?? {}).filter((k) => k !== '*');
    const unknown = header
      .filter((column) => columnPart(mapping, column) === undefined)
      .map((column) => withHint(column, meant(columnKey(column) ?? column, known)));
    return { input, header, missing, unknown, absent: [] };
  }
  const read = namesRead(mapping);
  const absent = read
    .filter((name) => !header.includes(name) && !missing.some((m) => m.required === name))
    .map((name) => withHint(name, meant(name, header)));
  // A column that is the "did you mean" of a name the mapping reads is said there, once.
  const meantFor = new Set(absent.map((a) => a.hint));
  const unknown = header
    .filter((column) => !read.includes(column) && !meantFor.has(`did you mean "${column}"?`))
    .map((column) => withHint(column, meant(column, read)));
  return { input, header, missing, unknown, absent };
}

function withHint(column: string, hint: string | undefined): { column: string; hint?: string } {
  return hint ? { column, hint } : { column };
}

/** The report as the problems (a missing required column) and warnings `eai map check` prints. */
export function headerProblems(
  mapping: CompiledMapping,
  report: HeaderReport,
): { problems: Problem[]; warnings: Problem[] } {
  const at = `${report.input} line 1`;
  const table = mapping.spec.columns?.table;
  const unread = table
    ? `is not named in the columns table ${mapping.spec.lookups[table] ?? table}, so it feeds no canonical field (a mapping may keep such columns in extensions, as the shipped customer table does)`
    : 'is read by no expression of the mapping';
  return {
    problems: report.missing.map((m) => ({ file: mapping.file, at, message: m.message })),
    warnings: [
      ...report.unknown.map((u) => ({
        file: mapping.file,
        at,
        message: `column "${u.column}" ${unread}${u.hint ? `; ${u.hint}` : ''}`,
      })),
      ...report.absent.map((a) => ({
        file: mapping.file,
        at,
        message: `the mapping reads a column "${a.column}" that the header does not have, so it always yields nothing${a.hint ? `; ${a.hint}` : ''}`,
      })),
    ],
  };
}

/** The headers of the mapping's fixture tables (those that have one). */
function fixtureHeaders(inputs: string[]): string[][] {
  const headers: string[][] = [];
  for (const file of inputs) {
    try {
      headers.push(csvHeader(readFileSync(file)));
    } catch {
      // A fixture that is no table (a broken one) names no columns.
    }
  }
  return headers;
}

/**
 * What `eai map check` says of a mapping's `columns` without a table to compare: problems (on a mapping that reads
 * no CSV; a table not among its lookups; a required part its columns table feeds from no column) and warnings (a
 * required column no fixture's header has; without a table, a name the mapping reads that no fixture's header has).
 */
export function columnsProblems(
  mapping: CompiledMapping,
  fixtureInputs: string[],
): { problems: Problem[]; warnings: Problem[] } {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const columns = mapping.spec.columns;
  if (mapping.direction !== 'to-canonical' || mapping.spec.input !== CSV_FORMAT) {
    if (columns)
      problems.push({
        file: mapping.file,
        at: 'columns',
        message: `columns describe a CSV table's header; this mapping reads ${mapping.spec.input}`,
      });
    return { problems, warnings };
  }
  const table = columns?.table;
  if (table && !Object.hasOwn(mapping.tables, table)) {
    problems.push({
      file: mapping.file,
      at: 'columns.table',
      message: `"${table}" is not one of the mapping's lookups (${Object.keys(mapping.tables).join(', ') || 'none'})`,
    });
    return { problems, warnings };
  }
  if (table) {
    const parts = [...new Set(Object.values(mapping.tables[table] ?? {}).map(String))];
    for (const required of columns?.required ?? [])
      if (!parts.includes(required)) {
        const hint = meant(required, parts);
        problems.push({
          file: mapping.file,
          at: 'columns.required',
          message: `"${required}" is fed by no column of the columns table ${mapping.spec.lookups[table]}, so every table would be refused${hint ? `; ${hint}` : ''}`,
        });
      }
  }
  const headers = fixtureHeaders(fixtureInputs);
  if (headers.length === 0) return { problems, warnings };
  for (const required of columns?.required ?? []) {
    const met = headers.some((header) =>
      missingColumns(mapping, header).every((m) => m.required !== required),
    );
    if (!met)
      warnings.push({
        file: mapping.file,
        at: 'columns.required',
        message: `no fixture's header has a column for "${required}": add a fixture of a table the mapping is for`,
      });
  }
  if (!table) {
    const seen = new Set(headers.flat());
    for (const name of namesRead(mapping))
      if (!seen.has(name)) {
        const hint = meant(name, [...seen]);
        warnings.push({
          file: mapping.file,
          at: 'fields',
          message: `the mapping reads a column "${name}" that no fixture's header has${hint ? `; ${hint}` : ''}`,
        });
      }
  }
  return { problems, warnings };
}
