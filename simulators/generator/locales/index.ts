import { de } from './de.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';
import { gb } from './gb.ts';
import { it } from './it.ts';
import { nl } from './nl.ts';
import type { CountryCode, Locale } from './types.ts';
import { us } from './us.ts';

export type { City, CountryCode, LegalForm, Locale } from './types.ts';

export const LOCALES: Readonly<Record<CountryCode, Locale>> = {
  DE: de,
  FR: fr,
  GB: gb,
  US: us,
  NL: nl,
  IT: it,
  ES: es,
};

/** Default share of entities per country (weights, not percentages). */
export const DEFAULT_COUNTRY_WEIGHTS: Readonly<Record<CountryCode, number>> = {
  DE: 25,
  FR: 15,
  GB: 15,
  US: 15,
  NL: 10,
  IT: 10,
  ES: 10,
};
