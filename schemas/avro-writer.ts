import type avro from 'avsc';
import { ConfigError, errorMessage, NonRetriableError, quotedText } from '../lib/errors.ts';
import { writeString } from './avro-string-writer.ts';
import { DecimalType, fastUnscaled, MemoLogicalType, unscaledLength } from './logical-types.ts';

/**
 * Avro's binary encoding of a value, written by code generated for its schema: one function per record type whose
 * fields are read under their literal names and written by straight-line code, strings, numbers, enums, unions and
 * small decimals written inline, instead of avsc's walk (a method call per value through each type object, a Tap
 * object per encoding, each string measured before it is written, a Buffer per decimal). The bytes are avsc's for
 * every value avsc writes (avro-writer.spec.ts compares them for every mapping fixture and each kind of type), and
 * what avsc refuses is refused, with an AvroWriteError; then the caller asks avsc's `isValid` which fields are wrong.
 *
 * A writer writes at `pos` into `buf` and returns the end. Bytes that would fall past the end of `buf` are dropped
 * (stores past a typed array's end do nothing; the few multi-byte writes check), the end still counting them: an
 * end past `buf.length` says the buffer was too small, and the value is written again into a larger one.
 */
export type AvroWriter = (value: unknown, buf: Buffer, pos: number) => number;

/** Code that writes an Avro body at `pos` into `buf` and returns its end, as an AvroWriter does for one value. */
export type BodyWriter = (buf: Buffer, pos: number) => number;

/**
 * How the bus encodes canonical values (bus/serde.ts): a value written with its schema's writer, in the Confluent
 * wire format. `framed`: the same frame around a body that other code writes (a mapping's writer compiled with its
 * schema, mappings/engine/write-fast.ts), which may be called twice (again into a larger buffer when the first was
 * too small, as an AvroWriter is).
 */
export interface ValueEncoder {
  (value: unknown): Buffer;
  framed?: (body: BodyWriter) => Buffer;
}

/** A value the schema refuses; the caller's validation then says which fields (bus/serde.ts, mappings' run.ts). */
export class AvroWriteError extends NonRetriableError {}

/**
 * The entries of an object a mapping made for an Avro map (a `$merge([...])` field: the extensions of an order),
 * kept in a Map for the writer, which writes them as the object they stand for: an object with keys made from the
 * data (`shopify.line.<id>.sku`) costs V8 an interned string for each new key, ~0.4 µs each. The mappings give one
 * only to the bus's writer (mappings/engine/run-fast.ts); anything else takes `toObject()`.
 */
export class MapEntries extends Map<string, unknown> {
  /**
   * Whether a key set so far starts with a digit, as every array index does (`hasIndexKeys` then looks at them all):
   * most maps have none, and then nothing walks their keys again. A private field: not one of the object's properties
   * that anything lists or compares.
   */
  #digitKey = false;

  constructor(entries?: Iterable<readonly [string, unknown]>) {
    // The entries set after the field exists (Map's own constructor would set them before).
    super();
    if (entries) for (const [key, value] of entries) this.set(key, value);
  }

  override set(key: string, value: unknown): this {
    if (!this.#digitKey) {
      const first = key.charCodeAt(0);
      if (first >= 48 && first <= 57) this.#digitKey = true;
    }
    return super.set(key, value);
  }

  /** The object the entries stand for: prototype-less, its keys in the order an object orders them. */
  toObject(): Record<string, unknown> {
    const out: Record<string, unknown> = Object.create(null);
    for (const [key, value] of this) out[key] = value;
    return out;
  }

  /** Whether a key is an array index, which an object orders before the others (by value): then `toObject()`. */
  hasIndexKeys(): boolean {
    if (!this.#digitKey) return false;
    for (const key of this.keys()) {
      const first = key.charCodeAt(0);
      if (first >= 48 && first <= 57 && ARRAY_INDEX.test(key) && Number(key) < 2 ** 32 - 1) return true;
    }
    return false;
  }
}

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

const writers = new WeakMap<avro.Type, AvroWriter>();

/** The writer of values of `type`, generated on first use. */
export function avroWriter(type: avro.Type): AvroWriter {
  let writer = writers.get(type);
  if (!writer) {
    writer = compile(type);
    writers.set(type, writer);
  }
  return writer;
}

/** Largest magnitude avsc writes as a long (its isSafeLong). */
const SAFE_LONG = 9007199254740990;

function invalid(value: unknown, type: avro.Type): never {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  throw new AvroWriteError(`invalid ${type.typeName}: ${quotedText(shown)}`);
}

function ambiguous(value: unknown, type: avro.Type): never {
  throw new AvroWriteError(`ambiguous conversion in ${type.typeName}: ${quotedText(String(value))}`);
}

/**
 * avsc's message with the datum it quotes marked as a document's value (`quotedText`): its refusals of a value write
 * the schema, then the value as JSON (`invalid "string": 12`, `invalid {"type":"enum",…}: "Jane Roe"`, `cannot coerce
 * to buffer: …`). The schema stays: it names the field's type, not the document. For every place the hub passes on
 * avsc's own words (a body it cannot decode, a value it cannot copy).
 */
export function avscMessage(message: string): string {
  const coerce = /^(cannot coerce to buffer: )([\s\S]+)$/.exec(message);
  if (coerce) return `${coerce[1]}${quotedText(coerce[2]!)}`;
  if (!message.startsWith('invalid ')) return message;
  // The schema is JSON too, and may hold `: `: the datum starts after the first `: ` the schema's JSON ends at.
  for (let at = message.indexOf(': '); at >= 0; at = message.indexOf(': ', at + 1)) {
    try {
      JSON.parse(message.slice('invalid '.length, at));
    } catch {
      continue;
    }
    return `${message.slice(0, at + 2)}${quotedText(message.slice(at + 2))}`;
  }
  return message;
}

/**
 * avsc's copy of `value` in its schema's normal form (`type.clone`: decimals normalized, timestamps as Dates, fields in
 * schema order); a value avsc refuses is an AvroWriteError whose message marks the datum it quotes (avscMessage),
 * without avsc's own error as its cause (that quotes the value unmarked).
 */
export function avscClone<T>(type: avro.Type, value: unknown): T {
  try {
    return type.clone(value) as T;
  } catch (error) {
    throw new AvroWriteError(avscMessage(errorMessage(error)));
  }
}

/** A long as Avro writes it: zig-zag, then 7 bits a byte, low first. */
export function writeLong(buf: Buffer, n: number, pos: number): number {
  if (n >= -1073741824 && n < 1073741824) {
    let m = n >= 0 ? n << 1 : (~n << 1) | 1;
    while (m > 0x7f) {
      buf[pos++] = (m & 0x7f) | 0x80;
      m >>>= 7;
    }
    buf[pos++] = m;
    return pos;
  }
  // Past 30 bits in floating point, as avsc does.
  let f = n >= 0 ? n * 2 : -n * 2 - 1;
  while (f >= 128) {
    buf[pos++] = (f % 128) | 0x80;
    f = Math.floor(f / 128);
  }
  buf[pos++] = f;
  return pos;
}

function writeBytes(buf: Buffer, bytes: Buffer, pos: number): number {
  const at = writeLong(buf, bytes.length, pos);
  if (at + bytes.length <= buf.length) bytes.copy(buf, at);
  return at + bytes.length;
}

/** Another logical type's conversion as avsc's `_check` makes it: undefined when it throws. */
function convert(type: avro.types.LogicalType, value: unknown): unknown {
  try {
    return (type as unknown as { _toValue(value: unknown): unknown })._toValue(value);
  } catch {
    return undefined;
  }
}

/** Which unwrapped-union branch a value of this kind takes (avsc's getTypeBucket). */
function bucketOf(type: avro.Type): string {
  switch (type.typeName) {
    case 'double':
    case 'float':
    case 'int':
    case 'long':
      return 'number';
    case 'bytes':
    case 'fixed':
      return 'buffer';
    case 'enum':
      return 'string';
    case 'map':
    case 'record':
    case 'error':
      return 'object';
    default:
      return type.typeName;
  }
}

/** The test of a value of `v` for a bucket, as avsc's getValueBucket sorts values. */
const BUCKET_TESTS: Record<string, (v: string) => string> = {
  null: (v) => `${v} === null`,
  boolean: (v) => `typeof ${v} === 'boolean'`,
  number: (v) => `typeof ${v} === 'number'`,
  string: (v) => `typeof ${v} === 'string'`,
  buffer: (v) => `Buffer.isBuffer(${v})`,
  array: (v) => `Array.isArray(${v})`,
  object: (v) =>
    `(typeof ${v} === 'object' && ${v} !== null && !Array.isArray(${v}) && !Buffer.isBuffer(${v}))`,
};

/** Where a schema's generated code is put together: its constants, and one function per record type. */
interface Unit {
  constants: unknown[];
  records: Map<avro.Type, string>;
  functions: string[];
  names: number;
}

function compile(root: avro.Type): AvroWriter {
  const unit: Unit = { constants: [], records: new Map(), functions: [], names: 0 };
  const body = writeCode(unit, root, 'value');
  const source = [...unit.functions, `return function write(value, b, p) {\n${body}\nreturn p;\n};`].join(
    '\n',
  );
  const factory = new Function(
    'k',
    'invalid',
    'ambiguous',
    'writeLong',
    'writeString',
    'writeBytes',
    'convert',
    'fastUnscaled',
    'unscaledLength',
    'MapEntries',
    source,
  ) as (...args: unknown[]) => AvroWriter;
  return factory(
    unit.constants,
    invalid,
    ambiguous,
    writeLong,
    writeString,
    writeBytes,
    convert,
    fastUnscaled,
    unscaledLength,
    MapEntries,
  );
}

/** A value the generated code reads as a constant, `k[i]`. */
const constant = (unit: Unit, value: unknown) => `k[${unit.constants.push(value) - 1}]`;
/** A variable name not used before in the unit. */
const fresh = (unit: Unit, prefix: string) => `${prefix}${unit.names++}`;

/** The expression converting `v` for a logical type: the canonical ones' own conversion, called directly. */
const conversion = (unit: Unit, type: avro.types.LogicalType, v: string) =>
  type instanceof MemoLogicalType
    ? `${constant(unit, type)}.toUnderlying(${v})`
    : `convert(${constant(unit, type)}, ${v})`;

/**
 * Statements that write the value in variable `v` of `type` at `p` into `b` (advancing `p`), throwing AvroWriteError
 * where avsc's `_write` throws.
 */
function writeCode(unit: Unit, type: avro.Type, v: string): string {
  const refuse = `invalid(${v}, ${constant(unit, type)});`;
  switch (type.typeName) {
    case 'null':
      return `if (${v} !== null) ${refuse}`;
    case 'boolean':
      return `if (typeof ${v} !== 'boolean') ${refuse}\nb[p++] = ${v} ? 1 : 0;`;
    case 'int':
      return `if (${v} !== (${v} | 0)) ${refuse}\np = writeLong(b, ${v}, p);`;
    case 'long':
      return `if (typeof ${v} !== 'number' || ${v} % 1 !== 0 || !(${v} >= -${SAFE_LONG} && ${v} <= ${SAFE_LONG})) ${refuse}\np = writeLong(b, ${v}, p);`;
    case 'float':
      return `if (typeof ${v} !== 'number') ${refuse}\nif (p + 4 <= b.length) b.writeFloatLE(${v}, p);\np += 4;`;
    case 'double':
      return `if (typeof ${v} !== 'number') ${refuse}\nif (p + 8 <= b.length) b.writeDoubleLE(${v}, p);\np += 8;`;
    case 'string':
      return `if (typeof ${v} !== 'string') ${refuse}\np = writeString(b, ${v}, p);`;
    case 'bytes':
      return `if (!Buffer.isBuffer(${v})) ${refuse}\np = writeBytes(b, ${v}, p);`;
    case 'fixed': {
      const size = (type as avro.types.FixedType).size;
      return `if (!Buffer.isBuffer(${v}) || ${v}.length !== ${size}) ${refuse}\nif (p + ${size} <= b.length) ${v}.copy(b, p);\np += ${size};`;
    }
    case 'enum': {
      const symbols = (type as avro.types.EnumType).symbols;
      const index = fresh(unit, 'e');
      const indices = constant(unit, new Map(symbols.map((s, i) => [s, i])));
      // Fewer than 64 symbols: the index's varint is one byte.
      const write = symbols.length <= 64 ? `b[p++] = ${index} * 2;` : `p = writeLong(b, ${index}, p);`;
      return `const ${index} = typeof ${v} === 'string' ? ${indices}.get(${v}) : undefined;\nif (${index} === undefined) ${refuse}\n${write}`;
    }
    case 'array': {
      const items = (type as avro.types.ArrayType).itemsType;
      const [n, i, item] = [fresh(unit, 'n'), fresh(unit, 'i'), fresh(unit, 'x')];
      return [
        `if (!Array.isArray(${v})) ${refuse}`,
        `const ${n} = ${v}.length;`,
        `if (${n} > 0) {`,
        `p = writeLong(b, ${n}, p);`,
        `for (let ${i} = 0; ${i} < ${n}; ${i}++) {`,
        `const ${item} = ${v}[${i}];`,
        writeCode(unit, items, item),
        '}',
        '}',
        'b[p++] = 0;',
      ].join('\n');
    }
    case 'map': {
      const values = (type as avro.types.MapType).valuesType;
      const [object, keys, n, i] = [
        fresh(unit, 'o'),
        fresh(unit, 'keys'),
        fresh(unit, 'n'),
        fresh(unit, 'i'),
      ];
      const [key, item, entry] = [fresh(unit, 'key'), fresh(unit, 'x'), fresh(unit, 'x')];
      return [
        `if (!${v} || typeof ${v} !== 'object' || Array.isArray(${v})) ${refuse}`,
        // A mapping's entries, in their order (unless an array index among them puts them in an object's).
        `if (${v} instanceof MapEntries && !${v}.hasIndexKeys()) {`,
        `if (${v}.size > 0) p = writeLong(b, ${v}.size, p);`,
        `for (const [${key}, ${entry}] of ${v}) {`,
        `p = writeString(b, ${key}, p);`,
        writeCode(unit, values, entry),
        '}',
        '} else {',
        `const ${object} = ${v} instanceof MapEntries ? ${v}.toObject() : ${v};`,
        `const ${keys} = Object.keys(${object});`,
        `const ${n} = ${keys}.length;`,
        `if (${n} > 0) p = writeLong(b, ${n}, p);`,
        `for (let ${i} = 0; ${i} < ${n}; ${i}++) {`,
        `p = writeString(b, ${keys}[${i}], p);`,
        `const ${item} = ${object}[${keys}[${i}]];`,
        writeCode(unit, values, item),
        '}',
        '}',
        'b[p++] = 0;',
      ].join('\n');
    }
    case 'record':
    case 'error':
      return `p = ${recordFunction(unit, type as avro.types.RecordType)}(${v}, b, p);`;
    case 'union:unwrapped':
      return unionCode(unit, type as avro.types.UnwrappedUnionType, v);
    default:
      if (type.typeName.startsWith('logical:')) return logicalCode(unit, type as avro.types.LogicalType, v);
      throw new ConfigError(`no Avro writer for ${type.typeName} (a wrapped union?)`);
  }
}

/**
 * A record type's function, as avsc's generated record writer does it: each field read under its name and written;
 * an absent (undefined) field that has a default gets its default's bytes, worked out once here.
 */
function recordFunction(unit: Unit, type: avro.types.RecordType): string {
  const known = unit.records.get(type);
  if (known) return known;
  const name = `write${unit.records.size}_${(type.name ?? 'record').split('.').pop()!.replace(/\W/g, '_')}`;
  unit.records.set(type, name);
  // avsc reads the fields of whatever it is given (of a text too), and fails on null's: refused here instead.
  const lines = [`if (value === null || value === undefined) invalid(value, ${constant(unit, type)});`];
  for (const field of type.fields) {
    const v = fresh(unit, 'f');
    const write = writeCode(unit, field.type, v);
    const fallback = field.defaultValue();
    lines.push(`const ${v} = value[${JSON.stringify(field.name)}];`);
    if (fallback === undefined) lines.push(write);
    else {
      const bytes = [...field.type.toBuffer(fallback)];
      const stores = bytes.map((byte, i) => `b[p + ${i}] = ${byte};`).join(' ');
      lines.push(`if (${v} === undefined) { ${stores} p += ${bytes.length}; } else {\n${write}\n}`);
    }
  }
  unit.functions.push(`function ${name}(value, b, p) {\n${lines.join('\n')}\nreturn p;\n}`);
  return name;
}

/**
 * An unwrapped union (avsc's): the branch is the one whose kind the value is (null, string, object, …) or, for a
 * logical type's branch, the one whose conversion takes it; a value two branches take is refused as ambiguous.
 */
function unionCode(unit: Unit, type: avro.types.UnwrappedUnionType, v: string): string {
  const branches = type.types;
  const refuse = `invalid(${v}, ${constant(unit, type)});`;
  const indices = branches.map((_, i) => i);
  const logical = indices.filter((i) => branches[i]!.typeName.startsWith('logical:'));
  const plain = indices.filter((i) => !logical.includes(i));
  const branchCode = (i: number, value: string) =>
    branches[i]!.typeName === 'null' ? '' : writeCode(unit, branches[i]!, value);
  if (logical.length === 0) {
    // The common case, ["null", X]: an if per branch, the index's varint one byte (unions have few branches).
    const tests = plain.map(
      (i) => `if (${BUCKET_TESTS[bucketOf(branches[i]!)]!(v)}) {\nb[p++] = ${i * 2};\n${branchCode(i, v)}\n}`,
    );
    return `${tests.join(' else ')} else ${refuse}`;
  }
  // With logical branches (["null", timestamp-millis]): the kind's branch, then each logical branch's conversion,
  // the converted value kept for writing (avsc converts again to write; conversions are pure).
  const index = fresh(unit, 'u');
  const converted = fresh(unit, 'c');
  const lines = [
    `let ${index} = ${plain.map((i) => `${BUCKET_TESTS[bucketOf(branches[i]!)]!(v)} ? ${i} : `).join('')}-1;`,
    `let ${converted};`,
  ];
  for (const i of logical) {
    const branch = branches[i] as avro.types.LogicalType;
    const x = fresh(unit, 'x');
    lines.push(
      `{ const ${x} = ${conversion(unit, branch, v)};`,
      `if (${x} !== undefined && ${constant(unit, branch.underlyingType)}._check(${x})) { if (${index} !== -1) ambiguous(${v}, ${constant(unit, type)}); ${index} = ${i}; ${converted} = ${x}; } }`,
    );
  }
  const cases = branches.map((branch, i) => {
    const write = logical.includes(i)
      ? writeCode(unit, (branch as avro.types.LogicalType).underlyingType, converted)
      : branchCode(i, v);
    return `case ${i}: {\np = writeLong(b, ${i}, p);\n${write}\nbreak;\n}`;
  });
  lines.push(`switch (${index}) {\n${cases.join('\n')}\ndefault: ${refuse}\n}`);
  return lines.join('\n');
}

/**
 * A logical type: its conversion, then the underlying type's writing of that. A decimal (the amounts and quantities
 * of every order line) below 10^14 unscaled is written from its text directly, without a Buffer made for it.
 */
function logicalCode(unit: Unit, type: avro.types.LogicalType, v: string): string {
  const underlying = type.underlyingType;
  const x = fresh(unit, 'x');
  const general = `const ${x} = ${conversion(unit, type, v)};\n${writeCode(unit, underlying, x)}`;
  if (!(type instanceof DecimalType) || underlying.typeName !== 'bytes') return general;
  const [u, n] = [fresh(unit, 'u'), fresh(unit, 'n')];
  return [
    `const ${u} = typeof ${v} === 'string' ? fastUnscaled(${v}, ${type.scale}, ${type.precision}) : undefined;`,
    `if (${u} !== undefined) {`,
    `const ${n} = unscaledLength(${u});`,
    `b[p++] = ${n} * 2;`,
    `if (p + ${n} <= b.length) b.writeIntBE(${u}, p, ${n});`,
    `p += ${n};`,
    `} else {\n${general}\n}`,
  ].join('\n');
}
