import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { errorMessage } from '../lib/errors.ts';
import { type CanonicalSchema, canonicalSchemas, loadSchema } from './catalog.ts';
import { type CompatibilityLevel, compatibilityProblems } from './compatibility.ts';
import { avroOptions } from './logical-types.ts';

/**
 * Released versions of each canonical schema are kept in `schemas/released/<Name>/v<N>.avsc` (fully inlined, as
 * registered). `schemas check` judges the working schema against them offline, so CI needs no registry to catch
 * a breaking change; `schemas release` adds a version when a schema changed compatibly.
 */
const releasedDir = join(dirname(fileURLToPath(import.meta.url)), 'released');
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

export function releasedVersions(schema: CanonicalSchema, dir = releasedDir): object[] {
  const folder = join(dir, schema.name);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => /^v\d+\.avsc$/.test(f))
    .sort((a, b) => Number(a.slice(1, -5)) - Number(b.slice(1, -5)))
    .map((f) => JSON.parse(readFileSync(join(folder, f), 'utf8')) as object);
}

export interface SchemaCheck {
  schema: string;
  subject: string;
  versions: number;
  level: CompatibilityLevel;
  changed: boolean;
  problems: Array<{ path: string; message: string; version: number; direction: string }>;
}

export function checkSchema(
  schema: CanonicalSchema,
  current: object = loadSchema(schema.file) as object,
  dir = releasedDir,
  level = DEFAULT_COMPATIBILITY,
): SchemaCheck {
  const previous = releasedVersions(schema, dir);
  const latest = previous.at(-1);
  const base = {
    schema: schema.name,
    subject: `${schema.topic}-value`,
    versions: previous.length,
    level,
    changed: !latest || JSON.stringify(latest) !== JSON.stringify(current),
  };
  // Not Avro at all (a field named twice, an unknown type): the compatibility rules would judge it as something else.
  const invalid = (path: string, message: string) => ({
    ...base,
    problems: [{ path, message, version: previous.length + 1, direction: 'syntax' }],
  });
  const twice = fieldNamedTwice(current);
  if (twice) return invalid(twice.path, `field "${twice.name}" is named twice (Avro names each field once)`);
  try {
    avro.Type.forSchema(current as avro.Schema, avroOptions());
  } catch (error) {
    return invalid(schema.file, `not a valid Avro schema: ${errorMessage(error).slice(0, 300)}`);
  }
  return { ...base, problems: compatibilityProblems(current as never, previous as never[], level) };
}

export function checkAllSchemas(): SchemaCheck[] {
  return canonicalSchemas.map((s) => checkSchema(s));
}

/**
 * Writes a new released version for each schema that changed and is compatible; returns what it wrote, and the changed
 * schemas it refused with why (an incompatible change is never released).
 */
export function releaseSchemas(
  dir = releasedDir,
  current: (schema: CanonicalSchema) => object = (schema) => loadSchema(schema.file) as object,
): { written: string[]; refused: SchemaCheck[] } {
  const written: string[] = [];
  const refused: SchemaCheck[] = [];
  for (const schema of canonicalSchemas) {
    const now = current(schema);
    const check = checkSchema(schema, now, dir);
    if (!check.changed) continue;
    if (check.problems.length > 0) {
      refused.push(check);
      continue;
    }
    const folder = join(dir, schema.name);
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `v${check.versions + 1}.avsc`);
    writeFileSync(file, `${JSON.stringify(now, null, 2)}\n`);
    written.push(file);
  }
  return { written, refused };
}

/** The first record field whose name another field of its record has, with its path (`case.channel`). */
function fieldNamedTwice(schema: unknown, path = ''): { name: string; path: string } | undefined {
  if (Array.isArray(schema)) {
    for (const branch of schema) {
      const found = fieldNamedTwice(branch, path);
      if (found) return found;
    }
    return undefined;
  }
  if (!schema || typeof schema !== 'object') return undefined;
  const node = schema as {
    type?: unknown;
    fields?: Array<{ name: string; type: unknown }>;
    items?: unknown;
    values?: unknown;
  };
  if (Array.isArray(node.fields)) {
    const seen = new Set<string>();
    for (const field of node.fields) {
      const at = path ? `${path}.${field.name}` : field.name;
      if (seen.has(field.name)) return { name: field.name, path: at };
      seen.add(field.name);
      const found = fieldNamedTwice(field.type, at);
      if (found) return found;
    }
    return undefined;
  }
  return fieldNamedTwice(
    node.items ?? node.values ?? (typeof node.type === 'object' ? node.type : undefined),
    path,
  );
}
