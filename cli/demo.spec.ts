import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ConnectorStatus } from '../connectors/index.ts';
import { newCounters } from '../connectors/runtime/connector-metrics.ts';
import { troubleText } from './commands/connectors.ts';
import {
  type DemoConnectorRow,
  demoBanner,
  demoLogLevel,
  freshFolder,
  refreshText,
} from './commands/demo.ts';

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

describe('eai demo table', () => {
  const row = (name: string, trouble: string): DemoConnectorRow => ({
    name,
    state: 'RUNNING',
    in: 3,
    out: 2,
    skipped: 0,
    skippedReasons: {},
    failed: 0,
    trouble,
  });
  const status = (metrics: Partial<ConnectorStatus['metrics']>) =>
    ({ trace: null, waiting: null, metrics: { ...newCounters(), ...metrics } }) as Pick<
      ConnectorStatus,
      'trace' | 'waiting' | 'metrics'
    >;

  it('says under the table what keeps a RUNNING connector from working: its system down, not only RUNNING', () => {
    const retried = troubleText(
      status({
        retrying: {
          since: '2026-12-07T09:22:15.840Z',
          attempts: 9,
          error:
            'salesforce-customers: PATCH /services/data/v62.0/sobjects/Contact/Id/003 answered HTTP 503: {"errorCode":"SERVER_UNAVAILABLE"}',
        },
      }),
    );
    expect(retried).toBe(
      'retrying since 2026-12-07T09:22:15.840Z (9 attempts): salesforce-customers: PATCH /services/data/v62.0/sobjects/Contact/Id/003 answered HTTP 503 (answer in eai connectors status --json)',
    );
    const polls = troubleText(
      status({
        lastError:
          'polling res.partner failed, tried again shortly: odoo-orders: POST /jsonrpc answered HTTP 503',
      }),
    );
    expect(polls).toBe(
      'error: polling res.partner failed, tried again shortly: odoo-orders: POST /jsonrpc answered HTTP 503',
    );
    expect(troubleText(status({}))).toBe('');

    const text = refreshText({
      at: '2026-12-07T09:23:11.917Z',
      connectors: [row('odoo-orders', polls), row('salesforce-customers', retried), row('sap-orders', '')],
      topics: {},
      workflows: {},
    });
    const lines = text.split('\n');
    const under = lines.slice(lines.findIndex((l) => l.trim().startsWith('trouble')) + 1);
    expect(under[0]).toBe(`  odoo-orders           ${polls}`);
    expect(under[1]).toBe(`  salesforce-customers  ${retried}`);
    expect(text).not.toMatch(/sap-orders {2,}\S*(error|retrying)/);
  });
});
