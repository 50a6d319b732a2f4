import { createHash } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import type avro from 'avsc';
import type { ParsedDocument } from '../../formats/types.ts';
import { type CompiledMapping, DOCUMENT_BUDGET, type ExpressionNode, type RecordNode } from './compile.ts';
import { formatPath, MappingError } from './errors.ts';

/** One canonical record a document yields, as `eai map` prints it. */
export interface CanonicalRecord {
  /** Avro full name. */
  schema: string;
  /** The Kafka key: the entity's business key. */
  key: string;
  value: Record<string, unknown>;
}

interface Run {
  mapping: CompiledMapping;
  bindings: Record<string, unknown>;
  /**
   * Lets that are functions, not evaluated yet: compiled expressions call their compiled bodies, so JSONata makes the
   * function value only when a JSONata evaluation needs it, seeing what it would have seen in order (`before`).
   */
  pending: Map<string, { node: ExpressionNode; before: ReadonlySet<string> }>;
  /** Input location of each output path prefix, to say where in the input a bad value came from. */
  locations: Array<[string, string]>;
  budget: Budget;
}

interface Budget {
  deadlineMs: number;
  memoryBytes: number;
  deadline: number;
  heapAtStart: number;
  ticks: number;
}

/** V8's used heap: what process.memoryUsage().heapUsed says, without its resident-set reading (~7× the cost). */
const heapUsed = () => getHeapStatistics().used_heap_size;

function checkBudget(run: Run): void {
  const budget = run.budget;
  // Every 32nd field: a clock read and a heap reading cost little, but not nothing.
  if (++budget.ticks % 32 !== 0) return;
  if (performance.now() > budget.deadline) {
    throw new MappingError(
      run.mapping.file,
      '(document)',
      `refused: mapping it took longer than the per-document deadline of ${budget.deadlineMs / 1000} s; split the document, or raise the deadline where the mapping runs`,
    );
  }
  const grown = heapUsed() - budget.heapAtStart;
  if (grown > budget.memoryBytes) {
    throw new MappingError(
      run.mapping.file,
      '(document)',
      `refused: mapping it took more than the per-document memory budget of ${Math.round(budget.memoryBytes / 1024 / 1024)} MiB; split the document, or raise the budget where the mapping runs`,
    );
  }
}

function locationOf(node: unknown): string | undefined {
  return node && typeof node === 'object' && typeof (node as { $loc?: unknown }).$loc === 'string'
    ? (node as { $loc: string }).$loc
    : undefined;
}

/**
 * Where a record context is, when it has no `$loc` of its own (a whole document's tree): its first located child,
 * breadth first (the message's header segment, say), so a problem with a top-level field still names its message.
 */
function contextLocation(context: unknown): string | undefined {
  let level: unknown[] = [context];
  for (let depth = 0; depth < 3 && level.length > 0; depth++) {
    const next: unknown[] = [];
    for (const node of level) {
      const at = locationOf(node);
      if (at) return at;
      if (node && typeof node === 'object' && !Array.isArray(node)) next.push(...Object.values(node));
    }
    level = next;
  }
  return undefined;
}

/** JSONata sequences are arrays with extra flags; results are made plain so they compare and encode cleanly. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    if ((value as { _jsonata_lambda?: boolean })._jsonata_lambda) return undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== '$loc' && v !== undefined) out[k] = plain(v);
    return out;
  }
  return value;
}

async function evaluate(
  run: Run,
  node: ExpressionNode,
  context: unknown,
  path: string | string[],
): Promise<unknown> {
  return plain(await evaluateRaw(run, node, context, path));
}

/**
 * With EAI_MAPPING_VERIFY_FAST_PATH=1 (fast-path.spec.ts sets it), every compiled result is checked against JSONata's
 * own for the same input: a difference fails the mapping, naming the expression.
 */
const verifyFastPath = process.env.EAI_MAPPING_VERIFY_FAST_PATH === '1';

export class FastPathMismatch extends Error {}

/** The per-document values an evaluation of `node` binds (only those its text names); `before`: a let's view. */
async function bindingsFor(
  run: Run,
  node: ExpressionNode,
  before?: ReadonlySet<string>,
): Promise<Record<string, unknown>> {
  const bindings: Record<string, unknown> = {};
  for (const name of node.uses) {
    if (before && !before.has(name)) continue;
    const lazy = run.pending.get(name);
    if (lazy) {
      run.pending.delete(name);
      run.bindings[name] = await evaluateRaw(run, lazy.node, run.bindings.tree, `let.${name}`, lazy.before);
    }
    if (name in run.bindings) bindings[name] = run.bindings[name];
  }
  return bindings;
}

async function verifyFast(
  run: Run,
  node: ExpressionNode,
  context: unknown,
  fast: unknown,
  before?: ReadonlySet<string>,
): Promise<void> {
  const bindings = await bindingsFor(run, node, before);
  const slow = await node.expression.evaluate(context, bindings);
  const shape = (v: unknown) =>
    JSON.stringify({
      value: plain(v),
      array: Array.isArray(v),
      sequence: Array.isArray(v) && (v as { sequence?: boolean }).sequence === true,
      keepSingleton: Array.isArray(v) && (v as { keepSingleton?: boolean }).keepSingleton === true,
    });
  if (shape(fast) !== shape(slow)) {
    throw new FastPathMismatch(
      `${run.mapping.file}: ${node.at}: compiled ${shape(fast)} but JSONata ${shape(slow)} [${node.source}]`,
    );
  }
}

/** The expression's result as JSONata gives it: input nodes keep their `$loc`. */
/** `path`: where the value goes, formatted only when an error needs it. */
async function evaluateRaw(
  run: Run,
  node: ExpressionNode,
  context: unknown,
  path: string | string[],
  before?: ReadonlySet<string>,
): Promise<unknown> {
  try {
    if (node.fast) {
      try {
        const fast = node.fast(context, run.bindings);
        if (verifyFastPath) await verifyFast(run, node, context, fast, before);
        return fast;
      } catch (error) {
        if (error instanceof FastPathMismatch) throw error;
        // Whatever the compiled form cannot handle (or fails on), JSONata answers, errors in its own words.
      }
    }
    return await node.expression.evaluate(context, await bindingsFor(run, node, before));
  } catch (error) {
    // JSONata's own timeout (D1012) is the per-document deadline reached inside one expression: said as such.
    const message =
      (error as { code?: string }).code === 'D1012'
        ? `refused: one expression ran longer than the per-document deadline of ${DOCUMENT_BUDGET.deadlineMs / 1000} s`
        : ((error as Error).message ?? String(error));
    const at = typeof path === 'string' ? path : formatPath(path);
    throw new MappingError(
      run.mapping.file,
      at,
      `${message} [in ${node.at}: ${node.source}]`,
      locationOf(context) ?? nearestLocation(run, at),
      { cause: error },
    );
  }
}

async function evaluateRecord(
  run: Run,
  node: RecordNode,
  context: unknown,
  path: string[],
): Promise<unknown> {
  if (node.each) {
    const raw = await evaluateRaw(run, node.each, context, path);
    const contexts = raw === undefined || raw === null ? [] : Array.isArray(raw) ? [...raw] : [raw];
    const out: unknown[] = [];
    for (let i = 0; i < contexts.length; i++)
      out.push(await fields(run, node, contexts[i], [...path, String(i)]));
    return out;
  }
  if (node.from) {
    const raw = await evaluateRaw(run, node.from, context, path);
    if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) return null;
    if (Array.isArray(raw) && raw.length > 1) {
      throw new MappingError(
        run.mapping.file,
        formatPath(path),
        `$from yields ${raw.length} nodes, one expected (pick one, e.g. with [0]) [in ${node.from.at}]`,
        locationOf(context),
      );
    }
    return fields(run, node, Array.isArray(raw) ? raw[0] : raw, path);
  }
  return fields(run, node, context, path);
}

async function fields(
  run: Run,
  node: RecordNode,
  context: unknown,
  path: string[],
): Promise<Record<string, unknown>> {
  const at = locationOf(context);
  if (at) run.locations.push([formatPath(path), at]);
  const out: Record<string, unknown> = {};
  checkBudget(run);
  // `$parent`: the context before the nearest `$each` / `$from` (e.g. the item of a schedule line). Nested maps
  // without one keep the context and so keep `$parent`. Safe to set in place: evaluation is sequential.
  const outer = run.bindings.parent;
  for (const [name, child] of node.fields) {
    const childPath = [...path, name];
    let value: unknown;
    if (child.kind === 'expression') {
      run.bindings.parent = outer;
      value = await evaluate(run, child, context, childPath);
    } else {
      run.bindings.parent = child.each || child.from ? context : outer;
      value = await evaluateRecord(run, child, context, childPath);
    }
    if (value !== undefined) out[name] = value;
  }
  run.bindings.parent = outer;
  return out;
}

function nearestLocation(run: Run, path: string): string | undefined {
  let best: [string, string] | undefined;
  for (const entry of run.locations) {
    const prefix = entry[0];
    const covers =
      prefix === '' || path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
    if (covers && (!best || prefix.length >= best[0].length)) best = entry;
  }
  return best?.[1];
}

/**
 * Fields the mapping left out get their schema defaults, so a mapping states only what it knows; a single value
 * where the schema wants an array becomes a one-element array (JSONata yields a lone match unwrapped).
 */
function withDefaults(type: avro.Type, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  const name = type.typeName;
  const arrayBranch =
    name === 'array' || (name.startsWith('union') && !Array.isArray(value) && arrayOnly(type));
  if (arrayBranch && !Array.isArray(value)) return withDefaults(type, [value]);
  if (typeof value !== 'object') return value;
  if (name === 'record' || name === 'error') {
    const record = value as Record<string, unknown>;
    for (const field of (type as avro.types.RecordType).fields) {
      if (record[field.name] === undefined) {
        const fallback = field.defaultValue();
        if (fallback !== undefined) record[field.name] = fallback;
      } else record[field.name] = withDefaults(field.type, record[field.name]);
    }
    return record;
  }
  if (name === 'union:unwrapped' || name === 'union:wrapped') {
    const branches = (type as avro.types.UnwrappedUnionType).types;
    const wanted = Array.isArray(value) ? ['array'] : ['record', 'map'];
    const branch = branches.find((b) => wanted.includes(b.typeName));
    return branch ? withDefaults(branch, value) : value;
  }
  if (name === 'array')
    return (value as unknown[]).map((v) => withDefaults((type as avro.types.ArrayType).itemsType, v));
  if (name === 'map') {
    const values = (type as avro.types.MapType).valuesType;
    for (const [k, v] of Object.entries(value))
      (value as Record<string, unknown>)[k] = withDefaults(values, v);
  }
  return value;
}

/** A union whose only non-null branch is an array. */
function arrayOnly(type: avro.Type): boolean {
  const others = (type as avro.types.UnwrappedUnionType).types.filter((t) => t.typeName !== 'null');
  return others.length === 1 && others[0]!.typeName === 'array';
}

function describeInvalid(value: unknown, type: avro.Type): string {
  const schema = JSON.stringify(type.schema()).slice(0, 100);
  if (value === undefined) return `required, but the mapping produced nothing (schema ${schema})`;
  const shown = JSON.stringify(value)?.slice(0, 80);
  // Logical types fail on their underlying type: say what the value should have been instead.
  if (type.typeName === 'logical:decimal') {
    return `${shown} is not an exact decimal (a string like "12.50", at most 6 decimal places)`;
  }
  if (type.typeName === 'logical:timestamp-millis') {
    return `${shown} is not a timestamp with a zone (use $timestamp)`;
  }
  if (type.typeName === 'logical:date') return `${shown} is not a YYYY-MM-DD date`;
  return `${shown} does not fit ${schema}`;
}

/** Validates against the output schema, naming the field path and the input location of each problem. */
function validate(run: Run, type: avro.Type, value: unknown): Record<string, unknown> {
  const problems: MappingError[] = [];
  type.isValid(value, {
    errorHook: (segments, bad, badType) => {
      const path = formatPath(segments);
      problems.push(
        new MappingError(run.mapping.file, path, describeInvalid(bad, badType), nearestLocation(run, path)),
      );
    },
  });
  const first = problems[0];
  if (first) {
    if (problems.length === 1) throw first;
    const list = problems.map((p) => `${p.path}: ${p.problem}${p.location ? ` (input ${p.location})` : ''}`);
    throw new MappingError(run.mapping.file, `${problems.length} fields`, list.join('; '));
  }
  // Through the schema once more: decimals normalized, timestamps as Dates, fields in schema order.
  return type.clone(value) as Record<string, unknown>;
}

async function start(
  mapping: CompiledMapping,
  tree: unknown,
  doc: Record<string, unknown>,
  options: MapOptions,
): Promise<Run> {
  const deadlineMs = options.deadlineMs ?? DOCUMENT_BUDGET.deadlineMs;
  const memoryBytes = options.memoryBudgetBytes ?? DOCUMENT_BUDGET.memoryBytes;
  const run: Run = {
    mapping,
    bindings: { doc, tree },
    pending: new Map(),
    locations: [],
    budget: {
      deadlineMs,
      memoryBytes,
      deadline: performance.now() + deadlineMs,
      heapAtStart: heapUsed(),
      ticks: 0,
    },
  };
  const before = new Set(['doc', 'tree']);
  for (const [name, node] of mapping.lets) {
    if (node.lambda) run.pending.set(name, { node, before: new Set(before) });
    else run.bindings[name] = await evaluateRaw(run, node, tree, `let.${name}`, before);
    before.add(name);
  }
  return run;
}

async function recordContexts(run: Run, tree: unknown): Promise<unknown[]> {
  const mapping = run.mapping;
  if (!mapping.records) return [tree];
  const raw = await evaluateRaw(run, mapping.records, tree, '(records)');
  return raw === undefined || raw === null ? [] : Array.isArray(raw) ? [...raw] : [raw];
}

export interface MapOptions {
  /** `$doc.receivedAt`: when the hub got the document, for documents that carry no time of their own. */
  receivedAt?: Date;
  /** Per-document deadline (default DOCUMENT_BUDGET.deadlineMs). */
  deadlineMs?: number;
  /** Per-document growth of the heap allowed while mapping (default DOCUMENT_BUDGET.memoryBytes). */
  memoryBudgetBytes?: number;
}

/** Maps one parsed document to the canonical records it yields, each validated against its schema. */
export async function mapDocument(
  mapping: CompiledMapping,
  document: ParsedDocument,
  options: MapOptions = {},
): Promise<CanonicalRecord[]> {
  if (mapping.direction !== 'to-canonical' || !mapping.outputType) {
    throw new MappingError(mapping.file, '', 'not a to-canonical mapping');
  }
  const { format, kind, id, source } = document;
  const receivedAt = (options.receivedAt ?? new Date()).toISOString();
  const run = await start(mapping, document.tree, { format, kind, id, source, receivedAt }, options);
  const out: CanonicalRecord[] = [];
  for (const context of await recordContexts(run, document.tree)) {
    const whole = contextLocation(context);
    run.locations = whole ? [['', whole]] : [];
    run.bindings.record = context;
    const built = await fields(run, mapping.root, context, []);
    const value = validate(run, mapping.outputType, withDefaults(mapping.outputType, built));
    let key: string;
    try {
      key = mapping.schema.key(value);
    } catch (error) {
      throw new MappingError(mapping.file, '', (error as Error).message, locationOf(context));
    }
    out.push({ schema: mapping.schema.fullName, key, value });
  }
  return out;
}

/** Canonical values from JSON text: one value, an array of them, or what `eai map` prints (`{schema, key, value}`). */
export function canonicalValues(json: string): unknown[] {
  const parsed = JSON.parse(json) as unknown;
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((r) => (r && typeof r === 'object' && 'schema' in r && 'value' in r ? r.value : r));
}

/** A 16-digit document number derived from the content, so the same record always writes the same document. */
function contentNumber(value: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(value)).digest();
  return (digest.readBigUInt64BE(0) % 10n ** 16n).toString().padStart(16, '0');
}

/**
 * Maps canonical values (JSON form: decimals as strings, timestamps ISO) to one writer tree each. `$doc.id` is the
 * outbound document's number: `documentId` when given (e.g. from the event's id), else derived from the content.
 */
export async function mapToSystem(
  mapping: CompiledMapping,
  values: unknown[],
  options: { documentId?: string } = {},
): Promise<unknown[]> {
  if (mapping.direction !== 'from-canonical') {
    throw new MappingError(mapping.file, '', 'not a from-canonical mapping');
  }
  const trees: unknown[] = [];
  for (const value of values) {
    const input = JSON.parse(JSON.stringify(value)) as unknown;
    const doc = {
      format: mapping.spec.output,
      schema: mapping.schema.fullName,
      id: options.documentId ?? contentNumber(input),
    };
    const run = await start(mapping, input, doc, {});
    for (const context of await recordContexts(run, input)) {
      run.bindings.record = context;
      trees.push(await fields(run, mapping.root, context, []));
    }
  }
  return trees;
}
