import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { updateDoc } from './update-doc.ts';

const dir = mkdtempSync(join(tmpdir(), 'eai-update-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('updateDoc (npm run docs)', () => {
  it('leaves a file whose tables are current untouched, and says so', () => {
    const path = join(dir, 'current.md');
    writeFileSync(path, readme);
    utimesSync(path, new Date(2000, 0, 1), new Date(2000, 0, 1));
    expect(updateDoc(path, 'README.md')).toBe(false);
    expect(statSync(path).mtime.getFullYear()).toBe(2000);
  });

  it('writes a stale table afresh, and says so', () => {
    const path = join(dir, 'stale.md');
    writeFileSync(path, readme.replace('| `KAFKA_BROKERS` |', '| `KAFKA_BROKERZ` |'));
    expect(updateDoc(path, 'README.md')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(readme);
  });
});
