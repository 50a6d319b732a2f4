import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CanonicalSchema, canonicalSchemas, loadSchema } from './catalog.ts';
import { type CompatibilityLevel, compatibilityProblems } from './compatibility.ts';

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
  return {
    schema: schema.name,
    subject: `${schema.topic}-value`,
    versions: previous.length,
    level,
    changed: !latest || JSON.stringify(latest) !== JSON.stringify(current),
    problems: compatibilityProblems(current as never, previous as never[], level),
  };
}

export function checkAllSchemas(): SchemaCheck[] {
  return canonicalSchemas.map((s) => checkSchema(s));
}

/** Writes a new released version for each schema that changed and is compatible; returns what it wrote. */
export function releaseSchemas(): string[] {
  const written: string[] = [];
  for (const schema of canonicalSchemas) {
    const check = checkSchema(schema);
    if (!check.changed || check.problems.length > 0) continue;
    const folder = join(releasedDir, schema.name);
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `v${check.versions + 1}.avsc`);
    writeFileSync(file, `${JSON.stringify(loadSchema(schema.file), null, 2)}\n`);
    written.push(file);
  }
  return written;
}
