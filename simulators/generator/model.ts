/** Shapes the generator hands out: system records, truth links and the documented drift rates. */
export const SYSTEMS = ['salesforce', 'hubspot', 'odoo', 'sap'] as const;
export type SystemName = (typeof SYSTEMS)[number];

/**
 * Probability of each drift per eligible copy (README.md explains eligibility). Tests measure the
 * generated proportions against these numbers, so change them here and nowhere else.
 */
export const DRIFT_RATES = {
  /** Any copy: the address the customer had before moving. */
  old_address: 0.1,
  /** Copies whose street contains an abbreviable word (Straße, Street, rue, Via…). */
  street_abbreviated: 0.35,
  /** Any copy: one transposed, dropped or doubled letter in the (company or family) name. */
  name_typo: 0.08,
  /** Any copy: the same slip in the street or the city. */
  address_typo: 0.05,
  /** Copies with a diacritic in name, street or city: Müller → Mueller, Élodie → Elodie. */
  diacritics_dropped: 0.3,
  /** Organisation copies: GmbH → G.m.b.H., Ltd → Limited… */
  legal_form_variant: 0.25,
  /** Organisation copies: the legal form left out. */
  legal_form_missing: 0.06,
  /** Person copies: first and family name swapped. */
  name_order_swapped: 0.15,
  /** Copies that have an email: capitals in it (Hans.Mueller@GMX.de). */
  email_case: 0.15,
  /** Copies that have a phone: a national format instead of the spaced international one. */
  phone_reformatted: 0.7,
  /** Copies whose city has another common spelling: München → Munich, Den Haag → 's-Gravenhage. */
  city_alias: 0.1,
  /** Salesforce and HubSpot copies (free-text country): Germany → Deutschland, DE… */
  country_variant: 0.25,
  /** SAP copies: legacy master data kept in capitals. */
  uppercase: 0.25,
  missing_phone: 0.1,
  missing_email: 0.12,
  missing_postal_code: 0.04,
  /** Organisation copies of customers that have a VAT id (CRMs often lack it). */
  missing_vat: 0.3,
  /** Organisation copies in systems that hold a website. */
  missing_website: 0.2,
  /** Person copies in systems that hold a birth date (Salesforce, HubSpot). */
  missing_birthdate: 0.35,
  /** Entities: a second, separately keyed copy in one of their systems. */
  duplicate_in_system: 0.03,
} as const;

export type RatedDrift = keyof typeof DRIFT_RATES;
/** `truncated`: SAP's 35-character NAME1 cut the name (the rest goes to NAME2); it follows from length. */
export type DriftKind = Exclude<RatedDrift, 'duplicate_in_system'> | 'truncated';
export type DriftRates = { [K in RatedDrift]: number };

export interface SystemRecord {
  system: SystemName;
  /** The object type as the system names it: Account, Contact, contact, res.partner, DEBMAS. */
  type: string;
  record: Record<string, unknown>;
}

/** Which real-world entity a system record stands for; what matching must recover. */
export interface TruthLink {
  entityId: string;
  system: SystemName;
  systemId: string;
  type: string;
  /** The drift applied to this copy, for tests that want to look at one kind of difficulty. */
  drift: DriftKind[];
}

/** Per drift kind: copies that could have received it and copies that did. */
export type DriftStats = Record<RatedDrift, { eligible: number; applied: number }>;
