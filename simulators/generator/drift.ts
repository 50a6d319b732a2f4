/**
 * Turns a golden entity into what one system holds about it: the same customer, but typed by a
 * different person at a different time. Every change is recorded so tests can look at one kind.
 */
import { type Address, type Entity, formatStreetLine } from './entities.ts';
import { LOCALES } from './locales/index.ts';
import type { DriftKind, DriftRates, DriftStats, RatedDrift, SystemName } from './model.ts';
import { formatPhone, phoneFormatCount } from './phone.ts';
import type { Rng } from './prng.ts';
import { dropDiacritics, hasDiacritics, typo } from './text.ts';

/** What one system's copy says about the customer, before it is shaped into that system's fields. */
export interface CopyView {
  entity: Entity;
  system: SystemName;
  /** Organisations: the name including (or missing) its legal form. */
  orgName?: string;
  firstName?: string;
  lastName?: string;
  /** Persons: the copy holds the family name where the first name belongs. */
  nameSwapped: boolean;
  street?: string;
  postalCode?: string;
  city: string;
  region?: string;
  /** Country as typed into free-text fields. */
  countryText: string;
  phone?: string;
  email?: string;
  website?: string;
  vat?: string;
  birthDate?: string;
  drift: DriftKind[];
}

export class DriftRecorder {
  readonly stats: DriftStats;
  readonly #rates: DriftRates;

  constructor(rates: DriftRates) {
    this.#rates = rates;
    this.stats = Object.fromEntries(
      Object.keys(rates).map((k) => [k, { eligible: 0, applied: 0 }]),
    ) as DriftStats;
  }

  /** Rolls for `kind` on an eligible copy and counts the outcome. */
  roll(rng: Rng, kind: RatedDrift): boolean {
    const hit = rng.chance(this.#rates[kind]);
    this.stats[kind].eligible++;
    if (hit) this.stats[kind].applied++;
    return hit;
  }
}

const FREE_TEXT_COUNTRY: ReadonlySet<SystemName> = new Set(['salesforce', 'hubspot']);
const HOLDS_BIRTHDATE: ReadonlySet<SystemName> = new Set(['salesforce', 'hubspot']);
const HOLDS_WEBSITE: ReadonlySet<SystemName> = new Set(['salesforce', 'hubspot', 'odoo']);

function recaseEmail(rng: Rng, email: string): string {
  const [local = '', domain = ''] = email.split('@');
  const capitalize = (s: string) =>
    s.replace(/(^|[._-])([a-z])/g, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
  switch (rng.int(0, 2)) {
    case 0:
      return `${capitalize(local)}@${domain}`;
    case 1:
      return email.toUpperCase();
    default:
      return `${capitalize(local)}@${domain.replace(/^[^.]+/, (label) => label.toUpperCase())}`;
  }
}

function abbreviateStreet(street: string, country: Entity['country']): string {
  for (const [pattern, replacement] of LOCALES[country].streetAbbreviations) {
    if (pattern.test(street)) return street.replace(pattern, replacement);
  }
  return street;
}

export function deriveCopy(rng: Rng, entity: Entity, system: SystemName, recorder: DriftRecorder): CopyView {
  const drift: DriftKind[] = [];
  const roll = (kind: RatedDrift) => recorder.roll(rng, kind);
  const apply = (kind: Exclude<RatedDrift, 'duplicate_in_system'>) => {
    const hit = roll(kind);
    if (hit) drift.push(kind);
    return hit;
  };
  const locale = LOCALES[entity.country];

  const address: Address = apply('old_address') ? entity.previousAddress : entity.address;
  const view: CopyView = {
    entity,
    system,
    nameSwapped: false,
    city: address.city,
    countryText: locale.countryName,
    drift,
  };
  let street = address.street;

  if (entity.kind === 'organization') {
    let core = entity.name;
    if (apply('name_typo')) core = typo(rng, core);
    // One roll decides the legal form: as written canonically, as a variant, or not at all.
    const variant = apply('legal_form_variant');
    const missing = !variant && apply('legal_form_missing');
    const form = variant ? rng.pick(entity.legalForm.variants) : entity.legalForm.canonical;
    view.orgName = missing ? core : `${core} ${form}`;
  } else {
    let { firstName, lastName } = entity;
    if (apply('name_typo')) {
      if (rng.chance(0.7)) lastName = typo(rng, lastName);
      else firstName = typo(rng, firstName);
    }
    view.firstName = firstName;
    view.lastName = lastName;
    view.nameSwapped = apply('name_order_swapped');
  }

  if (LOCALES[entity.country].streetAbbreviations.some(([pattern]) => pattern.test(street))) {
    if (apply('street_abbreviated')) street = abbreviateStreet(street, entity.country);
  }
  if (address.cityAliases.length > 0 && apply('city_alias')) view.city = rng.pick(address.cityAliases);
  if (apply('address_typo')) {
    if (rng.chance(0.6)) street = typo(rng, street);
    else view.city = typo(rng, view.city);
  }
  view.street = formatStreetLine({ street, houseNumber: address.houseNumber, country: entity.country });
  if (!apply('missing_postal_code')) view.postalCode = address.postalCode;
  if (address.region) view.region = address.region;

  const texts = () => [view.orgName, view.firstName, view.lastName, view.street, view.city];
  if (texts().some((t) => t !== undefined && hasDiacritics(t)) && apply('diacritics_dropped')) {
    const style = entity.country === 'DE' ? 'german' : 'strip';
    const strip = (t: string | undefined) => (t === undefined ? undefined : dropDiacritics(t, style));
    if (view.orgName !== undefined) view.orgName = strip(view.orgName);
    view.firstName = strip(view.firstName);
    view.lastName = strip(view.lastName);
    view.street = strip(view.street);
    view.city = dropDiacritics(view.city, style);
  }
  if (view.firstName === undefined) delete view.firstName;
  if (view.lastName === undefined) delete view.lastName;

  if (FREE_TEXT_COUNTRY.has(system) && apply('country_variant')) {
    view.countryText = rng.pick(locale.countryAliases.filter((alias) => alias !== locale.countryName));
  }

  if (!apply('missing_phone')) {
    const reformatted = apply('phone_reformatted');
    const style = reformatted ? rng.int(1, phoneFormatCount(entity.country) - 1) : 0;
    view.phone = formatPhone(entity.phone, style);
  }
  if (!apply('missing_email')) {
    const email =
      entity.kind === 'organization' && system === 'hubspot' ? entity.contact.email : entity.email;
    view.email = apply('email_case') ? recaseEmail(rng, email) : email;
  }

  if (entity.kind === 'organization') {
    if (entity.vat && !apply('missing_vat')) view.vat = entity.vat;
    if (HOLDS_WEBSITE.has(system) && !apply('missing_website')) {
      view.website = rng.chance(0.5) ? entity.website : entity.website.replace(/^https:\/\//, '');
    }
  } else if (HOLDS_BIRTHDATE.has(system) && !apply('missing_birthdate')) {
    view.birthDate = entity.birthDate;
  }

  if (system === 'sap' && apply('uppercase')) {
    const upper = (t: string | undefined) => t?.toUpperCase();
    if (view.orgName !== undefined) view.orgName = upper(view.orgName);
    if (view.firstName !== undefined) view.firstName = upper(view.firstName);
    if (view.lastName !== undefined) view.lastName = upper(view.lastName);
    if (view.street !== undefined) view.street = upper(view.street);
    view.city = view.city.toUpperCase();
  }
  return view;
}
