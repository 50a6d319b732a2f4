import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A complete example value of a canonical event schema, as JSON (docs, CLI `bus publish`, tests). */
export function exampleJson(schemaName: string): Record<string, unknown> {
  const path = fileURLToPath(new URL(`./examples/${schemaName}.json`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}
