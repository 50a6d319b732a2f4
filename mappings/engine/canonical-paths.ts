import type avro from 'avsc';
import { closest, distance } from 'fastest-levenshtein';
import type { CompiledMapping, ExpressionNode, FieldNode } from './compile.ts';

/**
 * Path-aware names of a from-canonical mapping: each name a path reads is looked up in the record the path has
 * reached (`customer.city` in `Customer`, which has no `city`: an address has), not in every name of the schema tree,
 * where a name of another record passed and then always yielded nothing. The record a path starts from is known
 * where the context is: the input record (lets, `records`, `$tree`), what `records` yields when it is a path or `$`,
 * what a `$each` / `$from` path reaches, `$record`, `$parent`, and a let that is such a path (`c: customer`, then
 * `$c.emails`). Where it is not known (a lambda's parameter, a function's result, an object the mapping builds)
 * nothing is checked here. A map (`extensions`) takes any key.
 */
export interface Misread {
  /** The expression's place in the mapping file. */
  at: string;
  name: string;
  /** The path up to the record that lacks it: `customer`, `salesOrder.lines[]`. */
  path: string;
  record: avro.types.RecordType;
}

type Ast = { type?: string; value?: unknown; [key: string]: unknown };

interface Typed {
  type: avro.Type;
  path: string;
}

interface Scope {
  context: Typed | undefined;
  root: Typed;
  record: Typed | undefined;
  parent: Typed | undefined;
  variables: Map<string, Typed | undefined>;
  at: string;
  out: Misread[];
}

/** The record behind unions with null and arrays (JSONata reads through both), when there is exactly one. */
function recordOf(type: avro.Type): avro.types.RecordType | undefined {
  const name = type.typeName;
  if (name === 'record' || name === 'error') return type as avro.types.RecordType;
  if (name === 'array') return recordOf((type as avro.types.ArrayType).itemsType);
  if (name.startsWith('union')) {
    const records = (type as avro.types.UnwrappedUnionType).types
      .map(recordOf)
      .filter((r): r is avro.types.RecordType => r !== undefined);
    return records.length === 1 ? records[0] : undefined;
  }
  return undefined;
}

function isArray(type: avro.Type): boolean {
  const name = type.typeName;
  if (name === 'array') return true;
  return name.startsWith('union') && (type as avro.types.UnwrappedUnionType).types.some(isArray);
}

function variable(name: unknown, scope: Scope): Typed | undefined {
  if (name === '') return scope.context;
  if (typeof name !== 'string') return undefined;
  if (scope.variables.has(name)) return scope.variables.get(name);
  if (name === 'tree') return scope.root;
  if (name === 'record') return scope.record;
  if (name === 'parent') return scope.parent;
  return undefined;
}

function field(typed: Typed | undefined, name: string, scope: Scope): Typed | undefined {
  if (!typed) return undefined;
  const record = recordOf(typed.type);
  if (!record) return undefined;
  const found = record.fields.find((f) => f.name === name);
  if (!found) {
    scope.out.push({ at: scope.at, name, path: typed.path, record });
    return undefined;
  }
  const path = `${typed.path ? `${typed.path}.` : ''}${name}`;
  return { type: found.type, path: isArray(found.type) ? `${path}[]` : path };
}

/** Keys of a node that are not expressions read in its context: stages, a predicate and a group read each item. */
const OWN_KEYS = new Set(['type', 'value', 'position', 'stages', 'predicate', 'group']);

/** Checks the names `ast` reads against the records they are read from; returns what it yields, when known. */
function read(ast: unknown, scope: Scope): Typed | undefined {
  if (!ast || typeof ast !== 'object') return undefined;
  if (Array.isArray(ast)) {
    for (const item of ast) read(item, scope);
    return undefined;
  }
  const node = ast as Ast;
  switch (node.type) {
    case 'path':
      return readPath(node.steps as Ast[], scope);
    case 'name':
      return readPath([node], scope);
    case 'variable':
      return variable(node.value, scope);
    case 'condition': {
      read(node.condition, scope);
      const then = read(node.then, scope);
      const otherwise = read(node.else, scope);
      return node.else === undefined || otherwise?.type === then?.type ? then : undefined;
    }
    case 'block': {
      const inner: Scope = { ...scope, variables: new Map(scope.variables) };
      let last: Typed | undefined;
      for (const expression of (node.expressions as Ast[]) ?? []) last = read(expression, inner);
      return last;
    }
    case 'bind': {
      const value = read(node.rhs, scope);
      const lhs = node.lhs as Ast | undefined;
      if (lhs?.type === 'variable' && typeof lhs.value === 'string') scope.variables.set(lhs.value, value);
      return value;
    }
    case 'lambda': {
      // Its parameters hide variables of the same name; what it is called on is not known here.
      const variables = new Map(scope.variables);
      for (const a of (node.arguments as Ast[]) ?? []) variables.set(String(a.value), undefined);
      read(node.body, { ...scope, variables, context: undefined });
      return undefined;
    }
    default:
      for (const [key, child] of Object.entries(node)) if (!OWN_KEYS.has(key)) read(child, scope);
      return undefined;
  }
}

function readPath(steps: Ast[], scope: Scope): Typed | undefined {
  let current: Typed | undefined;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (step.type === 'name' && typeof step.value === 'string')
      current = field(i === 0 ? scope.context : current, step.value, scope);
    else if (step.type === 'variable' && i === 0) current = variable(step.value, scope);
    else if (step.type === 'variable' && step.value === '') {
      // `$` as a later step is the item itself.
    } else if (step.type === 'sort') {
      for (const term of (step.terms as Ast[]) ?? []) read(term.expression, { ...scope, context: current });
    } else current = read(step, { ...scope, context: i === 0 ? scope.context : current });
    // Predicates, sort terms and a group are read on each item the step yields; a focus or index binding (`@$x`,
    // `#$i`) or a parent step makes the tuple stream too loose to follow.
    if (step.focus !== undefined || step.tuple || step.type === 'parent') current = undefined;
    const item: Scope = { ...scope, context: current };
    for (const stage of (step.stages as Ast[]) ?? []) if (stage.type === 'filter') read(stage.expr, item);
    for (const predicate of (step.predicate as Ast[]) ?? []) read(predicate.expr, item);
    if (step.group) read((step.group as Ast).lhs, item);
  }
  return current;
}

/** Each name a from-canonical mapping's paths read that the record they reach lacks. */
export function misreadNames(mapping: CompiledMapping, input: avro.Type): Misread[] {
  const out: Misread[] = [];
  const root: Typed = { type: input, path: '' };
  const variables = new Map<string, Typed | undefined>();
  const scopeAt = (at: string, context: Typed | undefined, extra: Partial<Scope> = {}): Scope => ({
    context,
    root,
    record: undefined,
    parent: undefined,
    variables: new Map(variables),
    at,
    out,
    ...extra,
  });
  for (const [name, node] of mapping.lets)
    variables.set(name, read(node.expression.ast(), scopeAt(node.at, root)));
  const record = mapping.records
    ? read(mapping.records.expression.ast(), scopeAt(mapping.records.at, root))
    : root;
  const walk = (node: FieldNode, context: Typed | undefined, parent: Typed | undefined) => {
    const scope = (expression: ExpressionNode, here: Typed | undefined) =>
      scopeAt(expression.at, here, { record, parent });
    if (node.kind === 'expression') return void read(node.expression.ast(), scope(node, context));
    let inner = context;
    if (node.each) inner = read(node.each.expression.ast(), scope(node.each, context));
    else if (node.from) inner = read(node.from.expression.ast(), scope(node.from, context));
    const innerParent = node.each || node.from ? context : parent;
    for (const child of node.fields.values()) walk(child, inner, innerParent);
  };
  walk(mapping.root, record, undefined);
  return out;
}

/** A misread name as a warning's text, with the likeliest field of that record. */
export function misreadText(misread: Misread): string {
  const fields = misread.record.fields.map((f) => f.name);
  const prefixed = fields
    .filter((f) => f.toLowerCase().startsWith(misread.name.toLowerCase()))
    .sort((a, b) => a.length - b.length)[0];
  const near = prefixed ?? closest(misread.name, fields);
  const hint =
    near && (prefixed || distance(misread.name, near) <= Math.max(2, Math.floor(misread.name.length / 3)))
      ? `did you mean "${near}"?`
      : `its fields: ${fields.join(', ')}`;
  const where = misread.path ? `at ${misread.path}` : 'at the top';
  return `"${misread.name}" is no field of ${misread.record.name} (${where}), so it always yields nothing; ${hint}`;
}
