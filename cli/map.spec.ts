import { describe, expect, it } from 'vitest';
import { readers } from '../formats/index.ts';
import { runEai } from '../tests/run-eai.ts';

describe('eai map says what is missing', () => {
  it('without --format: one line naming the option and the formats, exit 1', async () => {
    const result = await runEai(['map', '--input', 'whatever.edi']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^eai map: --format is required: one of /);
    for (const reader of readers) expect(lines[0]).toContain(reader.name);
  });

  it('a missing input file is named, not a bare ENOENT', async () => {
    const result = await runEai(['map', '--format', 'x12-856', '--input', 'no/such/asn.edi']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('input file no/such/asn.edi not found');
    const json = await runEai(['map', '--format', 'x12-856', '--input', 'no/such/asn.edi', '--json']);
    expect(JSON.parse(json.stderr).errors[0].message).toBe('input file no/such/asn.edi not found');
  });
});
