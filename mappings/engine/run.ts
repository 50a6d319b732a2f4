import { createHash } from 'node:crypto';
import type avro from 'avsc';
import { closest, distance } from 'fastest-levenshtein';
import jsonata from 'jsonata';
import { FormatError, type ParsedDocument } from '../../formats/types.ts';
import { quotedText } from '../../lib/errors.ts';
import { lastIsoTimestamp } from '../../lib/iso-time.ts';
import { avscClone, type ValueEncoder } from '../../schemas/avro-writer.ts';
import {
  type Budget,
  checkBudget,
  documentBudget,
  pastDeadline,
  startBudget,
  withinBudget,
} from './budget.ts';
import { type AstNode, walkAst } from './check.ts';
import type { CompiledMapping, ExpressionNode, RecordNode } from './compile.ts';
import { checkHeader } from './csv-columns.ts';
import { formatPath, MappingError } from './errors.ts';
import { mappingFunctions } from './functions.ts';
import { ownErrorMessage } from './own-errors.ts';
import { fullyCompiled, mapFast, NEEDS_JSONATA } from './run-fast.ts';
import { plain, schemaText, withDefaults } from './values.ts';
import { writeFast, writesFast } from './write-fast.ts';

/** One canonical record a document yields, as `eai map` prints it. */
export interface CanonicalRecord {
  /** Avro full name. */
  schema: string;
  /** The Kafka key: the entity's business key. */
  key: string;
  value: Record<string, unknown>;
  /**
   * The value as `MapOptions.encode` wrote it (then `value` is as mapped, not in the schema's normal form, a map
   * field made by `$merge` possibly the MapEntries the writer took: schemas/avro-writer.ts; or, written straight from
   * the mapping by write-fast.ts, decoded from these bytes when asked for).
   */
  encoded?: Buffer;
}

/** A record written straight from the mapping (write-fast.ts): its value is read back from its bytes when asked. */
class WrittenRecord implements CanonicalRecord {
  readonly schema: string;
  readonly key: string;
  readonly encoded: Buffer;
  readonly #type: avro.Type;
  #value: Record<string, unknown> | undefined;
  constructor(schema: string, key: string, encoded: Buffer, type: avro.Type) {
    this.schema = schema;
    this.key = key;
    this.encoded = encoded;
    this.#type = type;
  }
  get value(): Record<string, unknown> {
    // After the wire format's 5-byte header.
    this.#value ??= this.#type.fromBuffer(this.encoded.subarray(5)) as Record<string, unknown>;
    return this.#value;
  }
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

async function evaluate(
  run: Run,
  node: ExpressionNode,
  context: unknown,
  path: string | string[],
): Promise<unknown> {
  return plain(await evaluateRaw(run, node, context, path));
}

/**
 * With the check on (EAI_MAPPING_VERIFY_FAST_PATH=1 when the engine loads, or `verifyFastPathWhile`), every compiled
 * result is checked against JSONata's own for the same input: a difference fails the mapping, naming the expression.
 */
let verifyFastPath = process.env.EAI_MAPPING_VERIFY_FAST_PATH === '1';

/**
 * Runs `work` with the fast path's check on, and puts the switch back after. A switch, not the environment variable
 * alone: test files that share a process (the unit project's workers) share this module, and a check left on turns
 * the fast path off for every file after (fast-path.spec.ts did that to the mapping step's spec).
 */
export async function verifyFastPathWhile<T>(work: () => Promise<T>): Promise<T> {
  const before = verifyFastPath;
  verifyFastPath = true;
  try {
    return await work();
  } finally {
    verifyFastPath = before;
  }
}

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
        if (error instanceof FastPathMismatch || (error as { code?: string }).code === 'D1012') throw error;
        // Whatever the compiled form cannot handle (or fails on), JSONata answers, errors in its own words.
      }
    }
    return await node.expression.evaluate(context, await bindingsFor(run, node, before));
  } catch (error) {
    // JSONata's timeout (D1012) is the per-document deadline reached inside an expression (budget.ts).
    const deadline = (error as { code?: string }).code === 'D1012';
    const code = (error as { code?: string }).code;
    // A mapping's own `$error(…)` (JSONata's D3137) says what is wrong in its author's words: no expression after it.
    const own = code === 'D3137';
    const message = deadline
      ? pastDeadline(run.budget.deadlineMs)
      : own || code === 'D3141'
        ? ownErrorMessage(run.mapping, (error as Error).message ?? String(error))
        : withValuesMarked((error as Error).message ?? String(error), error);
    const at = typeof path === 'string' ? path : formatPath(path);
    // JSONata's T1006 ("Attempted to invoke a non-function") names no function: name the misspelt one.
    const which = (error as { code?: string }).code === 'T1006' ? await notFunctions(run, node) : '';
    const said = which || `${message}${numbersHint(error)}`;
    throw new MappingError(
      run.mapping.file,
      at,
      own ? message : `${said} [in ${node.at}${lineOf(run, node.at)}: ${node.source}]`,
      // A `let` binding's path covers no record: it names the document (its first located node) instead.
      locationOf(context) ?? nearestLocation(run, at) ?? contextLocation(context),
      // A let's value and the deadline are the document's, whichever record's field first needed them.
      { cause: error, wholeDocument: deadline || at.startsWith('let.') },
    );
  }
}

/** `, line N` of an expression's place in the mapping file, when known (an imported let's is another file's). */
function lineOf(run: Run, at: string): string {
  const line = run.mapping.lines?.get(at);
  return line === undefined ? '' : `, line ${line}`;
}

/**
 * JSONata's arithmetic functions refuse strings, and every decimal a mapping reads (`$decimal`, a canonical amount
 * or quantity) is an exact string: `$sum(lines.quantity.value)` said only `must be an array of "numbers"`.
 */
/**
 * JSONata's message with the document values it quotes marked as values (`quotedText`): its templates put an error's
 * `value` and `value2` in as JSON (`Unable to cast value to a number: "Jane Roe"`, `The values "Roe" and 3 either
 * side of operator "<"…`), so a viewer and the logs read them as `"…"`. Each is taken at its last place before the
 * next one's, as the templates write them in order at their end.
 */
function withValuesMarked(message: string, error: unknown): string {
  if (typeof (error as { code?: unknown })?.code !== 'string') return message;
  let out = message;
  let before = out.length;
  for (const key of ['value2', 'value'] as const) {
    const value = (error as Record<string, unknown>)[key];
    const json = value === undefined ? undefined : JSON.stringify(value);
    if (!json) continue;
    const at = out.lastIndexOf(json, before - json.length);
    if (at < 0) continue;
    out = `${out.slice(0, at)}${quotedText(json)}${out.slice(at + json.length)}`;
    before = at;
  }
  return out;
}

function numbersHint(error: unknown): string {
  const { code, token, type } = error as { code?: string; token?: unknown; type?: unknown };
  const numbers = type === 'numbers' || type === 'number';
  if (code !== 'T0412' || !numbers || !['sum', 'max', 'min', 'average'].includes(String(token))) return '';
  return token === 'sum'
    ? ' (decimals are exact strings here: $decimalSum(list) adds them exactly)'
    : ' (decimals are exact strings here: $number(x) reads one as a number, inexactly)';
}

/**
 * The functions an expression calls that are none: not JSONata's, the hub's (functions.ts), a let's, or bound in the
 * expression itself (`$f := function…`, a lambda's parameters); each with the nearest name that is one.
 */
async function notFunctions(run: Run, node: ExpressionNode): Promise<string> {
  const called = new Set<string>();
  const bound = new Set<string>();
  walkAst(node.expression.ast(), (ast) => {
    const procedure = ast.procedure as AstNode | undefined;
    const lhs = ast.lhs as AstNode | undefined;
    if (ast.type === 'function' && procedure?.type === 'variable') called.add(String(procedure.value));
    if (ast.type === 'bind' && lhs?.type === 'variable') bound.add(String(lhs.value));
    if (ast.type === 'lambda') for (const a of ast.arguments as AstNode[]) bound.add(String(a.value));
  });
  const known = [...Object.keys(mappingFunctions({}, 'UTC')), ...Object.keys(run.mapping.spec.let)];
  const missing: string[] = [];
  for (const name of called) {
    if (bound.has(name) || known.includes(name)) continue;
    // JSONata's own functions ($count, $string, $error…) evaluate to its function objects, not to JavaScript ones.
    const builtin = await jsonata(`$${name}`)
      .evaluate(undefined)
      .catch(() => undefined);
    if (typeof builtin === 'function' || (typeof builtin === 'object' && builtin !== null)) continue;
    const near = closest(name, known);
    const hint = near && distance(name, near) <= 2 ? ` (did you mean $${near}?)` : '';
    missing.push(`$${name} is not a function of JSONata, the hub or this mapping's lets${hint}`);
  }
  return missing.join('; ');
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
    // `$position`: the 1-based place of the item in the nearest `$each` (JSONata's `#$i` cannot reach the list an
    // `$each` walks); the enclosing one's again after the list.
    const outerPosition = run.bindings.position;
    for (let i = 0; i < contexts.length; i++) {
      run.bindings.position = i + 1;
      out.push(await fields(run, node, contexts[i], [...path, String(i)]));
    }
    run.bindings.position = outerPosition;
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
  checkBudget(run.mapping.file, run.budget);
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

function describeInvalid(value: unknown, type: avro.Type): string {
  const schema = schemaText(type);
  if (value === undefined) return `required, but the mapping produced nothing (schema ${schema})`;
  // A nullable field is its other branch: a wrong value there said `does not fit ["null","long"]` of a timestamp.
  if (value !== null && type.typeName.startsWith('union')) {
    const others = (type as avro.types.UnwrappedUnionType).types.filter((t) => t.typeName !== 'null');
    if (others.length === 1) return describeInvalid(value, others[0] as avro.Type);
  }
  const shown = JSON.stringify(value)?.slice(0, 80);
  // Logical types fail on their underlying type: say what the value should have been instead.
  if (type.typeName === 'logical:decimal') {
    return `${shown} is not an exact decimal (a string like "12.50", at most 6 decimal places)`;
  }
  if (type.typeName === 'logical:timestamp-millis') {
    return `${shown} is not a timestamp with a zone (use $timestamp)`;
  }
  if (type.typeName === 'logical:date') return `${shown} is not a YYYY-MM-DD date`;
  if (type.typeName === 'record' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    const names = (type as avro.types.RecordType).fields.map((f) => f.name);
    return `${shown} is not a record: ${schema} is written as a nested map of its fields (${names.map((n) => `${n}: …`).join(', ')}), not one expression`;
  }
  return `${shown} does not fit ${schema}`;
}

/** Checks the value against the output schema, naming the field path and the input location of each problem. */
function check(run: Run, type: avro.Type, value: unknown): void {
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
}

/**
 * Validates against the output schema. With an encoder the bytes are the result (written once: the value as mapped
 * encodes to the same bytes as its normal form); without, the value goes through the schema once more: decimals
 * normalized, timestamps as Dates, fields in schema order.
 */
function validate(
  run: Run,
  type: avro.Type,
  value: unknown,
  encode?: (value: unknown) => Buffer,
): { value: Record<string, unknown>; encoded?: Buffer } {
  check(run, type, value);
  if (encode) return { value: value as Record<string, unknown>, encoded: encode(value) };
  return { value: avscClone<Record<string, unknown>>(type, value) };
}

async function start(
  mapping: CompiledMapping,
  tree: unknown,
  doc: Record<string, unknown>,
  budget: Budget,
): Promise<Run> {
  const run: Run = { mapping, bindings: { doc, tree }, pending: new Map(), locations: [], budget };
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
  /** Per-document deadline (default compile.ts DOCUMENT_BUDGET.deadlineMs). */
  deadlineMs?: number;
  /** Per-document growth of the heap allowed while mapping (default compile.ts DOCUMENT_BUDGET.memoryBytes). */
  memoryBudgetBytes?: number;
  /**
   * Writes a valid value as the caller sends it (Avro and its wire header), throwing on a value that does not fit:
   * the records then carry `encoded`, and encoding is the validation (no second pass through the schema). A map
   * field made by `$merge` may come as MapEntries: an encoder written with schemas/avro-writer.ts takes them. One
   * that frames a body (`framed`, bus/serde.ts's) gets the records of a mapping whose expressions all compiled
   * written straight from them (write-fast.ts).
   */
  encode?: ValueEncoder;
}

/** Whether `mapFast` may try a mapping: every expression compiled, and no check of each against JSONata asked. */
const fastMappings = new WeakMap<CompiledMapping, boolean>();
function tryFast(mapping: CompiledMapping): boolean {
  if (verifyFastPath) return false;
  let fast = fastMappings.get(mapping);
  if (fast === undefined) {
    fast = fullyCompiled(mapping);
    fastMappings.set(mapping, fast);
  }
  return fast;
}

/**
 * The document's records from the compiled expressions alone (run-fast.ts), or undefined when anything needs
 * JSONata or would be an error: then mapDocument's own walk maps it and says what went wrong.
 */
function mappedFast(
  mapping: CompiledMapping,
  type: avro.Type,
  tree: unknown,
  doc: Record<string, unknown>,
  budget: Budget,
  encode: ValueEncoder | undefined,
): CanonicalRecord[] | undefined {
  if (encode?.framed && writesFast(mapping)) {
    let written: ReturnType<typeof writeFast>;
    try {
      written = writeFast(mapping, tree, doc, budget, encode.framed);
    } catch (error) {
      if (error instanceof MappingError) throw error;
      return undefined;
    }
    // Writing the records cost about what validating them did: not for a document already past its budget.
    checkBudget(mapping.file, budget, true);
    const schema = mapping.schema.fullName;
    return written.map(({ key, encoded }) => new WrittenRecord(schema, key, encoded, type));
  }
  let built: ReturnType<typeof mapFast>;
  try {
    // For the bus's writer, a `$merge` field's entries are kept as they are, not made into an object.
    built = mapFast(mapping, tree, doc, budget, encode !== undefined);
  } catch (error) {
    if (error === NEEDS_JSONATA) return undefined;
    throw error;
  }
  const out: CanonicalRecord[] = [];
  try {
    for (const record of built) {
      // Validating a record costs about what building it did: not for a document already past its budget.
      checkBudget(mapping.file, budget, true);
      const filled = withDefaults(type, record.built) as Record<string, unknown>;
      let value: Record<string, unknown>;
      let encoded: Buffer | undefined;
      if (encode) {
        // Encoding refuses what does not fit; the walk of run.ts then names each bad field and where it came from.
        encoded = encode(filled);
        value = filled;
      } else {
        if (!type.isValid(filled)) return undefined;
        value = avscClone<Record<string, unknown>>(type, filled);
      }
      const key = mapping.schema.key(value);
      out.push(
        encoded
          ? { schema: mapping.schema.fullName, key, value, encoded }
          : { schema: mapping.schema.fullName, key, value },
      );
    }
  } catch (error) {
    if (error instanceof MappingError) throw error;
    return undefined;
  }
  return out;
}

/**
 * A record of a document that did not map while the document's other records did (mapRecordsEagerly): which one,
 * and why.
 */
export interface RecordFailure {
  /** Its place among the document's records, from 1: the `<n>` of the `<document id>:<n>` id its event would carry. */
  record: number;
  /** The mapping's error, or the reader's for a part of the document it could not read (ParsedDocument.unreadable). */
  error: MappingError | FormatError;
}

/** What one record context of a document became: its canonical record, or why it has none. */
export type RecordOutcome = CanonicalRecord | RecordFailure;

export function isRecordFailure(outcome: RecordOutcome): outcome is RecordFailure {
  return 'error' in outcome;
}

/** Maps one parsed document to the canonical records it yields, each validated against its schema. */
export async function mapDocument(
  mapping: CompiledMapping,
  document: ParsedDocument,
  options: MapOptions = {},
): Promise<CanonicalRecord[]> {
  return mapDocumentEagerly(mapping, document, options);
}

/** `$doc.receivedAt`: the documents of a batch mostly share it. */
const receivedAtText = lastIsoTimestamp();

/**
 * mapDocument without a promise when none is needed: the records themselves when the compiled expressions map the
 * document (run-fast.ts), else the promise of JSONata's walk. For a caller that maps thousands of documents in a
 * loop, where a promise per document costs more than its awaits save. Throws what mapDocument rejects with: the
 * first record that does not map fails the document.
 */
export function mapDocumentEagerly(
  mapping: CompiledMapping,
  document: ParsedDocument,
  options: MapOptions = {},
): CanonicalRecord[] | Promise<CanonicalRecord[]> {
  return mapEagerly(mapping, document, options, false) as CanonicalRecord[] | Promise<CanonicalRecord[]>;
}

/**
 * Each record of the document on its own: a record context (a CSV row, one of a `records:` list) whose fields,
 * schema check or key fail comes back as a RecordFailure in its place, and the others are mapped, so a caller can
 * publish them and dead-letter that one; so does, with the reader's FormatError, one located at a part the reader
 * could not read (ParsedDocument.unreadable: a CSV row with another number of cells than the header). What concerns the whole document still throws: the reader's tree it cannot
 * read, a `let`, the `records` expression, a header without a required column (csv-columns.ts), the per-document
 * deadline and memory budget. Without failures, the same records as mapDocumentEagerly, as cheaply.
 */
export function mapRecordsEagerly(
  mapping: CompiledMapping,
  document: ParsedDocument,
  options: MapOptions = {},
): RecordOutcome[] | Promise<RecordOutcome[]> {
  return mapEagerly(mapping, document, options, true);
}

function mapEagerly(
  mapping: CompiledMapping,
  document: ParsedDocument,
  options: MapOptions,
  each: boolean,
): RecordOutcome[] | Promise<RecordOutcome[]> {
  const type = mapping.outputType;
  if (mapping.direction !== 'to-canonical' || !type) {
    throw new MappingError(mapping.file, '', 'not a to-canonical mapping');
  }
  checkHeader(mapping, document);
  const unreadable = unreadableParts(document);
  // All or nothing: the document fails with its first part the reader could not read, as if it had refused it.
  if (unreadable && !each) throw unreadable.values().next().value;
  const { format, kind, id, source } = document;
  const receivedAt = receivedAtText((options.receivedAt ?? new Date()).getTime());
  const doc = { format, kind, id, source, receivedAt };
  const budget = startBudget(options);
  if (tryFast(mapping) && !unreadable) {
    const fast = withinBudget(budget, () =>
      mappedFast(mapping, type, document.tree, doc, budget, options.encode),
    );
    if (fast) return fast;
  }
  // Every JSONata evaluation of this document, through its awaits, sees its budget (budget.ts jsonataDeadline).
  return documentBudget.run(budget, () =>
    mapWithin(mapping, type, document, doc, budget, options, each, unreadable),
  );
}

/** The reader's errors of the parts of the document it could not read, by their `$loc`; undefined when none. */
function unreadableParts(document: ParsedDocument): Map<string, FormatError> | undefined {
  if (!document.unreadable?.length) return undefined;
  return new Map(
    document.unreadable.map((u) => [u.location, new FormatError(document.format, u.location, u.problem)]),
  );
}

/**
 * The document mapped by JSONata: the fast path could not, or was not to be tried. `each`: a record that does not
 * map is a RecordFailure in its place (else it fails the document). `unreadable`: the parts the reader could not
 * read; a record context located at one (its `$loc`, or its first located child's) fails with the reader's error
 * unmapped. One that no record context is located at fails the document: no record can be told to be its.
 */
async function mapWithin(
  mapping: CompiledMapping,
  type: avro.Type,
  document: ParsedDocument,
  doc: Record<string, unknown>,
  budget: Budget,
  options: MapOptions,
  each: boolean,
  unreadable?: Map<string, FormatError>,
): Promise<RecordOutcome[]> {
  const run = await start(mapping, document.tree, { ...doc }, budget);
  const out: RecordOutcome[] = [];
  const contexts = await recordContexts(run, document.tree);
  const located = unreadable ? contexts.map(contextLocation) : [];
  const claimed = new Set(located);
  for (const [location, error] of unreadable ?? []) if (!claimed.has(location)) throw error;
  for (let i = 0; i < contexts.length; i++) {
    const unread = unreadable && located[i] !== undefined ? unreadable.get(located[i]!) : undefined;
    if (unread) {
      out.push({ record: i + 1, error: unread });
      continue;
    }
    try {
      out.push(await mapRecord(run, type, contexts[i], options));
    } catch (error) {
      if (!each || !(error instanceof MappingError) || error.wholeDocument) throw error;
      // A record that failed half way left its `$parent` and `$position` behind: the next record starts at the root again.
      run.bindings.parent = undefined;
      run.bindings.position = undefined;
      out.push({ record: i + 1, error });
    }
  }
  return out;
}

async function mapRecord(
  run: Run,
  type: avro.Type,
  context: unknown,
  options: MapOptions,
): Promise<CanonicalRecord> {
  const mapping = run.mapping;
  const whole = contextLocation(context);
  run.locations = whole ? [['', whole]] : [];
  run.bindings.record = context;
  const built = await fields(run, mapping.root, context, []);
  checkBudget(mapping.file, run.budget, true);
  const { value, encoded } = validate(run, type, withDefaults(type, built), options.encode);
  let key: string;
  try {
    key = mapping.schema.key(value);
  } catch (error) {
    throw new MappingError(mapping.file, '', (error as Error).message, locationOf(context));
  }
  return encoded
    ? { schema: mapping.schema.fullName, key, value, encoded }
    : { schema: mapping.schema.fullName, key, value };
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
    const budget = startBudget({});
    await documentBudget.run(budget, async () => {
      const run = await start(mapping, input, doc, budget);
      for (const context of await recordContexts(run, input)) {
        run.bindings.record = context;
        trees.push(await fields(run, mapping.root, context, []));
      }
    });
  }
  return trees;
}
