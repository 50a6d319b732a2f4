/**
 * JSON Lines in and out: the files the CLI writes and the simulators' `--seed <file>` option loads.
 * A record line is {"system","type","record"}; a truth line is {"entityId","system","systemId",…}.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../lib/errors.ts';
import type { GeneratedCustomers } from './generate.ts';
import { SYSTEMS, type SystemName, type SystemRecord } from './model.ts';

export function toJsonl(items: readonly unknown[]): string {
  return items.map((item) => `${JSON.stringify(item)}\n`).join('');
}

export function recordsBySystem(
  data: Pick<GeneratedCustomers, 'records'>,
): Record<SystemName, SystemRecord[]> {
  const out: Record<SystemName, SystemRecord[]> = { salesforce: [], hubspot: [], odoo: [], sap: [] };
  for (const record of data.records) out[record.system].push(record);
  return out;
}

/** Writes `<system>.jsonl` per system, `truth.jsonl` and `entities.jsonl` (the golden records). */
export async function writeCustomerFiles(
  data: GeneratedCustomers,
  dir: string,
): Promise<Record<string, number>> {
  await mkdir(dir, { recursive: true });
  const counts: Record<string, number> = {};
  const bySystem = recordsBySystem(data);
  const files: [string, readonly unknown[]][] = [
    ...SYSTEMS.map((system): [string, readonly unknown[]] => [`${system}.jsonl`, bySystem[system]]),
    ['truth.jsonl', data.truth],
    ['entities.jsonl', data.entities],
  ];
  for (const [name, items] of files) {
    await writeFile(join(dir, name), toJsonl(items));
    counts[name] = items.length;
  }
  return counts;
}

/**
 * Reads a seed file for a simulator: every line must be a system record; with `system` given, lines
 * of other systems are skipped, so one file may seed all four simulators.
 */
export async function readSeedFile(path: string, system?: SystemName): Promise<SystemRecord[]> {
  const text = await readFile(path, 'utf8');
  const records: SystemRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new ConfigError(`seed file ${path}, line ${i + 1}: not JSON`, { cause: error });
    }
    const candidate = parsed as Partial<SystemRecord>;
    if (
      typeof candidate !== 'object' ||
      candidate === null ||
      !SYSTEMS.includes(candidate.system as SystemName) ||
      typeof candidate.type !== 'string' ||
      typeof candidate.record !== 'object' ||
      candidate.record === null
    ) {
      throw new ConfigError(
        `seed file ${path}, line ${i + 1}: expected {"system","type","record"} with a known system`,
      );
    }
    if (system === undefined || candidate.system === system) records.push(candidate as SystemRecord);
  }
  return records;
}
