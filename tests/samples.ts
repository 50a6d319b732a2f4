import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../stack/paths.ts';

/**
 * The shared public sample documents (../shared/samples beside the checkout, or EAI_SAMPLES_DIR). They are other
 * people's files under their licences, so they are read from there, not copied into the repository.
 */
export function samplesDir(): string {
  const candidates = [
    process.env.EAI_SAMPLES_DIR,
    resolve(projectRoot, '..', 'shared', 'samples'),
    '/work/shared/samples',
  ];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found)
    throw new Error(
      `shared samples not found (looked at ${candidates.filter(Boolean).join(', ')}); set EAI_SAMPLES_DIR`,
    );
  return found;
}

export function readSample(path: string): Buffer {
  return readFileSync(join(samplesDir(), path));
}
