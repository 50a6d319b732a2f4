import type avro from 'avsc';
import { avroWriter, type BodyWriter, writeLong } from '../../schemas/avro-writer.ts';
import { type Budget, checkBudget } from './budget.ts';
import type { CompiledMapping, RecordNode } from './compile.ts';
import { contextFor, type FastExpression, isFunctionValue } from './fast-path.ts';
import {
  evaluationCode,
  type FastRun,
  fieldsOf,
  NEEDS_JSONATA,
  nestedRecordCode,
  startFast,
} from './run-fast.ts';
import { defaultsFiller, plainForEncoding } from './values.ts';

/**
 * A mapping's records written as Avro straight from its compiled expressions, for the bus: what run-fast.ts's walk
 * builds, withDefaults fills and the schema's writer (schemas/avro-writer.ts) then writes, done in one pass. Each
 * record node of the mapping gets a function, generated with its record type, that evaluates the node's expressions
 * as run-fast.ts's does (in the mapping's order, each over the same context, `$parent` as it sets it) and writes the
 * fields in the schema's order: an expression's value filled and written by its field type's writer, a field the
 * mapping leaves out its default's bytes, and a nested record (`$each`, `$from`, or neither) written in place by its
 * own function, without the object, the list or the defaults pass made for it. Only the nested records whose shape
 * fits their field's type in the ways that always write (a record, a list of records, or either beside null) are
 * written in place; any other is built as run-fast.ts builds it and written by its type's writer.
 *
 * The bytes are those of the three passes for every document that maps (encoded-fixtures.spec.ts compares them on
 * every fixture of every to-canonical mapping); whatever the passes would refuse, this refuses by throwing (a
 * compiled expression's NEEDS_JSONATA, the writer's AvroWriteError, a missing business key), and the caller maps the
 * document again through run.ts's walk, which says what is wrong. The record's key (CanonicalSchema.keyPath) is
 * taken as the writer writes it.
 */

/** A record node's writer: its fields over `context` into `buf` from `pos`; returns the end. */
type NodeWriter = (run: FastRun, context: unknown, shared: unknown, buf: Buffer, pos: number) => number;

/** Each mapping's writer, generated on first use (null: its output type has no record at its root). */
const writers = new WeakMap<CompiledMapping, NodeWriter | null>();

function writerOf(mapping: CompiledMapping): NodeWriter | null {
  let writer = writers.get(mapping);
  if (writer === undefined) {
    const type = mapping.outputType;
    writer =
      type && type.typeName === 'record'
        ? nodeWriter(mapping.root, type as avro.types.RecordType, mapping.schema.keyPath)
        : null;
    writers.set(mapping, writer);
  }
  return writer;
}

/** Whether `writeFast` writes the mapping's records (its output type a record). */
export function writesFast(mapping: CompiledMapping): boolean {
  return writerOf(mapping) !== null;
}

/**
 * The Avro bodies of each record context of the document, framed by `frame`, each with its business key; throws
 * NEEDS_JSONATA, or another error for what the bus's encoding would refuse, or the budget's MappingError.
 */
export function writeFast(
  mapping: CompiledMapping,
  tree: unknown,
  doc: Record<string, unknown>,
  budget: Budget,
  frame: (body: BodyWriter) => Buffer,
): Array<{ key: string; encoded: Buffer }> {
  const write = writerOf(mapping);
  if (!write) throw NEEDS_JSONATA;
  const { run, contexts } = startFast(mapping, tree, doc, budget);
  const out: Array<{ key: string; encoded: Buffer }> = [];
  for (const context of contexts) {
    run.bindings.record = context;
    const encoded = frame((buf, pos) => {
      run.key = undefined;
      return write(run, context, undefined, buf, pos);
    });
    const key = run.key;
    if (typeof key !== 'string' || key === '') throw new Error('business key missing');
    out.push({ key, encoded });
  }
  return out;
}

/** The stores that write constant bytes at `p` (an absent field's default). */
function storesOf(bytes: Buffer): string {
  const stores = [...bytes].map((byte, i) => `b[p + ${i}] = ${byte};`).join(' ');
  return `${stores} p += ${bytes.length};`;
}

/**
 * How a nested record node is written into its field's type: in place (`record`, `list`: its function called for
 * each of its contexts), with the union's branch index first where the type is a union with null (`index`, and
 * `nullIndex` for the null that `$from` may give); `undefined`: built and written as run-fast.ts does.
 */
interface InPlace {
  shape: 'record' | 'list';
  itemType: avro.types.RecordType;
  index?: number;
  nullIndex?: number;
}

function inPlace(node: RecordNode, type: avro.Type): InPlace | undefined {
  let index: number | undefined;
  let nullIndex: number | undefined;
  let inner = type;
  if (type.typeName === 'union:unwrapped') {
    const branches = (type as avro.types.UnwrappedUnionType).types;
    if (branches.length !== 2) return undefined;
    nullIndex = branches.findIndex((b) => b.typeName === 'null');
    if (nullIndex === -1) return undefined;
    index = 1 - nullIndex;
    inner = branches[index]!;
  }
  if (inner.typeName === 'record') {
    // A list (`$each`) is never a record.
    if (node.each) return undefined;
    return { shape: 'record', itemType: inner as avro.types.RecordType, index, nullIndex };
  }
  if (inner.typeName === 'array') {
    const items = (inner as avro.types.ArrayType).itemsType;
    if (items.typeName !== 'record') return undefined;
    return { shape: 'list', itemType: items as avro.types.RecordType, index, nullIndex };
  }
  return undefined;
}

/**
 * The writer of a record node with its record type. `keyPath`: the root's (the entity's field, its id's field);
 * `keyField`: the field of this record whose value is the business key.
 */
function nodeWriter(
  node: RecordNode,
  type: avro.types.RecordType,
  keyPath?: readonly [string, string],
  keyField?: string,
): NodeWriter {
  const constants: unknown[] = [];
  const constant = (value: unknown) => `k[${constants.push(value) - 1}]`;
  const evaluation = (fast: FastExpression) => evaluationCode(fast, constant);
  const schemaFields = new Map(type.fields.map((field) => [field.name, field]));
  const lines = [
    'checkBudget(run.mapping.file, run.budget);',
    'const bindings = run.bindings;',
    'const outer = bindings.parent;',
    'let value, raw, ctx;',
    'const c = Array.isArray(context) ? undefined : (shared ?? contextFor(bindings, context));',
  ];
  const locals: string[] = [];
  const localOf = new Map<string, string>();
  // A nested record built as run-fast.ts builds it, into `value`.
  const built = (child: RecordNode) => nestedRecordCode(child, constant(fieldsOf(child, true)), evaluation);

  // The mapping's expressions in its order, each value kept for its field; nested records the schema does not have
  // built (and dropped), so that what would fail the three passes fails here.
  for (const [name, child] of node.fields) {
    if (child.kind === 'expression') {
      const local = `v${locals.length}`;
      locals.push(local);
      localOf.set(name, local);
      lines.push(
        'bindings.parent = outer;',
        `try { value = ${evaluation(child.fast!.entries ?? child.fast!)}; } catch { throw NEEDS_JSONATA; }`,
        "if (value !== null && typeof value === 'object') { if (isFunctionValue(value)) throw NEEDS_JSONATA; value = plainForEncoding(value); }",
        `${local} = value;`,
      );
    } else if (!schemaFields.has(name)) lines.push(...built(child));
  }

  // The schema's fields in its order.
  for (const field of type.fields) {
    const child = node.fields.get(field.name);
    const fallback = field.defaultValue();
    const write = constant(avroWriter(field.type));
    // An absent field: its default's bytes, or the writer's refusal of undefined.
    const absent =
      fallback === undefined ? `p = ${write}(undefined, b, p);` : storesOf(field.type.toBuffer(fallback));
    const fill = defaultsFiller(field.type);
    // The key as the catalog's `key` reads it from the filled value.
    const key =
      keyField === field.name
        ? 'run.key = value;'
        : keyPath && keyPath[0] === field.name
          ? `run.key = value !== null && typeof value === 'object' ? value[${JSON.stringify(keyPath[1])}] : undefined;`
          : '';
    const written = (from: string) =>
      [
        `value = ${from};`,
        `if (value === undefined) { ${absent} } else {`,
        fill ? `value = ${constant(fill)}(value);` : '',
        key,
        `p = ${write}(value, b, p);`,
        '}',
      ].join('\n');
    if (!child) {
      lines.push(absent);
      continue;
    }
    if (child.kind === 'expression') {
      lines.push(written(localOf.get(field.name)!));
      continue;
    }
    const place = inPlace(child, field.type);
    if (!place) {
      lines.push(...built(child), written('value'));
      continue;
    }
    const ownKey = keyPath && keyPath[0] === field.name && place.shape === 'record' ? keyPath[1] : undefined;
    const nested = constant(nodeWriter(child, place.itemType, undefined, ownKey));
    const branch = place.index === undefined ? '' : `b[p++] = ${place.index * 2};`;
    // An avsc union writes a null as its branch index alone; a null where the type takes none is refused.
    const ofNull =
      place.nullIndex === undefined ? `p = ${write}(null, b, p);` : `b[p++] = ${place.nullIndex * 2};`;
    // One record over `ctx` (a moved context), as its own (not shared) context.
    const one =
      place.shape === 'record'
        ? `${branch} p = ${nested}(run, ctx, undefined, b, p);`
        : `${branch} b[p++] = 2; p = ${nested}(run, ctx, undefined, b, p); b[p++] = 0;`;
    if (child.each) {
      // Always a list (an empty one for nothing), as run-fast.ts's `[]`.
      lines.push(
        'bindings.parent = context;',
        `try { raw = ${evaluation(child.each.fast!)}; } catch { throw NEEDS_JSONATA; }`,
        "if (raw !== null && typeof raw === 'object' && isFunctionValue(raw)) throw NEEDS_JSONATA;",
        branch,
        // `$position` as run-fast.ts sets it: the item's 1-based place, the enclosing `$each`'s again after.
        '{ const outerPosition = bindings.position;',
        'if (Array.isArray(raw)) {',
        `if (raw.length > 0) { p = writeLong(b, raw.length, p); for (let i = 0; i < raw.length; i++) { bindings.position = i + 1; p = ${nested}(run, raw[i], undefined, b, p); } }`,
        `} else if (raw !== undefined && raw !== null) { bindings.position = 1; b[p++] = 2; p = ${nested}(run, raw, undefined, b, p); }`,
        'bindings.position = outerPosition; }',
        'b[p++] = 0;',
      );
    } else if (child.from) {
      lines.push(
        'bindings.parent = context;',
        `try { raw = ${evaluation(child.from.fast!)}; } catch { throw NEEDS_JSONATA; }`,
        "if (raw !== null && typeof raw === 'object' && isFunctionValue(raw)) throw NEEDS_JSONATA;",
        // Null for nothing (none, or an empty list), one record for one context; more is JSONata's to say.
        `if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) { ${ofNull} } else {`,
        'if (!Array.isArray(raw)) ctx = raw; else if (raw.length > 1) throw NEEDS_JSONATA; else ctx = raw[0];',
        one,
        '}',
      );
    } else {
      // The parent's context, shared.
      lines.push(
        'bindings.parent = outer;',
        place.shape === 'record'
          ? `${branch} p = ${nested}(run, context, c, b, p);`
          : `${branch} b[p++] = 2; p = ${nested}(run, context, c, b, p); b[p++] = 0;`,
      );
    }
  }
  lines.push('bindings.parent = outer;', 'return p;');
  if (locals.length) lines.splice(4, 0, `let ${locals.join(', ')};`);
  const factory = new Function(
    'checkBudget',
    'NEEDS_JSONATA',
    'plainForEncoding',
    'contextFor',
    'isFunctionValue',
    'writeLong',
    'k',
    `return function write(run, context, shared, b, p) {\n${lines.join('\n')}\n};`,
  ) as (...args: unknown[]) => NodeWriter;
  return factory(
    checkBudget,
    NEEDS_JSONATA,
    plainForEncoding,
    contextFor,
    isFunctionValue,
    writeLong,
    constants,
  );
}
