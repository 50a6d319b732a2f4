/**
 * Labelled customer data for the master-data quality tests:
 * - the simulators' generated customers (four systems, overlapping, drifted), turned into canonical Customers
 *   the way the systems' mappings would, with the generator's truth (entity per system record);
 * - a FEBRL-like person set made here with a seeded PRNG: originals and duplicates with typos, swapped names,
 *   nicknames, missing fields and moved addresses. Names are drawn by their frequency in the US census
 *   (tests/data/census-1990), as FEBRL's generator draws from frequency tables, so that a million people share
 *   names about as often as real ones do.
 */

import { readFileSync } from 'node:fs';

import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { generateCustomers } from '../simulators/generator/generate.ts';
import { LOCALES } from '../simulators/generator/locales/index.ts';
import type { SystemRecord } from '../simulators/generator/model.ts';
import { createRng, type Rng } from '../simulators/generator/prng.ts';
import { fillPattern } from '../simulators/generator/text.ts';

export interface LabelledRecord {
  system: string;
  customer: CustomerPartyMaster;
  /** The real-world customer it stands for (never shown to the matcher). */
  entityId: string;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

function splitPersonName(name: string): { givenName: string | null; familyName: string | null } {
  if (name.includes(',')) {
    const [family, given] = name.split(',').map((s) => s.trim());
    return { givenName: given || null, familyName: family || null };
  }
  const parts = name.trim().split(/\s+/);
  if (parts.length === 1) return { givenName: null, familyName: parts[0] ?? null };
  return { givenName: parts[0] ?? null, familyName: parts.slice(1).join(' ') };
}

const sfDate = (v: unknown) => (text(v) ? new Date(String(v).replace('+0000', 'Z')).toISOString() : null);

function contactPoints(email: unknown, phones: unknown[]) {
  const e = text(email);
  return {
    emails: e ? [{ address: e, primary: true }] : [],
    phones: phones
      .map(text)
      .filter((p): p is string => !!p)
      .map((number) => ({ number, isE164: false })),
  };
}

function address(lines: unknown, city: unknown, region: unknown, postal: unknown, country: unknown) {
  const street = text(lines);
  return [
    {
      use: 'BILLING' as const,
      lines: street ? [street] : [],
      city: text(city),
      region: text(region),
      postalCode: text(postal),
      countryCode: text(country),
    },
  ];
}

/** One system record as its mapping would make it canonical (fields only from the record itself). */
export function toCanonical(sr: SystemRecord): CustomerPartyMaster {
  const r = sr.record as Record<string, unknown>;
  switch (sr.system) {
    case 'salesforce': {
      const id = String(r.Id);
      const base = {
        customerId: `salesforce:${id}`,
        sourceIds: [{ system: 'salesforce', id }],
        createdAt: sfDate(r.CreatedDate) as unknown as Date,
        updatedAt: sfDate(r.LastModifiedDate) as unknown as Date,
      };
      if (sr.type === 'Account') {
        return {
          ...base,
          partyType: 'ORGANIZATION',
          organizationName: text(r.Name),
          ...contactPoints(null, [r.Phone]),
          addresses: address(
            r.BillingStreet,
            r.BillingCity,
            r.BillingState,
            r.BillingPostalCode,
            r.BillingCountry,
          ),
          taxId: text(r.VAT_Number__c) ? { scheme: 'VAT', value: String(r.VAT_Number__c) } : null,
          extensions: text(r.Website) ? { website: String(r.Website) } : {},
        };
      }
      return {
        ...base,
        partyType: 'PERSON',
        person: { givenName: text(r.FirstName), familyName: text(r.LastName) },
        birthDate: text(r.Birthdate),
        ...contactPoints(r.Email, [r.Phone, r.MobilePhone]),
        addresses: address(
          r.MailingStreet,
          r.MailingCity,
          r.MailingState,
          r.MailingPostalCode,
          r.MailingCountry,
        ),
      };
    }
    case 'hubspot': {
      const p = r.properties as Record<string, unknown>;
      const id = String(r.id);
      const org = text(p.company);
      return {
        customerId: `hubspot:${id}`,
        sourceIds: [{ system: 'hubspot', id }],
        partyType: org ? 'ORGANIZATION' : 'PERSON',
        organizationName: org,
        person: org ? null : { givenName: text(p.firstname), familyName: text(p.lastname) },
        birthDate: org ? null : text(p.date_of_birth),
        ...contactPoints(p.email, [p.phone, p.mobilephone]),
        addresses: address(p.address, p.city, p.state, p.zip, p.country),
        extensions: text(p.website) ? { website: String(p.website) } : {},
        createdAt: String(r.createdAt) as unknown as Date,
        updatedAt: String(r.updatedAt) as unknown as Date,
      };
    }
    case 'odoo': {
      const id = String(r.id);
      const isCompany = r.is_company === true;
      const name = text(r.name) ?? '';
      const country = Array.isArray(r.country_id) ? r.country_id[1] : null;
      const odooTime = (v: unknown) => (text(v) ? `${String(v).replace(' ', 'T')}Z` : null);
      return {
        customerId: `odoo:${id}`,
        sourceIds: [{ system: 'odoo', id }],
        partyType: isCompany ? 'ORGANIZATION' : 'PERSON',
        organizationName: isCompany ? name : null,
        person: isCompany ? null : splitPersonName(name),
        ...contactPoints(r.email, [r.phone]),
        addresses: address(r.street, r.city, null, r.zip, country),
        taxId: text(r.vat) ? { scheme: 'VAT', value: String(r.vat) } : null,
        extensions: text(r.website) ? { website: String(r.website) } : {},
        createdAt: odooTime(r.create_date) as unknown as Date,
        updatedAt: odooTime(r.write_date) as unknown as Date,
      };
    }
    default: {
      const id = String(r.KUNNR);
      const country = String(r.LAND1) as keyof typeof LOCALES;
      const isCompany = r.ANRED === LOCALES[country]?.salutations.company;
      const name = [text(r.NAME1), text(r.NAME2)].filter(Boolean).join(' ');
      const erdat = String(r.ERDAT);
      const created = `${erdat.slice(0, 4)}-${erdat.slice(4, 6)}-${erdat.slice(6, 8)}T00:00:00.000Z`;
      return {
        customerId: `sap:${id}`,
        sourceIds: [{ system: 'sap', id }],
        partyType: isCompany ? 'ORGANIZATION' : 'PERSON',
        organizationName: isCompany ? name : null,
        person: isCompany ? null : splitPersonName(name),
        ...contactPoints(r.SMTP_ADDR, [r.TELF1]),
        addresses: address(r.STRAS, r.ORT01, r.REGIO, r.PSTLZ, r.LAND1),
        taxId: text(r.STCEG) ? { scheme: 'VAT', value: String(r.STCEG) } : null,
        credit: {
          limit: { amount: String(r.KLIMK), currency: String(r.WAERS) },
          exposure: { amount: String(r.OBLIG), currency: String(r.WAERS) },
        },
        createdAt: created as unknown as Date,
        updatedAt: created as unknown as Date,
      };
    }
  }
}

/** The simulators' generated customers as canonical records with their truth. */
export function generatedCustomers(seed: number, entities: number): LabelledRecord[] {
  const data = generateCustomers({ seed, entities });
  return data.records.map((sr, i) => {
    const truth = data.truth[i];
    if (
      !truth ||
      truth.systemId !==
        String(
          (sr.record as Record<string, unknown>).Id ??
            (sr.record as Record<string, unknown>).id ??
            (sr.record as Record<string, unknown>).KUNNR,
        )
    ) {
      throw new Error(`truth and records do not line up at ${i}`);
    }
    return { system: sr.system, customer: toCanonical(sr), entityId: truth.entityId };
  });
}

// -------------------------------------------------------------------------------------------------------------
// FEBRL-like persons

const FORMAL_WITH_NICKNAMES: Record<string, string[]> = {
  William: ['Bill', 'Will'],
  Robert: ['Bob', 'Rob'],
  Elizabeth: ['Liz', 'Beth'],
  Katherine: ['Kate', 'Kathy'],
  Margaret: ['Maggie', 'Peggy'],
  James: ['Jim', 'Jimmy'],
  Michael: ['Mike'],
  Thomas: ['Tom'],
  Joseph: ['Joe'],
  Christopher: ['Chris'],
  Daniel: ['Dan'],
  Anthony: ['Tony'],
  Alexander: ['Alex'],
  Benjamin: ['Ben'],
  Samuel: ['Sam'],
  Edward: ['Ed', 'Ted'],
  Jennifer: ['Jen', 'Jenny'],
  Patricia: ['Pat'],
  Nicholas: ['Nick'],
  Johannes: ['Hans'],
  John: ['Jack', 'Johnny'],
  Richard: ['Rick', 'Dick'],
  Charles: ['Charlie', 'Chuck'],
  David: ['Dave'],
  Andrew: ['Andy'],
  Matthew: ['Matt'],
  Timothy: ['Tim'],
  Stephen: ['Steve'],
  Peter: ['Pete'],
  Susan: ['Sue'],
  Deborah: ['Debbie'],
  Rebecca: ['Becky'],
};

/** A name table of tests/data/census-1990: names in title case and their cumulative weights, for a weighted pick. */
interface NameTable {
  names: string[];
  cumulative: Float64Array;
}

/** SMITH → Smith, MCDONALD → McDonald. */
function titleCase(name: string): string {
  const word = name.charAt(0) + name.slice(1).toLowerCase();
  return word.startsWith('Mc') && word.length > 2
    ? `Mc${word.charAt(2).toUpperCase()}${word.slice(3)}`
    : word;
}

let censusTables: Record<'surnames' | 'female' | 'male', NameTable> | undefined;

function census(): Record<'surnames' | 'female' | 'male', NameTable> {
  const read = (file: string): NameTable => {
    const names: string[] = [];
    const weights: number[] = [];
    for (const line of readFileSync(new URL(`data/census-1990/${file}`, import.meta.url), 'utf8').split(
      '\n',
    )) {
      const [name, weight] = line.split('\t');
      if (!name || !weight) continue;
      names.push(titleCase(name));
      weights.push(Number(weight));
    }
    const cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      cumulative[i] = sum;
    });
    return { names, cumulative };
  };
  censusTables ??= {
    surnames: read('surnames.tsv'),
    female: read('female-given.tsv'),
    male: read('male-given.tsv'),
  };
  return censusTables;
}

function pickWeighted(rng: Rng, table: NameTable): string {
  const target = rng.next() * (table.cumulative[table.cumulative.length - 1] ?? 0);
  let low = 0;
  let high = table.cumulative.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((table.cumulative[mid] ?? 0) > target) high = mid;
    else low = mid + 1;
  }
  return table.names[low] ?? '';
}

/** Street names as towns name them: after people (a census surname) with the country's kind of street. */
const STREET_KINDS: Record<'GB' | 'US' | 'DE', (name: string) => string> = {
  GB: (name) => `${name} ${['Road', 'Street', 'Lane', 'Close', 'Avenue'][name.length % 5]}`,
  US: (name) => `${name} ${['St', 'Ave', 'Rd', 'Dr', 'Blvd'][name.length % 5]}`,
  DE: (name) => `${name}${['straße', 'weg', 'allee', 'ring', 'gasse'][name.length % 5]}`,
};

function typo(rng: Rng, word: string): string {
  if (word.length < 3) return word;
  const chars = [...word];
  // Mostly not the first letter, as in life; sometimes that too.
  const at = rng.chance(0.1) ? 0 : rng.int(1, chars.length - 1);
  switch (rng.int(0, 3)) {
    case 0:
      if (at + 1 < chars.length) [chars[at], chars[at + 1]] = [chars[at + 1] ?? '', chars[at] ?? ''];
      break;
    case 1:
      chars.splice(at, 1);
      break;
    case 2:
      chars.splice(at, 0, chars[at] ?? 'e');
      break;
    default:
      chars[at] = 'aeiounrst'[rng.int(0, 8)] ?? 'e';
  }
  const out = chars.join('');
  return at === 0 ? out.charAt(0).toUpperCase() + out.slice(1).toLowerCase() : out;
}

interface Person {
  given: string;
  family: string;
  birth: string;
  street: string;
  number: string;
  postal: string;
  city: string;
  country: 'GB' | 'US' | 'DE';
  phone: string;
  email: string | null;
}

function person(rng: Rng, index: number): Person {
  const country = rng.pick(['GB', 'US', 'DE'] as const);
  const locale = LOCALES[country];
  const names = census();
  const given = pickWeighted(rng, rng.chance(0.5) ? names.male : names.female);
  const family = pickWeighted(rng, names.surnames);
  const city = rng.pick(locale.cities);
  const year = rng.int(1940, 2005);
  const birth = `${year}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
  const area = country === 'DE' ? '30' : country === 'GB' ? '20' : '212';
  const phone =
    country === 'DE'
      ? `+49${area}${rng.digits(7)}`
      : country === 'GB'
        ? `+44${area}${rng.digits(8)}`
        : `+1${area}${rng.int(2, 9)}${rng.digits(6)}`;
  const slug = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z]/g, '');
  return {
    given,
    family,
    birth,
    street: rng.chance(0.2)
      ? rng.pick(locale.streets)
      : STREET_KINDS[country](pickWeighted(rng, names.surnames)),
    number: String(rng.int(1, 200)),
    postal: fillPattern(rng, rng.pick(city.postal)),
    city: city.name,
    country,
    phone,
    // Unique per person, as mailboxes are.
    email: rng.chance(0.7) ? `${slug(given)}.${slug(family)}.${index}@example-mail.com` : null,
  };
}

function toPersonRecord(p: Person, id: string, swapped: boolean): CustomerPartyMaster {
  return {
    customerId: `febrl:${id}`,
    sourceIds: [{ system: 'febrl', id }],
    partyType: 'PERSON',
    person: swapped
      ? { givenName: p.family, familyName: p.given }
      : { givenName: p.given, familyName: p.family },
    birthDate: p.birth || null,
    emails: p.email ? [{ address: p.email }] : [],
    phones: p.phone ? [{ number: p.phone }] : [],
    addresses: [
      {
        use: 'MAILING',
        lines: [p.street ? `${p.street} ${p.number}` : ''].filter(Boolean),
        city: p.city || null,
        postalCode: p.postal || null,
        countryCode: p.country,
      },
    ],
    updatedAt: '2025-01-01T00:00:00.000Z' as unknown as Date,
  };
}

/**
 * `originals` people and one duplicate of each, with 1–4 modifications per duplicate (FEBRL4's shape:
 * 5,000 + 5,000, one true pair each). Returns the records in a seeded shuffle with their truth.
 */
export function febrlLike(seed: number, originals: number): LabelledRecord[] {
  const rng = createRng(seed);
  const out: LabelledRecord[] = [];
  for (const { original, duplicate } of febrlLikePeople(rng, originals)) out.push(original, duplicate);
  return rng.shuffle(out);
}

/**
 * The people of `febrlLike` one at a time, each as its original and its duplicate (unshuffled), so that a
 * benchmark can stream a million of them without holding them.
 */
export function* febrlLikePeople(
  rng: Rng,
  people = Number.POSITIVE_INFINITY,
): Generator<{ original: LabelledRecord; duplicate: LabelledRecord }> {
  for (let i = 0; i < people; i++) {
    const p = person(rng, i);
    const entityId = `p-${i}`;
    const original = { system: 'febrl', customer: toPersonRecord(p, `rec-${i}-org`, false), entityId };
    const d: Person = { ...p };
    let swapped = false;
    const mods = rng.int(1, 4);
    for (let k = 0; k < mods; k++) {
      switch (rng.int(0, 9)) {
        case 0:
          d.given = typo(rng, d.given);
          break;
        case 1:
          d.family = typo(rng, d.family);
          break;
        case 2:
          swapped = true;
          break;
        case 3: {
          const nick = FORMAL_WITH_NICKNAMES[p.given];
          if (nick) d.given = rng.pick(nick);
          else d.given = typo(rng, d.given);
          break;
        }
        case 4:
          d.email = null;
          break;
        case 5:
          d.phone = '';
          break;
        case 6: {
          // Moved: another street, number, postal code and city.
          const moved = person(rng, i);
          d.street = moved.street;
          d.number = moved.number;
          d.postal = moved.postal;
          d.city = moved.city;
          break;
        }
        case 7:
          d.birth = rng.chance(0.5) ? '' : d.birth.replace(/\d$/, (x) => String((Number(x) + 1) % 10));
          break;
        case 8:
          d.postal = '';
          break;
        default:
          d.street = typo(rng, d.street);
      }
    }
    yield {
      original,
      duplicate: { system: 'febrl', customer: toPersonRecord(d, `rec-${i}-dup-0`, swapped), entityId },
    };
  }
}

/** Pairwise precision, recall and F1 of a clustering against the truth. */
export function pairwiseQuality(assigned: Map<string, string>, truth: Map<string, string>) {
  const pairsOf = (m: Map<string, string>) => {
    const groups = new Map<string, string[]>();
    for (const [k, g] of m) {
      const list = groups.get(g) ?? [];
      list.push(k);
      groups.set(g, list);
    }
    const pairs = new Set<string>();
    for (const list of groups.values()) {
      list.sort();
      for (let i = 0; i < list.length; i++)
        for (let j = i + 1; j < list.length; j++) pairs.add(`${list[i]}|${list[j]}`);
    }
    return pairs;
  };
  const predicted = pairsOf(assigned);
  const actual = pairsOf(truth);
  let tp = 0;
  for (const p of predicted) if (actual.has(p)) tp++;
  const precision = predicted.size ? tp / predicted.size : 1;
  const recall = actual.size ? tp / actual.size : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, truePairs: actual.size, predictedPairs: predicted.size, truePositives: tp };
}
