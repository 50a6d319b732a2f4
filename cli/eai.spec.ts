import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEai } from '../tests/run-eai.ts';
import { runEaiInProcess } from '../tests/run-eai-in-process.ts';

/** The command run as a user runs it, from the folder given, by its path. */
const run = async (node: string, args: string[], options: { cwd: string }) => {
  const result = spawnSync(node, args, { ...options, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

/** Makes the child believe it runs on another Node version, before cli/eai.js loads. */
const pretend = (version: string) => [
  '--import',
  `data:text/javascript,Object.defineProperty(process,"versions",{value:{...process.versions,node:"${version}"}})`,
];

describe('cli/eai.js checks the Node version itself (package.json has no engines, so npm does not warn)', () => {
  it("on Node 20, with the repository's node@24 installed: runs itself again on that one, from any folder", async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'eai-cwd-'));
    const script = resolve('cli/eai.js');
    const help = await run(process.execPath, [...pretend('20.20.2'), script, '--help'], { cwd: elsewhere });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: eai/);
    // The child's exit code and its one-line error come through.
    const failed = await run(process.execPath, [...pretend('20.20.2'), script, 'map', 'missing.edi'], {
      cwd: elsewhere,
    });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe('eai map: input file missing.edi not found; see eai map --help\n');
  });

  it('on Node 20 without it (a production install, npm ci --omit=dev; a copy of the command outside the repository): one line saying what it needs, exit 1', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'eai-copy-'));
    mkdirSync(join(outside, 'cli'));
    copyFileSync('cli/eai.js', join(outside, 'cli', 'eai.js'));
    const result = await run(
      process.execPath,
      [...pretend('20.20.2'), join(outside, 'cli', 'eai.js'), '--help'],
      {
        cwd: outside,
      },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'eai: needs Node 24 or newer, this is Node 20.20.2: install Node 24 on this machine (a production install, npm ci --omit=dev, runs on it), or in a development clone run it as `npx eai` after `npm install` (which installs Node 24 as a devDependency)\n',
    );
  });

  it('on Node 24 it runs', async () => {
    const result = await runEai(['--help'], { nodeArgs: pretend('24.0.0') });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: eai/);
  });
});

describe('eai errors', () => {
  it('one line, never a stack trace; with --json that line is JSON', async () => {
    const plain = await runEai(['mdm', 'load', 'not a system!', '--input', 'x.jsonl']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe('eai: system must be a name like sap or edi:ACME, got "not a system!"\n');
    const json = await runEai(['mdm', 'load', 'not a system!', '--input', 'x.jsonl', '--json']);
    expect(json.code).toBe(1);
    expect(json.stdout).toBe('');
    expect(json.stderr.split('\n')).toHaveLength(2);
    expect(JSON.parse(json.stderr)).toEqual({
      errors: [
        { error: 'ConfigError', message: 'system must be a name like sap or edi:ACME, got "not a system!"' },
      ],
    });
  });

  it('eai connectors offsets --set: a missing or broken file is named, with what it should hold, before the hub is asked', async () => {
    const hint =
      'write {"offsets":[{"partition":…,"offset":…}]}, as eai connectors offsets <name> --json prints them';
    const args = ['connectors', 'offsets', 'orders', '--url', 'http://127.0.0.1:9', '--token', 't', '--set'];
    const missing = await runEaiInProcess([...args, '/nonexistent/offsets.json']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `eai: /nonexistent/offsets.json: ENOENT: no such file or directory, open '/nonexistent/offsets.json'; ${hint}\n`,
    );
    const broken = await runEaiInProcess([...args, 'README.md', '--json']);
    expect(JSON.parse(broken.stderr)).toEqual({
      errors: [
        { error: 'ConfigError', message: expect.stringMatching(/^README\.md: .*; write \{"offsets"/) },
      ],
    });
  });

  it('with --json a usage error (unknown option, missing option) is that JSON line too, without the help', async () => {
    const unknown = await runEaiInProcess(['workflows', 'ls', '--bogus', '--json']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe(
      `${JSON.stringify({ errors: [{ error: 'UsageError', message: "unknown option '--bogus'" }] })}\n`,
    );
    const missing = await runEaiInProcess(['mdm', 'load', 'sap', '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr)).toEqual({
      errors: [{ error: 'UsageError', message: "required option '--input <file>' not specified" }],
    });
    // Without --json: commander's line, then the help, as before.
    const plain = await runEaiInProcess(['workflows', 'ls', '--bogus']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^error: unknown option '--bogus'\n\nUsage: eai workflows ls/);
    const help = await runEaiInProcess(['workflows', 'ls', '--help', '--json']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: eai workflows ls/);
  }, 60_000);
});
