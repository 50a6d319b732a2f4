/**
 * Bulk load of canonical Customers from a JSON lines file (one `customer` value of a CustomerEvent per line):
 * matched one record at a time in batches, each batch committed together with the load's position, so a load
 * that stops resumes after the last committed batch (same system and same file content).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ConfigError } from '../lib/errors.ts';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import type { MasterDataStore, Outcome } from './store.ts';

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

export async function loadJsonLines(
  store: MasterDataStore,
  system: string,
  path: string,
  options: { batchSize?: number; onProgress?: (p: LoadProgress) => void } = {},
): Promise<LoadSummary> {
  const batchSize = options.batchSize ?? 500;
  const { digest, totalLines } = await describeInput(path);
  const runKey = `${system}:${digest}`;
  const previous = await store.loadProgress(runKey);
  const counts: Record<Outcome, number> = { new: 0, merged: 0, review: 0, updated: 0, unchanged: 0 };
  for (const [k, v] of Object.entries(previous?.counts ?? {})) if (k in counts) counts[k as Outcome] = v;
  const resumedFrom = previous?.lines ?? 0;
  const started = Date.now();
  let done = resumedFrom;
  let lineNumber = 0;
  let batch: CustomerPartyMaster[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const position = done + batch.length;
    await store.upsertBatch(
      batch.map((customer) => ({ system, customer })),
      async (client, results) => {
        for (const r of results) counts[r.outcome]++;
        await store.saveProgress(client, runKey, system, path, position, counts);
      },
    );
    done = position;
    batch = [];
    options.onProgress?.({ lines: done, totalLines, counts: { ...counts } });
  };
  let seen = 0;
  for await (const line of lines(path)) {
    lineNumber++;
    if (!line.trim()) continue;
    seen++;
    if (seen <= resumedFrom) continue;
    batch.push(parseCustomer(path, lineNumber, line, system));
    if (batch.length >= batchSize) await flush();
  }
  await flush();
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
