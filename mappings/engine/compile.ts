import type avro from 'avsc';
import jsonata from 'jsonata';
import { ConfigError } from '../../lib/errors.ts';
import { avroType, canonicalSchemas } from '../../schemas/catalog.ts';
import { jsonataDeadline } from './budget.ts';
import { type FastExpression, fastExpression, type LetFunction } from './fast-path.ts';
import { mappingFunctions } from './functions.ts';
import type { FieldMap, LoadedMapping } from './spec.ts';

/** An output field computed by one JSONata expression. */
export interface ExpressionNode {
  kind: 'expression';
  /** Where it sits in the mapping file, e.g. `fields.salesOrder.lines.quantity.value`. */
  at: string;
  source: string;
  expression: jsonata.Expression;
  /** The expression compiled to a plain function, when it keeps to the subset fast-path.ts handles. */
  fast?: FastExpression;
  /**
   * The `$names` its text mentions: an evaluation binds only these of the per-document values, since JSONata binds
   * every value it is given into a fresh frame on each call (most expressions use none or one of a dozen lets).
   */
  uses: string[];
  /** A function (`function(...) {...}`): as a let, JSONata evaluates it only when a JSONata evaluation needs it. */
  lambda?: boolean;
}

/** A nested record: its own fields, optionally over a moved context (`$from`) or once per node (`$each`). */
export interface RecordNode {
  kind: 'record';
  at: string;
  each?: ExpressionNode;
  from?: ExpressionNode;
  fields: Map<string, FieldNode>;
}

export type FieldNode = ExpressionNode | RecordNode;

export interface CompiledMapping extends LoadedMapping {
  direction: 'to-canonical' | 'from-canonical';
  /** The canonical schema on the canonical side (output of to-canonical, input of from-canonical). */
  schema: (typeof canonicalSchemas)[number];
  /** The avsc type of the output when it is canonical. */
  outputType?: avro.Type;
  lets: Array<[string, ExpressionNode]>;
  records?: ExpressionNode;
  root: RecordNode;
}

/**
 * What mapping one document may cost, so that no document stalls or exhausts the process that hosts the
 * connectors: past the deadline or the memory budget it is refused with a MappingError (not retriable: the
 * dead-letter topic gets it, with this reason; run.ts checks between fields). Within one JSONata evaluation the
 * document's deadline is checked at every step, as JSONata's own timeout (budget.ts jsonataDeadline).
 */
export const DOCUMENT_BUDGET = { deadlineMs: 10_000, memoryBytes: 1024 * 1024 * 1024 };

/**
 * `perDocument`: evaluated once per document (lets, `records`, fields outside any `$each`), so one evaluation may
 * span the whole document (an 850's extensions over every line): it gets the document's deadline as JSONata's
 * timeout, and so do the functions lets define, whoever calls them. Per-item expressions
 * do not (JSONata's guardrail reads the clock at every step, which costs a third of the time) and are bounded by
 * run.ts's check between fields.
 */
function compileExpression(file: string, at: string, source: string, perDocument = true): ExpressionNode {
  try {
    // A function a let defines runs under the guardrail of the evaluation that made it, whoever calls it: it gets
    // the document's deadline too (a let's function doing a whole document's work, called from a per-item
    // expression, was bounded by nothing). (JSONata's options take a timeout, though its type declarations do not
    // say so.)
    const expression = perDocument
      ? jsonata(source, jsonataDeadline as unknown as jsonata.JsonataOptions)
      : jsonata(source);
    const uses = [...new Set([...source.matchAll(/\$([A-Za-z_]\w*)/g)].map((m) => m[1]!))];
    return { kind: 'expression', at, source, expression, uses };
  } catch (error) {
    const e = error as { message: string; position?: number; token?: string };
    throw new ConfigError(
      `${file}: ${at}: JSONata syntax error${e.position !== undefined ? ` at character ${e.position}` : ''}: ${e.message}`,
      { cause: error },
    );
  }
}

/** The mapping file as an error names it: with the line of the value at `at` (`orders.yaml:18`) when known. */
type FileAt = (at: string) => string;

function compileRecord(file: FileAt, at: string, map: FieldMap, inEach = false): RecordNode {
  const node: RecordNode = { kind: 'record', at, fields: new Map() };
  for (const [key, value] of Object.entries(map)) {
    const where = `${at}.${key}`;
    const each = inEach || Object.hasOwn(map, '$each');
    if (key === '$each') node.each = compileExpression(file(where), where, value as string, !inEach);
    else if (key === '$from') node.from = compileExpression(file(where), where, value as string, !each);
    else if (typeof value === 'string')
      node.fields.set(key, compileExpression(file(where), where, value, !each));
    else node.fields.set(key, compileRecord(file, where, value, each));
  }
  return node;
}

/**
 * The names the engine binds in every evaluation besides the functions (docs/mappings.md): `$doc`, `$tree`,
 * `$record`, `$parent` and, for an item of a `$each`, `$position`. A let or an imported expression may not take one:
 * the engine's value would hide the let's (`$record`, `$parent`, `$position` are set per record and per item) or the
 * let's would hide the engine's (`$doc`, `$tree`), silently either way.
 */
export const ENGINE_BINDINGS = ['doc', 'tree', 'record', 'parent', 'position'] as const;

/**
 * The `$name`s an expression reads and those it binds itself (`$x :=`, a lambda's parameters, `@$x`, `#$i`), by
 * name over the whole expression (a name bound anywhere in it counts as bound everywhere in it).
 */
export function variablesOf(ast: unknown): { read: Set<string>; bound: Set<string> } {
  const read = new Set<string>();
  const bound = new Set<string>();
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return void node.forEach(walk);
    const n = node as {
      type?: string;
      value?: unknown;
      lhs?: { type?: string; value?: unknown };
      [k: string]: unknown;
    };
    if (n.type === 'variable' && typeof n.value === 'string' && /^[A-Za-z_]\w*$/.test(n.value))
      read.add(n.value);
    if (n.type === 'bind' && n.lhs?.type === 'variable') bound.add(String(n.lhs.value));
    if (n.type === 'lambda')
      for (const a of (n.arguments as { value?: unknown }[]) ?? []) bound.add(String(a.value));
    if (typeof n.focus === 'string') bound.add(n.focus);
    if (typeof n.index === 'string') bound.add(n.index);
    for (const value of Object.values(n)) if (value && typeof value === 'object') walk(value);
  };
  walk(ast);
  return { read, bound };
}

/**
 * A let sees the lets above it only (run.ts evaluates them in order, each with the names before it, and a let's
 * function keeps that view whoever calls it): one that reads a let defined at or below it is refused at load, naming
 * both, in every path (JSONata answered such a call with its generic "Attempted to invoke a non-function" while the
 * compiled form called the function anyway).
 */
function checkLetOrder(compiled: CompiledMapping, where: (name: string) => string): void {
  const order = compiled.lets.map(([name]) => name);
  compiled.lets.forEach(([name, node], index) => {
    const { read, bound } = variablesOf(node.expression.ast());
    for (const used of read) {
      const at = order.indexOf(used);
      if (at < index || bound.has(used)) continue;
      const which = at === index ? 'itself' : `let.${used} (${where(used)}), defined below it`;
      throw new ConfigError(
        `${where(name)}: let.${name}: reads $${used}, ${which}: a let sees only the lets above it; ${at === index ? 'a let cannot call itself' : `move let.${used} above let.${name}`}`,
      );
    }
  });
}

/** Compiles every expression once; a syntax error names the file and the field. */
export function compileMapping(loaded: LoadedMapping): CompiledMapping {
  const { file, spec } = loaded;
  const outputSchema = canonicalSchemas.find((s) => s.fullName === spec.output);
  const inputSchema = canonicalSchemas.find((s) => s.fullName === spec.input);
  if (!outputSchema && !inputSchema) {
    throw new ConfigError(
      `${file}: input or output must be a canonical schema (${canonicalSchemas.map((s) => s.fullName).join(', ')})`,
    );
  }
  const direction = outputSchema ? 'to-canonical' : 'from-canonical';
  // The catalog finds shipped mappings by these suffixes; a file named explicitly (a connector's `mapping`,
  // `--mapping`) may be called anything, but never the opposite of what it does.
  const opposite = direction === 'to-canonical' ? 'from-canonical' : 'to-canonical';
  if (file.endsWith(`.${opposite}.yaml`)) {
    throw new ConfigError(
      `${file}: a ${direction} mapping (output ${spec.output}) named .${opposite}.yaml: rename it`,
    );
  }
  if (spec.sendTo !== undefined && direction === 'to-canonical')
    throw new ConfigError(
      `${file}: sendTo names where a from-canonical mapping's documents go, and this mapping reads ${spec.input} into ${spec.output}: remove it`,
    );
  const schema = (outputSchema ?? inputSchema)!;
  const fileAt: FileAt = (at) => {
    const line = loaded.lines?.get(at);
    return line === undefined ? file : `${file}:${line}`;
  };
  for (const name of Object.keys(spec.let)) {
    if (!(ENGINE_BINDINGS as readonly string[]).includes(name)) continue;
    const origin = loaded.letOrigins[name];
    throw new ConfigError(
      `${origin ? file : fileAt(`let.${name}`)}: ${origin ? `let.${name} (imported from ${origin})` : `let.${name}`}: $${name} is the engine's (${ENGINE_BINDINGS.map((b) => `$${b}`).join(', ')}: no let may take one; the engine's value and the let's would hide each other): rename the let`,
    );
  }
  const compiled: CompiledMapping = {
    ...loaded,
    direction,
    schema,
    outputType: outputSchema ? avroType(outputSchema.file) : undefined,
    lets: Object.entries(spec.let).map(([name, source]) => [
      name,
      compileExpression(
        loaded.letOrigins[name] ? file : fileAt(`let.${name}`),
        loaded.letOrigins[name] ? `let.${name} (imported from ${loaded.letOrigins[name]})` : `let.${name}`,
        source,
      ),
    ]),
    records:
      spec.records === undefined ? undefined : compileExpression(fileAt('records'), 'records', spec.records),
    root: compileRecord(fileAt, 'fields', spec.fields),
  };
  checkLetOrder(compiled, (name) =>
    loaded.letOrigins[name] ? `${file} (imported from ${loaded.letOrigins[name]})` : fileAt(`let.${name}`),
  );
  // The mapping's functions are the same for every document: bound into each expression once, so an evaluation
  // binds only the per-document values ($doc, $tree, $record, $parent, lets) instead of all of them every time.
  const functions = mappingFunctions(compiled.tables, spec.options.timeZone);
  const letFunctions = new Map<string, LetFunction>();
  const before = new Set(['doc', 'tree']);
  for (const [name, node] of compiled.lets) {
    const ast = node.expression.ast() as { type?: string };
    if (ast.type === 'lambda') letFunctions.set(name, { ast: ast as never, visible: new Set(before) });
    before.add(name);
  }
  for (const node of allExpressions(compiled)) {
    for (const [name, fn] of Object.entries(functions)) node.expression.assign(name, fn);
    // A let that is a function stays JSONata's value (for the expressions JSONata evaluates); compiled expressions
    // call its compiled body instead.
    if ((node.expression.ast() as { type?: string }).type === 'lambda') {
      node.lambda = true;
      continue;
    }
    node.fast = fastExpression(node.expression.ast() as never, functions, letFunctions);
  }
  return compiled;
}

/**
 * The expressions evaluated for an item of a `$each` (its record's fields and nested records, a nested `$each` or
 * `$from` too): where `$position` is bound.
 */
export function expressionsInEach(mapping: CompiledMapping): Set<ExpressionNode> {
  const out = new Set<ExpressionNode>();
  const walk = (node: FieldNode, inEach: boolean) => {
    if (node.kind === 'expression') {
      if (inEach) out.add(node);
      return;
    }
    if (inEach && node.each) out.add(node.each);
    if (inEach && node.from) out.add(node.from);
    for (const child of node.fields.values()) walk(child, inEach || !!node.each);
  };
  walk(mapping.root, false);
  return out;
}

export function allExpressions(mapping: CompiledMapping): ExpressionNode[] {
  const out: ExpressionNode[] = [...mapping.lets.map(([, node]) => node)];
  if (mapping.records) out.push(mapping.records);
  const walk = (node: FieldNode) => {
    if (node.kind === 'expression') return void out.push(node);
    if (node.each) out.push(node.each);
    if (node.from) out.push(node.from);
    for (const child of node.fields.values()) walk(child);
  };
  walk(mapping.root);
  return out;
}
