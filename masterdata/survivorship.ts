/**
 * Survivorship: the golden record's value of each field, chosen among the cluster's source records by the rule
 * configured for that field, with the winning source recorded. A pure function of the member set: the same
 * members give the same golden record in any order (every tie is broken by the member key).
 */
import type { Address, CustomerPartyMaster, PhoneNumber } from '../schemas/types.generated.ts';
import { GOLDEN_FIELDS, type GoldenField, type MdmConfig, type SurvivorshipRule } from './config.ts';
import { standardiseCountry, standardisePhone } from './standardise.ts';

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

export interface FieldLineage {
  system: string;
  sourceId: string;
  rule: SurvivorshipRule;
}

export interface Golden {
  record: CustomerPartyMaster;
  lineage: Partial<Record<GoldenField, FieldLineage>>;
}

/**
 * What the golden values look like, as a number: raised whenever a change here makes `survive` give stored golden
 * records other values from the same members, so that `MasterDataStore.migrate` computes the stored ones again
 * (and the changed ones go out to the systems through the golden outbox, as any change does).
 * 1: phones and countries as the winning record held them; 2: phones in E.164, countries as ISO 3166 codes (also
 * from names in a country's own language).
 */
export const SURVIVE_VERSION = 2;

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

/** A value's identity for counting: case and spacing do not make it another value. */
const fingerprint = (value: unknown): string =>
  JSON.stringify(value, (_k, v) => (typeof v === 'string' ? v.trim().toLowerCase().replace(/\s+/g, ' ') : v));

function byKey(a: Member, b: Member): number {
  const ka = memberKey(a);
  const kb = memberKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** When the member's source last changed `field`: its own field time, a copy never, else the record's updatedAt. */
export function fieldTime(m: Member, field: string): number {
  if (m.fieldTimes && field in m.fieldTimes) return time(m.fieldTimes[field]);
  return time(m.record.updatedAt);
}

const isCopy = (m: Member, field: string) => m.fieldTimes?.[field] === null;

/** Field-level conflict rule: the source's most recent change of this field first; equal times by member key. */
const recentFirst = (field: string) => (a: Member, b: Member) =>
  fieldTime(b, field) - fieldTime(a, field) || byKey(a, b);

function winner(
  field: GoldenField,
  members: Member[],
  rule: SurvivorshipRule,
  priority: string[],
): Member | undefined {
  const candidates = members.filter((m) => !isEmpty(m.record[field]));
  if (candidates.length === 0) return undefined;
  switch (rule) {
    case 'sourcePriority': {
      const rank = (m: Member) => {
        const i = priority.indexOf(m.system);
        return i < 0 ? priority.length : i;
      };
      return candidates.sort((a, b) => rank(a) - rank(b) || recentFirst(field)(a, b))[0];
    }
    case 'mostRecent':
      return candidates.sort(recentFirst(field))[0];
    case 'mostComplete':
      return candidates.sort(
        (a, b) => completeness(b.record[field]) - completeness(a.record[field]) || recentFirst(field)(a, b),
      )[0];
    case 'mostFrequent': {
      // The hub's copies are not votes: a value counts once per source that holds it of its own accord.
      const own = candidates.filter((m) => !isCopy(m, field));
      const counts = new Map<string, number>();
      for (const m of own.length > 0 ? own : candidates) {
        const f = fingerprint(m.record[field]);
        counts.set(f, (counts.get(f) ?? 0) + 1);
      }
      const count = (m: Member) => counts.get(fingerprint(m.record[field])) ?? 0;
      return candidates.sort((a, b) => count(b) - count(a) || recentFirst(field)(a, b))[0];
    }
  }
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

/** The winning member's addresses with their country as an ISO code where the name is known (Polska → PL). */
function goldenAddresses(record: CustomerPartyMaster): Address[] {
  return (record.addresses ?? []).map((address) => {
    const code = standardiseCountry(address.countryCode);
    return code ? { ...copy(address), countryCode: code } : copy(address);
  });
}

/** A field's golden value from the winning member: a copy, phones and countries in their standard forms. */
function goldenValue(field: GoldenField, record: CustomerPartyMaster, config: MdmConfig): unknown {
  if (field === 'phones') return goldenPhones(record, config);
  if (field === 'addresses') return goldenAddresses(record);
  return copy(record[field]);
}

export function survive(goldenId: string, members: Member[], config: MdmConfig): Golden {
  const sorted = [...members].sort(byKey);
  const record: CustomerPartyMaster = {
    customerId: goldenId,
    sourceIds: sorted.map((m) => ({ system: m.system, id: m.sourceId })),
  };
  const lineage: Golden['lineage'] = {};
  for (const field of GOLDEN_FIELDS) {
    const setting = config.survivorship.fields[field] ?? config.survivorship.default;
    const won = winner(field, [...sorted], setting.rule, setting.priority ?? []);
    if (!won) continue;
    (record as unknown as Record<string, unknown>)[field] = goldenValue(field, won.record, config);
    lineage[field] = { system: won.system, sourceId: won.sourceId, rule: setting.rule };
  }
  const created = sorted.map((m) => time(m.record.createdAt)).filter(Number.isFinite);
  const updated = sorted.map((m) => time(m.record.updatedAt)).filter(Number.isFinite);
  if (created.length) record.createdAt = new Date(Math.min(...created)).toISOString() as unknown as Date;
  if (updated.length) record.updatedAt = new Date(Math.max(...updated)).toISOString() as unknown as Date;
  return { record, lineage };
}
