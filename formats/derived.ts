/**
 * Values a reader derives from others of the same node (an EDIFACT DTM's `iso` from its `value` and `format`): a
 * mapping that reads the derived value used its sources, and the mapping engine's usage count (which input values no
 * expression read) counts them so. Kept in a non-enumerable `$derived` of the node, so trees print and map as before.
 */
export const DERIVED_KEY = '$derived';

/** What `$derived` holds: derived key → the keys of the same node it was derived from. */
export type Derivations = Record<string, readonly string[]>;

/** Marks `node[key]` as derived from `sources` (keys of the same node). */
export function deriveFrom<T extends object>(node: T, key: string, sources: readonly string[]): T {
  const own = derivationsOf(node);
  if (own) own[key] = sources;
  else Object.defineProperty(node, DERIVED_KEY, { value: { [key]: sources }, enumerable: false });
  return node;
}

/** The derivations a reader marked on `node`, if any. */
export function derivationsOf(node: object): Derivations | undefined {
  return Object.getOwnPropertyDescriptor(node, DERIVED_KEY)?.value as Derivations | undefined;
}

/**
 * The pseudo-key under which a reader names a node's structural keys: values that placed the node in the tree (an
 * X12 856 HL's id, parent id and level code, which built the hierarchy a mapping walks) or control totals the reader
 * checked against the rest of the document (an X12 856 CTT01 / CTT02: a mismatch is refused), not facts a mapping
 * maps. The usage count of `eai map` does not list them as unused.
 */
export const STRUCTURE_KEY = '$structure';

/** Marks `keys` of `node` as structural (STRUCTURE_KEY). */
export function structural<T extends object>(node: T, keys: readonly string[]): T {
  return deriveFrom(node, STRUCTURE_KEY, keys);
}

/**
 * The pseudo-key under which a reader names a node's qualifiers: elements that only say how to read the node's other
 * values (X12 PID01 F / S: whether PID05 or PID04 holds the description; CUR01: whose currency CUR02 is; MEA01 WT /
 * PD: which kind of measurement MEA02 qualifies), no fact of their own. The usage count of `eai map` counts them read
 * when a mapping reads any other value of the node, and lists them unused only when it reads none.
 */
export const QUALIFIER_KEY = '$qualifiers';

/** Marks `keys` of `node` as qualifiers of its other values (QUALIFIER_KEY). */
export function qualifiers<T extends object>(node: T, keys: readonly string[]): T {
  return deriveFrom(node, QUALIFIER_KEY, keys);
}

/**
 * A value a reader moved up from where the document holds it (a CometD event's `replayId`, from `data.event`): the
 * usage count of `eai map` names it at its own place, `location` (a JSON pointer or segment) and `field` there.
 * Kept under the pseudo-key `$at.<key>` of the node's derivations.
 */
export function placedAt<T extends object>(node: T, key: string, location: string, field: string): T {
  return deriveFrom(node, `$at.${key}`, [location, field]);
}

/** Where the document holds `node[key]`, when a reader moved it (placedAt). */
export function placeOf(
  derived: Derivations | undefined,
  key: string,
): { location: string; field: string } | undefined {
  const at = derived?.[`$at.${key}`];
  return at ? { location: at[0]!, field: at[1]! } : undefined;
}
