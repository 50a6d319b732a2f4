import { parse } from 'yaml';

/**
 * YAML a user wrote (a mapping, a lookup table, a connector file, a master-data config): its first error thrown, its
 * warnings not printed. The yaml library prints warnings through `process.emitWarning` (a PDF given for a connector
 * file: `%PDF-1.4` read as an unknown directive, four lines of it), which landed on stderr beside a CLI's one-line
 * error or its JSON.
 */
export function parseYamlText(text: string): unknown {
  return parse(text, { logLevel: 'error' });
}
