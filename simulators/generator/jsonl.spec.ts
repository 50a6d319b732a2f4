import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.ts';
import { generateCustomers } from './generate.ts';
import { readSeedFile, toJsonl } from './jsonl.ts';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('JSON Lines output', () => {
  it('writes one JSON document per line', () => {
    expect(toJsonl([{ a: 1 }, { b: 'x\ny' }])).toBe('{"a":1}\n{"b":"x\\ny"}\n');
  });

  it('the CLI writes per-system files, truth and entities that match generateCustomers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'customers-'));
    dirs.push(dir);
    const cli = new URL('./cli.ts', import.meta.url).pathname;
    const { stdout } = await run(process.execPath, [cli, '--seed', '42', '--entities', '50', '--out', dir]);
    expect(stdout).toContain('truth.jsonl');
    const expected = generateCustomers({ seed: 42, entities: 50 });
    const sap = await readSeedFile(join(dir, 'sap.jsonl'));
    expect(sap).toEqual(expected.records.filter((r) => r.system === 'sap'));
    const salesforceLine = (await readFile(join(dir, 'salesforce.jsonl'), 'utf8')).split('\n')[0]!;
    expect(JSON.parse(salesforceLine)).toMatchObject({
      system: 'salesforce',
      type: expect.stringMatching(/^(Account|Contact)$/),
    });
    const truth = (await readFile(join(dir, 'truth.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(truth).toEqual(expected.truth);
  });

  it('readSeedFile filters by system and names the file and line of a bad record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seed-'));
    dirs.push(dir);
    const data = generateCustomers({ seed: 3, entities: 20 });
    const file = join(dir, 'all.jsonl');
    await writeFile(file, toJsonl(data.records));
    const odoo = await readSeedFile(file, 'odoo');
    expect(odoo.length).toBe(data.records.filter((r) => r.system === 'odoo').length);
    expect(odoo.every((r) => r.type === 'res.partner')).toBe(true);
    await writeFile(file, `${toJsonl(data.records.slice(0, 1))}{"system":"oracle","type":"x","record":{}}\n`);
    await expect(readSeedFile(file)).rejects.toThrow(ConfigError);
    await expect(readSeedFile(file)).rejects.toThrow(/line 2/);
  });
});
