import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file sits in `<root>/stack/`). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Everything the local stack writes lives under one git-ignored folder (`EAI_HOME`, default `<repo>/.eai`):
 * `cache/` (downloaded jars, kept by `down --purge`), `data/` (broker, database), `logs/`, `stack.json`.
 */
export function stackHome(): string {
  return resolve(process.env.EAI_HOME ?? join(projectRoot, '.eai'));
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
