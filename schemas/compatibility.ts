/**
 * Avro schema compatibility with reasons that name the field. Registries answer 409 with texts that often do
 * not say which field breaks (Apicurio's names a Java class), so the hub explains refusals itself, by the
 * Avro specification's schema resolution rules.
 */
export type CompatibilityLevel =
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE'
  | 'NONE';

export interface Incompatibility {
  /** Field path from the record root, e.g. `salesOrder.lines[].quantity`. */
  path: string;
  message: string;
}

type Schema = string | Schema[] | { [key: string]: unknown };
type Named = Map<string, Schema>;

const PROMOTIONS: Record<string, string[]> = {
  int: ['int', 'long', 'float', 'double'],
  long: ['long', 'float', 'double'],
  float: ['float', 'double'],
  string: ['string', 'bytes'],
  bytes: ['bytes', 'string'],
};

function collectNamed(schema: Schema, namespace: string, into: Named): void {
  if (Array.isArray(schema)) {
    for (const s of schema) collectNamed(s, namespace, into);
    return;
  }
  if (typeof schema !== 'object' || schema === null) return;
  const ns = (schema.namespace as string | undefined) ?? namespace;
  if (typeof schema.name === 'string' && ['record', 'enum', 'fixed'].includes(schema.type as string)) {
    into.set(schema.name.includes('.') ? schema.name : `${ns}.${schema.name}`, schema);
    into.set(schema.name.split('.').pop()!, schema);
  }
  if (Array.isArray(schema.fields))
    for (const f of schema.fields as Array<{ type: Schema }>) collectNamed(f.type, ns, into);
  if (schema.items) collectNamed(schema.items as Schema, ns, into);
  if (schema.values) collectNamed(schema.values as Schema, ns, into);
  if (typeof schema.type === 'object') collectNamed(schema.type as Schema, ns, into);
}

function resolveRef(schema: Schema, named: Named): Schema {
  if (typeof schema === 'string' && named.has(schema)) return named.get(schema)!;
  if (typeof schema === 'object' && !Array.isArray(schema) && typeof schema.type === 'object') {
    return schema.logicalType ? schema : resolveRef(schema.type as Schema, named);
  }
  return schema;
}

function kind(schema: Schema): string {
  if (Array.isArray(schema)) return 'union';
  if (typeof schema === 'string') return schema;
  if (schema.logicalType) return `${schema.type}:${schema.logicalType}`;
  return schema.type as string;
}

function describe(schema: Schema): string {
  if (Array.isArray(schema)) return `union [${schema.map(describe).join(', ')}]`;
  if (typeof schema === 'string') return schema;
  if (typeof schema.name === 'string') return `${schema.type} ${schema.name}`;
  if (schema.logicalType) return `${schema.type} (${schema.logicalType})`;
  return String(schema.type);
}

function shortName(name: unknown): string {
  return String(name).split('.').pop()!;
}

/** A named reader type reads a writer type of its unqualified name, or one its aliases name. */
function sameName(r: { [key: string]: unknown }, w: { [key: string]: unknown }): boolean {
  const writer = shortName(w.name);
  return (
    shortName(r.name) === writer ||
    ((r.aliases as string[] | undefined) ?? []).some((alias) => shortName(alias) === writer)
  );
}

/**
 * `backward`: the reader is the new schema, the writer an earlier version (can the new schema read old data?).
 * `forward`: the reader is an earlier version, the writer the new schema (can consumers still on that version read
 * new data?). The check is the same; what is told differs: in a forward check the writer's side is what changed,
 * so "type changed from <writer> to <reader>" or "add aliases to the new schema" would be the wrong way round.
 */
type Ctx = {
  readerNamed: Named;
  writerNamed: Named;
  out: Incompatibility[];
  seen: Set<string>;
  direction: 'backward' | 'forward';
};

/** Can data written with `writer` be read with `reader`? Adds one entry per field that breaks. */
function check(reader: Schema, writer: Schema, path: string, ctx: Ctx): void {
  const r = resolveRef(reader, ctx.readerNamed);
  const w = resolveRef(writer, ctx.writerNamed);
  const where = path || '(root)';
  if (Array.isArray(w)) {
    for (const branch of w) check(r, branch, path, ctx);
    return;
  }
  if (Array.isArray(r)) {
    const wk = kind(w);
    const match = r.find((branch) => {
      const rb = resolveRef(branch, ctx.readerNamed);
      const rk = kind(rb);
      if (rk === wk && typeof rb === 'object' && typeof w === 'object' && 'name' in rb && 'name' in w) {
        return sameName(rb, w);
      }
      return rk === wk || (PROMOTIONS[wk] ?? []).includes(rk);
    });
    if (!match)
      ctx.out.push({
        path: where,
        message:
          ctx.direction === 'forward'
            ? `the older schema's ${describe(r)} has no branch for the new schema's ${describe(w)}, so its readers cannot read new data`
            : `the reader's ${describe(r)} has no branch for the writer's ${describe(w)}`,
      });
    else check(match, w, path, ctx);
    return;
  }
  const rk = kind(r);
  const wk = kind(w);
  if (rk !== wk && !(PROMOTIONS[wk] ?? []).includes(rk)) {
    ctx.out.push({
      path: where,
      message:
        ctx.direction === 'forward'
          ? `type changed from ${describe(r)} to ${describe(w)}; readers of the older schema cannot read a ${describe(w)} as ${describe(r)}`
          : `type changed from ${describe(w)} to ${describe(r)}; a ${describe(w)} cannot be read as ${describe(r)}`,
    });
    return;
  }
  if (typeof r !== 'object' || typeof w !== 'object' || Array.isArray(r) || Array.isArray(w)) return;
  if (typeof r.name === 'string' && typeof w.name === 'string' && !sameName(r, w)) {
    // Avro resolves a record, enum or fixed by its name: renamed, it no longer reads the old one (Confluent's
    // NAME_MISMATCH), unless the new one lists the old name among its aliases.
    ctx.out.push({
      path: where,
      // Forward, the old reader is what would need the alias, and it cannot be changed: only the old name reads.
      message:
        ctx.direction === 'forward'
          ? `${describe(r)} was renamed to ${shortName(w.name)}; readers of the older schema match named types by name and cannot read it (keep the name ${shortName(r.name)})`
          : `${describe(w)} was renamed to ${shortName(r.name)}; a reader matches named types by name (add "aliases": ["${w.name}"])`,
    });
    return;
  }
  if (rk === 'bytes:decimal' || rk === 'fixed:decimal') {
    if (r.scale !== w.scale || (r.precision as number) < (w.precision as number)) {
      ctx.out.push({
        path: where,
        message:
          ctx.direction === 'forward'
            ? `decimal(${r.precision},${r.scale ?? 0}) changed to decimal(${w.precision},${w.scale ?? 0}); readers of the older schema cannot read it as decimal(${r.precision},${r.scale ?? 0})`
            : `decimal(${w.precision},${w.scale ?? 0}) cannot be read as decimal(${r.precision},${r.scale ?? 0})`,
      });
    }
    return;
  }
  switch (rk) {
    case 'record': {
      // A pair of records already being checked further up this path is a recursive type: checked there, once
      // (keyed by path, the check of `next.next.next…` never ended). Off the path again the pair is checked anew,
      // so each place a shared record is used is reported.
      const key = `${r.name}<-${w.name}`;
      if (ctx.seen.has(key)) return;
      ctx.seen.add(key);
      try {
        checkRecordFields(r, w, path, ctx);
      } finally {
        ctx.seen.delete(key);
      }
      return;
    }
    case 'enum': {
      const readerSymbols = new Set(r.symbols as string[]);
      const missing = (w.symbols as string[]).filter((s) => !readerSymbols.has(s));
      if (missing.length > 0 && r.default === undefined) {
        ctx.out.push({
          path: where,
          message:
            ctx.direction === 'forward'
              ? `enum ${r.name} gained symbol(s) ${missing.join(', ')} that readers of the older schema do not know, and its enum there has no default`
              : `enum ${r.name} lacks symbol(s) ${missing.join(', ')} that the writer can write, and has no default`,
        });
      }
      return;
    }
    case 'array':
      check(r.items as Schema, w.items as Schema, `${path}[]`, ctx);
      return;
    case 'map':
      check(r.values as Schema, w.values as Schema, `${path}{}`, ctx);
      return;
    case 'fixed':
      if (r.size !== w.size)
        ctx.out.push({
          path: where,
          message:
            ctx.direction === 'forward'
              ? `fixed size changed from ${r.size} to ${w.size}; readers of the older schema cannot read it`
              : `fixed size changed from ${w.size} to ${r.size}`,
        });
      return;
    default:
      return;
  }
}

/** Each reader field from the writer's field of its name or alias, else its default. */
function checkRecordFields(
  r: { [key: string]: unknown },
  w: { [key: string]: unknown },
  path: string,
  ctx: Ctx,
): void {
  const writerFields = new Map(
    (w.fields as Array<{ name: string; type: Schema; aliases?: string[] }>).map((f) => [f.name, f]),
  );
  for (const field of r.fields as Array<{
    name: string;
    type: Schema;
    default?: unknown;
    aliases?: string[];
  }>) {
    const fieldPath = path ? `${path}.${field.name}` : field.name;
    const source =
      writerFields.get(field.name) ?? (field.aliases ?? []).map((a) => writerFields.get(a)).find(Boolean);
    if (!source) {
      if (field.default === undefined) {
        ctx.out.push({
          path: fieldPath,
          message:
            ctx.direction === 'forward'
              ? `field "${field.name}" is gone from the new schema (removed or renamed) and has no default in the older one, so its readers cannot read new data`
              : `field "${field.name}" is missing in the writer's schema and has no default, so old data cannot be read`,
        });
      }
      continue;
    }
    check(field.type, source.type, fieldPath, ctx);
  }
}

/**
 * Reasons `reader` cannot read data written with `writer`; empty when it can. `direction` says which of the two is
 * the new schema, for the wording only: `backward` (default) the reader, `forward` the writer.
 */
export function readerIncompatibilities(
  reader: Schema,
  writer: Schema,
  direction: 'backward' | 'forward' = 'backward',
): Incompatibility[] {
  const readerNamed: Named = new Map();
  const writerNamed: Named = new Map();
  collectNamed(reader, '', readerNamed);
  collectNamed(writer, '', writerNamed);
  const out: Incompatibility[] = [];
  check(reader, writer, '', { readerNamed, writerNamed, out, seen: new Set(), direction });
  return out;
}

/**
 * Reasons `candidate` breaks `level` against earlier versions (oldest first), as a registry judges it:
 * BACKWARD — the new schema reads data of the latest version; FORWARD — the latest reads data of the new one;
 * FULL — both; *_TRANSITIVE — against every earlier version, not only the latest.
 */
export function compatibilityProblems(
  candidate: Schema,
  previous: Schema[],
  level: CompatibilityLevel,
): Array<Incompatibility & { version: number; direction: 'backward' | 'forward' }> {
  if (level === 'NONE' || previous.length === 0) return [];
  const transitive = level.endsWith('_TRANSITIVE');
  const base = level.replace('_TRANSITIVE', '');
  const against = transitive
    ? previous.map((s, i) => ({ s, version: i + 1 }))
    : [{ s: previous.at(-1)!, version: previous.length }];
  const problems: Array<Incompatibility & { version: number; direction: 'backward' | 'forward' }> = [];
  for (const { s, version } of against) {
    if (base === 'BACKWARD' || base === 'FULL') {
      for (const p of readerIncompatibilities(candidate, s))
        problems.push({ ...p, version, direction: 'backward' });
    }
    if (base === 'FORWARD' || base === 'FULL') {
      for (const p of readerIncompatibilities(s, candidate, 'forward'))
        problems.push({ ...p, version, direction: 'forward' });
    }
  }
  return problems;
}

/** One problem as a line: the field, what breaks, and the direction and version it breaks against. */
export function formatProblem(p: Incompatibility & { version: number; direction: string }): string {
  // A schema that is not Avro at all is judged against no version.
  return p.direction === 'syntax'
    ? `${p.path}: ${p.message}`
    : `${p.path}: ${p.message} (${p.direction}, against version ${p.version})`;
}

export function formatProblems(
  problems: Array<Incompatibility & { version: number; direction: string }>,
): string {
  return problems.map(formatProblem).join('; ');
}
