import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../../lib/errors.ts';
import type { Effect, StoredAnswer } from './effects.ts';
import type { Subscriber } from './webhooks.ts';

/** Everything a restarted simulator must remember. */
export interface SavedSimulator<S> {
  format: 'eai-simulator-state/1';
  name: string;
  savedAt: string;
  state: S;
  effects: Effect[];
  answers: Record<string, StoredAnswer>;
  subscribers: Subscriber[];
}

export function loadStateFile<S>(path: string, name: string): SavedSimulator<S> | undefined {
  if (!existsSync(path)) return undefined;
  let saved: SavedSimulator<S>;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as SavedSimulator<S>;
  } catch (error) {
    throw new ConfigError(`state file ${path}: not valid JSON`, { cause: error });
  }
  if (saved.format !== 'eai-simulator-state/1' || saved.name !== name) {
    throw new ConfigError(`state file ${path}: not a saved state of simulator "${name}"`);
  }
  return saved;
}

/** Written synchronously and renamed into place, so a crash never leaves half a file. */
export function saveStateFile<S>(path: string, saved: SavedSimulator<S>): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(saved));
  renameSync(temporary, path);
}
