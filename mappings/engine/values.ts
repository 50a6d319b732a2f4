import type avro from 'avsc';
import { MapEntries } from '../../schemas/avro-writer.ts';

/** JSONata sequences are arrays with extra flags; results are made plain so they compare and encode cleanly. */
export function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plain);
  if (!(value instanceof Date) && !Buffer.isBuffer(value)) {
    if ((value as { _jsonata_lambda?: boolean })._jsonata_lambda) return undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== '$loc' && v !== undefined) out[k] = plain(v);
    return out;
  }
  return value;
}

/**
 * `plain`, for values that go on to be encoded: an object without a prototype (what the compiled object
 * constructors and `$merge` make) stays one. Such objects hold keys made from the data (`shopify.line.<id>.sku`);
 * copied into `{}` each new key would grow V8's shape tree, once per document.
 */
export function plainForEncoding(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plainForEncoding);
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  // A `$merge` field's entries for the bus's writer (run-fast.ts): kept when plain, else made the object they stand for.
  if (value instanceof MapEntries) return value === knownFlat ? value : plainForEncoding(value.toObject());
  if ((value as { _jsonata_lambda?: boolean })._jsonata_lambda) return undefined;
  const record = value as Record<string, unknown>;
  const bare = Object.getPrototypeOf(value) === null;
  // A prototype-less object is the mapping's own (made by a compiled constructor or $merge, never read from the
  // input): with only plain values in it, and no `$loc`, it is already what the copy would be.
  if (bare && (record === knownFlat || isFlat(record))) return record;
  const out: Record<string, unknown> = bare ? Object.create(null) : {};
  for (const k of Object.keys(record)) {
    const v = record[k];
    if (k !== '$loc' && v !== undefined) out[k] = plainForEncoding(v);
  }
  return out;
}

/**
 * The last `$merge` result the compiled code (fast-codegen.ts) saw holding only strings, numbers, booleans and
 * nulls under keys other than `$loc`, as it stored them: what isFlat would say of it without walking its keys again
 * (an extensions map of a few dozen keys made per document). Nothing changes such a result while its document's
 * fields are built (withDefaults fills records in place only after).
 */
let knownFlat: object | undefined;

export function markFlat(value: object): void {
  knownFlat = value;
}

/** Whether every value is a string, number, boolean or null, and no key is `$loc`. */
function isFlat(record: Record<string, unknown>): boolean {
  for (const key in record) {
    const v = record[key];
    if (
      key === '$loc' ||
      (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
    )
      return false;
  }
  return true;
}

type Filler = (value: unknown) => unknown;

/** One filler per avsc type, built on first use (a record type that contains itself finds its own). */
const fillers = new WeakMap<avro.Type, Filler>();

/**
 * Fields the mapping left out get their schema defaults, so a mapping states only what it knows; a single value
 * where the schema wants an array becomes a one-element array (JSONata yields a lone match unwrapped). Fills in
 * place (records and maps) and returns the value. What the walk decides per type (which branch of a union, which
 * fields, which inner types) is worked out once per type, not once per value.
 */
export function withDefaults(type: avro.Type, value: unknown): unknown {
  return fillerOf(type)(value);
}

/**
 * withDefaults for values of one type, found once (a caller that fills many values of it), or undefined when it
 * leaves every value as it is (strings, numbers, enums, unions of them).
 */
export function defaultsFiller(type: avro.Type): Filler | undefined {
  return fillsNothing(type) ? undefined : fillerOf(type);
}

function fillerOf(type: avro.Type): Filler {
  const known = fillers.get(type);
  if (known) return known;
  let inner: Filler = (value) => value;
  const filler: Filler = (value) => inner(value);
  fillers.set(type, filler);
  inner = buildFiller(type, filler);
  return filler;
}

function buildFiller(type: avro.Type, self: Filler): Filler {
  const name = type.typeName;
  const isUnion = name.startsWith('union');
  // A lone value where the type (or a union whose only non-null branch) is an array: made a list of one.
  const wrapsLone = name === 'array' || (isUnion && arrayOnly(type));
  let fill: Filler = (value) => value;
  if (name === 'record' || name === 'error') {
    const fields = (type as avro.types.RecordType).fields.map((field) => {
      const fallback = field.defaultValue();
      // A default that is not an object is the same value every time; others are copied afresh for each record.
      const fixed = fallback === null || typeof fallback !== 'object';
      return {
        name: field.name,
        fixed,
        fallback,
        field,
        // Strings, numbers, enums and unions of them: a value present is kept as it is, nothing to call or store.
        fill: fillsNothing(field.type) ? undefined : fillerOf(field.type),
      };
    });
    fill = recordFiller(fields);
  } else if (name === 'union:unwrapped' || name === 'union:wrapped') {
    const branches = (type as avro.types.UnwrappedUnionType).types;
    const arrayBranch = branches.find((b) => b.typeName === 'array');
    const objectBranch = branches.find((b) => b.typeName === 'record' || b.typeName === 'map');
    const toArray = arrayBranch && fillerOf(arrayBranch);
    const toObject = objectBranch && fillerOf(objectBranch);
    fill = (value) => {
      const branch = Array.isArray(value) ? toArray : toObject;
      return branch ? branch(value) : value;
    };
  } else if (name === 'array') {
    const itemsType = (type as avro.types.ArrayType).itemsType;
    const items = fillsNothing(itemsType) ? undefined : fillerOf(itemsType);
    // The same array when no item changes (records are filled in place); a copy with the changed items otherwise.
    fill = (value) => {
      const list = value as unknown[];
      if (!items) return list;
      let out = list;
      for (let i = 0; i < list.length; i++) {
        const item = list[i];
        const filled = items(item);
        if (filled !== item) {
          if (out === list) out = list.slice();
          out[i] = filled;
        }
      }
      return out;
    };
  } else if (name === 'map') {
    const valuesType = (type as avro.types.MapType).valuesType;
    const values = fillsNothing(valuesType) ? undefined : fillerOf(valuesType);
    fill = (value) => {
      if (values && value instanceof MapEntries)
        for (const [key, item] of value) value.set(key, values(item));
      else if (values) {
        const map = value as Record<string, unknown>;
        for (const key of Object.keys(map)) map[key] = values(map[key]);
      }
      return value;
    };
  }
  return (value) => {
    if (value === undefined || value === null) return value;
    // A `$merge` field's entries (run-fast.ts) where the schema has no map: the object they stand for is filled.
    if (value instanceof MapEntries && name !== 'map') return self(value.toObject());
    if (wrapsLone && !Array.isArray(value)) return self([value]);
    if (typeof value !== 'object') return value;
    return fill(value);
  };
}

/**
 * A record type's fields filled in order, as straight-line code: each field read and written under its literal name,
 * so the accesses are the inline-cached ones of hand-written code (a loop over the fields reads and writes under a
 * different key each time round, a lookup in V8's megamorphic cache for every field of every record). Does what
 * the loop would: an absent field gets its default (a fixed one as it is, an object default made afresh), a
 * present one its type's filler when it has one, stored back only when that made a new value.
 */
function recordFiller(
  fields: Array<{
    name: string;
    fixed: boolean;
    fallback: unknown;
    field: avro.types.Field;
    fill: Filler | undefined;
  }>,
): Filler {
  const constants: unknown[] = [];
  const constant = (value: unknown) => `k[${constants.push(value) - 1}]`;
  const lines = ['const record = value;', 'let current, made, filled;'];
  for (const { name, fixed, fallback, field, fill } of fields) {
    const key = `record[${JSON.stringify(name)}]`;
    const made = fixed ? constant(fallback) : `${constant(field)}.defaultValue()`;
    lines.push(
      `current = ${key};`,
      `if (current === undefined) { made = ${made}; if (made !== undefined) ${key} = made; }`,
    );
    if (fill)
      lines.push(`else { filled = ${constant(fill)}(current); if (filled !== current) ${key} = filled; }`);
  }
  lines.push('return record;');
  return new Function('k', `return function fillRecord(value) {\n${lines.join('\n')}\n};`)(
    constants,
  ) as Filler;
}

/**
 * Whether the type's filler returns every value as it is: no record, map or array in it (a lone value wrapped into a
 * list, a record's defaults, a map's values filled all need one of those).
 */
function fillsNothing(type: avro.Type): boolean {
  const name = type.typeName;
  if (name === 'record' || name === 'error' || name === 'array' || name === 'map') return false;
  if (name === 'union:unwrapped' || name === 'union:wrapped')
    return (type as avro.types.UnwrappedUnionType).types.every(fillsNothing);
  return true;
}

/** A union whose only non-null branch is an array. */
function arrayOnly(type: avro.Type): boolean {
  const others = (type as avro.types.UnwrappedUnionType).types.filter((t) => t.typeName !== 'null');
  return others.length === 1 && others[0]!.typeName === 'array';
}

/**
 * A schema as the one who wrote the mapping reads it: an enum with all its symbols, a logical type by its name, a
 * union by its branches; the JSON of a record cut short (its fields are checked one by one anyway).
 */
export function schemaText(type: avro.Type): string {
  if (type.typeName.startsWith('union')) {
    return (type as avro.types.UnwrappedUnionType).types.map(schemaText).join(' or ');
  }
  if (type.typeName === 'enum') {
    const symbols = (type as avro.types.EnumType).symbols;
    return `enum ${type.name} (one of ${symbols.join(', ')})`;
  }
  if (type.typeName.startsWith('logical:')) return type.typeName.slice('logical:'.length);
  // A record by its name and fields (its JSON cut at 100 characters named neither: `{"name":"eai.canonical.Money",
  // "type":"record","fields":[{"name":"amount","type":"bytes"},{"name":"cu`), an array and a map by what they hold.
  if (type.typeName === 'record') {
    const names = (type as avro.types.RecordType).fields.map((f) => f.name);
    return `record ${type.name} (fields ${names.join(', ')})`;
  }
  if (type.typeName === 'array') return `array of ${schemaText((type as avro.types.ArrayType).itemsType)}`;
  if (type.typeName === 'map') return `map of ${schemaText((type as avro.types.MapType).valuesType)}`;
  return JSON.stringify(type.schema()).slice(0, 100);
}
