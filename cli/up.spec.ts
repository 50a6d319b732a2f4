import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEai } from '../tests/run-eai.ts';
import { runEaiInProcess } from '../tests/run-eai-in-process.ts';
import { endpointsText, routerStartText } from './commands/up.ts';

// The first spec runs a real `eai` process (its start, its one line, its exit); the others refuse a setting
// through the same entry in this process (tests/run-eai-in-process.ts: no Node start and module loading each).
describe('eai up --deploy', () => {
  it('names the connector file and field of a bad deployment in one line, before starting anything', async () => {
    const deploy = mkdtempSync(join(tmpdir(), 'eai-bad-deploy-'));
    writeFileSync(join(deploy, 'orders.yaml'), 'name: orders\ntype: file-source\nconfig:\n  dir: 5\n');
    const home = mkdtempSync(join(tmpdir(), 'eai-home-'));
    const run = await runEai(['up', '--deploy', deploy], { env: { EAI_HOME: home }, timeoutMs: 60_000 });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/orders\.yaml: config\.dir: /);
    expect(lines[0]).not.toMatch(/\n\s+at /);
  });

  it('refuses a bad orchestrator setting in one line naming the variable and field, before starting anything', async () => {
    const home = mkdtempSync(join(tmpdir(), 'eai-home-'));
    const run = await runEaiInProcess(['up', '--orchestrator'], {
      env: { EAI_HOME: home, EAI_ORCHESTRATOR_TIMERS: '{"asnTimeoutMs":"soon"}' },
      timeoutMs: 60_000,
    });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/EAI_ORCHESTRATOR_TIMERS\.asnTimeoutMs: /);
  });
});

describe('eai up with EAI_INSTANCE_ID', () => {
  it('refuses a name that is not one in one line naming the variable, before starting anything', async () => {
    const home = mkdtempSync(join(tmpdir(), 'eai-home-'));
    const run = await runEaiInProcess(['up'], {
      env: { EAI_HOME: home, EAI_INSTANCE_ID: 'hub one' },
      timeoutMs: 60_000,
    });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/EAI_INSTANCE_ID: letters, digits/);
  });
});

describe('eai up --host and EAI_ADVERTISED_URL', () => {
  it('refuses an address or a URL that is not one in one line naming the option or variable', async () => {
    const home = mkdtempSync(join(tmpdir(), 'eai-home-'));
    for (const [args, env, expected] of [
      [
        ['up', '--host', 'every interface'],
        {},
        /^eai: --host: an IP address \(0\.0\.0\.0 for every interface\) or a host name, got "every interface"$/,
      ],
      [['up'], { EAI_OPS_HOST: '0.0.0.0/0' }, /^eai: EAI_OPS_HOST: an IP address/],
      // An address of another machine (TEST-NET-1): before, the hub joined its connect group, then failed to listen.
      [
        ['up', '--host', '192.0.2.1'],
        {},
        /^eai: --host 192\.0\.2\.1: not an address of this machine: give one of this machine's addresses, 0\.0\.0\.0 \(or ::\) for every interface, or leave it out for loopback$/,
      ],
      [
        ['up'],
        { EAI_OPS_HOST: '192.0.2.1' },
        /^eai: EAI_OPS_HOST 192\.0\.2\.1: not an address of this machine/,
      ],
      [
        ['up'],
        { EAI_ADVERTISED_URL: 'hub-0.hub:8080' },
        /^eai: EAI_ADVERTISED_URL: an http\(s\) URL, e\.g\. http:\/\/hub-0\.hub:8080, got "hub-0\.hub:8080"$/,
      ],
    ] as const) {
      const run = await runEaiInProcess([...args], { env: { EAI_HOME: home, ...env }, timeoutMs: 60_000 });
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(expected);
    }
  });
});

describe('eai up --mapping-threads', () => {
  it('refuses a count that is not a whole number in one line, before starting anything', async () => {
    const home = mkdtempSync(join(tmpdir(), 'eai-home-'));
    for (const [args, env] of [
      [['up', '--mapping-threads', 'two'], {}],
      [['up'], { EAI_MAPPING_THREADS: '-1' }],
    ] as const) {
      const run = await runEaiInProcess([...args], { env: { EAI_HOME: home, ...env }, timeoutMs: 60_000 });
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /--mapping-threads \(EAI_MAPPING_THREADS\) must be auto or a whole number from 0 to 64/,
      );
    }
  });
});

describe('eai up --masterdata', () => {
  it('names the process holding the hub port, and a port that is no port, in one line before starting anything', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as AddressInfo).port;
    try {
      const home = mkdtempSync(join(tmpdir(), 'eai-home-'));
      const up = await runEaiInProcess(['up'], {
        env: { EAI_HOME: home, EAI_OPS_PORT: String(taken) },
        timeoutMs: 60_000,
      });
      expect(up.code).toBe(1);
      expect(up.stderr).toMatch(
        new RegExp(
          `^eai: port ${taken} for the hub is taken by pid ${process.pid} \\(\\S+\\): stop it, or set EAI_OPS_PORT or --port to a free port\n$`,
        ),
      );
      const demo = await runEai(['demo', '--port', String(taken)], {
        env: { EAI_HOME: home },
        timeoutMs: 60_000,
      });
      expect(demo.stderr).toMatch(
        new RegExp(`^eai: port ${taken} for the hub is taken .*set --port to a free port\n$`),
      );
    } finally {
      holder.close();
    }
    const wrong = await runEaiInProcess(['up'], { env: { EAI_OPS_PORT: 'eighty' } });
    expect(wrong.stderr).toBe(
      'eai: --port (EAI_OPS_PORT): "eighty" must be a whole number from 0 to 65535\n',
    );
    // Another command does not read it.
    expect((await runEaiInProcess(['map', 'formats'], { env: { EAI_OPS_PORT: 'eighty' } })).code).toBe(0);
  });

  it('names the master data config file and field in one line, before starting anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-mdm-config-'));
    const config = join(dir, 'mdm.yaml');
    writeFileSync(config, 'thresholds:\n  autoMerge: 2\n');
    const home = mkdtempSync(join(tmpdir(), 'eai-home-'));
    const run = await runEaiInProcess(['up', '--masterdata', config], {
      env: { EAI_HOME: home },
      timeoutMs: 60_000,
    });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${config}: thresholds.autoMerge: `);
    expect(run.stdout).toBe('');
  });
});

describe('eai up prints its endpoints', () => {
  it("in one column, with the orchestrator role's longer names too", () => {
    // The ops trial's banner: `  mappingThreads 0` and `  orchestratorDatabase eai_ops_trial` stood out of line.
    const text = endpointsText({
      api: 'http://127.0.0.1:18487',
      connectors: 3,
      mappingThreads: 0,
      notInFolder: ['orders', 'asn'],
      orchestratorDatabase: 'eai_ops_trial',
    });
    expect(text.split('\n')).toEqual([
      'eai hub is up:',
      '  api                  http://127.0.0.1:18487',
      '  connectors           3',
      '  mappingThreads       0',
      "  not in folder        orders, asn (this connect group's, deployed earlier; eai connectors delete <name> removes one)",
      '  orchestratorDatabase eai_ops_trial',
    ]);
  });

  it('says where the orchestrator router started: the end of the topics for a new group, or its committed offsets', () => {
    expect(
      routerStartText('eai-orchestrator.b', [
        { topic: 'canonical.sales-order', from: 'latest', pinned: { 0: '120' } },
        { topic: 'canonical.shipment', from: 'latest', pinned: { 0: '40' } },
      ]),
    ).toBe('group eai-orchestrator.b; end: canonical.sales-order, canonical.shipment');
    expect(
      routerStartText('eai-orchestrator', [{ topic: 'canonical.case', from: 'committed', pinned: {} }]),
    ).toBe('group eai-orchestrator; committed offsets: canonical.case');
  });
});
