/**
 * Jaro–Winkler similarity, bit-exact with talisman's `metrics/jaro-winkler` (boost threshold 0.7, scaling factor
 * 0.1, a common prefix of up to 4 UTF-16 code units), without its allocations: talisman builds two arrays of flags
 * and two of matched characters per call, a sixth of the matcher's CPU time with its garbage. Here the flags are
 * the bits of two integers (strings of up to 31 code units: names, cities, most streets) or two typed arrays
 * reused across calls, characters are compared as code units, and the arithmetic is talisman's, in its order, so
 * that every score is the same double (jaro-winkler.spec.ts compares the two on generated and real names).
 */

let minFlags = new Uint8Array(64);
let maxFlags = new Uint8Array(64);
/** Set by the two functions below beside the matches they return (no object per call). */
let transpositions = 0;

/** Jaro similarity in [0, 1] (talisman `metrics/jaro`). */
export function jaro(a: string, b: string): number {
  if (a === b) return 1;
  // The longer string is `max`; of two of one length, `b` (as talisman picks them).
  let min = a;
  let max = b;
  if (a.length > b.length) {
    min = b;
    max = a;
  }
  const m = max.length <= 31 ? matchedByBits(min, max) : matchedByArrays(min, max);
  if (m === 0) return 0;
  const t = (transpositions / 2) | 0;
  return (m / a.length + m / b.length + (m - t) / m) / 3;
}

/**
 * Matches and transpositions of two strings of up to 31 code units (names, cities, most streets): the flags as
 * the bits of two integers, no memory touched.
 */
function matchedByBits(min: string, max: string): number {
  const minLength = min.length;
  const maxLength = max.length;
  const range = Math.max(((maxLength / 2) | 0) - 1, 0);
  let minBits = 0;
  let maxBits = 0;
  let matches = 0;
  for (let i = 0; i < minLength; i++) {
    const character = min.charCodeAt(i);
    const to = Math.min(i + range + 1, maxLength);
    for (let j = Math.max(i - range, 0); j < to; j++) {
      if ((maxBits & (1 << j)) === 0 && character === max.charCodeAt(j)) {
        minBits |= 1 << i;
        maxBits |= 1 << j;
        matches++;
        break;
      }
    }
  }
  // The matched characters of each string in order, compared pairwise.
  let swapped = 0;
  let j = 0;
  for (let i = 0; i < minLength; i++) {
    if ((minBits & (1 << i)) === 0) continue;
    while ((maxBits & (1 << j)) === 0) j++;
    if (min.charCodeAt(i) !== max.charCodeAt(j)) swapped++;
    j++;
  }
  transpositions = swapped;
  return matches;
}

/** The same for longer strings, the flags in two typed arrays reused across calls (grown when needed). */
function matchedByArrays(min: string, max: string): number {
  const minLength = min.length;
  const maxLength = max.length;
  if (maxLength > maxFlags.length) maxFlags = new Uint8Array(maxLength * 2);
  if (minLength > minFlags.length) minFlags = new Uint8Array(minLength * 2);
  const minSet = minFlags;
  const maxSet = maxFlags;
  minSet.fill(0, 0, minLength);
  maxSet.fill(0, 0, maxLength);
  const range = Math.max(((maxLength / 2) | 0) - 1, 0);
  let matches = 0;
  for (let i = 0; i < minLength; i++) {
    const character = min.charCodeAt(i);
    const to = Math.min(i + range + 1, maxLength);
    for (let j = Math.max(i - range, 0); j < to; j++) {
      if (maxSet[j] === 0 && character === max.charCodeAt(j)) {
        minSet[i] = 1;
        maxSet[j] = 1;
        matches++;
        break;
      }
    }
  }
  let swapped = 0;
  let j = 0;
  for (let i = 0; i < minLength; i++) {
    if (minSet[i] === 0) continue;
    while (maxSet[j] === 0) j++;
    if (min.charCodeAt(i) !== max.charCodeAt(j)) swapped++;
    j++;
  }
  transpositions = swapped;
  return matches;
}

/** Jaro–Winkler similarity in [0, 1] (talisman `metrics/jaro-winkler` with its default options). */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  const dj = jaro(a, b);
  if (dj < 0.7) return dj;
  const prefixLimit = Math.min(a.length, b.length, 4);
  let l = 0;
  while (l < prefixLimit && a.charCodeAt(l) === b.charCodeAt(l)) l++;
  return dj + l * 0.1 * (1 - dj);
}
