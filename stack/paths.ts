import { createHash } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, parse, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file sits in `<root>/stack/`). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The first folder on the way to `path` (itself included, where it exists) that other users cannot enter (no x
 * for others), with its mode; undefined when every one is open.
 */
export function closedAncestor(path: string): { dir: string; mode: number } | undefined {
  const target = resolve(path);
  const dirs: string[] = [];
  for (let dir = target; ; dir = dirname(dir)) {
    dirs.unshift(dir);
    if (dir === parse(dir).root) break;
  }
  for (const dir of dirs) {
    const stat = statSync(dir, { throwIfNoEntry: false });
    if (!stat) break;
    if (stat.isDirectory() && (stat.mode & 0o001) === 0) return { dir, mode: stat.mode & 0o7777 };
  }
  return undefined;
}

/**
 * Where the stack lives unless EAI_HOME says: `<repo>/.eai`; but when root runs it and a folder above the repository
 * is closed to others (a clone under /root), the `postgres` user could not reach its data there, so the stack goes
 * to `/var/tmp/eai-<hash of the repository path>` instead: one per clone, kept across reboots.
 */
export function defaultStackHome(root = projectRoot, runsAsRoot = process.getuid?.() === 0): string {
  if (runsAsRoot && closedAncestor(root)) {
    return join('/var/tmp', `eai-${createHash('sha256').update(root).digest('hex').slice(0, 12)}`);
  }
  return join(root, '.eai');
}

/**
 * Everything the local stack writes lives under one git-ignored folder (`EAI_HOME`, default `<repo>/.eai`):
 * `cache/` (downloaded jars, kept by `down --purge`), `data/` (broker, database), `logs/`, `stack.json`.
 */
export function stackHome(): string {
  return resolve(process.env.EAI_HOME || defaultStackHome());
}

export const stackPaths = {
  cache: (...parts: string[]) => join(stackHome(), 'cache', ...parts),
  data: (...parts: string[]) => join(stackHome(), 'data', ...parts),
  logs: (...parts: string[]) => join(stackHome(), 'logs', ...parts),
  stateFile: () => join(stackHome(), 'stack.json'),
};

/** Creates a folder that other local users can enter (PostgreSQL runs as its own user and must reach its data). */
export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o755 });
  return path;
}
