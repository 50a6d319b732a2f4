/**
 * Bulk load of canonical Customers from a JSON lines file (one `customer` value of a CustomerEvent per line) or a
 * CSV table with a mapping:
 * matched one record at a time in batches, each batch committed together with the load's position, so a load
 * that stops resumes after the last committed batch (same system and same file content).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseStream } from 'csv-parse';
import {
  CSV_FORMAT,
  type CsvRow,
  CsvRows,
  csvFormatError,
  csvOptions,
  headerLineOf,
} from '../formats/csv/index.ts';
import { FormatError } from '../formats/index.ts';
import { ConfigError } from '../lib/errors.ts';
import { type CanonicalRecord, type CompiledMapping, MappingError, mapDocument } from '../mappings/index.ts';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import type { MasterDataStore, MatchItem, Outcome } from './store.ts';

export interface LoadProgress {
  lines: number;
  totalLines: number;
  counts: Record<Outcome, number>;
}

export interface LoadSummary extends LoadProgress {
  system: string;
  input: string;
  /** Lines skipped because an earlier run had committed them. */
  resumedFrom: number;
  seconds: number;
  recordsPerSecond: number;
}

async function* lines(path: string): AsyncGenerator<string> {
  const reader = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of reader) yield line;
}

/** The file's digest and line count: the run key and the progress total. */
async function describeInput(path: string): Promise<{ digest: string; totalLines: number }> {
  const hash = createHash('sha256');
  let totalLines = 0;
  try {
    for await (const line of lines(path)) {
      hash.update(line).update('\n');
      if (line.trim()) totalLines++;
    }
  } catch (error) {
    throw new ConfigError(`${path}: cannot read (${(error as Error).message})`);
  }
  return { digest: hash.digest('hex'), totalLines };
}

function parseCustomer(path: string, lineNumber: number, line: string, system: string): CustomerPartyMaster {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    // Node's message quotes the line: keep only where it broke (a customer line holds personal data).
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new ConfigError(`${path}:${lineNumber}: not JSON${at ? ` (at character ${at})` : ''}`);
  }
  // A whole CustomerEvent is accepted too: its customer is what is loaded.
  if (value && typeof value === 'object' && 'customer' in value && 'changeType' in value) {
    value = (value as { customer: unknown }).customer;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${path}:${lineNumber}: expected a canonical Customer object`);
  }
  const customer = value as CustomerPartyMaster;
  const hasId =
    customer.sourceIds?.some((s) => s.system === system) || typeof customer.customerId === 'string';
  if (!hasId)
    throw new ConfigError(`${path}:${lineNumber}: customer has neither customerId nor a ${system} sourceId`);
  return customer;
}

/** Where a load's customers come from: the file's run key and size, then its customers after the first `skip`. */
export interface CustomerSource {
  describe(): Promise<{ digest: string; totalLines: number }>;
  customers(skip: number): AsyncIterable<CustomerPartyMaster>;
}

export interface LoadOptions {
  batchSize?: number;
  onProgress?: (p: LoadProgress) => void;
}

/** JSON lines, one canonical Customer (or a whole CustomerEvent) per line. */
export function loadJsonLines(
  store: MasterDataStore,
  system: string,
  path: string,
  options: LoadOptions = {},
): Promise<LoadSummary> {
  return load(store, system, path, jsonLinesSource(path, system), options);
}

/**
 * A CSV table mapped row by row with a to-canonical mapping of format `csv` that yields CustomerEvents (the shipped
 * template is `mappings/csv/customer-table.to-canonical.yaml`). The whole file is read once before anything is
 * loaded, so a malformed line stops the load at its line number before a record is written.
 */
export function loadTable(
  store: MasterDataStore,
  system: string,
  path: string,
  mapping: CompiledMapping,
  options: LoadOptions = {},
): Promise<LoadSummary> {
  checkTableMapping(mapping);
  return load(store, system, path, tableSource(path, system, mapping), options);
}

/** A system's customers in a file: JSON lines, or a CSV table read with `mapping` (checked as for `loadTable`). */
export function customerFile(path: string, system: string, mapping?: CompiledMapping): CustomerSource {
  if (!mapping) return jsonLinesSource(path, system);
  checkTableMapping(mapping);
  return tableSource(path, system, mapping);
}

function checkTableMapping(mapping: CompiledMapping): void {
  if (
    mapping.direction !== 'to-canonical' ||
    mapping.spec.input !== CSV_FORMAT ||
    mapping.spec.output !== CUSTOMER_EVENT
  )
    throw new ConfigError(
      `${mapping.file}: a CSV needs a mapping with input: ${CSV_FORMAT} and output: ${CUSTOMER_EVENT} (see mappings/csv/customer-table.to-canonical.yaml)`,
    );
}

const CUSTOMER_EVENT = 'eai.canonical.CustomerEvent';
/** Rows mapped as one document: small enough to stay far inside a document's mapping deadline. */
const ROWS_PER_DOCUMENT = 100;

function jsonLinesSource(path: string, system: string): CustomerSource {
  return {
    describe: () => describeInput(path),
    async *customers(skip) {
      let lineNumber = 0;
      let seen = 0;
      for await (const line of lines(path)) {
        lineNumber++;
        if (!line.trim()) continue;
        seen++;
        if (seen <= skip) continue;
        yield parseCustomer(path, lineNumber, line, system);
      }
    },
  };
}

/** The table's rows, streamed through csv-parse with bounded memory. */
async function* tableRows(path: string): AsyncGenerator<CsvRow> {
  const head = await readHead(path);
  const rows = new CsvRows(CSV_FORMAT);
  try {
    const parser = createReadStream(path).pipe(parseStream(csvOptions(headerLineOf(head))));
    for await (const record of parser) {
      const row = rows.push(record as { record: string[]; raw: string });
      if (row) yield row;
    }
  } catch (error) {
    const located = csvFormatError(CSV_FORMAT, error);
    if (located instanceof FormatError)
      throw new ConfigError(
        `${path}: ${located.location}: ${located.message.split(': ').slice(2).join(': ')}`,
      );
    throw error;
  }
}

async function readHead(path: string): Promise<string> {
  const handle = await open(path, 'r').catch((error: Error) => {
    throw new ConfigError(`${path}: cannot read (${error.message})`);
  });
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

function tableSource(path: string, system: string, mapping: CompiledMapping): CustomerSource {
  return {
    async describe() {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      let totalLines = 0;
      for await (const _row of tableRows(path)) totalLines++;
      return { digest: hash.digest('hex'), totalLines };
    },
    async *customers(skip) {
      const id = `${system}:${basename(path)}`;
      let seen = 0;
      let chunk: CsvRow[] = [];
      const mapChunk = async function* () {
        const document = {
          format: CSV_FORMAT,
          kind: 'table',
          id,
          source: system,
          tree: { $loc: '', rows: chunk },
        };
        let records: CanonicalRecord[];
        try {
          records = await mapDocument(mapping, document);
        } catch (error) {
          if (error instanceof MappingError) throw new ConfigError(`${path}: ${error.message}`);
          throw error;
        }
        for (const record of records) yield record.value.customer as CustomerPartyMaster;
        chunk = [];
      };
      for await (const row of tableRows(path)) {
        seen++;
        if (seen <= skip) continue;
        chunk.push(row);
        if (chunk.length >= ROWS_PER_DOCUMENT) yield* mapChunk();
      }
      if (chunk.length > 0) yield* mapChunk();
    },
  };
}

async function load(
  store: MasterDataStore,
  system: string,
  path: string,
  source: CustomerSource,
  options: LoadOptions,
): Promise<LoadSummary> {
  const batchSize = options.batchSize ?? 500;
  const { digest, totalLines } = await source.describe();
  const runKey = `${system}:${digest}`;
  const previous = await store.loadProgress(runKey);
  const counts: Record<Outcome, number> = {
    new: 0,
    merged: 0,
    review: 0,
    updated: 0,
    unchanged: 0,
    erased: 0,
  };
  for (const [k, v] of Object.entries(previous?.counts ?? {})) if (k in counts) counts[k as Outcome] = v;
  const resumedFrom = previous?.lines ?? 0;
  const started = Date.now();
  let done = resumedFrom;
  // One batch in the database at a time; the next one is read and prepared (standardised, keyed) meanwhile.
  let inFlight: Promise<void> = Promise.resolve();
  const submit = async (items: MatchItem[]) => {
    await store.prepare(items);
    await inFlight;
    const position = done + items.length;
    inFlight = store
      .upsertBatch(items, async (client, results) => {
        for (const r of results) counts[r.outcome]++;
        await store.saveProgress(client, runKey, system, path, position, counts);
      })
      .then(() => {
        done = position;
        options.onProgress?.({ lines: done, totalLines, counts: { ...counts } });
      });
    // Awaited by the next submit or at the end; until then a failure must not count as unhandled.
    inFlight.catch(() => undefined);
  };
  let batch: MatchItem[] = [];
  for await (const customer of source.customers(resumedFrom)) {
    batch.push({ system, customer });
    if (batch.length >= batchSize) {
      const items = batch;
      batch = [];
      await submit(items);
    }
  }
  if (batch.length > 0) await submit(batch);
  await inFlight;
  const seconds = (Date.now() - started) / 1000;
  return {
    system,
    input: path,
    lines: done,
    totalLines,
    counts,
    resumedFrom,
    seconds,
    recordsPerSecond: seconds > 0 ? (done - resumedFrom) / seconds : 0,
  };
}
