/** Text helpers shared by the entity generator and the drift functions. */
import type { Rng } from './prng.ts';

const GERMAN_TRANSLITERATION: Record<string, string> = {
  ä: 'ae',
  ö: 'oe',
  ü: 'ue',
  Ä: 'Ae',
  Ö: 'Oe',
  Ü: 'Ue',
  ß: 'ss',
};

/**
 * Drops diacritics the way keyboards and old systems do: German umlauts become two letters
 * (Müller → Mueller, as Germans write them), everything else loses its accent (Élodie → Elodie).
 */
export function dropDiacritics(text: string, style: 'german' | 'strip' = 'strip'): string {
  const transliterated =
    style === 'german'
      ? text.replace(/[äöüÄÖÜß]/g, (ch) => GERMAN_TRANSLITERATION[ch] ?? ch)
      : text.replace(/ß/g, 'ss');
  return transliterated.normalize('NFD').replace(/\p{M}/gu, '');
}

export function hasDiacritics(text: string): boolean {
  return dropDiacritics(text) !== text;
}

/** Lower-case ASCII letters and digits only, for email local parts and domain labels. */
export function slug(text: string, separator = ''): string {
  return dropDiacritics(text, 'german')
    .toLowerCase()
    .replace(/&/g, ' ')
    .replace(/[^a-z0-9]+/g, separator)
    .replace(new RegExp(`^\\${separator || '-'}+|\\${separator || '-'}+$`, 'g'), '');
}

/** Fills a pattern: '#' becomes a digit, '@' a letter as used in UK and Dutch postcodes. */
export function fillPattern(rng: Rng, pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '#') out += rng.digits(1);
    else if (ch === '@') out += rng.chars('ABDEFGHJLNPRSTUWXZ', 1);
    else out += ch;
  }
  return out;
}

/**
 * A keyboard slip in one word longer than three letters: two neighbours transposed, a letter dropped
 * or a letter doubled. Returns the text unchanged when no word qualifies.
 */
export function typo(rng: Rng, text: string): string {
  const words = [...text.matchAll(/\p{L}{4,}/gu)];
  if (words.length === 0) return text;
  const word = rng.pick(words);
  const start = word.index;
  const chars = [...word[0]];
  // Leave the first letter alone: people rarely mistype it, and blocking keys rely on it.
  const at = rng.int(1, chars.length - 2);
  let kind = rng.int(0, 2);
  // Swapping two equal letters ("ll") would change nothing: drop one instead.
  if (kind === 0 && chars[at] === chars[at + 1]) kind = 1;
  if (kind === 0) [chars[at], chars[at + 1]] = [chars[at + 1]!, chars[at]!];
  else if (kind === 1) chars.splice(at, 1);
  else chars.splice(at, 0, chars[at]!);
  const replaced = chars.join('');
  if (replaced === word[0]) return text;
  return text.slice(0, start) + replaced + text.slice(start + word[0].length);
}
