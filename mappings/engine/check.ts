import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type avro from 'avsc';
import { closest, distance } from 'fastest-levenshtein';
import { findReader, findWriter, readers } from '../../formats/index.ts';
import { errorMessage } from '../../lib/errors.ts';
import { avroType } from '../../schemas/catalog.ts';
import { misreadNames, misreadText } from './canonical-paths.ts';
import {
  allExpressions,
  type CompiledMapping,
  ENGINE_BINDINGS,
  type ExpressionNode,
  expressionsInEach,
  type FieldNode,
  type RecordNode,
  variablesOf,
} from './compile.ts';
import { JSONATA_BUILT_INS } from './fast-path.ts';
import { mappingFunctions } from './functions.ts';
import { schemaText } from './values.ts';

/**
 * The static half of `mappings:check`: a to-canonical mapping is compared with its output schema without running
 * it. Its format must have a reader (to-canonical) or a writer (from-canonical), every required field (no default)
 * must be produced by an expression, no expression may write a field the
 * schema lacks, nested maps must sit on record fields and `$each` on arrays of records, literals must fit their
 * field, a `$from` record must be nullable (it is null when `$from` finds nothing), every `$lookup` must name a
 * table the mapping declares, and an enum field read through a table must get its symbols from it. The other half runs the fixtures (fixtures.ts).
 */
export interface Problem {
  file: string;
  /** Where in the mapping file, e.g. `fields.salesOrder.lines.quantity`. */
  at: string;
  /** The line of `at` in the file (of the nearest enclosing key the file has, for a field it lacks). */
  line?: number;
  message: string;
}

/** Each problem with its line in the mapping file, when the file has `at` or a key enclosing it. */
function withLines(mapping: CompiledMapping, problems: Problem[]): Problem[] {
  const lines = mapping.lines;
  if (!lines) return problems;
  return problems.map((problem) => {
    if (problem.file !== mapping.file) return problem;
    for (let at = problem.at; at; at = at.includes('.') ? at.slice(0, at.lastIndexOf('.')) : '') {
      const line = lines.get(at);
      if (line !== undefined) return { ...problem, line };
    }
    return problem;
  });
}

/** A problem as a line of text: `file:line: at: message`. */
export function problemText(problem: Problem): string {
  return `${problem.file}${problem.line === undefined ? '' : `:${problem.line}`}: ${problem.at}: ${problem.message}`;
}

export type AstNode = { type?: string; value?: unknown; [key: string]: unknown };

export function walkAst(node: unknown, visit: (n: AstNode) => void): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) walkAst(child, visit);
    return;
  }
  visit(node as AstNode);
  for (const value of Object.values(node)) if (value && typeof value === 'object') walkAst(value, visit);
}

/** The literal an expression is, if it is one (`'CREATED'`, `42`, `true`, `null`). */
function literal(node: ExpressionNode): { value: unknown } | undefined {
  const ast = node.expression.ast() as AstNode;
  if (ast.type === 'string' || ast.type === 'number') return { value: ast.value };
  if (ast.type === 'value') return { value: ast.value };
  return undefined;
}

/**
 * Functions whose result is always a text (or nothing): the hub's readers of values and JSONata's string functions.
 * An expression that is one of their calls, or a `&` concatenation, can never be a record.
 */
const TEXT_FUNCTIONS = new Set([
  'decimal',
  'decimalMul',
  'decimalSum',
  'timestamp',
  'date',
  'localDate',
  'localTime',
  'parseTime',
  'trimZeros',
  'htmlText',
  'columnKey',
  'lookupCode',
  'string',
  'substring',
  'substringBefore',
  'substringAfter',
  'uppercase',
  'lowercase',
  'trim',
  'pad',
  'join',
  'replace',
  'formatNumber',
  'formatBase',
  'formatInteger',
  'fromMillis',
  'now',
]);

/** The call or operator an expression is, when its result is always a text: `$decimal(…)`, `a & b`. */
function textExpression(node: ExpressionNode): string | undefined {
  const ast = node.expression.ast() as AstNode;
  if (ast.type === 'binary' && ast.value === '&') return 'a & concatenation';
  if (ast.type === 'function') {
    const procedure = ast.procedure as AstNode | undefined;
    if (procedure?.type === 'variable' && TEXT_FUNCTIONS.has(String(procedure.value)))
      return `$${String(procedure.value)}(…)`;
  }
  return undefined;
}

/** The `$lookup` calls whose value is the expression's value: the whole expression, a condition's branches, a block's last. */
function resultLookups(ast: AstNode | undefined, into: AstNode[]): AstNode[] {
  if (!ast) return into;
  if (ast.type === 'function' && (ast.procedure as AstNode | undefined)?.value === 'lookup') into.push(ast);
  else if (ast.type === 'condition') {
    resultLookups(ast.then as AstNode | undefined, into);
    resultLookups(ast.else as AstNode | undefined, into);
  } else if (ast.type === 'block') {
    const expressions = ast.expressions as AstNode[] | undefined;
    resultLookups(expressions?.at(-1), into);
  }
  return into;
}

/**
 * An enum field whose value is a `$lookup`: each value of the table (and a literal fallback) must be one of its
 * symbols. A table value the enum lacks (`CANCELED: CANCELED_BY_BUYER`) passed the check and the fixtures that have
 * no such code, then failed every document that sends it.
 */
function checkLookupSymbols(
  mapping: CompiledMapping,
  node: ExpressionNode,
  options: avro.Type[],
  problems: Problem[],
): void {
  const enums = options.filter((t) => t.typeName === 'enum') as avro.types.EnumType[];
  if (enums.length !== 1 || !options.every((t) => t.typeName === 'enum' || t.typeName === 'null')) return;
  const type = enums[0]!;
  const symbols = new Set(type.symbols);
  for (const call of resultLookups(node.expression.ast() as AstNode, [])) {
    const [table, , fallback] = (call.arguments as AstNode[] | undefined) ?? [];
    if (table?.type !== 'string') continue;
    const name = String(table.value);
    const entries = mapping.tables[name];
    if (!entries) continue;
    const nullable = options.some((t) => t.typeName === 'null');
    const wrong = Object.entries(entries).filter(
      ([, value]) => !(value === null && nullable) && (typeof value !== 'string' || !symbols.has(value)),
    );
    for (const [code, value] of wrong.slice(0, 5)) {
      problems.push({
        file: mapping.file,
        at: node.at,
        message: `lookup table "${name}" maps ${JSON.stringify(code)} to ${JSON.stringify(value)}, which does not fit ${schemaText(type)}`,
      });
    }
    if (wrong.length > 5) {
      problems.push({
        file: mapping.file,
        at: node.at,
        message: `lookup table "${name}": ${wrong.length - 5} more values that do not fit ${type.name}`,
      });
    }
    if (fallback?.type === 'string' && !symbols.has(String(fallback.value))) {
      problems.push({
        file: mapping.file,
        at: node.at,
        message: `$lookup fallback ${JSON.stringify(fallback.value)} does not fit ${schemaText(type)}`,
      });
    }
  }
}

function branches(type: avro.Type): avro.Type[] {
  return type.typeName.startsWith('union') ? (type as avro.types.UnwrappedUnionType).types : [type];
}

function checkRecord(mapping: CompiledMapping, node: RecordNode, type: avro.Type, problems: Problem[]): void {
  const record = type as avro.types.RecordType;
  const known = new Map(record.fields.map((f) => [f.name, f]));
  for (const field of record.fields) {
    if (!node.fields.has(field.name) && field.defaultValue() === undefined) {
      problems.push({
        file: mapping.file,
        at: `${node.at}.${field.name}`,
        message: `required field "${field.name}" of ${record.name} is produced by no expression`,
      });
    }
  }
  for (const [name, child] of node.fields) {
    const field = known.get(name);
    if (!field) {
      problems.push({
        file: mapping.file,
        at: child.at,
        message: `${record.name} has no field "${name}" (fields: ${[...known.keys()].join(', ')})`,
      });
      continue;
    }
    checkField(mapping, child, field.type, problems);
  }
}

function checkField(mapping: CompiledMapping, node: FieldNode, type: avro.Type, problems: Problem[]): void {
  const options = branches(type);
  const nullable = options.some((t) => t.typeName === 'null');
  if (node.kind === 'expression') {
    const lit = literal(node);
    if (lit && !type.isValid(lit.value)) {
      problems.push({
        file: mapping.file,
        at: node.at,
        message: `literal ${JSON.stringify(lit.value)} does not fit ${schemaText(type)}`,
      });
    }
    checkLookupSymbols(mapping, node, options, problems);
    // A record field given one text-making expression fails every document at run time: say so before.
    const text = lit ? undefined : textExpression(node);
    const record = options.find((t) => t.typeName === 'record');
    if (text && record && options.every((t) => t.typeName === 'record' || t.typeName === 'null')) {
      problems.push({
        file: mapping.file,
        at: node.at,
        message: `${text} makes a text, and this field is ${schemaText(record)}: write it as a nested map of its fields`,
      });
    }
    return;
  }
  if (node.each) {
    const array = options.find((t) => t.typeName === 'array') as avro.types.ArrayType | undefined;
    const items = array?.itemsType;
    if (items?.typeName !== 'record') {
      problems.push({ file: mapping.file, at: node.at, message: '$each needs an array-of-records field' });
      return;
    }
    checkRecord(mapping, node, items, problems);
    return;
  }
  const target = options.find((t) => t.typeName === 'record');
  if (!target) {
    problems.push({
      file: mapping.file,
      at: node.at,
      message: `a nested map needs a record field; this one is ${schemaText(type)}`,
    });
    return;
  }
  if (node.from && !nullable) {
    problems.push({
      file: mapping.file,
      at: node.from.at,
      message:
        'this record is not nullable, but $from makes it null when it finds nothing: map it without $from',
    });
  }
  checkRecord(mapping, node, target, problems);
}

const formatsDir = fileURLToPath(new URL('../../formats/', import.meta.url));
const treeNamesCache = new Map<string, { seen: Set<string>; all: Set<string> }>();

function collectKeys(value: unknown, into: Set<string>): void {
  if (!value || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) collectKeys(item, into);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    into.add(key);
    collectKeys(child, into);
  }
}

/**
 * Every field name a format's trees have, as its readers build them from the format's own fixtures (valid ones):
 * the shape a mapping's expressions can refer to. Empty when the format has no fixtures here.
 */
function treeNames(format: string): { seen: Set<string>; all: Set<string> } {
  const cached = treeNamesCache.get(format);
  if (cached) return cached;
  const names = new Set<string>();
  const dir = join(formatsDir, format, 'fixtures');
  const reader = findReader(format);
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => !f.endsWith('.ts') && !f.endsWith('.md') && !f.startsWith('.'));
  } catch {
    files = [];
  }
  for (const file of files) {
    const path = join(dir, file);
    if (!statSync(path).isFile()) continue;
    try {
      for (const document of reader.parse(readFileSync(path))) collectKeys(document.tree, names);
    } catch {
      // A fixture the reader refuses adds no names.
    }
  }
  const seen = new Set(names);
  // The EDI readers name their trees' fields in their source (interfaces and the objects they build): a field that
  // no fixture happens to have is still known.
  const shared = join(formatsDir, format.split('-')[0]!);
  for (const folder of [join(formatsDir, format), shared]) {
    let sources: string[] = [];
    try {
      sources = readdirSync(folder).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    } catch {
      sources = [];
    }
    for (const file of sources) {
      for (const m of readFileSync(join(folder, file), 'utf8').matchAll(/\b([A-Za-z_]\w*)\??\s*:/g))
        names.add(m[1]!);
    }
  }
  const result = { seen, all: names };
  treeNamesCache.set(format, result);
  return result;
}

function schemaNames(type: avro.Type, into: Set<string>, seen = new Set<avro.Type>()): void {
  if (seen.has(type)) return;
  seen.add(type);
  const name = type.typeName;
  if (name === 'record' || name === 'error') {
    for (const field of (type as avro.types.RecordType).fields) {
      into.add(field.name);
      schemaNames(field.type, into, seen);
    }
  } else if (name.startsWith('union')) {
    for (const branch of (type as avro.types.UnwrappedUnionType).types) schemaNames(branch, into, seen);
  } else if (name === 'array') schemaNames((type as avro.types.ArrayType).itemsType, into, seen);
  else if (name === 'map') schemaNames((type as avro.types.MapType).valuesType, into, seen);
}

/** What `$doc` holds (run.ts binds it). */
const DOC_FIELDS = ['format', 'kind', 'id', 'source', 'receivedAt'];

/**
 * Field names an expression reads that no input of the mapping has: a to-canonical mapping's input is a format
 * whose trees are known from its fixtures, a from-canonical one's is the canonical schema. Names the mapping's own
 * expressions build (`{'earliest': …}`) count as known. A misspelt or invented name (`cur`, `assignedId`) would
 * silently yield nothing; here it is named, with the closest real name.
 */
function unknownNames(
  mapping: CompiledMapping,
  inputType: avro.Type | undefined,
  named = new Set<string>(),
): Problem[] {
  const known = new Set<string>(DOC_FIELDS);
  // Names only the reader's source mentions: known, but not offered as a hint (the source also names other things).
  const declared = new Set<string>();
  if (mapping.direction === 'to-canonical') {
    const names = treeNames(mapping.spec.input);
    if (names.all.size === 0) return [];
    for (const name of names.seen) known.add(name);
    for (const name of names.all) declared.add(name);
  } else if (inputType) schemaNames(inputType, known);
  else return [];
  // Objects the mapping gets from elsewhere: lookup tables' values, and JSONata's $match results.
  collectKeys(Object.values(mapping.tables), known);
  for (const name of ['match', 'index', 'groups']) known.add(name);
  const expressions = allExpressions(mapping);
  for (const node of expressions) {
    walkAst(node.expression.ast(), (ast) => {
      if (ast.type !== 'unary' || ast.value !== '{' || !Array.isArray(ast.lhs)) return;
      for (const pair of ast.lhs as AstNode[][]) {
        const key = pair[0];
        if (key?.type === 'string') known.add(String(key.value));
      }
    });
  }
  const problems: Problem[] = [];
  const candidates = [...known].filter((name) => name !== '$loc');
  for (const node of expressions) {
    const reported = new Set<string>();
    walkAst(node.expression.ast(), (ast) => {
      // Keys of the canonical `extensions` map are whatever the mappings made them: not checked.
      if (ast.type === 'path' && Array.isArray(ast.steps)) {
        const steps = ast.steps as AstNode[];
        for (let i = 1; i < steps.length; i++)
          if (steps[i - 1]?.value === 'extensions' && steps[i]?.type === 'name')
            reported.add(String(steps[i]!.value));
      }
      if (ast.type !== 'name' || typeof ast.value !== 'string') return;
      const name = ast.value;
      if (known.has(name) || declared.has(name) || reported.has(name) || named.has(`${node.at}\0${name}`))
        return;
      reported.add(name);
      // A name that starts a real one (`cur` → `currency`) is the likeliest slip; else the nearest by edits.
      const prefixed = candidates
        .filter((c) => c.toLowerCase().startsWith(name.toLowerCase()))
        .sort((a, b) => a.length - b.length)[0];
      const near = prefixed ?? closest(name, candidates);
      const hint =
        near && (prefixed || distance(name, near) <= Math.max(2, Math.floor(name.length / 3)))
          ? `; did you mean "${near}"?`
          : '';
      const input =
        mapping.direction === 'to-canonical' ? `no ${mapping.spec.input} tree` : `no ${mapping.spec.input}`;
      problems.push({
        file: mapping.file,
        at: node.at,
        message: `"${name}" is a field of ${input} nor of an object this mapping builds, so it always yields nothing${hint}`,
      });
    });
  }
  return problems;
}

/**
 * A from-canonical mapping's `output` must be a format with a writer, a to-canonical one's `input` a format with a
 * reader: else every record (document) it gets fails, and only a fixture run or the first one in production shows it.
 */
function formatProblem(mapping: CompiledMapping): Problem | undefined {
  const { file, spec } = mapping;
  if (mapping.direction === 'from-canonical') {
    try {
      findWriter(spec.output);
      return undefined;
    } catch (error) {
      return { file, at: 'output', message: errorMessage(error) };
    }
  }
  if (readers.some((r) => r.name === spec.input)) return undefined;
  return {
    file,
    at: 'input',
    message: `no reader for format "${spec.input}"; formats with readers: ${readers.map((r) => r.name).join(', ')}`,
  };
}

export function staticProblems(mapping: CompiledMapping): Problem[] {
  const format = formatProblem(mapping);
  const problems: Problem[] = format ? [format] : [];
  for (const node of allExpressions(mapping)) {
    walkAst(node.expression.ast(), (ast) => {
      const procedure = ast.procedure as AstNode | undefined;
      const args = ast.arguments as AstNode[] | undefined;
      const name = procedure?.value;
      if (ast.type !== 'function' || (name !== 'lookup' && name !== 'lookupCode') || !args?.[0]) return;
      if (args[0].type === 'string' && !Object.hasOwn(mapping.tables, String(args[0].value))) {
        problems.push({
          file: mapping.file,
          at: node.at,
          message: `$${name} names table "${args[0].value}", which the mapping does not declare under lookups (declared: ${Object.keys(mapping.tables).join(', ') || 'none'})`,
        });
      }
    });
  }
  if (mapping.direction === 'to-canonical' && mapping.outputType) {
    if (mapping.root.each || mapping.root.from) {
      problems.push({
        file: mapping.file,
        at: 'fields',
        message: 'use `records:` to yield several records, not $each/$from at the root',
      });
    }
    checkRecord(mapping, mapping.root, mapping.outputType, problems);
  }
  return withLines(mapping, problems);
}

/**
 * Warnings, not failures: names an expression reads that no known input has (see unknownNames). Checked where the
 * input's names are fixed: the canonical schemas, and the EDI readers (X12, EDIFACT), whose trees use the reader's
 * own names; XML and JSON trees mirror the document's names, open-ended (custom fields), so they are not checked.
 * The EDI names come from the format's fixtures, so a rare element no fixture has may be warned about wrongly: add
 * a fixture that has it.
 */
export function staticWarnings(mapping: CompiledMapping): Problem[] {
  // A format without a reader or writer is a problem already (staticProblems); its tree names are not known.
  if (formatProblem(mapping)) return [];
  const unbound = [...unboundVariables(mapping), ...zonelessPictures(mapping)];
  if (mapping.direction === 'from-canonical') {
    // A name read where its record lacks it (canonical-paths.ts), then names no record of the schema has.
    const input = avroType(mapping.schema.file);
    const misread = misreadNames(mapping, input);
    const paths = misread.map((m) => ({ file: mapping.file, at: m.at, message: misreadText(m) }));
    const named = new Set(misread.map((m) => `${m.at}\0${m.name}`));
    return withLines(mapping, [...unbound, ...paths, ...unknownNames(mapping, input, named)]);
  }
  return withLines(mapping, [
    ...unbound,
    ...(NAMED_TREES.test(mapping.spec.input) ? unknownNames(mapping, undefined) : []),
  ]);
}

/** A picture's time of day (`[H…]`, `[h…]`) and its zone (`[Z…]`, `[z…]`): XPath picture markers. */
const PICTURE_TIME = /\[[Hh]/;
const PICTURE_ZONE = /\[[Zz]/;

/**
 * `$toMillis(text, picture)` and `$parseTime(text, picture)` calls whose picture (a literal) reads a time of day but
 * no zone: JSONata's `$toMillis` then takes the text for UTC, and `$parseTime` for the wall clock of the connector's
 * timeZone, else the mapping's `options.timeZone` (UTC unless one is set), silently hours off for a partner in another
 * zone. A date alone is midnight UTC, the canonical convention: not warned about; nor a `$parseTime` given its zone
 * (third argument) or in a mapping whose `options.timeZone` names one other than UTC (the zone it reads in, as
 * `$timestamp` does, and that a connector's `timeZone` still sets per partner).
 */
function zonelessPictures(mapping: CompiledMapping): Problem[] {
  const problems: Problem[] = [];
  for (const node of allExpressions(mapping)) {
    walkAst(node.expression.ast(), (ast) => {
      const name = (ast.procedure as AstNode | undefined)?.value;
      const args = (ast.arguments as AstNode[] | undefined) ?? [];
      const picture = args[1];
      if (ast.type !== 'function' || (name !== 'toMillis' && name !== 'parseTime')) return;
      if (picture?.type !== 'string' || typeof picture.value !== 'string') return;
      if (!PICTURE_TIME.test(picture.value) || PICTURE_ZONE.test(picture.value)) return;
      if (name === 'parseTime' && (args.length > 2 || mapping.spec.options.timeZone !== 'UTC')) return;
      const reads =
        name === 'toMillis'
          ? 'JSONata reads the text as UTC'
          : "the text is read as the wall clock of the connector's timeZone, else the mapping's options.timeZone, UTC as neither is set";
      const fix =
        name === 'toMillis'
          ? `; if the text carries its offset, add it to the picture ([Z01:01], [Z] or [z]), else use $parseTime(text, picture, '<IANA zone>') with the partner's zone`
          : `; if the text carries its offset, add it to the picture ([Z01:01], [Z] or [z]), else set the partner's zone in options.timeZone (a connector's timeZone overrides it) or pass it: $parseTime(text, picture, '<IANA zone>')`;
      problems.push({
        file: mapping.file,
        at: node.at,
        message: `$${name}'s picture "${picture.value}" has no time zone ([Z], [Z01:01] or [z]): ${reads}${fix}`,
      });
    });
  }
  return problems;
}

/** JSONata's own functions and values (its standard library, bound in every evaluation). */
/**
 * `$name`s an expression reads that nothing binds: not JSONata's, the hub's ($doc, $tree, $record, $parent,
 * $position inside a `$each`, and functions.ts), a let or an import, nor the expression itself (`$x :=`, a lambda's
 * parameters, `@$x`, `#$i`). JSONata takes such a variable for nothing, so `orderId: $sytem` passed the check and
 * failed every document with "required, but the mapping produced nothing", and in an optional field it silently
 * wrote null.
 */
function unboundVariables(mapping: CompiledMapping): Problem[] {
  const known = new Set([
    ...ENGINE_BINDINGS.filter((name) => name !== 'position'),
    ...Object.keys(mappingFunctions({}, 'UTC')),
    ...mapping.lets.map(([name]) => name),
  ]);
  const problems: Problem[] = [];
  const inEach = expressionsInEach(mapping);
  for (const node of allExpressions(mapping)) {
    const { read, bound } = variablesOf(node.expression.ast());
    // `$position` (run.ts): the item's place, bound for what is evaluated for an item of a `$each` only.
    if (inEach.has(node)) bound.add('position');
    for (const name of read) {
      if (bound.has(name) || known.has(name) || JSONATA_BUILT_INS.has(name)) continue;
      if (name === 'position') {
        problems.push({
          file: mapping.file,
          at: node.at,
          message:
            '$position is bound only for an item of a $each (its 1-based place in the list): here, outside any $each, it always yields nothing',
        });
        continue;
      }
      const near = closest(name, [...known, ...bound]);
      const hint = near && distance(name, near) <= 2 ? ` (did you mean $${near}?)` : '';
      problems.push({
        file: mapping.file,
        at: node.at,
        message: `$${name} is bound by nothing (not JSONata's, the hub's, a let, an import, nor this expression), so it always yields nothing${hint}`,
      });
    }
  }
  return problems;
}

const NAMED_TREES = /^(x12|edifact)-/;
