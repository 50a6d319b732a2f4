import { type Document, isMap, isPair, isScalar, LineCounter, parseDocument, visit } from 'yaml';

type ParseOptions = NonNullable<Parameters<typeof parseDocument>[1]>;

/**
 * The document as parseDocument gives it, errors included, without its cost on large maps: the yaml library checks
 * each key of a map against all the keys before it (the 1,500 keys of the countries table: 0.15 s, read again for
 * each of the 13 mappings that use it, in each mapping thread). Read first without that check, each map's keys are
 * compared here through a Map by their values (SameValueZero, which finds at least every pair the library's `===`
 * would); any key met twice, a key that is not a scalar, or any error, and the text is read again the library's
 * way, whose document and errors are then the answer: the same texts refused with the same errors.
 */
function parsedDocument(text: string, options: ParseOptions): Document.Parsed {
  const quick = parseDocument(text, { ...options, uniqueKeys: false });
  let again = quick.errors.length > 0;
  if (!again)
    visit(quick, {
      Map(_, map) {
        const seen = new Set<unknown>();
        for (const pair of map.items) {
          const key = isPair(pair) ? pair.key : undefined;
          if (!isScalar(key) || seen.has(key.value)) {
            again = true;
            return visit.BREAK;
          }
          seen.add(key.value);
        }
        return undefined;
      },
    });
  return again ? parseDocument(text, options) : quick;
}

/**
 * YAML a user wrote (a mapping, a lookup table, a connector file, a master-data config): its first error thrown, its
 * warnings not printed. The yaml library prints warnings through `process.emitWarning` (a PDF given for a connector
 * file: `%PDF-1.4` read as an unknown directive, four lines of it), which landed on stderr beside a CLI's one-line
 * error or its JSON.
 *
 * A map's keys are names and codes, so each is read as written: YAML would take an unquoted `05:` for the number 5,
 * `001903202:` for 1903202, `1e3:` for 1000 and `true:` for a boolean, and a lookup table of X12 purpose codes or
 * SAP qualifiers, or `mappingsBySender` with a DUNS number, then silently never matched the code the document sends
 * (`"05"`). Values keep their YAML types.
 */
export function parseYamlText(text: string): unknown {
  const doc = parsedDocument(text, { logLevel: 'error' });
  if (doc.errors.length > 0) throw doc.errors[0];
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key;
      if (isScalar(key) && typeof key.value !== 'string' && typeof key.source === 'string')
        key.value = key.source;
    },
  });
  return doc.toJS();
}

/**
 * The line (1-based) of each value of a YAML text's nested maps, by its dotted key path (`fields.salesOrder.status`),
 * so an error in a value names the line an editor jumps to. Unreadable YAML gives none.
 */
export function yamlValueLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const lineCounter = new LineCounter();
  const doc = parsedDocument(text, { logLevel: 'silent', lineCounter });
  if (doc.errors.length > 0) return lines;
  const walk = (node: unknown, path: string): void => {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.source ?? pair.key.value) : undefined;
      if (key === undefined) continue;
      const at = path ? `${path}.${key}` : key;
      const value = pair.value as { range?: [number, number, number] } | null;
      const offset = value?.range?.[0] ?? (pair.key as { range?: [number] }).range?.[0];
      if (offset !== undefined) lines.set(at, lineCounter.linePos(offset).line);
      walk(pair.value, at);
    }
  };
  walk(doc.contents, '');
  return lines;
}
