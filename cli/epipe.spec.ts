import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('eai with its output piped to a reader that stops early (| head)', () => {
  it('ends quietly with 0, without a stack trace, when the pipe closes', async () => {
    // A table of 5,000 customers: its canonical records are far more than a pipe holds.
    const dir = mkdtempSync(join(tmpdir(), 'eai-epipe-'));
    const table = join(dir, 'customers.csv');
    const rows = Array.from({ length: 5000 }, (_, i) => `${100000 + i},Kunde ${i} GmbH,Berlin,10115,DE`);
    writeFileSync(table, `Customer ID,Company,City,Postal Code,Country\n${rows.join('\n')}\n`);
    const child = spawn(
      process.execPath,
      [
        'cli/eai.js',
        'map',
        '--format',
        'csv',
        '--input',
        table,
        '--mapping',
        'csv/customer-table.to-canonical.yaml',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    // As `head -c 1000` does: read a little, then close the pipe.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});
