/**
 * The real-world customers behind the records: one golden record per organisation or person,
 * from which every system's copy is derived (with drift). Tests of master-data matching compare
 * their clusters against these.
 */
import { type City, type CountryCode, type LegalForm, LOCALES, type Locale } from './locales/index.ts';
import type { PhoneNumber } from './phone.ts';
import type { Rng } from './prng.ts';
import { fillPattern, slug } from './text.ts';
import { generateVat } from './vat.ts';

export interface Address {
  street: string;
  houseNumber: string;
  postalCode: string;
  city: string;
  cityAliases: string[];
  region?: string;
  country: CountryCode;
}

export interface Credit {
  currency: 'EUR' | 'GBP' | 'USD';
  limit: number;
  /** Open receivables (SAP SKFOR). */
  receivables: number;
  /** Value of open sales orders (SAP SAUFT). */
  openOrders: number;
  /** Overdue part of the receivables and how late the oldest item is. */
  arrears: number;
  arrearsDays: number;
}

export type Gender = 'male' | 'female';

export interface PersonName {
  firstName: string;
  lastName: string;
  gender: Gender;
}

interface EntityBase {
  entityId: string;
  country: CountryCode;
  address: Address;
  /** Where the customer lived or was registered before; stale copies still carry it. */
  previousAddress: Address;
  phone: PhoneNumber;
  isMobile: boolean;
  email: string;
  credit: Credit;
}

export interface OrganizationEntity extends EntityBase {
  kind: 'organization';
  /** Name without legal form ("Müller Maschinenbau"). */
  name: string;
  legalForm: LegalForm;
  /** Name with the canonical legal form ("Müller Maschinenbau GmbH"). */
  legalName: string;
  domain: string;
  website: string;
  vat?: string;
  /** The person CRMs hold as the contact of this customer. */
  contact: PersonName & { email: string };
}

export interface PersonEntity extends EntityBase, PersonName {
  kind: 'person';
  /** ISO date, YYYY-MM-DD. */
  birthDate: string;
}

export type Entity = OrganizationEntity | PersonEntity;

const CURRENCY: Record<CountryCode, Credit['currency']> = {
  DE: 'EUR',
  FR: 'EUR',
  NL: 'EUR',
  IT: 'EUR',
  ES: 'EUR',
  GB: 'GBP',
  US: 'USD',
};

function makeAddress(rng: Rng, locale: Locale, city: City): Address {
  const suffix =
    (locale.country === 'DE' || locale.country === 'NL') && rng.chance(0.1) ? rng.pick(['a', 'b']) : '';
  const maxNumber = locale.country === 'US' ? 9800 : 180;
  return {
    street: rng.pick(locale.streets),
    houseNumber: `${rng.int(1, maxNumber)}${suffix}`,
    postalCode: fillPattern(rng, rng.pick(city.postal)),
    city: city.name,
    cityAliases: city.aliases ?? [],
    ...(city.region ? { region: city.region } : {}),
    country: locale.country,
  };
}

function makePhone(rng: Rng, locale: Locale, city: City, mobile: boolean): PhoneNumber {
  const area = mobile ? rng.pick(locale.mobilePrefixes) : city.area;
  const length = mobile ? locale.mobileSubscriberLength : city.subscriberLength;
  // Subscriber numbers never start with 0 or 1 (those would be trunk or service prefixes).
  const subscriber = String(rng.int(2, 9)) + rng.digits(length - 1);
  return {
    country: locale.country,
    countryCode: locale.phoneCountryCode,
    trunkPrefix: locale.trunkPrefix,
    area,
    subscriber,
  };
}

function makeName(rng: Rng, locale: Locale): PersonName {
  const gender: Gender = rng.chance(0.5) ? 'male' : 'female';
  const firstName = rng.pick(gender === 'male' ? locale.maleFirstNames : locale.femaleFirstNames);
  return { firstName, lastName: rng.pick(locale.lastNames), gender };
}

function makeCredit(rng: Rng, country: CountryCode, kind: Entity['kind']): Credit {
  const limit = kind === 'organization' ? rng.int(5, 500) * 1000 : rng.int(5, 50) * 100;
  // Some customers run over their limit: that is what credit checks in workflows must catch.
  const receivables = Math.round(limit * rng.next() * 1.15 * 100) / 100;
  const openOrders = Math.round(limit * rng.next() * 0.4 * 100) / 100;
  const late = rng.chance(0.25);
  return {
    currency: CURRENCY[country],
    limit,
    receivables,
    openOrders,
    arrears: late ? Math.round(receivables * (0.05 + rng.next() * 0.55) * 100) / 100 : 0,
    arrearsDays: late ? rng.int(1, 120) : 0,
  };
}

function pickLegalForm(rng: Rng, locale: Locale): LegalForm {
  const forms = locale.legalForms;
  return rng.chance(0.6) ? forms[0]! : rng.pick(forms);
}

function companyName(rng: Rng, locale: Locale, city: City): string {
  const last = rng.pick(locale.lastNames);
  let last2 = rng.pick(locale.lastNames);
  if (last2 === last) last2 = rng.pick(locale.lastNames);
  return rng
    .pick(locale.companyTemplates)
    .replace('{last}', last)
    .replace('{last2}', last2)
    .replace('{industry}', rng.pick(locale.industries))
    .replace('{city}', city.name);
}

function birthDate(rng: Rng): string {
  const year = rng.int(1945, 2004);
  const month = rng.int(1, 12);
  const day = rng.int(1, new Date(Date.UTC(year, month, 0)).getUTCDate());
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function personalEmail(rng: Rng, locale: Locale, name: PersonName): string {
  const first = slug(name.firstName);
  const last = slug(name.lastName);
  const local = rng.pick([
    `${first}.${last}`,
    `${first}.${last}`,
    `${first}${last}`,
    `${first[0]}.${last}`,
    `${first}_${last}`,
    `${first}.${last}${rng.int(1, 99)}`,
  ]);
  return `${local}@${rng.pick(locale.freemailDomains)}`;
}

/** Makes `candidate` unique within `taken` (different customers never share a domain or a mailbox). */
function unique(taken: Set<string>, candidate: string, alternative: (n: number) => string): string {
  let value = candidate;
  for (let n = 2; taken.has(value); n++) value = alternative(n);
  taken.add(value);
  return value;
}

/** `taken` collects the domains and emails handed out so far in one data set. */
export function createEntity(
  rng: Rng,
  index: number,
  country: CountryCode,
  kind: Entity['kind'],
  taken: Set<string>,
): Entity {
  const locale = LOCALES[country];
  const city = rng.pick(locale.cities);
  const address = makeAddress(rng, locale, city);
  const movedWithinCity = rng.chance(0.5);
  const previousAddress = makeAddress(rng, locale, movedWithinCity ? city : rng.pick(locale.cities));
  const entityId = `ent-${String(index + 1).padStart(6, '0')}`;
  const credit = makeCredit(rng, country, kind);
  if (kind === 'organization') {
    const name = companyName(rng, locale, city);
    const legalForm = pickLegalForm(rng, locale);
    // Same-named companies exist; the second one registers a domain with its city or a number.
    const base = slug(name, '-');
    const tld = locale.topLevelDomain;
    const domain = unique(taken, `${base}.${tld}`, (n) =>
      n === 2 ? `${base}-${slug(city.name, '-')}.${tld}` : `${base}${n}.${tld}`,
    );
    const contactName = makeName(rng, locale);
    const vat = generateVat(rng, country);
    return {
      kind,
      entityId,
      country,
      address,
      previousAddress,
      phone: makePhone(rng, locale, city, false),
      isMobile: false,
      email: `${rng.pick(locale.orgMailboxes)}@${domain}`,
      credit,
      name,
      legalForm,
      legalName: `${name} ${legalForm.canonical}`,
      domain,
      website: `https://www.${domain}`,
      ...(vat ? { vat } : {}),
      contact: {
        ...contactName,
        email: `${slug(contactName.firstName)}.${slug(contactName.lastName)}@${domain}`,
      },
    };
  }
  const name = makeName(rng, locale);
  const isMobile = locale.mobilePrefixes.length > 0 && rng.chance(0.6);
  return {
    kind,
    entityId,
    country,
    address,
    previousAddress,
    phone: makePhone(rng, locale, city, isMobile),
    isMobile,
    email: unique(taken, personalEmail(rng, locale, name), (n) => {
      const email = personalEmail(rng, locale, name);
      return email.replace('@', `${n}@`);
    }),
    credit,
    ...name,
    birthDate: birthDate(rng),
  };
}

export function formatStreetLine(address: Pick<Address, 'street' | 'houseNumber' | 'country'>): string {
  const locale = LOCALES[address.country];
  if (locale.houseNumberFirst) return `${address.houseNumber} ${address.street}`;
  return `${address.street}${locale.houseNumberSeparator ?? ' '}${address.houseNumber}`;
}
