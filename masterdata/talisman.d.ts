// talisman ships no type declarations; these are the few functions the matcher uses.
declare module 'talisman/metrics/jaro-winkler.js' {
  /** Jaro–Winkler similarity in [0, 1]. */
  const jaroWinkler: (a: string, b: string) => number;
  export default jaroWinkler;
}
declare module 'talisman/metrics/damerau-levenshtein.js' {
  /** Optimal string alignment distance (the restricted Damerau–Levenshtein: a swap of neighbours is one edit). */
  const damerauLevenshtein: (a: string, b: string) => number;
  export default damerauLevenshtein;
}
declare module 'talisman/metrics/jaccard.js' {
  /** Jaccard index of two sequences (arrays or strings) in [0, 1]. */
  const jaccard: (a: string[] | string, b: string[] | string) => number;
  export default jaccard;
}
declare module 'talisman/phonetics/double-metaphone.js' {
  /** Primary and secondary Double Metaphone codes (4 characters at most). */
  const doubleMetaphone: (word: string) => [string, string];
  export default doubleMetaphone;
}
