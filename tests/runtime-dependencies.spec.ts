import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A production install (`npm ci --omit=dev`, README "Running in production") has the package.json `dependencies` only.
 * Every package the hub and the CLI can load must be one: this follows the imports from the entry points (the CLI,
 * the mapping threads' worker, the PostgreSQL init script the stack spawns) through the repository's files, as Node
 * would load them (type-only imports are erased), and names each package outside `dependencies` with the file that
 * imports it.
 */
const ROOT = resolve(import.meta.dirname, '..');
const ENTRIES = [
  'cli/eai.js',
  'cli/main.ts',
  'connectors/runtime/mapping-worker.ts',
  'stack/postgres-init.ts',
];
/** Packages loaded only on a path a production install does not take, each with why. */
const DEVELOPMENT_ONLY: Record<string, string> = {
  testcontainers:
    "the local stack's Docker path (`eai stack up` with EAI_KAFKA_PROVIDER=docker): a development tool; without the package it says so in one line",
};

const IMPORT =
  /(?:^|[\n;])\s*(?:import|export)\s+(?!type[\s{])(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"](\.[^'"]+\.ts)['"]\s*,\s*import\.meta\.url/g;

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

function loadedPackages(): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = ENTRIES.map((entry) => resolve(ROOT, entry));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    // Comments may quote imports (`import('x')` in a doc comment): only code is followed.
    const code = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const match of code.matchAll(IMPORT)) {
      const specifier = (match[1] ?? match[2] ?? match[3]) as string;
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        if (/\.(ts|js)$/.test(target)) queue.push(target);
      } else if (!specifier.startsWith('node:')) {
        const name = packageOf(specifier);
        if (!packages.has(name)) packages.set(name, relative(ROOT, file));
      }
    }
  }
  return packages;
}

describe('what a production install must hold', () => {
  const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };

  it('every package the hub and the CLI load is a dependency, not a devDependency', () => {
    const loaded = loadedPackages();
    // The walk reached the product (not only the entry files).
    for (const name of ['kafkajs', 'pg', 'avsc', 'jsonata', 'express', '@dbos-inc/dbos-sdk']) {
      expect(loaded.has(name), name).toBe(true);
    }
    const missing = [...loaded]
      .filter(([name]) => !(name in pkg.dependencies) && !(name in DEVELOPMENT_ONLY))
      .map(([name, file]) => `${name} (imported by ${file})`);
    expect(missing).toEqual([]);
  });

  it('each development-only package is still imported (else its exception goes)', () => {
    const loaded = loadedPackages();
    expect(Object.keys(DEVELOPMENT_ONLY).filter((name) => !loaded.has(name))).toEqual([]);
  });
});
