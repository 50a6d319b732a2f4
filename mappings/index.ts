import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findReader, findWriter } from '../formats/index.ts';
import type { ParsedDocument } from '../formats/types.ts';
import { ConfigError } from '../lib/errors.ts';
import { type CompiledMapping, compileMapping } from './engine/compile.ts';
import { type CanonicalRecord, type MapOptions, mapDocument, mapToSystem } from './engine/run.ts';
import { loadMappingFile } from './engine/spec.ts';

/** The mapping catalog: every `*.to-canonical.yaml` / `*.from-canonical.yaml` below `mappings/`, compiled once. */
export const mappingsDir = dirname(fileURLToPath(import.meta.url));

export function mappingFiles(dir = mappingsDir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'engine' && entry.name !== 'node_modules')
      out.push(...mappingFiles(path));
    else if (/\.(to|from)-canonical\.yaml$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

const cache = new Map<string, CompiledMapping[]>();

export function loadMappings(dir = mappingsDir): CompiledMapping[] {
  let mappings = cache.get(dir);
  if (!mappings) {
    mappings = mappingFiles(dir).map((file) => compileMapping(loadMappingFile(file)));
    cache.set(dir, mappings);
  }
  return mappings;
}

/** The mapping that reads `format` into canonical records. */
export function inboundMapping(format: string, dir = mappingsDir): CompiledMapping {
  findReader(format);
  const found = loadMappings(dir).find((m) => m.direction === 'to-canonical' && m.spec.input === format);
  if (!found) throw new ConfigError(`no to-canonical mapping for format "${format}"`);
  return found;
}

/** The mapping that writes canonical records as `format` documents. */
export function outboundMapping(format: string, dir = mappingsDir): CompiledMapping {
  findWriter(format);
  const found = loadMappings(dir).find((m) => m.direction === 'from-canonical' && m.spec.output === format);
  if (!found) throw new ConfigError(`no from-canonical mapping writes format "${format}"`);
  return found;
}

export interface MappedDocument {
  document: ParsedDocument;
  records: CanonicalRecord[];
}

/** Parses bytes of a format and maps each document in them. Throws FormatError or MappingError. */
export async function mapBytes(
  format: string,
  bytes: Buffer,
  options: MapOptions = {},
): Promise<MappedDocument[]> {
  const mapping = inboundMapping(format);
  const out: MappedDocument[] = [];
  for (const document of findReader(format).parse(bytes)) {
    out.push({ document, records: await mapDocument(mapping, document, options) });
  }
  return out;
}

/** Writes canonical values (JSON form) as documents of `format`, one per value. */
export async function writeToSystem(format: string, values: unknown[]): Promise<Buffer[]> {
  const trees = await mapToSystem(outboundMapping(format), values);
  const writer = findWriter(format);
  return trees.map((tree) => writer.write(tree));
}

export { MappingError } from './engine/errors.ts';
export type { CanonicalRecord } from './engine/run.ts';
