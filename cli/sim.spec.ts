import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningPort } from '../tests/ports.ts';
import { runEai } from '../tests/run-eai.ts';

describe('eai sim', () => {
  let held: Awaited<ReturnType<typeof listeningPort>>;
  beforeAll(async () => {
    held = await listeningPort();
  });
  afterAll(() => held.close());

  it('names the simulator, the port and its holder when the port is taken, and what to do', async () => {
    // Before: `eai: listen EADDRINUSE: address already in use 127.0.0.1:4101`, naming neither the simulator nor --port.
    const result = await runEai(['sim', 'sap', '--port', String(held.port)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        `^eai: port ${held.port} for the sap simulator is taken by pid ${process.pid}( \\(.+\\))?: stop it, or set --port to a free port\\n$`,
      ),
    );
    // With `all`, the ports are consecutive from --port: the first one taken is named with its simulator.
    const all = await runEai(['sim', 'all', '--port', String(held.port - 2), '--json']);
    expect(all.code).toBe(1);
    const line = JSON.parse(all.stderr) as { errors: Array<{ error: string; message: string }> };
    expect(line.errors[0]?.error).toBe('ConfigError');
    expect(line.errors[0]?.message).toContain(`port ${held.port} for the odoo simulator is taken`);
  });

  it('--seed: a missing file or folder, or a file where a folder goes, is one line saying what it takes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-sim-seed-'));
    try {
      const file = join(dir, 'sap.jsonl');
      writeFileSync(file, '');
      const said = async (args: string[]) => (await runEai(['sim', ...args, '--port', '0'])).stderr;
      expect(await said(['sap', '--seed', join(dir, 'nope.jsonl')])).toBe(
        `eai: --seed ${join(dir, 'nope.jsonl')}: no such file\n`,
      );
      expect(await said(['all', '--seed', file])).toBe(
        `eai: --seed ${file}: with all, a folder of <system>.jsonl files, not a file\n`,
      );
      expect(await said(['sap', '--seed', dir])).toBe(
        `eai: --seed ${dir}: a JSONL file for one simulator (a folder is for all)\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--state: a file where a folder goes (or the reverse) is refused before any starts (it is written at the end)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-sim-state-'));
    try {
      const file = join(dir, 'sap.json');
      writeFileSync(file, '{}');
      const said = async (args: string[]) => (await runEai(['sim', ...args, '--port', '0'])).stderr;
      expect(await said(['all', '--state', file])).toBe(
        `eai: --state ${file}: with all, a folder for one <system>.json file each, not a file\n`,
      );
      expect(await said(['sap', '--state', dir])).toBe(
        `eai: --state ${dir}: a JSON file for one simulator, not a folder (a folder is for all)\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('all --seed <folder>: a system the folder has no file for starts with its own seed (the generator writes none for logistics)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-sim-seed-'));
    writeFileSync(join(dir, 'sap.jsonl'), '');
    const child = spawn(
      process.execPath,
      ['cli/eai.js', 'sim', 'all', '--port', '0', '--seed', dir, '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let out = '';
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString('utf8');
      });
      const urls = await new Promise<Record<string, string>>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          if (out.trim().endsWith('}')) resolve(JSON.parse(out) as Record<string, string>);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      expect(Object.keys(urls).sort()).toEqual(['hubspot', 'logistics', 'odoo', 'salesforce', 'sap']);
    } finally {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
