import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { demoBanner, demoLogLevel, freshFolder } from './commands/demo.ts';

describe('eai demo banner', () => {
  it("gives a line that, run in a shell, points the CLI at this demo's hub, token and master data on whatever port it took", () => {
    const banner = demoBanner({
      api: 'http://127.0.0.1:41234',
      token: 'tok-Abc_123',
      brokers: '127.0.0.1:19092',
      registryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
      simulators: { sap: 'http://127.0.0.1:40001', hubspot: 'http://127.0.0.1:40002' },
    });
    const line = banner.split('\n').find((l) => l.includes('export '));
    expect(line).toBeDefined();
    const command = line!.slice(line!.indexOf('export '));
    const env = execFileSync(
      'bash',
      ['-c', `${command}; printf '%s %s %s' "$EAI_URL" "$EAI_TOKEN" "$EAI_MDM_SCHEMA"`],
      { encoding: 'utf8' },
    );
    // EAI_MDM_SCHEMA: `eai mdm show <goldenId>` reads the demo's master data, not the default schema's.
    expect(env).toBe('http://127.0.0.1:41234 tok-Abc_123 mdm_demo');
    expect(banner).toContain('  sap          http://127.0.0.1:40001');
  });

  it("names the stack folder in that line when EAI_HOME chose it (another clone's), for eai mdm and dlq in another shell", () => {
    // Seen in the demo trial: run with EAI_HOME=<first clone>/.eai, the banner's line left it out, and `eai mdm search`
    // in a second shell said "no database: … start the stack", whose start then found the ports taken.
    const banner = demoBanner(
      {
        api: 'http://127.0.0.1:41234',
        token: 'tok',
        brokers: '127.0.0.1:19092',
        registryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
        simulators: {},
      },
      '/srv/first-clone/.eai',
    );
    const line = banner.split('\n').find((l) => l.includes('export '))!;
    const env = execFileSync(
      'bash',
      ['-c', `${line.slice(line.indexOf('export '))}; printf '%s' "$EAI_HOME"`],
      {
        encoding: 'utf8',
      },
    );
    expect(env).toBe('/srv/first-clone/.eai');
  });
});

describe('eai demo folders', () => {
  it("empties a run's folder: an earlier run's order IDocs and ASNs are not read as this run's", () => {
    const home = mkdtempSync(join(tmpdir(), 'eai-demo-'));
    onTestFinished(() => rmSync(home, { recursive: true, force: true }));
    const drop = join(home, 'sap-outbound');
    mkdirSync(join(drop, 'done'), { recursive: true });
    writeFileSync(join(drop, 'ORDERS05_0000000000412346.xml'), '<ORDERS05/>');
    writeFileSync(join(drop, 'done', 'ORDERS05_0000000000412001.xml'), '<ORDERS05/>');
    expect(freshFolder(drop)).toBe(drop);
    expect(readdirSync(drop)).toEqual([]);
    // A first run: made.
    const made = join(drop, 'new', 'folder');
    freshFolder(made);
    expect(existsSync(made)).toBe(true);
  });
});

describe('eai demo logs', () => {
  // Before, every order's steps logged at info between the refreshes, several JSON lines a second on the terminal.
  it('logs warnings and errors only, unless EAI_LOG_LEVEL says otherwise', () => {
    expect(demoLogLevel({})).toBe('warn');
    expect(demoLogLevel({ EAI_LOG_LEVEL: 'info' })).toBe('info');
  });
});
