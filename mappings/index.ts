import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isRefused } from '../formats/each-document.ts';
import { findReader, findWriter } from '../formats/index.ts';
import type { ParsedDocument } from '../formats/types.ts';
import type { X12OutboundEnvelope } from '../formats/x12/outbound.ts';
import { ConfigError } from '../lib/errors.ts';
import { meant, nearest } from '../lib/zod-problems.ts';
import { type CompiledMapping, compileMapping } from './engine/compile.ts';
import {
  type CanonicalRecord,
  isRecordFailure,
  type MapOptions,
  mapDocument,
  mapRecordsEagerly,
  mapToSystem,
  type RecordFailure,
} from './engine/run.ts';
import {
  catalogCandidates,
  type LoadedMapping,
  loadMappingFile,
  shippedMappingsDir,
  writerOptions,
} from './engine/spec.ts';
import type { UsageTracker } from './engine/usage.ts';

/** The mapping catalog: every `*.to-canonical.yaml` / `*.from-canonical.yaml` below `mappings/`, compiled once. */
export const mappingsDir = shippedMappingsDir;

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

/** A catalog file read (its spec, lookup tables and imports) but not compiled: what the catalog chooses by. */
interface CatalogEntry {
  loaded: LoadedMapping;
  /** By its name's suffix (compileMapping refuses a file named the opposite of what it does). */
  direction: CompiledMapping['direction'];
}

const entriesCache = new Map<string, CatalogEntry[]>();
const compiledCache = new WeakMap<CatalogEntry, CompiledMapping>();

function catalogEntries(dir: string): CatalogEntry[] {
  let entries = entriesCache.get(dir);
  if (!entries) {
    entries = mappingFiles(dir).map((file) => ({
      loaded: loadMappingFile(file),
      direction: file.endsWith('.to-canonical.yaml') ? 'to-canonical' : 'from-canonical',
    }));
    entriesCache.set(dir, entries);
  }
  return entries;
}

/**
 * A catalog file compiled, once. Only the mappings a connector or command chooses are compiled: compiling the whole
 * catalog on a connector's first document (4-7 s of JavaScript on a loaded machine) held the event loop long enough
 * for a worker to lose its Kafka group membership (suite trial).
 */
function compiled(entry: CatalogEntry): CompiledMapping {
  let mapping = compiledCache.get(entry);
  if (!mapping) {
    mapping = compileMapping(entry.loaded);
    compiledCache.set(entry, mapping);
  }
  return mapping;
}

/** The catalog's entries of one direction for a format (`input` for to-canonical, `output` for from-canonical). */
function entriesFor(dir: string, direction: CompiledMapping['direction'], format: string): CatalogEntry[] {
  return catalogEntries(dir).filter(
    (e) =>
      e.direction === direction &&
      (direction === 'to-canonical' ? e.loaded.spec.input : e.loaded.spec.output) === format,
  );
}

const relativeName = (dir: string, entry: CatalogEntry) => relative(dir, resolve(entry.loaded.file));

export function loadMappings(dir = mappingsDir): CompiledMapping[] {
  return catalogEntries(dir).map(compiled);
}

const byFile = new Map<string, { mapping: CompiledMapping; stamp: string }>();

/** When and how big each file was: a mapping is compiled again once its file, a lookup table or an import changed. */
function stampOf(files: string[]): string {
  return files
    .map((file) => {
      const stat = statSync(file, { throwIfNoEntry: false });
      return stat ? `${stat.mtimeMs}:${stat.size}` : '-';
    })
    .join('|');
}

/**
 * A mapping named explicitly, as a connector's config names it: a path relative to the deployment folder
 * (`baseDir`), or to `mappings/` for the shipped ones (`sap/idoc-orders05.to-canonical.yaml`), or absolute.
 * Compiled once per file, and again once it or a lookup table or import it reads changed on disk: a connector reads
 * its mapping when it starts, so a restart takes up a changed one.
 */
export function findMapping(ref: string, baseDir?: string): CompiledMapping {
  const candidates = catalogCandidates(ref, baseDir);
  const file = candidates.find((path) => existsSync(path));
  if (!file) {
    // The closest shipped names, not all of them: the whole catalog buried the one line that says what is wrong.
    const known = mappingFiles().map((f) => relative(mappingsDir, f));
    const typed = ref.replace(/^\.\//, '');
    const hint = meant(typed, known) ?? `the closest shipped: ${nearest(typed, known).join(', ')}`;
    throw new ConfigError(`mapping "${ref}" not found (looked in ${candidates.join(', ')}); ${hint}`);
  }
  const cached = byFile.get(file);
  if (cached && cached.stamp === stampOf(cached.mapping.files)) return cached.mapping;
  const mapping = compileMapping(loadMappingFile(file));
  byFile.set(file, { mapping, stamp: stampOf(mapping.files) });
  return mapping;
}

/**
 * `mapping` with its `options.timeZone` set to `timeZone` (a connector's `timeZone`: the partner's or the system's
 * zone, without a copy of the mapping per zone), compiled once per file and zone; the mapping itself when no zone is
 * given or it names that zone already.
 */
export function inTimeZone(mapping: CompiledMapping, timeZone: string | undefined): CompiledMapping {
  if (!timeZone || mapping.spec.options.timeZone === timeZone) return mapping;
  const key = `${mapping.file}\u0000${timeZone}`;
  const cached = byFile.get(key);
  if (cached && cached.stamp === stampOf(cached.mapping.files)) return cached.mapping;
  const loaded = loadMappingFile(mapping.file);
  loaded.spec.options = { ...loaded.spec.options, timeZone };
  const zoned = compileMapping(loaded);
  byFile.set(key, { mapping: zoned, stamp: stampOf(zoned.files) });
  return zoned;
}

/** inboundMapping's answers, by the catalog's entries (a catalog read again is a new key) and format. */
const inboundChosen = new WeakMap<CatalogEntry[], Map<string, CompiledMapping>>();

/**
 * The shipped mapping that reads `format` into canonical records. When several read the same format (a partner's
 * own next to the standard one), none is picked by file order: name one (`--mapping`, a connector's `mapping`).
 */
export function inboundMapping(format: string, dir = mappingsDir): CompiledMapping {
  // A connector that names no mapping asks for each document: the answer kept per catalog and format (~1.3 µs of
  // filtering the catalog a document), for as long as the catalog is the one it was found in.
  const entries = catalogEntries(dir);
  const chosen = inboundChosen.get(entries)?.get(format);
  if (chosen) return chosen;
  const mapping = chooseInbound(format, dir);
  const byFormat = inboundChosen.get(entries) ?? new Map<string, CompiledMapping>();
  inboundChosen.set(entries, byFormat.set(format, mapping));
  return mapping;
}

function chooseInbound(format: string, dir: string): CompiledMapping {
  findReader(format);
  const reading = entriesFor(dir, 'to-canonical', format);
  const found = reading.filter((e) => !e.loaded.spec.onlyByName);
  if (found.length === 0) {
    // A format whose shipped mappings are read only by name (a CSV table says nothing about its rows): name one.
    const byName = reading.filter((e) => e.loaded.spec.onlyByName).map((e) => relativeName(dir, e));
    throw new ConfigError(
      byName.length
        ? `no mapping reads format "${format}" by default: name one (--mapping <file>, a connector's mapping:), e.g. a copy of ${byName.join(' or ')}`
        : `no to-canonical mapping for format "${format}"`,
    );
  }
  if (found.length > 1) {
    const names = found.map((e) => relativeName(dir, e)).join(', ');
    throw new ConfigError(
      `several mappings read format "${format}" (${names}): name the one to use (eai map --mapping <file>, a connector's mapping:), or mark all but the default onlyByName: true`,
    );
  }
  return compiled(found[0]!);
}

/**
 * The format's default to-canonical mapping, else the one shipped mapping that reads it only by name (the CSV customer
 * table): for tools and tests that exercise every format.
 */
export function shippedInboundMapping(format: string, dir = mappingsDir): CompiledMapping {
  const byName = entriesFor(dir, 'to-canonical', format).filter((e) => e.loaded.spec.onlyByName);
  try {
    return inboundMapping(format, dir);
  } catch (error) {
    if (byName.length === 1) return compiled(byName[0]!);
    throw error;
  }
}

/** The shipped mappings that read `format` only where they are named (`onlyByName`: Salesforce's Case changes). */
export function namedInboundMappings(format: string, dir = mappingsDir): CompiledMapping[] {
  return entriesFor(dir, 'to-canonical', format)
    .filter((e) => e.loaded.spec.onlyByName)
    .map((e) => compiled(e));
}

/** The mapping that writes canonical records as `format` documents. */
export function outboundMapping(format: string, dir = mappingsDir): CompiledMapping {
  findWriter(format);
  const writing = entriesFor(dir, 'from-canonical', format);
  const found = writing.find((e) => !e.loaded.spec.onlyByName);
  if (!found) {
    // A format written only by mappings that are named (a table, any JSON: what to write depends on the target).
    const byName = writing.map((e) => relativeName(dir, e));
    throw new ConfigError(
      `no from-canonical mapping writes format "${format}" by default: name one (--mapping <file>, a sink's mapping:)${byName.length ? `, e.g. a copy of ${byName.join(' or ')}` : ''}`,
    );
  }
  return compiled(found);
}

/**
 * The mappings that write canonical records as `format` where none is named (`eai map --to-system`), in the order
 * they are tried: the format's further mappings marked `takesFirst` (each writes the records its `records`
 * selects: HubSpot's companies), then its default one (`outboundMapping`). `writeWithFirst` writes with them.
 */
export function outboundMappingsInTurn(format: string, dir = mappingsDir): CompiledMapping[] {
  const first = entriesFor(dir, 'from-canonical', format).filter(
    (e) => e.loaded.spec.onlyByName && e.loaded.spec.takesFirst,
  );
  return [...first.map((e) => compiled(e)), outboundMapping(format, dir)];
}

export interface MappedDocument {
  document: ParsedDocument;
  records: CanonicalRecord[];
  /**
   * mapEach: the document's records that did not map while its others did (`records` holds those), and how many
   * record contexts it has; absent when every record mapped.
   */
  failed?: RecordFailure[];
  total?: number;
}

/** Parses bytes of a format and maps each document in them. Throws FormatError or MappingError. */
export async function mapBytes(
  format: string,
  bytes: Buffer,
  options: MapOptions & { mapping?: CompiledMapping; usage?: UsageTracker } = {},
): Promise<MappedDocument[]> {
  const mapping = options.mapping ?? inboundMapping(format);
  const out: MappedDocument[] = [];
  for (const document of findReader(format).parse(bytes)) {
    const tree = options.usage ? options.usage.track(document.tree) : document.tree;
    out.push({ document, records: await mapDocument(mapping, { ...document, tree }, options) });
  }
  return out;
}

/** A document of an input that its reader refused or its mapping could not map, the others being mapped. */
export interface FailedDocument {
  /** The document's id when its reader knows it (ISA13/ST02, UNB/UNH references, DOCNUM). */
  id?: string;
  error: unknown;
}

export function isFailed(result: MappedDocument | FailedDocument): result is FailedDocument {
  return 'error' in result;
}

/**
 * mapBytes document by document: a document its reader refuses (where the reader reads each on its own, `parseEach`)
 * or its mapping cannot map comes back as a FailedDocument, in its place, while the others are mapped; a record of a
 * document of several that does not map is in its MappedDocument's `failed`, the others in its `records`. What
 * concerns the whole input (decoding, an envelope) still throws.
 */
export async function mapEach(
  format: string,
  bytes: Buffer,
  options: MapOptions & { mapping?: CompiledMapping; usage?: UsageTracker } = {},
): Promise<Array<MappedDocument | FailedDocument>> {
  const mapping = options.mapping ?? inboundMapping(format);
  const reader = findReader(format);
  const out: Array<MappedDocument | FailedDocument> = [];
  for (const document of reader.parseEach ? reader.parseEach(bytes) : reader.parse(bytes)) {
    if (isRefused(document)) {
      out.push({ ...(document.id ? { id: document.id } : {}), error: document.refused });
      continue;
    }
    out.push(await mapParsed(mapping, document, options));
  }
  return out;
}

/**
 * One document read, mapped as mapEach maps each: its records, and those that did not map while its others did; the
 * document failed when it has one record that did not map, or its mapping cannot map it.
 */
export async function mapParsed(
  mapping: CompiledMapping,
  document: ParsedDocument,
  options: MapOptions & { usage?: UsageTracker } = {},
): Promise<MappedDocument | FailedDocument> {
  const tree = options.usage ? options.usage.track(document.tree) : document.tree;
  try {
    const outcomes = await mapRecordsEagerly(mapping, { ...document, tree }, options);
    const failed = outcomes.filter(isRecordFailure);
    const records = outcomes.filter((o): o is CanonicalRecord => !isRecordFailure(o));
    // A document of one record that failed is the document that failed.
    if (outcomes.length === 1 && failed[0]) return { id: document.id, error: failed[0].error };
    if (failed.length > 0) return { document, records, failed, total: outcomes.length };
    return { document, records };
  } catch (error) {
    return { id: document.id, error };
  }
}

/** Writes canonical values (JSON form) as documents of `format`, one per value, with its shipped mapping. */
export function writeToSystem(format: string, values: unknown[]): Promise<Buffer[]> {
  return writeWithMapping(outboundMapping(format), values);
}

/** Writes canonical values with a named from-canonical mapping, in the format the mapping outputs. */
export async function writeWithMapping(
  mapping: CompiledMapping,
  values: unknown[],
  options: WriteOptions = {},
): Promise<Buffer[]> {
  if (mapping.direction !== 'from-canonical') {
    throw new ConfigError(`${mapping.file}: a sink needs a from-canonical mapping`);
  }
  const writer = findWriter(mapping.spec.output);
  const needed = writer.controlNumbers ?? 0;
  if (needed > 0 && !options.controlNumbers) {
    throw new ConfigError(
      `${mapping.file}: ${writer.name} documents carry control numbers of their own: write them through a file-sink (it keeps the counter, controlNumberFile)`,
    );
  }
  const trees = await mapToSystem(mapping, values, options);
  const own = withEnvelope(mapping, writerOptions(mapping.spec), options.envelope);
  const out: Buffer[] = [];
  for (const tree of trees) {
    // Reserved once the document is mapped: a record that fails to map uses none.
    const envelope =
      needed > 0 ? { controlNumber: await options.controlNumbers!(needed), at: new Date() } : undefined;
    out.push(writer.write(tree, own, envelope));
  }
  return out;
}

/** A document `writeWithFirst` wrote, with the mapping that wrote it (a sink sends it where that mapping's documents go). */
export interface WrittenDocument {
  document: Buffer;
  mapping: CompiledMapping;
}

/**
 * Writes each value with the first of `mappings` that writes anything for it (`outboundMappingsInTurn`'s order, or a
 * sink's own: HubSpot's company mapping, then its connector's), each document with the mapping that wrote it; a value
 * none of them selects writes nothing.
 */
export async function writeWithFirst(
  mappings: CompiledMapping[],
  values: unknown[],
  options: WriteOptions = {},
): Promise<WrittenDocument[]> {
  const out: WrittenDocument[] = [];
  for (const value of values) {
    for (const mapping of mappings) {
      const written = await writeWithMapping(mapping, [value], options);
      if (written.length === 0) continue;
      out.push(...written.map((document) => ({ document, mapping })));
      break;
    }
  }
  return out;
}

/**
 * The writer's options with the envelope a sink gives (a partner's file-sink `config.envelope`): its values win over
 * the mapping's `options.<format>.envelope`, and, as those, fill in what the document does not carry (unless
 * `override`). Only X12 writers (numbered interchanges) have an envelope to take.
 */
function withEnvelope(
  mapping: CompiledMapping,
  own: unknown,
  envelope: X12OutboundEnvelope | undefined,
): unknown {
  if (!envelope) return own;
  if (!findWriter(mapping.spec.output).controlNumbers) {
    throw new ConfigError(
      `${mapping.file}: ${mapping.spec.output} documents have no interchange envelope to take (only X12 ones do: x12-855, x12-856)`,
    );
  }
  const mine = (own ?? {}) as { envelope?: X12OutboundEnvelope };
  return { ...mine, envelope: { ...mine.envelope, ...envelope } };
}

/** How `writeWithMapping` writes: the mapping's `$doc.id`, and where numbered documents get their control numbers. */
export interface WriteOptions {
  documentId?: string;
  /** `count` control numbers never handed out before: the first of them (the rest follow it). */
  controlNumbers?: (count: number) => Promise<number>;
  /**
   * X12 documents: the trading partner's envelope the sink is configured with (its `config.envelope`), over the
   * mapping's `options.<format>.envelope`; the document's own ids (an 850's, swapped) come first unless `override`.
   */
  envelope?: X12OutboundEnvelope;
}

export type { CompiledMapping } from './engine/compile.ts';
export { columnsRead, missingColumns } from './engine/csv-columns.ts';
export { type ErrorLine, errorLine, MappingError } from './engine/errors.ts';
export {
  type CanonicalRecord,
  isRecordFailure,
  type MapOptions,
  mapDocument,
  mapDocumentEagerly,
  mapRecordsEagerly,
  type RecordFailure,
  type RecordOutcome,
} from './engine/run.ts';
export { type UsageReport, UsageTracker } from './engine/usage.ts';
