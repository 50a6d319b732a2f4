/**
 * Fellegi–Sunter scoring, as Splink does it: each comparison puts a pair into one of a few levels; each level has
 * m = P(level | same customer) and u = P(level | different customers); a pair's match weight is the sum of
 * log2(m/u) over the comparisons both records can answer, and its match probability follows with the prior λ.
 * m and u come from labelled pairs or from EM on unlabelled candidate pairs (u from random pairs).
 */
// Optimal string alignment distance (letters changed, added or dropped, two neighbours swapped: one edit each).
import editDistance from 'talisman/metrics/damerau-levenshtein.js';
import jaccard from 'talisman/metrics/jaccard.js';
import doubleMetaphone from 'talisman/phonetics/double-metaphone.js';
import type { MdmConfig } from './config.ts';
import { jaroWinkler } from './jaro-winkler.ts';
import {
  type CjkName,
  cjkName,
  formalGivenName,
  isCjk,
  isEntityWord,
  nicknamesOf,
  orgNameWords,
  type RomanisedName,
  romanisedNames,
  type StandardAddress,
  type StandardCustomer,
} from './standardise.ts';

/** A comparison: its level names (best first) and how a pair is levelled; -1 = cannot say (a value missing). */
export interface Comparison {
  name: string;
  levels: string[];
  level(a: StandardCustomer, b: StandardCustomer): number;
}

export type LevelParams = { m: number[]; u: number[] };
export type Model = Record<string, LevelParams>;

/**
 * Jaro–Winkler as talisman gives it (jaro-winkler.ts: the same doubles, without talisman's allocations). Not
 * remembered: scores were kept per pair of strings (200,000 of them) while talisman's was slow; the key string,
 * its hash and the lookup in a map that large cost about 1 µs, talisman's score 0.4 µs and this one 0.1 µs
 * (README, Node's share, profiled).
 */
const jw = jaroWinkler;

interface Orientation {
  given: [string, string];
  family: [string, string];
  /** Jaro–Winkler of the two family names and (when both records have one) of the two given names, as read. */
  familyJw: number;
  givenJw: number;
}

/** Straight or swapped: whichever reading of given and family name agrees better. */
function orient(a: StandardCustomer, b: StandardCustomer): Orientation | null {
  if (!a.familyName || !b.familyName) return null;
  if (!a.givenName || !b.givenName) {
    const family: [string, string] = [a.familyName, b.familyName];
    return { given: [a.givenName ?? '', b.givenName ?? ''], family, familyJw: jw(...family), givenJw: 0 };
  }
  const straight = readAs(a, b, false);
  const swapped = readAs(a, b, true);
  if (swapped.givenJw + swapped.familyJw <= straight.givenJw + straight.familyJw) return straight;
  // Swapped, the two cross pairs (a's given and b's family name, a's family and b's given name) have no order of
  // their own: read as given or as family name, whichever of the three readings agrees best by its levels (not the
  // first cross pair as given names, which leveled Wei Wang ~ Fang Wang and Fang Wang ~ Wei Wang apart).
  const flipped: Orientation = {
    given: swapped.family,
    family: swapped.given,
    givenJw: swapped.familyJw,
    familyJw: swapped.givenJw,
  };
  // Best: the least sum of the two levels (a level that cannot say as 'else'); a tie, the better given name.
  const levelsOf = (o: Orientation): [number, number] => {
    const family = latinFamilyLevel(a, b, o);
    const given = latinGivenLevel(a, b, o);
    return [(family < 0 ? 3 : family) + (given < 0 ? 3 : given), given < 0 ? 3 : given];
  };
  let best = straight;
  let [bestSum, bestGiven] = levelsOf(straight);
  for (const o of [swapped, flipped]) {
    const [sum, given] = levelsOf(o);
    if (sum < bestSum || (sum === bestSum && given < bestGiven)) [best, bestSum, bestGiven] = [o, sum, given];
  }
  return best;
}

/** Two records that both have a given and a family name read straight or swapped (`b`'s names the other way round). */
function readAs(a: StandardCustomer, b: StandardCustomer, swapped: boolean): Orientation {
  const given = a.givenName ?? '';
  const family = a.familyName ?? '';
  const bGiven = (swapped ? b.familyName : b.givenName) ?? '';
  const bFamily = (swapped ? b.givenName : b.familyName) ?? '';
  return {
    given: [given, bGiven],
    family: [family, bFamily],
    familyJw: jw(family, bFamily),
    givenJw: jw(given, bGiven),
  };
}

/**
 * The orientation of the pair last asked about: both name comparisons of a pair need it, one after the other, and
 * its four Jaro–Winkler scores were a sixth of the matcher's CPU time.
 */
let last: { a: StandardCustomer; b: StandardCustomer; o: Orientation | null } | null = null;
function personOrientation(a: StandardCustomer, b: StandardCustomer): Orientation | null {
  if (last?.a !== a || last.b !== b) last = { a, b, o: orient(a, b) };
  return last.o;
}

/**
 * Dice's coefficient of the n-grams (of characters: code units, as CJK names are written in the BMP) of two
 * strings: twice the shared n-grams (each used once) over all of them. Without allocations; at most 31 n-grams of
 * `y` are told apart, plenty for a name. A string shorter than n is its own one n-gram.
 */
export function dice(x: string, y: string, n: 1 | 2): number {
  const nx = Math.max(x.length - n + 1, 1);
  const ny = Math.min(Math.max(y.length - n + 1, 1), 31);
  let used = 0;
  let shared = 0;
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) {
      if (used & (1 << j)) continue;
      let same = true;
      for (let k = 0; k < n && same; k++) same = x.charCodeAt(i + k) === y.charCodeAt(j + k);
      if (same) {
        used |= 1 << j;
        shared++;
        break;
      }
    }
  }
  return (2 * shared) / (nx + ny);
}

/** Cheap test before `cjkName`: a person's name that starts with a character at or above U+1100 (Hangul Jamo). */
function mayBeCjkPerson(s: StandardCustomer): boolean {
  const name = s.familyName ?? s.givenName;
  return s.partyType !== 'ORGANIZATION' && !!name && name.charCodeAt(0) >= 0x1100;
}

/** A CJK name split into family and given name: as the record splits it, else as the other record or as most are. */
function cjkSplit(name: CjkName, other: CjkName): [string, string] {
  if (name.family && name.given) return [name.family, name.given];
  const { full } = name;
  for (const part of [other.family, other.given])
    if (part && full.length > part.length && full.startsWith(part)) return [part, full.slice(part.length)];
  // Most Chinese and Korean family names have one character (王, 김), most Japanese two (山田) in a longer name.
  const cut = full.length <= 3 ? 1 : 2;
  return [full.slice(0, cut), full.slice(cut)];
}

/**
 * The familyName and givenName levels of two CJK names (`cjkName`): one whole name in both (山田太郎 in one field and
 * 山田 + 太郎 in two, in either order) agrees as both names exact; else each part: a family name of other
 * characters is another family name ('else': 王 and 汪 are two, 山田 and 田中), one character apart of two or more a
 * variant (斉藤, 斎藤: 'jw>=0.8'); a given name one character apart of three or more (Dice ≥ 0.6) near-exact, with the first character
 * the same 'initial', else another name. Jaro–Winkler on one or two characters said little: 小明 and 小敏 at 0.7.
 */
function cjkLevels(x: CjkName, y: CjkName): [number, number] {
  const reversed = (n: CjkName) => (n.family && n.given ? n.given + n.family : n.full);
  if (x.full === y.full || reversed(x) === y.full || x.full === reversed(y)) return [0, 0];
  let [fx, gx] = cjkSplit(x, y);
  let [fy, gy] = cjkSplit(y, x);
  // Swapped in one system (given and family name fields the other way round): whichever reading agrees better.
  if (x.family && x.given && y.family && y.given) {
    const straight = dice(fx, fy, 1) + dice(gx, gy, 1);
    if (dice(fx, gy, 1) + dice(gx, fy, 1) > straight) [fy, gy] = [gy, fy];
  } else if (!x.family && y.family && y.given && x.full.startsWith(y.given)) {
    [fx, gx] = [y.given, x.full.slice(y.given.length)];
    [fy, gy] = [y.given, y.family];
  } else if (!y.family && x.family && x.given && y.full.startsWith(x.given)) {
    [fy, gy] = [x.given, y.full.slice(x.given.length)];
    [fx, gx] = [x.given, x.family];
  }
  const family = fx === fy ? 0 : oneApart(fx, fy) ? 2 : 3;
  let given = 3;
  if (!gx || !gy) given = -1;
  else if (gx === gy) given = 0;
  else if (dice(gx, gy, 1) >= 0.6) given = 1;
  else if (gx.codePointAt(0) === gy.codePointAt(0)) given = 2;
  return [family, given];
}

/** Two names of two characters or more, of one length, one character apart (斉藤 and 斎藤; not 山田 and 田中). */
function oneApart(x: string, y: string): boolean {
  if (x.length !== y.length || x.length < 2) return false;
  let apart = 0;
  for (let i = 0; i < x.length; i++) if (x.charCodeAt(i) !== y.charCodeAt(i)) apart++;
  return apart === 1;
}

/**
 * The CJK levels of the pair last asked about (both name comparisons of a pair need them), null for other names:
 * two CJK names compared as written (`cjkLevels`), a Han-script name and a Latin one by its pinyin
 * (`romanisedLevels`). Two Latin names pay two character tests.
 */
let lastCjk: { a: StandardCustomer; b: StandardCustomer; levels: [number, number] | null } | null = null;
function cjkPair(a: StandardCustomer, b: StandardCustomer): [number, number] | null {
  const ca = mayBeCjkPerson(a);
  const cb = mayBeCjkPerson(b);
  if (!ca && !cb) return null;
  if (lastCjk?.a !== a || lastCjk.b !== b) {
    let levels: [number, number] | null = null;
    if (ca && cb) {
      const x = cjkName(a);
      const y = x && cjkName(b);
      levels = x && y ? cjkLevels(x, y) : null;
    } else if (b.partyType !== 'ORGANIZATION' && a.partyType !== 'ORGANIZATION') {
      const x = cjkName(ca ? a : b);
      const romanised = x ? romanisedNames(x) : [];
      if (romanised.length) levels = romanisedLevels(romanised, ca ? b : a, ca);
    }
    lastCjk = { a, b, levels };
  }
  return lastCjk.levels;
}

/**
 * A Han-script name's levels against a Latin name (王小明 and Wang Xiaoming, or Xiaoming Wang): its pinyin compared
 * as a Latin name is (`latinFamilyLevel`, `latinGivenLevel`: either order of given and family name), the best of
 * its readings (an unsplit name's two splits). Null when the other name is not Latin (Hangul, Cyrillic), which then
 * compares as before. `first`: the Han-script record is the pair's first.
 */
function romanisedLevels(
  romanised: RomanisedName[],
  latin: StandardCustomer,
  first: boolean,
): [number, number] | null {
  if (!latin.familyName && !latin.givenName) return null;
  if (!/[a-z]/.test(latin.familyName ?? latin.givenName ?? '')) return null;
  let best: [number, number] | null = null;
  for (const r of romanised) {
    const view: StandardCustomer = {
      ...latin,
      givenName: r.given,
      givenFormal: null,
      familyName: r.family,
      nameTokens: (r.given ? [r.given, r.family] : [r.family]).sort(),
    };
    const [x, y] = first ? [view, latin] : [latin, view];
    // Each order of the Latin record's names, the one whose levels agree best: not the larger Jaro–Winkler sum,
    // which reads Wang Wei against Wang Fang swapped (wei ~ wang, wang ~ fang) as two near names.
    const orders = x.givenName && y.givenName ? [readAs(x, y, false), readAs(x, y, true)] : [orient(x, y)];
    for (const o of orders) {
      const levels: [number, number] = [latinFamilyLevel(x, y, o), latinGivenLevel(x, y, o)];
      if (!best || rank(levels) < rank(best)) best = levels;
    }
  }
  return best;
}

/** Lower is better agreement; a level that cannot say (-1) ranks as the worst. */
const rank = ([family, given]: [number, number]): number =>
  (family < 0 ? 4 : family) * 5 + (given < 0 ? 4 : given);

/** The name tokens joined by spaces are equal (joined only when their lengths agree: most pairs differ). */
function sameTokens(a: StandardCustomer, b: StandardCustomer): boolean {
  const x = a.nameTokens;
  const y = b.nameTokens;
  if (x.length === 0) return false;
  let length = x.length - y.length;
  for (const t of x) length += t.length;
  for (const t of y) length -= t.length;
  return length === 0 && x.join(' ') === y.join(' ');
}

const shared = (a: string[], b: string[]) => a.some((x) => b.includes(x));

/** One of two folded names is a whole word of the other, which has more words (`garcia`, `garcia lopez`). */
function oneWordOf(x: string, y: string): boolean {
  const [short, long] = x.length < y.length ? [x, y] : [y, x];
  return short.length > 1 && !short.includes(' ') && ` ${long} `.includes(` ${short} `);
}

/**
 * The familyName level of two Latin names, read as `read` says (`readAs`) or, without it, as they agree best
 * (`personOrientation`, worked out only past the cheap tests).
 */
function latinFamilyLevel(a: StandardCustomer, b: StandardCustomer, read?: Orientation | null): number {
  if (sameTokens(a, b) && a.familyName && b.familyName) return 0;
  const o = read === undefined ? personOrientation(a, b) : read;
  if (!o) return -1;
  const [x, y] = o.family;
  if (x === y) return 0;
  if (o.familyJw >= 0.92) return 1;
  // One surname of a compound family name (García of García López, Müller of Müller-Lüdenscheidt: one system
  // keeps both, another the first or the last) agrees as a near-exact name, not as another name.
  if (oneWordOf(x, y)) return 1;
  return o.familyJw >= 0.8 ? 2 : 3;
}

/** The givenName level of two Latin names, read as `latinFamilyLevel` reads them. */
function latinGivenLevel(a: StandardCustomer, b: StandardCustomer, read?: Orientation | null): number {
  if (!a.givenName || !b.givenName) return -1;
  if (sameTokens(a, b)) return 0;
  const o = read === undefined ? personOrientation(a, b) : read;
  if (!o) return -1;
  const [x, y] = o.given;
  if (!x || !y) return -1;
  if (x === y) return 0;
  // Nicknames: Bill and William, Hans and Johannes.
  if (x === a.givenName && y === b.givenName && a.givenFormal && a.givenFormal === b.givenFormal) return 0;
  if (o.givenJw >= 0.92) return 1;
  return x[0] === y[0] ? 2 : 3;
}

export const COMPARISONS: Comparison[] = [
  {
    name: 'orgName',
    levels: ['exact', 'jw>=0.95', 'jw>=0.88 or tokens>=0.5', 'else'],
    level(a, b) {
      if (!a.orgName || !b.orgName) return -1;
      if (a.orgName === b.orgName) return 0;
      // Names in a CJK script (no words, a character a syllable): character bigrams. Jaro–Winkler put 山田商事 and
      // 山田商会, two companies, at 0.88; bigrams at 0.67, and 北京华为技术 beside 华为技术 (a city before) at 0.75.
      if (a.orgName.charCodeAt(0) >= 0x1100 && isCjk(a.orgName) && isCjk(b.orgName)) {
        const d = dice(a.orgName.normalize('NFC'), b.orgName.normalize('NFC'), 2);
        return d >= 0.9 ? 1 : d >= 0.75 ? 2 : 3;
      }
      const s = jw(a.orgName, b.orgName);
      if (s >= 0.95) return 1;
      if (s >= 0.88 || jaccard(a.nameTokens, b.nameTokens) >= 0.5) return 2;
      return 3;
    },
  },
  {
    name: 'familyName',
    levels: ['exact', 'jw>=0.92', 'jw>=0.8', 'else'],
    level(a, b) {
      const cjk = cjkPair(a, b);
      if (cjk) return cjk[0];
      return latinFamilyLevel(a, b);
    },
  },
  {
    name: 'givenName',
    levels: ['exact', 'jw>=0.92', 'initial', 'else'],
    level(a, b) {
      const cjk = cjkPair(a, b);
      if (cjk) return cjk[1];
      return latinGivenLevel(a, b);
    },
  },
  {
    name: 'birthDate',
    levels: ['exact', 'one part differs', 'else'],
    level(a, b) {
      if (!a.birthDate || !b.birthDate) return -1;
      if (a.birthDate === b.birthDate) return 0;
      const pa = a.birthDate.split('-');
      const pb = b.birthDate.split('-');
      const same = pa.filter((p, i) => p === pb[i]).length;
      const dayMonthSwapped = pa[0] === pb[0] && pa[1] === pb[2] && pa[2] === pb[1];
      return same === 2 || dayMonthSwapped ? 1 : 2;
    },
  },
  {
    name: 'email',
    levels: ['shared', 'same local part', 'else'],
    level(a, b) {
      if (a.emails.length === 0 || b.emails.length === 0) return -1;
      if (shared(a.emails, b.emails)) return 0;
      const locals = (e: string[]) => e.map((x) => x.slice(0, x.indexOf('@')));
      return shared(locals(a.emails), locals(b.emails)) ? 1 : 2;
    },
  },
  {
    name: 'phone',
    levels: ['shared', 'last 7 digits', 'else'],
    level(a, b) {
      if (a.phones.length === 0 || b.phones.length === 0) return -1;
      if (shared(a.phones, b.phones)) return 0;
      const tails = (p: string[]) => p.map((x) => x.slice(-7));
      return shared(tails(a.phones), tails(b.phones)) ? 1 : 2;
    },
  },
  {
    name: 'taxId',
    levels: ['exact', 'else'],
    level(a, b) {
      if (!a.taxId || !b.taxId) return -1;
      return a.taxId === b.taxId ? 0 : 1;
    },
  },
  {
    name: 'domain',
    levels: ['shared', 'else'],
    level(a, b) {
      if (a.domains.length === 0 || b.domains.length === 0) return -1;
      return shared(a.domains, b.domains) ? 0 : 1;
    },
  },
  {
    name: 'postalCode',
    levels: ['exact', 'first 3', 'else'],
    level: postalCodeLevel,
  },
  {
    name: 'street',
    levels: ['street and number', 'street jw>=0.88', 'else'],
    level: streetLevel,
  },
  {
    name: 'city',
    levels: ['jw>=0.9', 'else'],
    level: cityLevel,
  },
];

// The address comparisons read one address of each record (`StandardAddress`: the record's own, or one of its
// `otherAddresses`, see `bestAddresses`).

function postalCodeLevel(a: StandardAddress, b: StandardAddress): number {
  if (!a.postalCode || !b.postalCode) return -1;
  if (a.postalCode === b.postalCode) return 0;
  return a.postalCode.slice(0, 3) === b.postalCode.slice(0, 3) ? 1 : 2;
}

function streetLevel(a: StandardAddress, b: StandardAddress): number {
  // A PO box is no street: against a street address it says nothing (Postfach 12 is not Friedrichstr. 12, nor
  // Postfachweg 12); two records of one box are one address, of two boxes two.
  if (a.poBox || b.poBox) return a.poBox && b.poBox ? (a.poBox === b.poBox ? 0 : 2) : -1;
  if (!a.street || !b.street) return -1;
  const s = jw(a.street, b.street);
  if (s >= 0.88 && a.houseNumber === b.houseNumber) return 0;
  return s >= 0.88 ? 1 : 2;
}

function cityLevel(a: StandardAddress, b: StandardAddress): number {
  if (!a.city || !b.city) return -1;
  return jw(a.city, b.city) >= 0.9 ? 0 : 1;
}

/**
 * Two words of company names are one word: equal, one the other's start (Verwaltung and Verwaltungs, Service and
 * Servicegesellschaft, Holding and Holdings), or one a typo of the other (Jaro–Winkler 0.9 and up, both of five
 * letters or more).
 */
function sameWord(x: string, y: string): boolean {
  if (x === y) return true;
  if (x.length < 5 || y.length < 5) return false;
  return x.startsWith(y) || y.startsWith(x) || jw(x, y) >= 0.9;
}

/** Whether every word of `a` is a word of `b` (`sameWord`). */
const within = (a: string[], b: string[]) => a.every((x) => b.some((y) => sameWord(x, y)));

/**
 * Comparisons that weigh nothing in the model (no m, no u, not in the comparison vector): evidence only conflicts
 * name (config `conflicts`), that two organisations are different legal entities of one group at one address,
 * with one phone and one website, where every weighed comparison agrees.
 */
export const CONFLICT_COMPARISONS: Comparison[] = [
  {
    // The legal forms both names state, in one spelling per form (standardise.ts: Ltd = Limited, GmbH = G.m.b.H.,
    // "GmbH & Co. KG" a form of its own). "& Co." alone is no form: "Müller & Co." and "Müller & Co. KG" are
    // written for one company. A name without a form (HubSpot's "Müller Maschinenbau") cannot say.
    name: 'legalForm',
    levels: ['same', 'else'],
    level(a, b) {
      const x = a.orgName && a.legalForm !== 'co' ? a.legalForm : null;
      const y = b.orgName && b.legalForm !== 'co' ? b.legalForm : null;
      if (!x || !y) return -1;
      return x === y ? 0 : 1;
    },
  },
  {
    // The house numbers of one street in one place (the street comparison at 0.88 and up, the same postal code, or
    // with none on either side the same city), both written: another number is another building, strong evidence
    // of another address (Friedrichstr. 12 and 123 in 10117), where the weighed street comparison only says "the
    // same street, the numbers not equal", as it does where one number is missing. Streets of other places (a
    // customer who moved to a Calle Nueva of another postal code) are the weighed comparisons' to tell.
    // 'suffix missing': one number is the other without its letter (12 and 12a), as a system that drops it writes.
    // Records with several addresses: the best level of any pair of their addresses (one address in common is no
    // conflict, whatever their other addresses are), as the weighed address comparisons take their best pair.
    name: 'houseNumber',
    levels: ['same', 'suffix missing', 'else'],
    level(a, b) {
      let best = houseNumberLevel(a, b);
      const xs = a.otherAddresses ?? NO_ADDRESSES;
      const ys = b.otherAddresses ?? NO_ADDRESSES;
      for (let i = -1; i < xs.length && best !== 0; i++) {
        for (let j = -1; j < ys.length && best !== 0; j++) {
          if (i < 0 && j < 0) continue;
          const level = houseNumberLevel(i < 0 ? a : (xs[i] ?? a), j < 0 ? b : (ys[j] ?? b));
          if (level >= 0 && (best < 0 || level < best)) best = level;
        }
      }
      return best;
    },
  },
  {
    // The significant words of the two names (standardise.ts orgNameWords: no legal forms, no stop words).
    // 'entity word': a word naming another entity of a group (standardise.ts ENTITY_WORDS: Service, Verwaltungs,
    // Holding, Immobilien, International, …) in one name and not in the other; 'extra word': one name has every
    // word of the other and more ("Müller Maschinenbau Berlin"); 'else': words differ (a typo, another company).
    name: 'orgNameWords',
    levels: ['same', 'extra word', 'entity word', 'else'],
    level(a, b) {
      if (!a.orgName || !b.orgName) return -1;
      const x = orgNameWords(a.orgName);
      const y = orgNameWords(b.orgName);
      if (x.length === 0 || y.length === 0) return -1;
      const lacks = (words: string[], other: string[]) =>
        words.some((w) => isEntityWord(w) && !other.some((o) => sameWord(w, o)));
      if (lacks(x, y) || lacks(y, x)) return 2;
      const xInY = within(x, y);
      const yInX = within(y, x);
      if (xInY && yInX) return 0;
      return xInY || yInX ? 1 : 3;
    },
  },
  {
    // Two given names that are other names, not one name written otherwise: twins (one family name, birth date and
    // address) and other household members score on those alone far above auto-merge, where the weighed given
    // name comparison's 'else' costs only ~5 bits. See `givenNamesLevel`.
    name: 'givenNames',
    levels: ['same', 'initial', 'variant', 'else'],
    level: givenNamesLevel,
  },
];

/**
 * The `givenNames` conflict comparison: whether two persons' given names are one name, in the reading of the pair
 * whose names agree best (straight, or given and family name swapped in one record: the least sum of the family
 * name's level and this one's), the same in either order of the pair.
 * - 'same': one name by the weighed comparison (`givenName` exact or jw ≥ 0.92, a nickname: Bill and William);
 * - 'initial': one is the other shortened: its start or its letters in order from the first (J and John, Chris and
 *   Christopher, Jas and James, Wm and William);
 * - 'variant': a typo or another spelling: a third of the longer name's letters edited at most (at least one: a
 *   letter changed, added, dropped, or two swapped; Kate and Cate, Ivrgnia and Virginia), one sound (Double
 *   Metaphone: Catherine and Kathryn, Philip and Filip), a typo of a nickname (Blil and William), or the same first
 *   letter and Jaro–Winkler ≥ 0.75 (Gary and Gayu; also Maria and Martin: not told from a typo);
 * - 'else': another name (Wei and Fang, Jonathan and Jennifer, Peter and Paul).
 * Names in a CJK script (or one against its pinyin): the weighed levels, 'else' where the first characters differ
 * and the names share under 60 % (小明 and 小敏 are 'initial'). -1: a given name missing, a company.
 */
function givenNamesLevel(a: StandardCustomer, b: StandardCustomer): number {
  if (a.partyType === 'ORGANIZATION' || b.partyType === 'ORGANIZATION') return -1;
  if (!a.givenName || !b.givenName) return -1;
  const cjk = cjkPair(a, b);
  if (cjk) return cjk[1] < 0 ? -1 : cjk[1] <= 1 ? 0 : cjk[1] === 2 ? 1 : 3;
  const [x, y] = [a.givenName, b.givenName];
  if (!a.familyName || !b.familyName) {
    // Given names alone (no family name to read them against): as the weighed comparison reads them straight.
    if (x === y || (a.givenFormal && a.givenFormal === b.givenFormal) || jw(x, y) >= 0.92) return 0;
    return otherGivenName(x, y);
  }
  // Every reading: straight, and swapped with either cross pair as the given names (so that the pair's order does
  // not matter); the one whose family and given name levels add up least (a tie: the better given name).
  const swapped = readAs(a, b, true);
  const readings = [
    readAs(a, b, false),
    swapped,
    { given: swapped.family, family: swapped.given, givenJw: swapped.familyJw, familyJw: swapped.givenJw },
  ];
  let best = -1;
  let bestSum = Number.POSITIVE_INFINITY;
  for (const o of readings) {
    const given = latinGivenLevel(a, b, o);
    const level = given === 0 || given === 1 ? 0 : otherGivenName(...o.given);
    if (level < 0) continue;
    const family = latinFamilyLevel(a, b, o);
    const sum = (family < 0 ? 3 : family) + level;
    if (sum < bestSum || (sum === bestSum && level < best)) [best, bestSum] = [level, sum];
  }
  return best;
}

/** The `givenNames` level of two given names the weighed comparison does not call one name: initial, variant, else. */
function otherGivenName(x: string, y: string): number {
  if (!x || !y) return -1;
  if (x === y) return 0;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  if (short[0] === long[0] && inOrder(short, long)) return 1;
  if (editDistance(x, y) <= Math.max(1, Math.floor(long.length / 3))) return 2;
  if (x[0] === y[0] && jw(x, y) >= 0.75) return 2;
  const [px] = doubleMetaphone(x.replace(/[^a-z]/g, ''));
  const [py] = doubleMetaphone(y.replace(/[^a-z]/g, ''));
  if (px && px === py) return 2;
  // A typo of a nickname: Blil (Bill) and William, Ilz (Liz) and Elizabeth.
  for (const nick of nicknamesOf(formalGivenName(y))) if (editDistance(x, nick) <= 1) return 2;
  for (const nick of nicknamesOf(formalGivenName(x))) if (editDistance(y, nick) <= 1) return 2;
  return 3;
}

/** Whether the letters of `short` are in `long` in their order (Jas in James, Wm in William). */
function inOrder(short: string, long: string): boolean {
  let j = 0;
  for (let i = 0; i < long.length && j < short.length; i++) if (long[i] === short[j]) j++;
  return j === short.length;
}

/**
 * Built-in priors, used until a model is trained (config `model`). Set by hand from what the generated data
 * showed, and deliberately modest; EM or labelled pairs replace them (see README).
 */
export const DEFAULT_MODEL: Model = {
  orgName: { m: [0.7, 0.15, 0.12, 0.03], u: [0.0005, 0.002, 0.02, 0.9775] },
  familyName: { m: [0.85, 0.08, 0.04, 0.03], u: [0.005, 0.005, 0.05, 0.94] },
  givenName: { m: [0.85, 0.07, 0.05, 0.03], u: [0.01, 0.005, 0.07, 0.915] },
  birthDate: { m: [0.93, 0.05, 0.02], u: [0.0001, 0.003, 0.9969] },
  email: { m: [0.85, 0.05, 0.1], u: [0.0001, 0.001, 0.9989] },
  phone: { m: [0.85, 0.03, 0.12], u: [0.0001, 0.0005, 0.9994] },
  taxId: { m: [0.97, 0.03], u: [0.0001, 0.9999] },
  domain: { m: [0.95, 0.05], u: [0.0005, 0.9995] },
  postalCode: { m: [0.85, 0.05, 0.1], u: [0.01, 0.03, 0.96] },
  street: { m: [0.8, 0.05, 0.15], u: [0.0005, 0.01, 0.9895] },
  city: { m: [0.88, 0.12], u: [0.1, 0.9] },
};

/** A comparison by name: a weighed one (`COMPARISONS`) or one that only conflicts name (`CONFLICT_COMPARISONS`). */
export function comparisonNamed(name: string): Comparison | undefined {
  return COMPARISONS.find((c) => c.name === name) ?? CONFLICT_COMPARISONS.find((c) => c.name === name);
}

/**
 * The configured conflicts (config `conflicts`) as a test on two standardised records: the first one the pair
 * shows, as `comparison: level`, or null. Only the comparisons named are computed. A conflict is lifted where one
 * of its `unlessAgree` comparisons is at its first level (a shared email, the same tax id). A pair with a conflict
 * is not merged by score, and records linked through others are kept apart from it (store.ts).
 */
export function conflictTest(
  conflicts: ReadonlyArray<{ comparison: string; levels: string[]; unlessAgree?: string[] }>,
): (a: StandardCustomer, b: StandardCustomer) => string | null {
  const byName = comparisonNamed;
  const tests = conflicts.flatMap(({ comparison, levels, unlessAgree = [] }) => {
    const found = byName(comparison);
    const lifts = unlessAgree.flatMap((name) => byName(name) ?? []);
    return found
      ? levels.map((level) => ({
          comparison: found,
          level: found.levels.indexOf(level),
          lifts,
          text: `${comparison}: ${level}`,
        }))
      : [];
  });
  return (a, b) => {
    for (const t of tests) {
      if (t.level < 0 || t.comparison.level(a, b) !== t.level) continue;
      if (!t.lifts.some((c) => c.level(a, b) === 0)) return t.text;
    }
    return null;
  };
}

const STREET = COMPARISONS.findIndex((c) => c.name === 'street');
const POSTAL_CODE = COMPARISONS.findIndex((c) => c.name === 'postalCode');
const CITY = COMPARISONS.findIndex((c) => c.name === 'city');

export interface PairScore {
  /** Level per comparison, -1 where a value is missing. */
  levels: number[];
  /** Sum of log2(m/u). */
  weight: number;
  probability: number;
}

/** No other addresses (one array for all records without, not one a pair). */
const NO_ADDRESSES: readonly StandardAddress[] = [];

/** The `houseNumber` conflict's level of one pair of addresses. */
function houseNumberLevel(a: StandardAddress, b: StandardAddress): number {
  const x = a.houseNumber;
  const y = b.houseNumber;
  if (!x || !y || !a.street || !b.street) return -1;
  const samePlace =
    a.postalCode || b.postalCode ? a.postalCode === b.postalCode : !!a.city && a.city === b.city;
  if (!samePlace || jw(a.street, b.street) < 0.88) return -1;
  if (x === y) return 0;
  const digits = (n: string) => n.replace(/[a-z]$/, '');
  return (x === digits(x) || y === digits(y)) && digits(x) === digits(y) ? 1 : 2;
}

/**
 * Both records name one address, street and house number or one PO box (from levels alone it cannot be told from a
 * street name without numbers): then postal code and city add nothing (`Scorer.weightOf`).
 */
const oneAddress = (x: StandardAddress, y: StandardAddress, street: number): boolean =>
  street === 0 && ((!!x.houseNumber && !!y.houseNumber) || !!x.poBox);

/** What one pair of addresses adds to a pair's weight under `weights` (log2(m/u) per comparison and level). */
function addressWeight(weights: number[][], x: StandardAddress, y: StandardAddress): number {
  const street = streetLevel(x, y);
  const postal = postalCodeLevel(x, y);
  const city = cityLevel(x, y);
  const one = oneAddress(x, y, street);
  let weight = street < 0 ? 0 : (weights[STREET]?.[street] ?? 0);
  if (postal >= 0 && !(one && postal === 0)) weight += weights[POSTAL_CODE]?.[postal] ?? 0;
  if (city >= 0 && !(one && city === 0)) weight += weights[CITY]?.[city] ?? 0;
  return weight;
}

/** The pair of addresses `comparisonVector` last levelled (read by `Scorer.score` at once; no tuple per pair). */
let chosenA: StandardAddress | null = null;
let chosenB: StandardAddress | null = null;

/**
 * The pair of addresses of two records that agrees best (the most weight under `weights`), the records' own first
 * (kept on a tie): a shipping address of one that is the other's billing address, a street address beside a PO
 * box. Only for records with `otherAddresses` (at most 1 + MAX_OTHER_ADDRESSES each); others cost one test.
 */
function bestAddresses(a: StandardCustomer, b: StandardCustomer, weights: number[][]): void {
  const xs = a.otherAddresses ?? NO_ADDRESSES;
  const ys = b.otherAddresses ?? NO_ADDRESSES;
  let best = addressWeight(weights, a, b);
  chosenA = a;
  chosenB = b;
  for (let i = -1; i < xs.length; i++) {
    const x = i < 0 ? a : (xs[i] ?? a);
    for (let j = -1; j < ys.length; j++) {
      if (i < 0 && j < 0) continue;
      const y = j < 0 ? b : (ys[j] ?? b);
      const weight = addressWeight(weights, x, y);
      if (weight > best) {
        best = weight;
        chosenA = x;
        chosenB = y;
      }
    }
  }
}

/** log2(m/u) per comparison and level of a model. */
const weightsOf = (model: Model): number[][] =>
  COMPARISONS.map((c) => {
    const p = model[c.name] ?? DEFAULT_MODEL[c.name];
    if (!p || p.m.length !== c.levels.length) {
      throw new Error(`model for ${c.name} needs ${c.levels.length} levels (${c.levels.join(', ')})`);
    }
    return p.m.map((m, i) => Math.log2(m / (p.u[i] ?? 1)));
  });

let defaultWeights: number[][] | undefined;

/**
 * The comparison levels of a pair, the address comparisons (postal code, street, city) of its best-agreeing pair of
 * addresses (`bestAddresses`, by the weights given: the scorer's own, else the built-in model's, as training reads
 * pairs before it has a model).
 */
export function comparisonVector(a: StandardCustomer, b: StandardCustomer, weights?: number[][]): number[] {
  const levels = COMPARISONS.map((c) => c.level(a, b));
  chosenA = a;
  chosenB = b;
  if (a.otherAddresses?.length || b.otherAddresses?.length) {
    if (!weights && !defaultWeights) defaultWeights = weightsOf(DEFAULT_MODEL);
    bestAddresses(a, b, weights ?? defaultWeights ?? []);
    if (chosenA !== a || chosenB !== b) {
      const x = chosenA ?? a;
      const y = chosenB ?? b;
      levels[POSTAL_CODE] = postalCodeLevel(x, y);
      levels[STREET] = streetLevel(x, y);
      levels[CITY] = cityLevel(x, y);
    }
  }
  return levels;
}

/** Whether two records can be the same customer at all: an organisation is never a person. */
export function comparable(a: StandardCustomer, b: StandardCustomer): boolean {
  return !(
    (a.partyType === 'ORGANIZATION' && b.partyType === 'PERSON') ||
    (a.partyType === 'PERSON' && b.partyType === 'ORGANIZATION')
  );
}

export class Scorer {
  readonly #weights: number[][];
  readonly #priorOdds: number;

  constructor(model: Model, matchPrior: number) {
    this.#weights = weightsOf(model);
    this.#priorOdds = matchPrior / (1 - matchPrior);
  }

  static fromConfig(config: MdmConfig): Scorer {
    return new Scorer({ ...DEFAULT_MODEL, ...(config.model ?? {}) }, config.matchPrior);
  }

  /**
   * `oneAddress`: both records name one address, street and house number or one PO box (score() says so; from levels alone it
   * cannot be told from a street name without numbers). Then the postal code and city agree with it (strangers at
   * one address share both as surely as one customer's records do), so their agreement adds nothing; counted as
   * independent, it added ~9.5 bits and a household's members (one family name, one address, other given names)
   * merged by address alone. Their disagreement still counts. A street name without house numbers is no address:
   * the postal code and city still tell which of the towns' streets of that name (FEBRL's addresses).
   */
  weightOf(levels: number[], oneAddress = false): number {
    let weight = 0;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i] ?? -1;
      if (level < 0 || (oneAddress && level === 0 && (i === POSTAL_CODE || i === CITY))) continue;
      weight += this.#weights[i]?.[level] ?? 0;
    }
    return weight;
  }

  probabilityOf(weight: number): number {
    const odds = this.#priorOdds * 2 ** weight;
    return Number.isFinite(odds) ? odds / (1 + odds) : 1;
  }

  score(a: StandardCustomer, b: StandardCustomer): PairScore {
    if (!comparable(a, b)) return { levels: [], weight: Number.NEGATIVE_INFINITY, probability: 0 };
    const levels = comparisonVector(a, b, this.#weights);
    const weight = this.weightOf(levels, oneAddress(chosenA ?? a, chosenB ?? b, levels[STREET] ?? -1));
    return { levels, weight, probability: this.probabilityOf(weight) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Estimation

const SMOOTH = 1;

function frequencies(vectors: number[][], weights: number[] | null, index: number, levels: number): number[] {
  const counts = new Array<number>(levels).fill(SMOOTH / levels);
  let total = SMOOTH;
  vectors.forEach((v, k) => {
    const level = v[index] ?? -1;
    if (level < 0) return;
    const w = weights ? (weights[k] ?? 0) : 1;
    counts[level] = (counts[level] ?? 0) + w;
    total += w;
  });
  return counts.map((c) => Math.min(Math.max(c / total, 1e-6), 1 - 1e-6));
}

/** u per comparison from pairs that are (nearly all) different customers: random pairs of records. */
export function estimateU(randomPairs: number[][]): Record<string, number[]> {
  return Object.fromEntries(
    COMPARISONS.map((c, i) => [c.name, frequencies(randomPairs, null, i, c.levels.length)]),
  );
}

/** m and u counted from labelled pairs (true matches and known non-matches). */
export function estimateFromLabels(matches: number[][], nonMatches: number[][]): Model {
  return Object.fromEntries(
    COMPARISONS.map((c, i) => [
      c.name,
      {
        m: frequencies(matches, null, i, c.levels.length),
        u: frequencies(nonMatches, null, i, c.levels.length),
      },
    ]),
  );
}

export interface EmResult {
  model: Model;
  /** Share of matches among the candidate pairs EM was given. */
  lambda: number;
  iterations: number;
}

/**
 * Expectation–maximisation over the comparison vectors of candidate pairs (from blocking), with u fixed from
 * random pairs as Splink does: each round, every pair's posterior match probability, then m as the
 * posterior-weighted level frequencies. Stops when m moves less than 1e-5.
 */
export function estimateByEm(
  candidates: number[][],
  u: Record<string, number[]>,
  start: Model = DEFAULT_MODEL,
  maxIterations = 50,
  /**
   * Comparisons the pairs were blocked on: they agree by construction, so (as in Splink's training sessions) they
   * are left out of the posterior and their m stays as in `start`. Counted in, they gave every candidate pair
   * their full agreement weight, and EM read the strangers who share a common name as matches (λ 0.86 where 5%
   * of the pairs were).
   */
  fixed: ReadonlySet<string> = new Set(),
): EmResult {
  const fixedAt = COMPARISONS.flatMap((c, i) => (fixed.has(c.name) ? [i] : []));
  const scored = fixedAt.length
    ? candidates.map((v) => v.map((level, i) => (fixedAt.includes(i) ? -1 : level)))
    : candidates;
  let model: Model = Object.fromEntries(
    COMPARISONS.map((c) => [
      c.name,
      { m: [...(start[c.name]?.m ?? [])], u: u[c.name] ?? start[c.name]?.u ?? [] },
    ]),
  );
  let lambda = 0.3;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const scorer = new Scorer(model, lambda);
    const posterior = scored.map((v) => scorer.probabilityOf(scorer.weightOf(v)));
    lambda = Math.min(
      Math.max(posterior.reduce((s, p) => s + p, 0) / Math.max(candidates.length, 1), 1e-6),
      1 - 1e-6,
    );
    let moved = 0;
    const next: Model = {};
    COMPARISONS.forEach((c, i) => {
      if (fixed.has(c.name)) {
        next[c.name] = model[c.name] ?? { m: [], u: [] };
        return;
      }
      const m = frequencies(candidates, posterior, i, c.levels.length);
      const old = model[c.name]?.m ?? [];
      m.forEach((x, k) => {
        moved = Math.max(moved, Math.abs(x - (old[k] ?? 0)));
      });
      next[c.name] = { m, u: model[c.name]?.u ?? [] };
    });
    model = next;
    if (moved < 1e-5) break;
  }
  return { model, lambda, iterations };
}
