import { readFileSync, writeFileSync } from 'node:fs';
import { renderDoc } from './config-docs.ts';

/**
 * Renders a doc's generated tables and writes the file only when they changed: `npm run docs` then leaves up-to-date
 * files alone (their time, and an edit someone makes elsewhere in them meanwhile) and says which it changed.
 */
export function updateDoc(path: string, file: string): boolean {
  const text = readFileSync(path, 'utf8');
  const rendered = renderDoc(file, text);
  if (rendered === text) return false;
  writeFileSync(path, rendered);
  return true;
}
