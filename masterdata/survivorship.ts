/**
 * Survivorship: the golden record's value of each field, chosen among the cluster's source records by the rule
 * configured for that field, with the winning source recorded. A pure function of the member set: the same
 * members give the same golden record in any order (every tie is broken by the member key).
 */
import type { Address, AddressUse, CustomerPartyMaster, PhoneNumber } from '../schemas/types.generated.ts';
import { GOLDEN_FIELDS, type GoldenField, type MdmConfig, type SurvivorshipRule } from './config.ts';
import {
  fold,
  standardiseCountry,
  standardisePhone,
  standardisePostalCode,
  standardiseStreet,
  withLeadingZeros,
} from './standardise.ts';

export interface Member {
  system: string;
  sourceId: string;
  record: CustomerPartyMaster;
  /**
   * Per golden field: when the source itself last changed it (ISO time), or null for a copy the hub wrote there
   * (an echo: never newer than the value it copies, and not a vote of its own). A field not listed falls back
   * to the record's updatedAt.
   */
  fieldTimes?: Partial<Record<string, string | null>>;
}

/**
 * The key in a member's field times of when its change of `field` reached the bus (the Kafka record's time, ISO):
 * the tie-break of two changes whose own times are equal at the precision of the systems' clocks.
 */
export const arrivalKey = (field: string): string => `${field}@arrival`;

export interface FieldLineage {
  system: string;
  sourceId: string;
  rule: SurvivorshipRule;
}

/** The parts of an address that survivorship fills from another member's address of the same place. */
export const ADDRESS_PARTS = ['lines', 'city', 'region', 'postalCode', 'countryCode'] as const;
export type AddressPart = (typeof ADDRESS_PARTS)[number];

/**
 * Per golden field, the member whose value won; per address use added from another member than the
 * `addresses` winner (`addresses[SHIPPING]`), the member it came from; and per part of a golden address that its
 * own source lacked and another member's address of the same place gave (`addresses[BILLING].lines`), that member.
 */
export type Lineage = Partial<
  Record<GoldenField | `addresses[${AddressUse}]` | `addresses[${AddressUse}].${AddressPart}`, FieldLineage>
>;

export interface Golden {
  record: CustomerPartyMaster;
  lineage: Lineage;
}

/**
 * What the golden values look like, as a number: raised whenever a change here makes `survive` give stored golden
 * records other values from the same members, so that `MasterDataStore.migrate` computes the stored ones again
 * (and the changed ones go out to the systems through the golden outbox, as any change does).
 * 1: phones and countries as the winning record held them; 2: phones in E.164, countries as ISO 3166 codes (also
 * from names in a country's own language); 3: addresses a multi-valued attribute: the winner's, plus for each use
 * it lacks (a Salesforce Account's SHIPPING beside SAP's BILLING) that use's address from the best other member, so
 * stored golden records gain the addresses of the uses their winner lacked; 4: mostFrequent counts a value whose
 * parts one source states empty (`title: null`) or in another key order as the same value (`fingerprint`); 5: a
 * golden address's parts its source lacks (a newer partial address: city and postcode, no street) are filled from
 * another member's address of the same use and place (`fillSamePlace`), so an emptier address no longer wipes the
 * street a fuller one of that place holds; 6: field times compared at the coarsest clock precision of the
 * systems compared (`clockPrecisionMs`: Odoo's whole seconds), ties to the later arrival on the bus; 7: mostFrequent
 * counts a value spelt with or without its accents (José García, Jose Garcia; Jürgen, Juergen) as one, the spelling
 * with the accents kept, and a value once per system that holds it (two records of one system are one vote); 8: a
 * golden address's postal code with the leading zeros a spreadsheet dropped put back (`withLeadingZeros`: 2141 in
 * the US → 02141).
 */
export const SURVIVE_VERSION = 8;

export const memberKey = (m: { system: string; sourceId: string }): string =>
  `${m.system}\u0000${m.sourceId}`;

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value as object).every(isEmpty);
  return false;
}

/** Non-empty leaves: how complete a value is. */
function completeness(value: unknown): number {
  if (isEmpty(value)) return 0;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + completeness(v), 0);
  if (typeof value === 'object')
    return Object.values(value as object).reduce((n: number, v) => n + completeness(v), 0);
  return 1;
}

const time = (value: unknown): number => {
  if (value === null || value === undefined) return Number.NEGATIVE_INFINITY;
  const t = new Date(value as string).getTime();
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
};

/**
 * A value's identity for counting: case and spacing do not make it another value, nor does a part one source states
 * empty and another leaves out, nor the order of an object's keys. A CSV mapping's person `{givenName: 'Jürgen',
 * familyName: 'Müller', title: null, middleName: null}` and SAP's `{givenName: 'Jürgen', familyName: 'Müller'}` are
 * one value with two votes; counted apart, a third system's "Juergen Mueller", held by one, won by its time or key.
 * Accents and umlaut spellings are aside too (José =
 * Jose, Jürgen = Juergen, ß = ss), since a system that cannot hold an accent (a US CRM, an ASCII-only export) holds
 * the same name, not another one. Counted apart, "José García" in Salesforce and "Jose Garcia" in Odoo were two
 * values of one vote each, and HubSpot's swapped "Garcia Jose" won the tie by its time.
 */
const votePrint = (value: unknown): string => JSON.stringify(comparable(value));

const FOLDED_LETTERS: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', þ: 'th' };

function voteText(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[ßæœøłđþ]/g, (c) => FOLDED_LETTERS[c] ?? c)
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/([aou])e/g, '$1')
    .replace(/\s+/g, ' ');
}

/** How many letters of a value's text an ASCII-only system would have lost (accents, umlauts, ß). */
function accentedLetters(value: unknown): number {
  if (typeof value === 'string') return (value.match(/[^\p{ASCII}]/gu) ?? []).length;
  if (value === null || typeof value !== 'object') return 0;
  return Object.values(value as object).reduce((n: number, v) => n + accentedLetters(v), 0);
}

function comparable(value: unknown): unknown {
  if (typeof value === 'string') return voteText(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(comparable);
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v === null || v === undefined || v === '') continue;
    out[key] = comparable(v);
  }
  return out;
}

/**
 * A member as survivorship ranks it, with what every field's ranking reads worked out once per `survive` call:
 * its key (ties) and its record's updatedAt as a time. Ranking used to build the key and parse the date again in
 * every comparison of every field (a third of survivorship's CPU time).
 */
interface Ranked {
  m: Member;
  key: string;
  updated: number;
}

const rankedOf = (m: Member): Ranked => ({ m, key: memberKey(m), updated: time(m.record.updatedAt) });

const byKey = (a: Ranked, b: Ranked): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The field time a key stands for: its own, else (for one address use, `addresses[SHIPPING]`) its field's; undefined
 * when neither is kept.
 */
function timeOf(m: Member, key: string): string | null | undefined {
  if (m.fieldTimes && key in m.fieldTimes) return m.fieldTimes[key];
  const bracket = key.indexOf('[');
  const top = bracket < 0 ? key : key.slice(0, bracket);
  return top !== key && m.fieldTimes && top in m.fieldTimes ? m.fieldTimes[top] : undefined;
}

/**
 * When the member's source last changed `field` (or one address use, `addresses[SHIPPING]`, where the use's own
 * time is kept): its own field time, a copy never, else the record's updatedAt.
 */
export function fieldTime(m: Member, field: string): number {
  const own = timeOf(m, field);
  return own !== undefined ? time(own) : time(m.record.updatedAt);
}

/** `fieldTime` of a ranked member (its updatedAt read once). */
function rankedTime(r: Ranked, field: string): number {
  const own = timeOf(r.m, field);
  return own !== undefined ? time(own) : r.updated;
}

const isCopy = (m: Member, field: string) => timeOf(m, field) === null;

/** When the member's change of `field` (or of its top field, for one address use) reached the bus; -∞ unknown. */
function arrivalOf(m: Member, field: string): number {
  if (!m.fieldTimes) return Number.NEGATIVE_INFINITY;
  const bracket = field.indexOf('[');
  const top = bracket < 0 ? field : field.slice(0, bracket);
  return time(m.fieldTimes[arrivalKey(field)] ?? m.fieldTimes[arrivalKey(top)]);
}

/** Later first; two unknowns (or two equal) are no order. */
const later = (a: number, b: number): number => (a === b ? 0 : b - a);

/**
 * The member whose value of `field` wins by the rule. `read` reads the value compared (default the field's; one
 * address use's address for the uses added to the winner's), `field` also names the field time that ranks them.
 * Field-level conflict rule: the source's most recent change of this field first, the times compared at the
 * coarsest clock precision among the candidates' systems (`precision`, ms: Odoo's write_date has whole seconds, so
 * its 10:00:00 and HubSpot's 10:00:00.500 are one time); equal times by the later arrival on the bus, then by
 * member key.
 * What the rule ranks by (the rank, the completeness, the count: lower first) and the field time are worked out
 * once per candidate into a small entry, then sorted with the comparisons of before: the same winner.
 */
function winner(
  field: string,
  members: Ranked[],
  rule: SurvivorshipRule,
  priority: string[],
  precision: Readonly<Record<string, number>>,
  read: (m: Member) => unknown = (m) => (m.record as unknown as Record<string, unknown>)[field],
): Ranked | undefined {
  return ranking(field, members, rule, priority, precision, read)[0];
}

/** The members holding a value of `field` (as `read` reads it), best first by the rule: `winner`'s order. */
function ranking(
  field: string,
  members: Ranked[],
  rule: SurvivorshipRule,
  priority: string[],
  precision: Readonly<Record<string, number>>,
  read: (m: Member) => unknown,
): Ranked[] {
  const candidates = members.filter((r) => !isEmpty(read(r.m)));
  if (candidates.length <= 1) return candidates;
  let grain = 1;
  for (const r of candidates) grain = Math.max(grain, precision[r.m.system] ?? 1);
  const entries = candidates.map((r) => {
    const t = rankedTime(r, field);
    return { r, time: grain > 1 ? Math.floor(t / grain) : t, arrival: arrivalOf(r.m, field), first: 0 };
  });
  switch (rule) {
    case 'sourcePriority':
      for (const e of entries) {
        const i = priority.indexOf(e.r.m.system);
        e.first = i < 0 ? priority.length : i;
      }
      break;
    case 'mostRecent':
      break;
    case 'mostComplete':
      for (const e of entries) e.first = -completeness(read(e.r.m));
      break;
    case 'mostFrequent': {
      // The hub's copies are not votes: a value counts once per system that holds it of its own accord, however
      // many of its records do (two HubSpot contacts of one person are one system's word, not two). Accents
      // aside (votePrint); of one value's spellings, one with the accents (Jürgen Müller, José García) is the
      // one kept before one without (Juergen Mueller, Jose Garcia), which lost them to its system or export.
      const prints = entries.map((e) => votePrint(read(e.r.m)));
      const accents = entries.map((e) => accentedLetters(read(e.r.m)));
      const own = entries.some((e) => !isCopy(e.r.m, field));
      const voters = new Map<string, Set<string>>();
      const mostAccents = new Map<string, number>();
      entries.forEach((e, i) => {
        const f = prints[i] as string;
        mostAccents.set(f, Math.max(mostAccents.get(f) ?? 0, accents[i] as number));
        if (own && isCopy(e.r.m, field)) return;
        const systems = voters.get(f);
        if (systems) systems.add(e.r.m.system);
        else voters.set(f, new Set([e.r.m.system]));
      });
      entries.forEach((e, i) => {
        const f = prints[i] as string;
        e.first =
          -(voters.get(f)?.size ?? 0) + ((accents[i] as number) < (mostAccents.get(f) ?? 0) ? 0.5 : 0);
      });
      break;
    }
  }
  entries.sort(
    (a, b) => a.first - b.first || later(a.time, b.time) || later(a.arrival, b.arrival) || byKey(a.r, b.r),
  );
  return entries.map((e) => e.r);
}

/**
 * A deep copy of a field's value. Records are JSON (from jsonb, or put through JSON), so plain objects and arrays
 * are copied here; anything else (a Date) by structuredClone, which alone was 2% of the matcher's CPU time.
 */
function copy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copy) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = copy(v);
  return out as T;
}

/**
 * The winning member's phones as golden values: E.164 where libphonenumber reads the number, a national form in the
 * country of that member's own address (as `standardise` reads it for matching: the billing address, else the
 * first), else in `defaultCountry`; a number it cannot read is kept as written.
 */
function goldenPhones(record: CustomerPartyMaster, config: MdmConfig): PhoneNumber[] {
  const address = record.addresses?.find((a) => a.use === 'BILLING') ?? record.addresses?.[0];
  const country = standardiseCountry(address?.countryCode) ?? config.defaultCountry ?? null;
  return (record.phones ?? []).map((phone) => {
    const e164 = standardisePhone(phone.number, country);
    return e164 ? { ...copy(phone), number: e164, isE164: true } : copy(phone);
  });
}

/**
 * An address with its country as an ISO code where the name is known (Polska → PL) and its postal code with the
 * leading zeros a spreadsheet dropped put back (2141 in the US → 02141: `withLeadingZeros`).
 */
function goldenAddress(address: Address): Address {
  const code = standardiseCountry(address.countryCode);
  const out = code ? { ...copy(address), countryCode: code } : copy(address);
  const postalCode = goldenPostalCode(out.postalCode, code);
  return postalCode === out.postalCode ? out : { ...out, postalCode };
}

/** A postal code as written, or its digits with the zeros a spreadsheet dropped (`withLeadingZeros`). */
function goldenPostalCode<T>(postalCode: T, country: string | null): T | string {
  if (typeof postalCode !== 'string' || !country) return postalCode;
  const trimmed = postalCode.trim();
  const restored = withLeadingZeros(trimmed, country);
  return restored === trimmed ? postalCode : restored;
}

/** The winning member's addresses, countries as ISO codes. */
function goldenAddresses(record: CustomerPartyMaster): Address[] {
  return (record.addresses ?? []).map(goldenAddress);
}

/**
 * The uses an address of another member than the winner is added for, in this order. Not OTHER (nor an address
 * without a use): it says nothing about what the address is for, so two members' OTHER addresses are no two uses
 * of one customer; those stay the winner's alone.
 */
const ADDED_USES: readonly AddressUse[] = ['BILLING', 'SHIPPING', 'MAILING', 'REGISTERED'];

/** A member's (first) address of a use, or undefined. */
const addressOf = (m: Member, use: AddressUse): Address | undefined =>
  (m.record.addresses ?? []).find((a) => a.use === use);

/**
 * Addresses are a multi-valued attribute: the winner's list first, as it holds it, then for each use it lacks the
 * address of that use from the best other member by the same rule and ranking (the use's own field time where one
 * is kept, `addresses[SHIPPING]`, else the addresses' time). A copy of the hub's (an echo: a one-address system
 * such as HubSpot reads the golden billing address back as its MAILING one) is no source of a use: it would
 * make the hub's value a second address of another use, which then never followed the first.
 */
function addedAddresses(
  won: Ranked,
  members: Ranked[],
  rule: SurvivorshipRule,
  priority: string[],
  precision: Readonly<Record<string, number>>,
): Array<{ use: AddressUse; member: Member; address: Address }> {
  const held = new Set((won.m.record.addresses ?? []).map((a) => a.use));
  const out: Array<{ use: AddressUse; member: Member; address: Address }> = [];
  for (const use of ADDED_USES) {
    if (held.has(use)) continue;
    const key = `addresses[${use}]`;
    const others = members.filter((r) => r.m !== won.m && !isCopy(r.m, key));
    const best = winner(key, others, rule, priority, precision, (m) => addressOf(m, use))?.m;
    const address = best && addressOf(best, use);
    if (best && address) out.push({ use, member: best, address: goldenAddress(address) });
  }
  return out;
}

/** A country as compared: its ISO code where the name is known, else as written (upper case); null when absent. */
const countryOf = (a: Address): string | null =>
  standardiseCountry(a.countryCode) ?? (a.countryCode?.trim().toUpperCase() || null);

/** A text part as compared (folded), null when absent or blank. */
const textOf = (text: string | null | undefined): string | null => (text?.trim() ? fold(text) : null);

/** The street lines as compared (street and house number of each, abbreviations spelt out), null when none. */
function linesOf(a: Address): string | null {
  const lines = (a.lines ?? []).filter((line) => typeof line === 'string' && line.trim());
  if (!lines.length) return null;
  return lines
    .map((line) => {
      const { street, houseNumber } = standardiseStreet(line);
      return `${street} ${houseNumber ?? ''}`;
    })
    .join('\n');
}

/**
 * Two addresses are of the same place when every part both hold agrees (country, postcode, city, region, street
 * lines, each in its comparison form) and they share a postcode or a city: a country alone places nothing. One
 * that differs in any part both hold is another address (a move), which wins or loses whole.
 */
function samePlace(a: Address, b: Address): boolean {
  const ca = countryOf(a);
  const cb = countryOf(b);
  if (ca && cb && ca !== cb) return false;
  const country = ca ?? cb;
  const pa = standardisePostalCode(a.postalCode, country);
  const pb = standardisePostalCode(b.postalCode, country);
  if (pa && pb && pa !== pb) return false;
  const cityA = textOf(a.city);
  const cityB = textOf(b.city);
  if (cityA && cityB && cityA !== cityB) return false;
  const ra = textOf(a.region);
  const rb = textOf(b.region);
  if (ra && rb && ra !== rb) return false;
  const la = linesOf(a);
  const lb = linesOf(b);
  if (la && lb && la !== lb) return false;
  return (!!pa && !!pb) || (!!cityA && !!cityB);
}

/**
 * Per-part survivorship of the golden addresses: the first golden address of each use (BILLING, SHIPPING, MAILING,
 * REGISTERED) keeps the parts its source holds, and each part it lacks (the street of a CRM's address that knows
 * only the city and postcode) comes from the other members' address of that use, best first by the field's rule
 * and ranking, each taken only where it is of the same place as the address filled so far (`samePlace`). So a
 * newer part wins only where it is present, an emptier address of one place no longer wipes a fuller one, and an
 * address of another place still wins whole. A copy of the hub's is no source (as for `addedAddresses`). Mutates
 * `addresses` (the golden copies) and adds `addresses[<use>].<part>` to the lineage.
 */
function fillSamePlace(
  addresses: Address[],
  sources: Member[],
  members: Ranked[],
  rule: SurvivorshipRule,
  priority: string[],
  precision: Readonly<Record<string, number>>,
  lineage: Lineage,
): void {
  if (members.length < 2) return;
  const done = new Set<AddressUse>();
  addresses.forEach((address, i) => {
    const use = address.use;
    if (!use || !ADDED_USES.includes(use) || done.has(use)) return;
    done.add(use);
    const parts = address as Record<AddressPart, unknown>;
    if (ADDRESS_PARTS.every((part) => !isEmpty(parts[part]))) return;
    const key = `addresses[${use}]` as const;
    const others = members.filter((r) => r.m !== sources[i] && !isCopy(r.m, key));
    for (const r of ranking(key, others, rule, priority, precision, (m) => addressOf(m, use))) {
      const candidate = addressOf(r.m, use) as Address;
      if (!samePlace(address, candidate)) continue;
      for (const part of ADDRESS_PARTS) {
        const value = (candidate as Record<AddressPart, unknown>)[part];
        if (!isEmpty(parts[part]) || isEmpty(value)) continue;
        parts[part] =
          part === 'countryCode'
            ? (standardiseCountry(value as string) ?? value)
            : part === 'postalCode'
              ? goldenPostalCode(
                  value,
                  standardiseCountry((parts.countryCode as string) || candidate.countryCode),
                )
              : copy(value);
        lineage[`${key}.${part}`] = { system: r.m.system, sourceId: r.m.sourceId, rule };
      }
      if (ADDRESS_PARTS.every((part) => !isEmpty(parts[part]))) return;
    }
  });
}

/** A field's golden value from the winning member: a copy, phones and countries in their standard forms. */
function goldenValue(field: GoldenField, record: CustomerPartyMaster, config: MdmConfig): unknown {
  if (field === 'phones') return goldenPhones(record, config);
  if (field === 'addresses') return goldenAddresses(record);
  return copy(record[field]);
}

export function survive(goldenId: string, members: Member[], config: MdmConfig): Golden {
  const ranked = members.map(rankedOf).sort(byKey);
  const sorted = ranked.map((r) => r.m);
  const record: CustomerPartyMaster = {
    customerId: goldenId,
    sourceIds: sorted.map((m) => ({ system: m.system, id: m.sourceId })),
  };
  const lineage: Golden['lineage'] = {};
  for (const field of GOLDEN_FIELDS) {
    const setting = config.survivorship.fields[field] ?? config.survivorship.default;
    const precision = config.survivorship.clockPrecisionMs ?? {};
    const wonRanked = winner(field, ranked, setting.rule, setting.priority ?? [], precision);
    if (!wonRanked) continue;
    const won = wonRanked.m;
    (record as unknown as Record<string, unknown>)[field] = goldenValue(field, won.record, config);
    lineage[field] = { system: won.system, sourceId: won.sourceId, rule: setting.rule };
    if (field !== 'addresses') continue;
    const sources = (record.addresses ?? []).map(() => won);
    for (const added of addedAddresses(wonRanked, ranked, setting.rule, setting.priority ?? [], precision)) {
      record.addresses?.push(added.address);
      sources.push(added.member);
      lineage[`addresses[${added.use}]`] = {
        system: added.member.system,
        sourceId: added.member.sourceId,
        rule: setting.rule,
      };
    }
    fillSamePlace(
      record.addresses ?? [],
      sources,
      ranked,
      setting.rule,
      setting.priority ?? [],
      precision,
      lineage,
    );
  }
  const created = sorted.map((m) => time(m.record.createdAt)).filter(Number.isFinite);
  const updated = ranked.map((r) => r.updated).filter(Number.isFinite);
  if (created.length) record.createdAt = new Date(Math.min(...created)).toISOString() as unknown as Date;
  if (updated.length) record.updatedAt = new Date(Math.max(...updated)).toISOString() as unknown as Date;
  return { record, lineage };
}
