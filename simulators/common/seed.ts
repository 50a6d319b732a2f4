import { readFileSync } from 'node:fs';
import { ConfigError } from '../../lib/errors.ts';

/** Reads a JSONL seed file: one JSON value per line, blank lines and `#` comments skipped. */
export function readSeedFile(path: string): unknown[] {
  const records: unknown[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, index) => {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return;
    try {
      records.push(JSON.parse(text));
    } catch (error) {
      throw new ConfigError(`seed file ${path} line ${index + 1}: not valid JSON`, { cause: error });
    }
  });
  return records;
}
