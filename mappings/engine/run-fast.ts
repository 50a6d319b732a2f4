import { type Budget, checkBudget } from './budget.ts';
import type { CompiledMapping, ExpressionNode, RecordNode } from './compile.ts';
import { contextFor, type FastExpression, isFunctionValue } from './fast-path.ts';
import { plainForEncoding } from './values.ts';

/**
 * A document mapped by the compiled expressions alone, synchronously: when every expression of a mapping compiled
 * (fast-path.ts), the asynchronous walk of run.ts spends more on its promises, one or more per field, than on the
 * work. The walk here is run.ts's (`fields`, `evaluateRecord`, lets, `records`, `$parent`) without JSONata: a
 * compiled expression that throws, a `$from` of several nodes or anything else run.ts would report as an error makes
 * the whole document `NEEDS_JSONATA`, and run.ts maps it again from the start, so results and errors (in JSONata's
 * words, with their input locations) stay run.ts's. Only the per-document budget is refused here directly.
 */
export const NEEDS_JSONATA = Symbol('needs JSONata');

export interface FastRun {
  mapping: CompiledMapping;
  bindings: Record<string, unknown>;
  budget: Budget;
  /** The record's business key, as write-fast.ts's writers find it while they write. */
  key?: unknown;
}

/** Every expression of the mapping compiled (lets that are functions run through their compiled bodies). */
export function fullyCompiled(mapping: CompiledMapping): boolean {
  const walk = (node: RecordNode): boolean =>
    (!node.each || !!node.each.fast) &&
    (!node.from || !!node.from.fast) &&
    [...node.fields.values()].every((child) => (child.kind === 'expression' ? !!child.fast : walk(child)));
  return (
    mapping.lets.every(([, node]) => node.lambda || node.fast) &&
    (!mapping.records || !!mapping.records.fast) &&
    walk(mapping.root)
  );
}

function evaluate(run: FastRun, node: ExpressionNode, context: unknown): unknown {
  try {
    return node.fast!(context, run.bindings);
  } catch {
    throw NEEDS_JSONATA;
  }
}

function evaluateLet(
  node: ExpressionNode,
  tree: unknown,
  bindings: Record<string, unknown>,
  visible: ReadonlySet<string>,
): unknown {
  try {
    return node.fast!(tree, bindings, visible);
  } catch {
    throw NEEDS_JSONATA;
  }
}

type FieldsFunction = (run: FastRun, context: unknown, shared?: unknown) => Record<string, unknown>;

/**
 * Each record node's walk, written out once as code (see `fieldsCode`); a nested record's within its parent's. The
 * walks for the bus's writer (`entries`) are others.
 */
const fieldsFunctions = new WeakMap<RecordNode, FieldsFunction>();
const entriesFieldsFunctions = new WeakMap<RecordNode, FieldsFunction>();

export function fieldsOf(node: RecordNode, entries: boolean): FieldsFunction {
  const known = entries ? entriesFieldsFunctions : fieldsFunctions;
  let walk = known.get(node);
  if (!walk) {
    walk = fieldsCode(node, entries);
    known.set(node, walk);
  }
  return walk;
}

/**
 * The code of an expression's own evaluation over `context` in a record node's generated function (`bindings`, and
 * `c`: the context made for its fields' evaluations), one call site per field, which V8 can inline; `constant` names
 * a value the code reads.
 */
export function evaluationCode(fast: FastExpression, constant: (value: unknown) => string): string {
  return fast.overContext
    ? `c === undefined ? ${constant(fast)}(context, bindings) : ${constant(fast.overContext)}(context, ${fast.ownFrame ? 'contextFor(bindings, context, true)' : 'c'})`
    : `${constant(fast)}(context, bindings)`;
}

/**
 * The code that builds a nested record node's value into `value` in its parent's generated function, `walk` naming
 * its own fields' function: a list (`$each`), a record or null (`$from`), or a record over the parent's context.
 * The list or moved context is its expression's own function's (a function value refused).
 */
export function nestedRecordCode(
  child: RecordNode,
  walk: string,
  evaluation: (fast: FastExpression) => string,
): string[] {
  const raw = (fast: FastExpression) =>
    `try { raw = ${evaluation(fast)}; } catch { throw NEEDS_JSONATA; }\nif (raw !== null && typeof raw === 'object' && isFunctionValue(raw)) throw NEEDS_JSONATA;`;
  if (child.each)
    return [
      'bindings.parent = context;',
      raw(child.each.fast!),
      'value = [];',
      // `$position` (run.ts's evaluateRecord): the item's 1-based place, the enclosing `$each`'s again after.
      '{ const outerPosition = bindings.position;',
      `if (Array.isArray(raw)) { for (let i = 0; i < raw.length; i++) { bindings.position = i + 1; value.push(${walk}(run, raw[i])); } } else if (raw !== undefined && raw !== null) { bindings.position = 1; value.push(${walk}(run, raw)); }`,
      'bindings.position = outerPosition; }',
    ];
  if (child.from)
    return [
      'bindings.parent = context;',
      raw(child.from.fast!),
      'if (raw === undefined || raw === null) value = null;',
      `else if (!Array.isArray(raw)) value = ${walk}(run, raw);`,
      'else if (raw.length === 0) value = null;',
      'else if (raw.length > 1) throw NEEDS_JSONATA;',
      `else value = ${walk}(run, raw[0]);`,
    ];
  return ['bindings.parent = outer;', `value = ${walk}(run, context, c);`];
}

/**
 * A record node's fields in order, as straight-line code: each field's expression (or nested record) evaluated with
 * `$parent` as the loop over a record list would set it, and stored under its literal name, so every output object
 * of the node gets the same shape from the same stores. Does what a loop over `node.fields` would do, and what
 * run.ts's evaluateRecord does for a nested record: its `$each` or `$from` evaluated here (over this record's
 * context, as its other fields are), then its own fields' function called for each of its contexts. `shared`: the
 * context its parent made for the same input (a nested record without `$each` or `$from`), used as it is.
 * `entries`: a field that is one `$merge([...])` gives the MapEntries that stand for its object (its `entries`).
 */
function fieldsCode(node: RecordNode, entries: boolean): FieldsFunction {
  const constants: unknown[] = [];
  const constant = (value: unknown) => `k[${constants.push(value) - 1}]`;
  const evaluation = (fast: FastExpression) => evaluationCode(fast, constant);
  const lines = [
    'checkBudget(run.mapping.file, run.budget);',
    'const bindings = run.bindings;',
    'const outer = bindings.parent;',
    'const out = {};',
    'let value, raw;',
    // One context for the fields' generated evaluations over this record's input (an array input is wrapped as
    // JSONata wraps it, by each expression's own function).
    'const c = Array.isArray(context) ? undefined : (shared ?? contextFor(bindings, context));',
  ];
  for (const [name, child] of node.fields) {
    const key = JSON.stringify(name);
    if (child.kind === 'expression') {
      const fast = entries && child.fast!.entries ? child.fast!.entries : child.fast!;
      lines.push(
        'bindings.parent = outer;',
        `try { value = ${evaluation(fast)}; } catch { throw NEEDS_JSONATA; }`,
        "if (value !== null && typeof value === 'object') { if (isFunctionValue(value)) throw NEEDS_JSONATA; value = plainForEncoding(value); }",
      );
    } else lines.push(...nestedRecordCode(child, constant(fieldsOf(child, entries)), evaluation));
    lines.push(`if (value !== undefined) out[${key}] = value;`);
  }
  lines.push('bindings.parent = outer;', 'return out;');
  const factory = new Function(
    'checkBudget',
    'NEEDS_JSONATA',
    'plainForEncoding',
    'contextFor',
    'isFunctionValue',
    'k',
    `return function fields(run, context, shared) {\n${lines.join('\n')}\n};`,
  ) as (...args: unknown[]) => FieldsFunction;
  return factory(checkBudget, NEEDS_JSONATA, plainForEncoding, contextFor, isFunctionValue, constants);
}

/**
 * The built (not yet defaulted or validated) output of each record context of the document, in order; throws
 * NEEDS_JSONATA for run.ts to map it instead, or the budget's MappingError. `entries`: for the bus's writer only
 * (schemas/avro-writer.ts), a field that is one `$merge([...])` holds MapEntries instead of its object.
 */
export function mapFast(
  mapping: CompiledMapping,
  tree: unknown,
  doc: Record<string, unknown>,
  budget: Budget,
  entries = false,
): Array<{ context: unknown; built: Record<string, unknown> }> {
  const { run, contexts } = startFast(mapping, tree, doc, budget);
  const walk = fieldsOf(mapping.root, entries);
  const out: Array<{ context: unknown; built: Record<string, unknown> }> = [];
  for (const context of contexts) {
    run.bindings.record = context;
    out.push({ context, built: walk(run, context) });
  }
  return out;
}

/** A document's run (its lets evaluated) and its record contexts (the `records` expression's, else the tree). */
export function startFast(
  mapping: CompiledMapping,
  tree: unknown,
  doc: Record<string, unknown>,
  budget: Budget,
): { run: FastRun; contexts: unknown[] } {
  const run: FastRun = { mapping, bindings: { doc, tree }, budget };
  const before = new Set(['doc', 'tree']);
  for (const [name, node] of mapping.lets) {
    // A let that is a function is called through its compiled body; only JSONata would need its value. A let
    // whose value is a function made otherwise (a block ending in one) is its compiled lambda, closed over the
    // names before it, as JSONata's closure is.
    if (!node.lambda) run.bindings[name] = evaluateLet(node, tree, run.bindings, new Set(before));
    before.add(name);
  }
  let contexts: unknown[] = [tree];
  if (mapping.records) {
    const raw = evaluate(run, mapping.records, tree);
    contexts = raw === undefined || raw === null ? [] : Array.isArray(raw) ? [...raw] : [raw];
  }
  return { run, contexts };
}
