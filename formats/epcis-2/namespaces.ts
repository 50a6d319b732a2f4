import { isObject, type JsonObject } from '../text-input/pointer.ts';

/**
 * User extensions in EPCIS 2.0 are identified by their namespace (EPCIS 2.0 §9 / §10: a JSON-LD document declares
 * its prefixes in `@context`, `{"example": "http://ns.example.com/epcis/"}`, and writes `example:myField`; the XML
 * binding binds a prefix with `xmlns:example`). The prefix itself is the sender's choice: two partners (or one
 * partner's JSON and XML) name the same field `example:myField` and `ext:myField`. So an extension field is keyed by
 * its expanded name, namespace IRI and local name (`http://ns.example.com/epcis/myField`), in both bindings; a field
 * written as an absolute IRI stays as it is, and one whose prefix nothing declares stays as written (never dropped).
 */
export type Prefixes = Readonly<Record<string, string>>;

/** The prefixes a JSON-LD `@context` (an IRI, an object, or a list of them) declares, over `outer`'s. */
export function contextPrefixes(context: unknown, outer: Prefixes = {}): Prefixes {
  const prefixes: Record<string, string> = { ...outer };
  for (const entry of Array.isArray(context) ? context : [context]) {
    if (!isObject(entry)) continue;
    for (const [term, definition] of Object.entries(entry)) {
      if (term.startsWith('@')) continue;
      const iri =
        typeof definition === 'string' ? definition : isObject(definition) ? definition['@id'] : undefined;
      if (typeof iri === 'string' && iri !== '') prefixes[term] = iri;
    }
  }
  return prefixes;
}

/** `prefix:local` → the prefix's IRI and `local`, when `prefixes` declares it; anything else as written. */
export function expandedName(name: string, prefixes: Prefixes): string {
  const colon = name.indexOf(':');
  if (colon <= 0) return name;
  const local = name.slice(colon + 1);
  // `http://…`: already an absolute IRI (JSON-LD: a suffix starting with // is no compact IRI).
  if (local.startsWith('//')) return name;
  const iri = Object.hasOwn(prefixes, name.slice(0, colon)) ? prefixes[name.slice(0, colon)] : undefined;
  return iri === undefined ? name : `${iri}${local}`;
}

/** `value` with every object key expanded (expandedName), at every depth; `$loc` and values are kept. */
export function expandedKeys(value: unknown, prefixes: Prefixes): unknown {
  if (Array.isArray(value)) return value.map((v) => expandedKeys(v, prefixes));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) out[expandedName(key, prefixes)] = expandedKeys(v, prefixes);
  return out;
}

/**
 * An XML namespace as the JSON-LD binding declares it, so an extension field has one name from either binding: its
 * IRI ends in `/` or `#` (a URN's in `:`), where XML writes it bare. GS1's own examples do so: the XML of
 * `event_with_identical_hash_id_1` binds `xmlns:ext1="http://example.com/ext1"`, its JSON-LD `"ext1":
 * "http://example.com/ext1/"`; concatenated bare, `<ext1:default>` would be `http://example.com/ext1default`.
 */
export function jsonLdNamespace(uri: string): string {
  if (/[/#:]$/.test(uri)) return uri;
  return /^urn:/i.test(uri) ? `${uri}:` : `${uri}/`;
}

/** The XML prefixes in scope, each bound to its namespace as the JSON-LD binding writes it (jsonLdNamespace). */
export function xmlPrefixes(scope: Readonly<Record<string, string>>): Prefixes {
  return Object.fromEntries(Object.entries(scope).map(([prefix, uri]) => [prefix, jsonLdNamespace(uri)]));
}
