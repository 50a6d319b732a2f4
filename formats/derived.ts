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
