/**
 * Standardise one canonical Customer into the forms the matcher compares. The record itself is never changed:
 * names keep their case and accents for the golden record; only the comparison forms are folded.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import { parseYamlText } from '../lib/yaml-text.ts';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import type { GoldenField, MdmConfig } from './config.ts';
import { memoise } from './memo.ts';

export interface StandardCustomer {
  partyType: 'ORGANIZATION' | 'PERSON' | 'UNKNOWN';
  /** Organisations: the name folded, legal form removed ("mueller maschinenbau gmbh" → "muller maschinenbau"). */
  orgName: string | null;
  /** The legal form found at the end of the name, in one spelling per form ("gmbh", "ltd"). */
  legalForm: string | null;
  /** Persons: given name folded (first word). */
  givenName: string | null;
  /** The given name with nicknames resolved to the formal name ("bill" → "william"). */
  givenFormal: string | null;
  familyName: string | null;
  /** Every name token, folded, sorted (for token similarity and swap-proof blocking). */
  nameTokens: string[];
  emails: string[];
  phones: string[];
  taxId: string | null;
  /** YYYY-MM-DD */
  birthDate: string | null;
  country: string | null;
  postalCode: string | null;
  city: string | null;
  /** Street folded with its abbreviations spelt out and the house number taken off. */
  street: string | null;
  houseNumber: string | null;
  /**
   * The PO box number (digits, `Postfach 12 34` → 1234) when the address line is a box: then street and house
   * number are null. Optional: comparison forms stored before it was read have none.
   */
  poBox?: string | null;
  /**
   * The record's other addresses (a shipping address beside the billing one, a street address beside a PO box), at
   * most `MAX_OTHER_ADDRESSES`, each unlike the one above and every other; absent when there is none (and in the
   * comparison forms stored before they were read). The address comparisons take the pair that agrees best.
   */
  otherAddresses?: StandardAddress[];
  website: string | null;
  /** The organisation's own internet domains: the website's and those of its non-free-mail addresses. */
  domains: string[];
}

/** One address as the comparisons read it: the record's own (its fields above) or one of its `otherAddresses`. */
export type StandardAddress = Pick<
  StandardCustomer,
  'country' | 'postalCode' | 'city' | 'street' | 'houseNumber' | 'poBox'
>;

/**
 * At most this many addresses of a record besides the first are compared (a billing, a shipping and a PO box
 * address, and one more): each is compared with each of the other record's, so the pairs grow as their product.
 */
export const MAX_OTHER_ADDRESSES = 3;

// ---------------------------------------------------------------------------------------------------------------
// Text folding

const SPECIAL: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  þ: 'th',
  ı: 'i',
};

/**
 * Lower case, accents removed, German umlaut spellings unified (ü, ue and u compare equal: Müller = Mueller =
 * Muller), punctuation to spaces, whitespace collapsed. For comparison only.
 */
export const fold = memoise((text: string): string => {
  const lower = text.toLowerCase().replace(/[ßæœøłđþı]/g, (c) => SPECIAL[c] ?? c);
  return lower
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/([aou])e/g, '$1')
    .replace(/['’`´]/g, '')
    .replace(/[^\p{L}\p{N}&]+/gu, ' ')
    .trim()
    .replace(/\s+/g, ' ');
});

// ---------------------------------------------------------------------------------------------------------------
// Company legal forms

/** Legal forms by their folded, dot-free spellings → one name per form. Longest spellings are tried first. */
const LEGAL_FORMS: Record<string, string> = {
  'gmbh & co kg': 'gmbh&cokg',
  'gmbh u co kg': 'gmbh&cokg',
  'gmbh und co kg': 'gmbh&cokg',
  'gmbh&co kg': 'gmbh&cokg',
  'gmbh & cokg': 'gmbh&cokg',
  cokg: 'kg',
  'gesellschaft mit beschrankter haftung': 'gmbh',
  gmbh: 'gmbh',
  'gesellschaft mbh': 'gmbh',
  mbh: 'gmbh',
  ag: 'ag',
  aktiengesellschaft: 'ag',
  kg: 'kg',
  kommanditgesellschaft: 'kg',
  ohg: 'ohg',
  ug: 'ug',
  'ug haftungsbeschrankt': 'ug',
  se: 'se',
  ev: 'ev',
  sas: 'sas',
  sarl: 'sarl',
  'sa rl': 'sarl',
  sa: 'sa',
  'societe anonyme': 'sa',
  'sociedad anonima': 'sa',
  ltd: 'ltd',
  limited: 'ltd',
  plc: 'plc',
  'public limited company': 'plc',
  llp: 'llp',
  inc: 'inc',
  incorporated: 'inc',
  llc: 'llc',
  corp: 'corp',
  corporation: 'corp',
  co: 'co',
  company: 'co',
  bv: 'bv',
  'besloten vennootschap': 'bv',
  nv: 'nv',
  'naamloze vennootschap': 'nv',
  srl: 'srl',
  spa: 'spa',
  snc: 'snc',
  sl: 'sl',
  's l': 'sl',
  'sociedad limitada': 'sl',
};
const LEGAL_FORM_KEYS = Object.keys(LEGAL_FORMS).sort((a, b) => b.length - a.length);

/**
 * Legal forms of Japan, China (simplified and traditional) and Korea → one name per form. Written before the name
 * (株式会社山田商事) or after it (山田商事株式会社), with or without a space; the short forms ((株), ㈱, (有), (주), ㈜:
 * folded to a word of one character) only as a word of their own. 公司 (company) alone is "co", as Company is.
 */
const CJK_LEGAL_FORMS: Record<string, string> = {
  株式会社: 'kabushiki',
  株: 'kabushiki',
  有限会社: 'yugen',
  有: 'yugen',
  合同会社: 'godo',
  合資会社: 'goshi',
  合名会社: 'gomei',
  股份有限公司: 'gufen',
  有限责任公司: 'youxian',
  有限責任公司: 'youxian',
  有限公司: 'youxian',
  公司: 'co',
  주식회사: 'jusik',
  주: 'jusik',
  유한회사: 'yuhan',
  유한책임회사: 'yuhanchaegim',
};
/** The short forms: (株), ㈱, (有), ㈲, (주), ㈜ fold to their character alone. */
const CJK_SHORT_FORMS = new Set(['株', '有', '주'].map(fold));
/** Folded as names are (Hangul as letters), longest first. */
const CJK_LEGAL_FORM_KEYS = Object.entries(CJK_LEGAL_FORMS)
  .map(([form, name]) => [fold(form), name] as const)
  .sort((a, b) => b[0].length - a[0].length);

/** A folded CJK company name without its legal form (`CJK_LEGAL_FORMS`) before or after it, and the form. */
function splitCjkLegalForm(text: string): { core: string; legalForm: string | null } {
  let legalForm: string | null = null;
  for (let again = true; again; ) {
    again = false;
    for (const [form, name] of CJK_LEGAL_FORM_KEYS) {
      if (text === form) continue;
      // A one-character short form is one only as a word of its own (株 of 株洲 is no form).
      const word = CJK_SHORT_FORMS.has(form);
      const before = word ? `${form} ` : form;
      const after = word ? ` ${form}` : form;
      if (text.startsWith(before)) text = text.slice(before.length).trim();
      else if (text.endsWith(after)) text = text.slice(0, -after.length).trim();
      else continue;
      legalForm ??= name;
      again = text.length > 0;
      break;
    }
  }
  return { core: text, legalForm };
}
const LONG_LEGAL_FORMS = LEGAL_FORM_KEYS.filter((k) => k.split(' ').length >= 3);

/** The folded organisation name without its legal form, and the form. "Müller GmbH & Co. KG" → muller, gmbh&cokg. */
export function splitLegalForm(name: string): { core: string; legalForm: string | null } {
  // Dots go first so that G.m.b.H. reads as gmbh and S.à r.l. as sa rl.
  let text = fold(name.replace(/\./g, '').replace(/&/g, ' & '));
  let legalForm: string | null = null;
  // A long legal form cut off by a short name field (SAP NAME1/NAME2: 35 characters each).
  for (const phrase of LONG_LEGAL_FORMS) {
    const firstWord = phrase.indexOf(' ');
    for (let cut = phrase.length - 1; cut > firstWord + 2; cut--) {
      if (text.endsWith(` ${phrase.slice(0, cut)}`)) {
        legalForm = LEGAL_FORMS[phrase] ?? null;
        text = text.slice(0, -cut - 1).trim();
        break;
      }
    }
  }
  for (let again = true; again; ) {
    again = false;
    for (const key of LEGAL_FORM_KEYS) {
      if (text === key) break;
      if (text.endsWith(` ${key}`)) {
        legalForm ??= LEGAL_FORMS[key] ?? key;
        text = text
          .slice(0, -key.length - 1)
          .replace(/\s*&$/, '')
          .trim();
        again = true;
        break;
      }
    }
  }
  if (isCjk(text)) {
    const cjk = splitCjkLegalForm(text);
    text = cjk.core;
    legalForm ??= cjk.legalForm;
  }
  // "The Widget Company Ltd" is Widget Company Ltd where another system files it under W.
  if (text.startsWith('the ') && text.length > 4) text = text.slice(4);
  return { core: text, legalForm };
}

/**
 * Words of a company name that say nothing of which company it is: articles, prepositions and "and" in the hub's
 * languages (folded), and legal forms written inside a name rather than at its end.
 */
const NAME_STOP_WORDS = new Set([
  ...'& and und et e y u of the for fur de du des der die das den dem la le les di da del della dei van von vom zu zum zur het en am an im in bei al el il lo los las'.split(
    ' ',
  ),
  ...Object.keys(LEGAL_FORMS).filter((k) => !k.includes(' ')),
]);

/** Han, Hiragana, Katakana and Hangul: scripts that write a name's words without spaces between them. */
const CJK = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}]/u;

/** Whether a folded word is written in a script without spaces between words (CJK: 王小明, 山田太郎, 김민준). */
export const isCjk = (word: string): boolean => CJK.test(word);

/** Whether a string's first character could be of a CJK script (cheap: the matcher asks for every pair). */
const mayBeCjk = (text: string): boolean => text.charCodeAt(0) >= 0x1100;

/** A person's name written in a CJK script, as matching reads it (block.ts, score.ts): NFC, without spaces. */
export interface CjkName {
  /** The family and given name where the record tells them apart (two fields, or one field with a space). */
  family: string | null;
  given: string | null;
  /** The whole name, family name first (as a record with two fields holds them: a system may have swapped them). */
  full: string;
}

/**
 * A person's name when every part of it is written in a CJK script (王小明, 山田 太郎, 김민준), else null. Read from the
 * comparison form alone (so the stored records' forms give it too): Hangul composed into syllables again (NFC),
 * spaces taken out. A name in one field is split at its first space, family name first as the scripts write it
 * ("山田 太郎"); without a space the split is not known (山田太郎: 山田 + 太郎, 王小明: 王 + 小明), so only `full`.
 */
export function cjkName(s: Pick<StandardCustomer, 'partyType' | 'givenName' | 'familyName'>): CjkName | null {
  if (s.partyType === 'ORGANIZATION') return null;
  const { givenName: given, familyName: family } = s;
  if (!given && !family) return null;
  if ((given && !(mayBeCjk(given) && isCjk(given))) || (family && !(mayBeCjk(family) && isCjk(family))))
    return null;
  const compact = (text: string) => text.normalize('NFC').replace(/ /g, '');
  if (given && family) {
    const f = compact(family);
    const g = compact(given);
    return { family: f, given: g, full: f + g };
  }
  const one = (given ?? family ?? '').normalize('NFC');
  const space = one.indexOf(' ');
  if (space < 0) return { family: null, given: null, full: one };
  const g = one.slice(space + 1).replace(/ /g, '');
  return { family: one.slice(0, space), given: g || null, full: one.replace(/ /g, '') };
}

/** A Han-script name's Hanyu Pinyin (`romanisedNames`): family and given name folded, syllables run together. */
export interface RomanisedName {
  family: string;
  /** Null for a name of one character (a family name alone). */
  given: string | null;
}

/** Every character Han (漢字): the names `romanisedNames` reads. Kana (Japanese) and Hangul (Korean) are not. */
const HAN_ONLY = /^\p{sc=Han}+$/u;

type Pinyin = (text: string, options: Record<string, unknown>) => string[];
let pinyinOf: Pinyin | null = null;
/**
 * pinyin-pro, loaded at the first Han-script name: its dictionaries take ~0.5 s to load, which no process that never
 * meets such a name should pay (the CLI, the hub with Latin names only).
 */
function pinyinSyllables(text: string, surname: 'head' | 'all' | 'off'): string[] {
  pinyinOf ??= (createRequire(import.meta.url)('pinyin-pro') as { pinyin: Pinyin }).pinyin;
  const options = { toneType: 'none', type: 'array', v: false };
  return pinyinOf(text, surname === 'off' ? options : { ...options, mode: 'surname', surname });
}

/** The pinyin of a name part folded and run together ("Xiaoming", as romanised names are written). */
const joined = (syllables: string[]): string => fold(syllables.join(''));

const romanise = memoise((key: string): RomanisedName[] => {
  const [family, given, full = ''] = key.split('\u0000');
  if (family && given)
    return [{ family: joined(pinyinSyllables(family, 'all')), given: joined(pinyinSyllables(given, 'off')) }];
  // One syllable a character; the family name read as one where a character has a surname's own reading (单 shan).
  const syllables = pinyinSyllables(full, 'head');
  if (syllables.length < 2) return [{ family: joined(syllables), given: null }];
  const names: RomanisedName[] = [];
  // Unsplit (王小明, 欧阳娜娜): after the first character and after the second, as `cjkNameKeys` splits it.
  for (let cut = 1; cut <= 2 && cut < syllables.length; cut++)
    names.push({ family: joined(syllables.slice(0, cut)), given: joined(syllables.slice(cut)) });
  return names;
}, 10_000);

/**
 * The Hanyu Pinyin of a person's name written in Han characters alone (王小明 → wang + xiaoming), without tones, as
 * a Latin-script system holds a Chinese name: family and given name as the record splits them, else both splits of
 * `cjkNameKeys` (after the first character and the second: wang + xiaoming, wangxiao + ming). Empty for any other
 * name: one with kana is Japanese, whose kanji have several readings a dictionary cannot choose between (山田 is
 * Yamada, not Shantian), Hangul is not Han. Callers test `cjkName` first, so a Latin name costs nothing here.
 */
export function romanisedNames(name: CjkName): RomanisedName[] {
  if (!HAN_ONLY.test(name.full)) return [];
  return romanise(`${name.family ?? ''}\u0000${name.given ?? ''}\u0000${name.full}`);
}

/** The characters of a CJK name indexed by their suffixes, at most (a company's name runs longer than a person's). */
const MAX_CJK_CHARS = 16;

/**
 * A record's words for type-ahead search (`name_word`, migration 011): its folded name words of three letters or
 * more, each once (length in characters, as SQL's). A name written in a CJK script has no spaces to tell its
 * words by, and one character is a whole name part (王, a family name): such a name gives every suffix of its
 * characters (王小明: 王小明, 小明, 明; a person's family and given name also joined, family first, as the scripts
 * write them), so that any part of it starts a word and is found as the start of a word is. Hangul in its composed
 * syllables (NFC), as people type it: folding decomposes it into letters.
 */
export function nameWords(std: Pick<StandardCustomer, 'nameTokens' | 'familyName' | 'givenName'>): string[] {
  const words = new Set<string>();
  const cjk: string[] = [];
  for (const w of std.nameTokens ?? []) {
    if (isCjk(w)) cjk.push(w);
    else if (w.length >= 3 && [...w].length >= 3) words.add(w);
  }
  if (std.familyName && std.givenName && isCjk(std.familyName) && isCjk(std.givenName))
    cjk.push(`${std.familyName}${std.givenName}`.replace(/ /g, ''));
  for (const w of cjk) {
    const chars = [...w.normalize('NFC')].slice(0, MAX_CJK_CHARS);
    for (let i = 0; i < chars.length; i++) words.add(chars.slice(i).join(''));
  }
  return [...words];
}

/**
 * The significant words of an organisation's folded name without its legal form (`orgName`), in order: not stop
 * words or legal forms ("van dijk" → dijk, "muller & sohne" → muller, sohne). Search finds a company by any of
 * them; a conflict compares them (score.ts `orgNameWords`).
 */
export function orgNameWords(orgName: string | null): string[] {
  if (!orgName) return [];
  return orgName.split(' ').filter((w) => w && !NAME_STOP_WORDS.has(w));
}

/**
 * Words that name another legal entity of a group beside its operating company (the German GmbH & Co. KG's
 * Verwaltungs-GmbH, a Service GmbH, a Holding, an Immobilien GmbH holding the premises, a national or International
 * one): stems of the folded words, a word matching when it starts with one (Verwaltungs, Verwaltungsgesellschaft;
 * Services, Servicios). "Müller Maschinenbau Service GmbH" and "Müller Maschinenbau GmbH & Co. KG" at one address
 * are two customers (two contracts, usually two VAT ids), whatever else they share. Kept short: a word here that
 * is part of a trading name in one system and missing in another holds a true pair for the steward.
 */
const ENTITY_WORDS = [
  'holding',
  'beheer', // nl: the holding B.V. beside the operating one
  'beteiligung',
  'participation',
  'participacion',
  'partecipazion',
  'verwaltung',
  'vermogensverwaltung',
  'management',
  'gestion',
  'servic', // service, services, servicios
  'serviz', // servizi
  'immobil', // Immobilien, immobilière, immobiliare
  'inmobil', // inmobiliaria
  'grundstuck',
  'vastgoed',
  'propert', // property, properties
  'estate',
  'international',
  'internacional',
  'internazional',
  'vertrieb',
  'finanz',
  'financ',
  'leasing',
  'invest',
  'stiftung',
  'foundation',
  'fondation',
  'stichting',
];

/** Whether a folded name word names another entity of a group (`ENTITY_WORDS`: Holding, Verwaltungs, Service…). */
export function isEntityWord(word: string): boolean {
  return ENTITY_WORDS.some((stem) => word.startsWith(stem));
}

// ---------------------------------------------------------------------------------------------------------------
// Person names

/** Nicknames and short forms → the formal given name (folded), for the commonest names of the hub's countries. */
const NICKNAMES: Record<string, string> = {};
for (const [formal, shorts] of Object.entries({
  william: 'bill billy will willy liam',
  robert: 'bob bobby rob robbie bert',
  richard: 'rick ricky dick rich',
  elizabeth: 'liz lizzy beth betty elisabeth eliza lisa',
  katherine: 'kate kathy katie cathy catherine kathryn katharina katrin',
  margaret: 'maggie meg peggy margarete greta',
  james: 'jim jimmy jamie',
  john: 'johnny jack jon',
  michael: 'mike mick mickey',
  thomas: 'tom tommy',
  joseph: 'joe joey josef sepp',
  charles: 'charlie chuck',
  christopher: 'chris kit',
  christian: 'chris',
  daniel: 'dan danny',
  matthew: 'matt',
  anthony: 'tony',
  alexander: 'alex sascha sandro',
  alexandra: 'alex sandra',
  benjamin: 'ben benny',
  samuel: 'sam sammy',
  andrew: 'andy drew',
  edward: 'ed eddie ted ned',
  jennifer: 'jen jenny',
  patricia: 'pat patty trish',
  susan: 'sue susie suzanne',
  deborah: 'deb debbie',
  rebecca: 'becky becca',
  victoria: 'vicky tori',
  nicholas: 'nick nicky',
  stephen: 'steve steven stefan stephan',
  jonathan: 'jon',
  timothy: 'tim timmy',
  peter: 'pete',
  johannes: 'hans johann jens',
  friedrich: 'fritz',
  wolfgang: 'wolf',
  franziska: 'franzi',
  gabriele: 'gabi',
  susanne: 'susi',
  francesco: 'franco checco',
  giuseppe: 'beppe peppe pino',
  francisco: 'paco pancho',
  jose: 'pepe',
  guillaume: 'guy',
  jean: 'jeannot',
  dominique: 'dom',
})) {
  for (const short of shorts.split(' ')) NICKNAMES[fold(short)] ??= fold(formal);
}

/** The formal name and its nicknames in the table (William: william, bill, billy, will, willy, liam). */
export function nicknamesOf(formal: string): string[] {
  if (!NICKNAMES_OF) {
    NICKNAMES_OF = new Map();
    for (const [short, name] of Object.entries(NICKNAMES))
      NICKNAMES_OF.set(name, [...(NICKNAMES_OF.get(name) ?? [name]), short]);
  }
  return NICKNAMES_OF.get(formal) ?? [formal];
}
let NICKNAMES_OF: Map<string, string[]> | undefined;

export function formalGivenName(given: string): string {
  const folded = fold(given);
  const first = folded.split(' ')[0] ?? folded;
  return NICKNAMES[first] ?? first;
}

// ---------------------------------------------------------------------------------------------------------------
// Emails, phones, tax ids, websites

export function standardiseEmail(address: string, policy: MdmConfig['email']): string | null {
  const trimmed = address.trim().toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return null;
  let local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1);
  domain = policy.domainAliases[domain] ?? domain;
  if (policy.plusTagDomains.includes('*') || policy.plusTagDomains.includes(domain)) {
    const plus = local.indexOf('+');
    if (plus > 0) local = local.slice(0, plus);
  }
  if (policy.dotlessDomains.includes(domain)) local = local.replace(/\./g, '');
  return `${local}@${domain}`;
}

/**
 * libphonenumber's answer for a number as written (trimmed) and a country, the two in one string (`DE\u0000030…`):
 * parsing was a tenth of the matcher's CPU time, and a number comes again with every update of its record and in
 * its duplicates.
 */
const phoneOf = memoise((key: string): string | null => {
  const at = key.indexOf('\u0000');
  const country = key.slice(0, at) || undefined;
  const parsed = parsePhoneNumberFromString(key.slice(at + 1), country as CountryCode | undefined);
  return parsed?.isPossible() ? parsed.number : null;
});

/** E.164, or null when libphonenumber cannot make a possible number of it (with the country for national forms). */
export function standardisePhone(number: string, country: string | null): string | null {
  const trimmed = number.trim();
  if (!trimmed) return null;
  return phoneOf(`${country ?? ''}\u0000${trimmed}`);
}

/** The countries whose VAT ids start with a country prefix, and the prefix where it is not the ISO code. */
const VAT_PREFIXES: Record<string, string> = Object.fromEntries(
  'AT BE BG CY CZ DE DK EE ES FI FR GB HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK'
    .split(' ')
    .map((c) => [c, c])
    .concat([['GR', 'EL']]),
);

/**
 * Upper case, letters and digits only. A VAT id written without its country prefix (811234567, as ERPs keep it in
 * a field of the country's own; DE811234567 in another system) gets the prefix of the address country (`country`,
 * ISO), so the two compare equal.
 */
export function standardiseTaxId(value: string, country?: string | null): string {
  const id = value.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const prefix = country ? VAT_PREFIXES[country] : undefined;
  return prefix && /^[0-9]/.test(id) ? `${prefix}${id}` : id;
}

/** A tax id scheme that names a VAT id (VAT, USt-IdNr, TVA, IVA, BTW) or none: the country prefix applies. */
const isVat = (scheme: string | null | undefined): boolean =>
  !scheme || /^(vat|ust|tva|iva|btw)/i.test(scheme);

/** Mailbox providers anyone can sign up with (by first label: gmx.de, gmx.net, hotmail.co.uk, …). */
const FREEMAIL =
  /^(gmail|googlemail|yahoo|ymail|rocketmail|hotmail|outlook|live|msn|aol|icloud|me|mac|gmx|web|t-online|posteo|freenet|arcor|mailbox|orange|free|laposte|sfr|wanadoo|neuf|btinternet|sky|virginmedia|talktalk|libero|virgilio|tiscali|alice|fastwebnet|ziggo|kpnmail|planet|hetnet|telefonica|movistar|terra|proton|protonmail|pm|mail|email|yandex|zoho|gmx-topmail|example-mail)\./;

export function isFreemail(domain: string): boolean {
  return FREEMAIL.test(domain);
}

export function websiteDomain(url: string): string | null {
  const host = url
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .split(/[/?#:]/)[0];
  if (!host?.includes('.')) return null;
  return host.replace(/^www\d?\./, '');
}

/**
 * Extension names of an organisation's website, lowercased without punctuation, their system's prefix taken off:
 * Salesforce's Website, the connectors' `hubspot.website` and `odoo.website`, a CSV's "Website URL" or HubSpot's
 * "Company Domain Name" (columns the columns table does not name keep their own name).
 */
const WEBSITE_NAMES = new Set([
  'website',
  'websiteurl',
  'homepage',
  'webseite',
  'siteweb',
  'companydomainname',
]);

function websiteOf(extensions: Record<string, string> | undefined): string | undefined {
  if (!extensions) return undefined;
  const named = extensions.website ?? extensions.Website;
  if (named) return named;
  for (const [name, value] of Object.entries(extensions)) {
    const last = name.slice(name.lastIndexOf('.') + 1);
    if (value && WEBSITE_NAMES.has(last.toLowerCase().replace(/[^a-z]/g, ''))) return value;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Countries and addresses

let countryTable: Map<string, string> | undefined;

/** The hub's country lookup (mappings/lookups/countries.yaml: names in seven languages and aliases → ISO code). */
function countries(): Map<string, string> {
  if (!countryTable) {
    const file = new URL('../mappings/lookups/countries.yaml', import.meta.url);
    const raw = parseYamlText(readFileSync(file, 'utf8')) as Record<string, string>;
    countryTable = new Map();
    for (const [name, code] of Object.entries(raw)) {
      countryTable.set(name.toUpperCase(), code);
      countryTable.set(fold(name), code);
    }
  }
  return countryTable;
}

export function standardiseCountry(text: string | null | undefined): string | null {
  if (!text) return null;
  const trimmed = text.trim();
  if (!trimmed) return null;
  const table = countries();
  return table.get(trimmed.toUpperCase()) ?? table.get(fold(trimmed)) ?? null;
}

export function standardisePostalCode(
  code: string | null | undefined,
  country: string | null,
): string | null {
  if (!code) return null;
  let value = code.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (!value) return null;
  // Country prefixes people write: D-10115, F-75001, NL-1012AB.
  if (country && value.startsWith(country) && value.length > country.length + 3)
    value = value.slice(country.length);
  if (country === 'DE' && value.startsWith('D') && /^D\d{5}$/.test(value)) value = value.slice(1);
  value = withLeadingZeros(value, country);
  // US ZIP+4: the five digits identify the area.
  if (country === 'US') value = value.slice(0, 5);
  return value;
}

/**
 * Digits of the countries whose postal codes are all digits of one length and may start with 0 (their posts'
 * formats: US 00501–99950, DE 01067 Dresden, FR 01000 Bourg-en-Bresse, IT 00118 Rome, JP 060-0000 Sapporo,
 * PL 00-001 Warsaw, BR 01000-000 São Paulo, AU 0800 Darwin, NO 0150 Oslo, …). A spreadsheet that read such a code as
 * a number dropped its zeros (02141 → 2141, 01067 → 1067): the most common damage to postal codes in exported
 * customer tables. Countries whose codes never start with 0 (AT, BE, CH, NL, SE, …) are not listed: a code too short
 * there is no spreadsheet's doing.
 */
const POSTAL_CODE_DIGITS: Readonly<Record<string, number>> = {
  US: 5,
  DE: 5,
  FR: 5,
  IT: 5,
  ES: 5,
  FI: 5,
  MX: 5,
  MY: 5,
  KR: 5,
  TR: 5,
  UA: 5,
  DZ: 5,
  SK: 5,
  PL: 5,
  AU: 4,
  NZ: 4,
  NO: 4,
  ZA: 4,
  CN: 6,
  SG: 6,
  JP: 7,
  BR: 8,
};

/**
 * A postal code of digits alone with the leading zeros a spreadsheet dropped put back, where its country's codes
 * are digits of one length that may start with 0 (`POSTAL_CODE_DIGITS`): 2141 in the US is 02141, 1067 in Germany
 * 01067. Only one or two zeros are restored (a code of three digits or fewer in a five-digit country is another
 * mistake, left as written); a US ZIP+4 written as eight digits becomes nine. Anything else comes back as given.
 */
export function withLeadingZeros(code: string, country: string | null | undefined): string {
  const digits = country ? POSTAL_CODE_DIGITS[country] : undefined;
  if (digits === undefined || !/^\d+$/.test(code)) return code;
  if (code.length < digits && code.length >= digits - 2) return code.padStart(digits, '0');
  if (country === 'US' && (code.length === 8 || code.length === 7)) return code.padStart(9, '0');
  return code;
}

/** Street words and their abbreviations, spelt out (after folding). */
const STREET_WORDS: Array<[RegExp, string]> = [
  [/\bstr\b/g, 'strasse'],
  [/([a-z])str\b/g, '$1strasse'],
  [/strasse\b/g, ' strasse'],
  [/\bst\b/g, 'street'],
  [/\brd\b/g, 'road'],
  [/\bave?\b/g, 'avenue'],
  [/\bblvd\b/g, 'boulevard'],
  [/\bdr\b/g, 'drive'],
  [/\bln\b/g, 'lane'],
  [/\bsq\b/g, 'square'],
  [/\bpl\b/g, 'place'],
  [/\br\b/g, 'rue'],
  [/\bav\b/g, 'avenue'],
  [/\bbd\b/g, 'boulevard'],
  [/\bv\b/g, 'via'],
  [/\bc\b/g, 'calle'],
  [/\bstraat\b/g, ' straat'],
];

/**
 * A PO box in a folded address line: its word in the hub's countries' spellings (PO Box, P.O. Box, Post Office Box,
 * GPO Box, Postfach, BP / B.P. and Boîte postale, Postbus, Apartado (de correos), Casella postale, Case postale,
 * Caixa postal, Box at the line's start) and its number, which may be written in groups (Postfach 12 34).
 */
const PO_BOX =
  /(?:^|\s)(?:(?:p ?o|gpo|post office) box|postfach|postbus|b ?p|boite postale|apartado(?: de correos)?|apdo|casella postale|case postale|caixa postal|^box)(?: (?:nr|no|n))? (\d+(?: \d+)*)(?:\s|$)/;

/**
 * Street and house number of an address line, or its PO box (street '' and no house number: a box is no street, and
 * its number no house number); the answers are shared, so not to be changed by the caller.
 */
export const standardiseStreet = memoise(streetOf);

function streetOf(line: string): { street: string; houseNumber: string | null; poBox: string | null } {
  const box = PO_BOX.exec(fold(line));
  if (box) return { street: '', houseNumber: null, poBox: (box[1] ?? '').replace(/ /g, '') };
  let text = fold(line.replace(/\//g, ' '));
  for (const [pattern, word] of STREET_WORDS) text = text.replace(pattern, word);
  // The spelt-out words folded as the rest (rue → ru, as fold('Rue') is).
  text = text.replace(/([aou])e/g, '$1');
  text = text.replace(/\s+/g, ' ').trim();
  const numbers = text.match(/\b\d+[a-z]?\b/g);
  const houseNumber = numbers ? (numbers[0] ?? null) : null;
  const street = text
    .replace(/\b\d+[a-z]?\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  // "Hauptstraße" and "Haupt strasse" are one street: compare without spaces.
  return { street: street.replace(/ /g, ''), houseNumber, poBox: null };
}

// ---------------------------------------------------------------------------------------------------------------

function personParts(customer: CustomerPartyMaster): { given: string | null; family: string | null } {
  const given = customer.person?.givenName?.trim() || null;
  const family = customer.person?.familyName?.trim() || null;
  return { given, family };
}

/** The golden fields `standardise` reads beside the party type (so the ones matching compares). */
export const MATCHED_FIELDS = [
  'organizationName',
  'person',
  'birthDate',
  'emails',
  'phones',
  'addresses',
  'taxId',
] as const satisfies readonly GoldenField[];

type Address = NonNullable<CustomerPartyMaster['addresses']>[number];

/** An address's comparison form; `fallbackCountry` where it names no country (a shipping address of the record's). */
function standardiseAddress(address: Address | undefined, fallbackCountry: string | null): StandardAddress {
  const country = standardiseCountry(address?.countryCode) ?? fallbackCountry;
  const street = address?.lines?.length ? standardiseStreet(address.lines.join(' ')) : null;
  return {
    country,
    postalCode: standardisePostalCode(address?.postalCode, country),
    city: address?.city ? fold(address.city) || null : null,
    street: street?.street || null,
    houseNumber: street?.houseNumber ?? null,
    poBox: street?.poBox ?? null,
  };
}

const sameAddress = (x: StandardAddress, y: StandardAddress): boolean =>
  x.postalCode === y.postalCode &&
  x.city === y.city &&
  x.street === y.street &&
  x.houseNumber === y.houseNumber &&
  (x.poBox ?? null) === (y.poBox ?? null);

/** The record's addresses besides `first`, in its order, each once, without those that say nothing to compare. */
function otherAddressesOf(
  customer: CustomerPartyMaster,
  first: Address | undefined,
  main: StandardAddress,
): StandardAddress[] {
  const others: StandardAddress[] = [];
  for (const address of customer.addresses ?? []) {
    if (address === first) continue;
    const std = standardiseAddress(address, main.country);
    if (!std.postalCode && !std.city && !std.street && !std.poBox) continue;
    if (sameAddress(std, main) || others.some((o) => sameAddress(o, std))) continue;
    others.push(std);
    if (others.length === MAX_OTHER_ADDRESSES) break;
  }
  return others;
}

export function standardise(customer: CustomerPartyMaster, config: MdmConfig): StandardCustomer {
  const address = customer.addresses?.find((a) => a.use === 'BILLING') ?? customer.addresses?.[0];
  const country = standardiseCountry(address?.countryCode) ?? null;
  const phoneCountry = country ?? config.defaultCountry ?? null;
  const { given, family } = personParts(customer);
  const isOrg =
    customer.partyType === 'ORGANIZATION' || (customer.partyType !== 'PERSON' && !!customer.organizationName);
  const partyType = isOrg
    ? 'ORGANIZATION'
    : customer.partyType === 'PERSON' || given || family
      ? 'PERSON'
      : 'UNKNOWN';

  let orgName: string | null = null;
  let legalForm: string | null = null;
  let givenName: string | null = null;
  let givenFormal: string | null = null;
  let familyName: string | null = null;
  const tokens: string[] = [];
  if (isOrg && customer.organizationName) {
    const split = splitLegalForm(customer.organizationName);
    orgName = split.core || null;
    legalForm = split.legalForm;
    if (orgName) tokens.push(...orgName.split(' '));
  } else {
    givenName = given ? (fold(given).split(' ')[0] ?? null) || null : null;
    givenFormal = given ? formalGivenName(given) : null;
    familyName = family ? fold(family) || null : null;
    if (givenName) tokens.push(givenName);
    if (familyName) tokens.push(...familyName.split(' '));
  }

  const emails = new Set<string>();
  for (const e of customer.emails ?? []) {
    const s = standardiseEmail(e.address, config.email);
    if (s) emails.add(s);
  }
  const phones = new Set<string>();
  for (const p of customer.phones ?? []) {
    // A fax number is an office's, shared by everyone who works there (a CSV's Fax column): no evidence of one
    // customer. No mapping gave use fax before the CSV table's, so no stored comparison form changes.
    if (p.use?.toLowerCase() === 'fax') continue;
    const s = standardisePhone(p.number, phoneCountry);
    if (s) phones.add(s);
  }
  // A person's website under another name is the employer's (HubSpot's contact property): colleagues share it.
  const website = isOrg
    ? websiteOf(customer.extensions)
    : (customer.extensions?.website ?? customer.extensions?.Website);
  const site = website ? websiteDomain(website) : null;
  const domains = new Set<string>(site ? [site] : []);
  if (isOrg) {
    for (const e of emails) {
      const domain = e.slice(e.indexOf('@') + 1);
      if (!isFreemail(domain)) domains.add(domain);
    }
  }
  const main = standardiseAddress(address, null);
  const others = (customer.addresses?.length ?? 0) > 1 ? otherAddressesOf(customer, address, main) : [];
  const birth = customer.birthDate ? String(customer.birthDate).slice(0, 10) : null;

  return {
    partyType,
    orgName,
    legalForm,
    givenName,
    givenFormal,
    familyName,
    nameTokens: tokens.filter(Boolean).sort(),
    emails: [...emails].sort(),
    phones: [...phones].sort(),
    taxId: customer.taxId?.value
      ? standardiseTaxId(customer.taxId.value, isVat(customer.taxId.scheme) ? country : null) || null
      : null,
    birthDate: birth && /^\d{4}-\d{2}-\d{2}$/.test(birth) ? birth : null,
    ...main,
    ...(others.length ? { otherAddresses: others } : {}),
    website: site,
    domains: [...domains].sort(),
  };
}
