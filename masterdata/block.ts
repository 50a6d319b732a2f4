/**
 * Blocking keys: two records are compared only when they share one. Several independent keys, so that a true
 * match is missed only when every one of them fails at once (a typo in both names, and a new email, and a new
 * phone, and a new address…). Blocking is where recall is won or lost.
 *
 * Keys depend on the record alone, so the set of compared pairs, and with it the clusters, does not depend on
 * arrival order. A key that too many records hold stops proposing pairs (`blocking.maxBlockSize`, store.ts); for
 * the keys that grow common first (a name, a birth date), narrower keys within the same block keep proposing the
 * pairs that matter: a name with the birth month, a birth date with the name's initials. While the wide key
 * proposes pairs the narrow ones add none (their blocks lie inside its block), so they change nothing until it stops.
 *
 * A person's street + number + city and birth date + initials carry both name initials (given or formal, and
 * family; in sorted order, so a record with its names swapped has the same keys): among the FEBRL-like people
 * they gave most of the pairs compared at 200k records and up (strangers at one address or born on one day) and
 * found, with one initial or none, no duplicate that another key missed (README, Stopped keys).
 */
import doubleMetaphone from 'talisman/phonetics/double-metaphone.js';
import {
  type CjkName,
  cjkName,
  isCjk,
  orgNameWords,
  type RomanisedName,
  romanisedNames,
  type StandardAddress,
  type StandardCustomer,
} from './standardise.ts';

/** Double Metaphone is the costliest part of blocking and names repeat: results are remembered (bounded). */
const phonetics = new Map<string, string>();
const phonetic = (word: string): string => {
  let code = phonetics.get(word);
  if (code === undefined) {
    const [primary] = doubleMetaphone(word.replace(/[^a-z]/g, ''));
    code = primary || word.slice(0, 4);
    if (phonetics.size >= 100_000) phonetics.clear();
    phonetics.set(word, code);
  }
  return code;
};

/**
 * A person's wide keys: a name with an initial (`n:NM:j`) and a birth date (`b:1961-07-14`), whose blocks hold
 * narrower ones (the name with the birth month, the birth date with an initial). They stop proposing pairs at a
 * smaller size (`blocking.maxWideBlockSize`): among the FEBRL-like people the birth date alone gave most of the
 * pairs compared (strangers born on one day) and found no duplicate that the narrower keys missed (README).
 */
export function isWideKey(key: string): boolean {
  if (key.startsWith('n:')) return partsOf(key) === 3;
  return key.startsWith('b:') && partsOf(key) === 2;
}

/** `key.split(':').length` without the array (the matcher asks for every key of a batch). */
function partsOf(key: string): number {
  let parts = 1;
  for (let at = key.indexOf(':'); at !== -1; at = key.indexOf(':', at + 1)) parts++;
  return parts;
}

/**
 * Whether a search probe can have the key (search.ts: an email, a phone, a tax id, a name without birth date or
 * address, a word of a company name). Its rows stay in the index after it stops; a record that takes a stopped key
 * of the others (address, birth date, name with the birth month) gets no row for it, since nothing would read it
 * (store.ts).
 */
export function isSearchKey(key: string): boolean {
  const kind = key.slice(0, key.indexOf(':'));
  if (kind === 'a' || kind === 's' || kind === 'b') return false;
  return !(kind === 'n' && partsOf(key) === 4);
}

/** How many records may hold a key before it stops proposing pairs (store.ts). */
export function blockLimit(
  key: string,
  blocking: { maxBlockSize: number; maxWideBlockSize: number },
): number {
  return isWideKey(key) ? Math.min(blocking.maxWideBlockSize, blocking.maxBlockSize) : blocking.maxBlockSize;
}

/**
 * Whether the matcher blocks on the key: every key but a company name's word keys (`w:`, `wordKeys`), which only
 * search reads. The matcher neither looks them up nor counts their holders (they never stop).
 */
export function isMatchKey(key: string): boolean {
  return !key.startsWith('w:');
}

/**
 * Raised whenever the keys below change: the store then re-indexes the records it holds (store.ts). 9: postal codes
 * compared with the leading zeros a spreadsheet dropped put back (standardise.ts `withLeadingZeros`).
 */
export const KEY_VERSION = 9;

/**
 * A blocking key as it is stored in `block_key` and `block_stop` (migration 014): a signed 64-bit hash of the text,
 * in decimal (what PostgreSQL takes for a bigint). An 8-byte key and an 8-byte record number make an index row a
 * third of the (key text, system, source_id) one, and compare as integers. Two keys with one hash only add a
 * candidate, which scoring rejects as it rejects any stranger sharing a key, or make the rarer key count as stopped
 * with the other: at 64 bits, about one collision in 10^19 key pairs.
 *
 * bryc's cyrb53 mixing with both 32-bit lanes kept (cyrb64): about 0.25 us a key, ~2 us a record, where the one-shot
 * crypto.hash('md5') took ~2 us a key (a native call per key) and createHash('sha256') ~12 us a record. Stored:
 * a change here needs a migration that indexes the records again, as 014 does (empties block_key and
 * source_record.keys, key_version 0).
 */
export function blockHash(key: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const ch = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return BigInt.asIntN(64, (BigInt(h2 >>> 0) << 32n) | BigInt(h1 >>> 0)).toString();
}

/**
 * The keys a record is indexed under (`block_key`, `source_record.keys`): its blocking keys and its search-only
 * word keys (`wordKeys`), in one sorted list.
 */
export function indexKeys(s: StandardCustomer): string[] {
  const words = wordKeys(s);
  const keys = blockingKeys(s);
  return words.length ? [...keys, ...words].sort(byCodeUnits) : keys;
}

/** At most this many word keys per record: a long name's later words add little that its first ones do not. */
const MAX_WORD_KEYS = 3;

/**
 * Search-only keys of an organisation: `w:` + the phonetic code of each significant word of its name after the
 * first token (standardise.ts `orgNameWords`: no legal forms, articles or "and"; of two letters or more; at most
 * three), so that `q=Dijk` finds Van Dijk B.V. and `q=Groess` Bäckerei Größ GmbH. The first token is what the
 * company-name keys start at (`o1`, `o3`), which a one-word search asks for with any second initial
 * (`orgKeysAnyInitial`). Not blocking keys (`isMatchKey`): two companies that share a later word ("Logistik")
 * are not compared for it. One or two rows per company in most data, none for a person.
 */
export function wordKeys(s: StandardCustomer): string[] {
  if (!s.orgName || (s.partyType !== 'ORGANIZATION' && s.partyType !== 'UNKNOWN')) return [];
  const words = orgNameWords(s.orgName);
  const keys = new Set<string>();
  for (const word of words) {
    if (word.length < 2 || s.orgName.startsWith(`${word} `) || s.orgName === word) continue;
    keys.add(`w:${phonetic(word)}`);
    if (keys.size === MAX_WORD_KEYS) break;
  }
  return [...keys];
}

/** The word key a search probe asks for with one word of a company name (`wordKeys`). */
export function wordKey(word: string): string {
  return `w:${phonetic(word)}`;
}

export function blockingKeys(s: StandardCustomer): string[] {
  const keys = new Set<string>();
  for (const email of s.emails) keys.add(`e:${email}`);
  for (const phone of s.phones) keys.add(`p:${phone}`);
  if (s.taxId) keys.add(`t:${s.taxId}`);
  for (const domain of s.domains) keys.add(`d:${domain}`);
  const person = s.partyType === 'PERSON' || s.partyType === 'UNKNOWN';
  const cjk = person ? cjkName(s) : null;
  const romanised = cjk ? romanisedNames(cjk) : [];
  const initials = cjk ? cjkInitials(cjk, romanised) : person ? nameInitials(s) : [];
  addressKeys(keys, s, initials);
  for (const other of s.otherAddresses ?? []) addressKeys(keys, other, initials);

  const month = s.birthDate?.slice(0, 7);
  if (cjk) {
    for (const key of cjkNameKeys(cjk)) {
      keys.add(key);
      if (month && key.startsWith('n:')) keys.add(`${key}:${month}`);
    }
    // A Han-script name also under the Latin keys of its pinyin: it meets its romanisation (Wang Xiaoming).
    for (const r of romanised) latinNameKeys(keys, [r.given, r.family], month);
  }
  if (person && !cjk) latinNameKeys(keys, [s.givenName, s.givenFormal, s.familyName], month);
  if (person && s.birthDate) {
    keys.add(`b:${s.birthDate}`);
    for (const i of initials) keys.add(`b:${s.birthDate}:${i}`);
  }
  if ((s.partyType === 'ORGANIZATION' || s.partyType === 'UNKNOWN') && s.orgName) {
    const tokens = s.orgName.split(' ').filter((t) => t !== '&' && t !== 'and' && t !== 'et' && t !== 'und');
    const [t0 = '', t1] = tokens;
    const city = s.city ? `:${s.city.slice(0, 3)}` : '';
    const o = [`o1:${phonetic(t0)}:${t1?.[0] ?? ''}`, `o3:${s.orgName.replace(/ /g, '').slice(0, 5)}`];
    if (t1) o.push(`o2:${t0.slice(0, 2)}:${phonetic(t1)}`);
    for (const key of o) {
      keys.add(key);
      if (city) keys.add(`${key}${city}`);
    }
    // A CJK name has no words to key on (株式会社山田商事 is one token): its whole name without the legal form.
    if (isCjk(s.orgName)) keys.add(`c:${s.orgName.normalize('NFC').replace(/ /g, '')}`);
  }
  return [...keys].sort(byCodeUnits);
}

/**
 * A Latin name's keys: each part's sound with another part's initial, in both orders, so a record with first and
 * family name swapped shares the keys of the straight one (`n:SM0:j`, `n:JN:s`); with the birth month the narrow
 * ones.
 */
function latinNameKeys(keys: Set<string>, names: Array<string | null>, month: string | undefined): void {
  const parts = [...new Set(names)].filter((p): p is string => !!p);
  for (const a of parts) {
    for (const b of parts) {
      if (a === b && parts.length > 1) continue;
      keys.add(`n:${phonetic(a)}:${b[0] ?? ''}`);
      if (month) keys.add(`n:${phonetic(a)}:${b[0] ?? ''}:${month}`);
    }
  }
}

/**
 * The keys of one address of a record (its own, or one of its `otherAddresses`: a shipping address, a street
 * address beside a PO box): postal code + house number or + PO box, street + number + city with the name initials.
 */
function addressKeys(keys: Set<string>, x: StandardAddress, initials: string[]): void {
  if (x.postalCode && x.houseNumber) keys.add(`a:${x.country ?? ''}:${x.postalCode}:${x.houseNumber}`);
  // A PO box, by its post office's postal code: never the key of a house of that number.
  if (x.postalCode && x.poBox) keys.add(`a:${x.country ?? ''}:${x.postalCode}:box${x.poBox}`);
  if (x.street && x.houseNumber && x.city) {
    const street = `s:${x.street.slice(0, 6)}:${x.houseNumber}:${x.city.slice(0, 3)}`;
    if (initials.length === 0) keys.add(street);
    for (const i of initials) keys.add(`${street}:${i}`);
  }
}

/**
 * A person's keys of a CJK name (`cjkName`), in place of the Latin name keys (Double Metaphone reads no CJK, and
 * initials of one character are a tenth of a name): `c:` + the whole name, in both orders where the record has
 * two names (a system may hold them swapped: a Western full-name split puts 山田 of "山田 太郎" as the given name);
 * the family name + the given name's first character as the wide name key (`n:王:小`, `n:山田:太`; with the birth
 * month the narrow one). A name in one field without a space (王小明, 山田太郎) may split after its first or second
 * character (most Chinese and Korean family names have one, most Japanese two): both keys, so that it meets the
 * record that holds the name in two fields.
 */
function cjkNameKeys(name: CjkName): string[] {
  const { family, given, full } = name;
  if (family && given) {
    return [`c:${full}`, `c:${given}${family}`, `n:${family}:${given[0]}`, `n:${given}:${family[0]}`];
  }
  const keys = [`c:${full}`];
  const chars = [...full];
  for (let cut = 1; cut <= 2 && cut < chars.length; cut++)
    keys.push(`n:${chars.slice(0, cut).join('')}:${chars[cut]}`);
  return keys;
}

/**
 * The narrow keys' initial of a CJK name: the first character of the name in each order it may be read; for a
 * Han-script name also the Latin initials of its pinyin (`nameInitials` of wang + xiaoming: `wx`), which its
 * romanisation has.
 */
function cjkInitials(name: CjkName, romanised: RomanisedName[]): string[] {
  const first = [...name.full][0] ?? '';
  const initials = name.family && name.given ? [first, [...name.given][0] ?? ''] : [first];
  for (const r of romanised)
    initials.push(...nameInitials({ givenName: r.given, givenFormal: null, familyName: r.family }));
  return [...new Set(initials)];
}

/**
 * A person's name initials for the narrow keys: the family name's with the given name's as written and as its
 * formal name (Bill and William), each pair sorted (so swapped names give the same); one initial when the record
 * has one name only.
 */
function nameInitials(s: Pick<StandardCustomer, 'givenName' | 'givenFormal' | 'familyName'>): string[] {
  const family = s.familyName?.[0];
  const given = [...new Set([s.givenName?.[0], s.givenFormal?.[0]].filter((g): g is string => !!g))];
  if (!family) return given;
  if (given.length === 0) return [family];
  return [...new Set(given.map((g) => (g < family ? `${g}${family}` : `${family}${g}`)))];
}

/** Initials a search tries beside a name part (`nameKeysAnyInitial`): the folded Latin letters and digits. */
const INITIALS = [...'abcdefghijklmnopqrstuvwxyz0123456789'];

/**
 * The wide name keys (`n:<code>:<initial>`) a person may hold who has this one name part, given or family, whatever
 * the initial of the other part: a search for "Müller" alone (search.ts) finds Anna Müller (`n:MLR:a`), whose keys
 * pair each name with the other's initial. The initials tried are a–z, 0–9 and the part's own: folding makes Latin
 * names ASCII; a person whose other name is in another script is found by the full name.
 */
export function nameKeysAnyInitial(part: string): string[] {
  const code = phonetic(part);
  return [...new Set([...INITIALS, part[0] ?? ''])].map((initial) => `n:${code}:${initial}`);
}

/**
 * The company-name keys (`o1:<code>:<initial>`) a company may hold whose name starts with this word, whatever its
 * second word: a search for "ABB" finds ABB Schweiz AG (`o1:AP:s`), whose key names the second word's initial.
 */
export function orgKeysAnyInitial(word: string): string[] {
  const code = phonetic(word);
  return ['', ...INITIALS].map((initial) => `o1:${code}:${initial}`);
}

/** The order of the default sort, without its conversions to string (a third of this function's time). */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
