import { type Budget, checkBudget } from './budget.ts';
import type { CompiledMapping, ExpressionNode, RecordNode } from './compile.ts';
import { contextFor, isFunctionValue } from './fast-path.ts';
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

interface FastRun {
  mapping: CompiledMapping;
  bindings: Record<string, unknown>;
  budget: Budget;
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

function evaluateRecord(run: FastRun, node: RecordNode, context: unknown): unknown {
  if (node.each) {
    const raw = evaluate(run, node.each, context);
    const contexts = raw === undefined || raw === null ? [] : Array.isArray(raw) ? [...raw] : [raw];
    const out: unknown[] = [];
    for (const item of contexts) out.push(fields(run, node, item));
    return out;
  }
  if (node.from) {
    const raw = evaluate(run, node.from, context);
    if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) return null;
    if (Array.isArray(raw) && raw.length > 1) throw NEEDS_JSONATA;
    return fields(run, node, Array.isArray(raw) ? raw[0] : raw);
  }
  return fields(run, node, context);
}

type FieldsFunction = (run: FastRun, context: unknown) => Record<string, unknown>;

/** Each record node's walk, written out once as code (see `fieldsCode`). */
const fieldsFunctions = new WeakMap<RecordNode, FieldsFunction>();

function fields(run: FastRun, node: RecordNode, context: unknown): Record<string, unknown> {
  let walk = fieldsFunctions.get(node);
  if (!walk) {
    walk = fieldsCode(node);
    fieldsFunctions.set(node, walk);
  }
  return walk(run, context);
}

/**
 * A record node's fields in order, as straight-line code: each field's expression (or nested record) evaluated with
 * `$parent` as the loop over a record list would set it, and stored under its literal name, so every output object
 * of the node gets the same shape from the same stores. Does what a loop over `node.fields` would do.
 */
function fieldsCode(node: RecordNode): FieldsFunction {
  const constants: unknown[] = [];
  const constant = (value: unknown) => `k[${constants.push(value) - 1}]`;
  const lines = [
    'checkBudget(run.mapping.file, run.budget);',
    'const bindings = run.bindings;',
    'const outer = bindings.parent;',
    'const out = {};',
    'let value;',
    // One context for the fields' generated evaluations over this record's input (an array input is wrapped as
    // JSONata wraps it, by each expression's own function).
    'const c = Array.isArray(context) ? undefined : contextFor(bindings, context);',
  ];
  for (const [name, child] of node.fields) {
    const key = JSON.stringify(name);
    if (child.kind === 'expression') {
      const fast = child.fast!;
      // The expression's own evaluation, called here: one call site per field, which V8 can inline.
      const call = fast.overContext
        ? `c === undefined ? ${constant(fast)}(context, bindings) : ${constant(fast.overContext)}(context, ${fast.ownFrame ? 'contextFor(bindings, context, true)' : 'c'})`
        : `${constant(fast)}(context, bindings)`;
      lines.push(
        'bindings.parent = outer;',
        `try { value = ${call}; } catch { throw NEEDS_JSONATA; }`,
        "if (value !== null && typeof value === 'object') { if (isFunctionValue(value)) throw NEEDS_JSONATA; value = plainForEncoding(value); }",
      );
    } else {
      lines.push(
        `bindings.parent = ${child.each || child.from ? 'context' : 'outer'};`,
        `value = evaluateRecord(run, ${constant(child)}, context);`,
      );
    }
    lines.push(`if (value !== undefined) out[${key}] = value;`);
  }
  lines.push('bindings.parent = outer;', 'return out;');
  const factory = new Function(
    'checkBudget',
    'NEEDS_JSONATA',
    'evaluateRecord',
    'plainForEncoding',
    'contextFor',
    'isFunctionValue',
    'k',
    `return function fields(run, context) {\n${lines.join('\n')}\n};`,
  ) as (...args: unknown[]) => FieldsFunction;
  return factory(
    checkBudget,
    NEEDS_JSONATA,
    evaluateRecord,
    plainForEncoding,
    contextFor,
    isFunctionValue,
    constants,
  );
}

/**
 * The built (not yet defaulted or validated) output of each record context of the document, in order; throws
 * NEEDS_JSONATA for run.ts to map it instead, or the budget's MappingError.
 */
export function mapFast(
  mapping: CompiledMapping,
  tree: unknown,
  doc: Record<string, unknown>,
  budget: Budget,
): Array<{ context: unknown; built: Record<string, unknown> }> {
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
  const out: Array<{ context: unknown; built: Record<string, unknown> }> = [];
  for (const context of contexts) {
    run.bindings.record = context;
    out.push({ context, built: fields(run, mapping.root, context) });
  }
  return out;
}
