import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { newToken } from '../ops/api/index.ts';
import { testStack } from './stack.ts';

/**
 * README "Running in production", as written: the repository's files, `npm ci --omit=dev` (no development tools, no
 * Node from npm: the platform's Node 24 runs it), the hub on every interface against the company's services
 * (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL: here the test stack's) with a deployment folder, and an EAI_HOME
 * it cannot write (a container's image run as another user): it serves, runs its connector and stops on SIGTERM.
 */
const ROOT = resolve(import.meta.dirname, '..');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe('a production install (README "Running in production")', () => {
  const folder = mkdtempSync(join(tmpdir(), 'eai-production-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('npm ci --omit=dev, then eai up on every interface against external services, with a read-only EAI_HOME', async () => {
    const app = join(folder, 'app');
    // The repository's own files, as a clone or an image's COPY has them (no node_modules, no .eai: what git ignores).
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\0')
      .filter(Boolean);
    for (const file of files) {
      mkdirSync(dirname(join(app, file)), { recursive: true });
      cpSync(join(ROOT, file), join(app, file));
    }
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: app,
      stdio: 'pipe',
      timeout: 240_000,
    });
    // No development package came along (the Node of npm, vitest).
    expect(() => execFileSync('test', ['-e', join(app, 'node_modules/vitest/package.json')])).toThrow();
    expect(() => execFileSync('test', ['-e', join(app, 'node_modules/node/package.json')])).toThrow();

    const deploy = join(folder, 'deploy');
    const drop = join(folder, 'drop');
    mkdirSync(deploy);
    mkdirSync(drop);
    writeFileSync(
      join(deploy, 'orders.yaml'),
      `name: shop-orders-${Date.now()}\ntype: file-source\nformat: shopify-order\nconfig:\n  dir: ${drop}\n`,
    );
    const stack = testStack();
    const port = await freePort();
    const token = newToken();
    const hub = spawn(
      process.execPath,
      ['cli/eai.js', 'up', '--json', '--deploy', deploy, '--group', `eai-production-${port}`],
      {
        cwd: app,
        env: {
          PATH: process.env.PATH,
          KAFKA_BROKERS: stack.brokers,
          SCHEMA_REGISTRY_URL: stack.registryUrl,
          DATABASE_URL: stack.databaseUrl,
          EAI_OPS_HOST: '0.0.0.0',
          EAI_OPS_PORT: String(port),
          EAI_ADMIN_TOKEN: token,
          EAI_LOG_LEVEL: 'warn',
          // Nothing can be made under a file: the hub must not need to write its home.
          EAI_HOME: '/dev/null/eai',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((done) => hub.on('exit', (code) => done(code)));
    let stdout = '';
    let stderr = '';
    hub.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    hub.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    try {
      let endpoints: { health?: string; listening?: string; connectors?: number } | undefined;
      for (const deadline = Date.now() + 60_000; !endpoints && Date.now() < deadline; ) {
        const line = stdout.split('\n').find((l) => l.includes('"health"'));
        if (line) endpoints = JSON.parse(line);
        else if (hub.exitCode !== null) break;
        else await sleep(100);
      }
      expect(endpoints, `eai up printed: ${stdout}${stderr}`).toMatchObject({
        listening: `0.0.0.0:${port}`,
        connectors: 1,
      });
      const ready = await fetch(endpoints!.health!);
      expect(ready.status).toBe(200);
      const ls = execFileSync(process.execPath, ['cli/eai.js', 'connectors', 'ls', '--json'], {
        cwd: app,
        env: { PATH: process.env.PATH, EAI_URL: `http://127.0.0.1:${port}`, EAI_TOKEN: token },
        encoding: 'utf8',
      });
      expect(JSON.parse(ls)).toEqual([expect.objectContaining({ state: 'RUNNING' })]);
      hub.kill('SIGTERM');
      expect(await Promise.race([exited, sleep(30_000, 'still running', { ref: false })])).toBe(0);
    } finally {
      hub.kill('SIGKILL');
    }
  }, 300_000);
});
