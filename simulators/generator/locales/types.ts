/** What a country contributes to the generator: names, places, phone numbering, company forms. */
export type CountryCode = 'DE' | 'FR' | 'GB' | 'US' | 'NL' | 'IT' | 'ES';

export interface City {
  name: string;
  /** Other spellings people type for the same city (exonyms, abbreviations). */
  aliases?: string[];
  /** Postal code patterns: '#' a digit, '@' a letter; one is picked per address. */
  postal: string[];
  /** Area code without the trunk prefix ('30' for Berlin), or with it where the country dials it ('02' Milan). */
  area: string;
  subscriberLength: number;
  /** US state / region code (Salesforce BillingState, SAP REGIO). */
  region?: string;
}

export interface LegalForm {
  canonical: string;
  /** How the same form is also written in the wild (G.m.b.H., Gmbh, written out…). */
  variants: string[];
}

export interface Locale {
  country: CountryCode;
  /** English short name, as Salesforce, HubSpot and Odoo show it. */
  countryName: string;
  /** Spellings of the country seen in free-text country fields. */
  countryAliases: string[];
  /** SAP language key (SPRAS, one character) and Odoo lang. */
  sapLanguage: string;
  odooLang: string;
  /** Odoo res.country id of this country in a fresh database (ids follow the base data file order). */
  odooCountryId: number;
  phoneCountryCode: string;
  /** National trunk prefix dialled before the area code ('0'), empty where the area code carries it. */
  trunkPrefix: string;
  mobilePrefixes: string[];
  mobileSubscriberLength: number;
  maleFirstNames: string[];
  femaleFirstNames: string[];
  lastNames: string[];
  streets: string[];
  /** Whether the house number precedes the street ("12 rue de la Paix") or follows it. */
  houseNumberFirst: boolean;
  /** Separator between street and a following house number ("Via Roma, 12"). */
  houseNumberSeparator?: string;
  /** Abbreviations a clerk would type: [pattern, replacement]. */
  streetAbbreviations: [RegExp, string][];
  cities: City[];
  legalForms: LegalForm[];
  industries: string[];
  /** Company name templates: {last}, {last2}, {industry}, {city}. */
  companyTemplates: string[];
  orgMailboxes: string[];
  freemailDomains: string[];
  topLevelDomain: string;
  /** Salutations as SAP ANRED holds them. */
  salutations: { company: string; male: string; female: string };
}
