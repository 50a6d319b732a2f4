/**
 * Blocking keys: two records are compared only when they share one. Several independent keys, so that a true
 * match is missed only when every one of them fails at once (a typo in both names, and a new email, and a new
 * phone, and a new address…). Blocking is where recall is won or lost.
 *
 * Keys depend on the record alone (never on how many records share them), so the set of compared pairs, and with
 * it the clusters, does not depend on arrival order.
 */
import doubleMetaphone from 'talisman/phonetics/double-metaphone.js';
import type { StandardCustomer } from './standardise.ts';

const phonetic = (word: string): string => {
  const [primary] = doubleMetaphone(word.replace(/[^a-z]/g, ''));
  return primary || word.slice(0, 4);
};

export function blockingKeys(s: StandardCustomer): string[] {
  const keys = new Set<string>();
  for (const email of s.emails) keys.add(`e:${email}`);
  for (const phone of s.phones) keys.add(`p:${phone}`);
  if (s.taxId) keys.add(`t:${s.taxId}`);
  for (const domain of s.domains) keys.add(`d:${domain}`);
  if (s.postalCode && s.houseNumber) keys.add(`a:${s.country ?? ''}:${s.postalCode}:${s.houseNumber}`);
  if (s.street && s.houseNumber && s.city)
    keys.add(`s:${s.street.slice(0, 6)}:${s.houseNumber}:${s.city.slice(0, 3)}`);

  if (s.partyType === 'PERSON' || s.partyType === 'UNKNOWN') {
    // Both orders, so a record with first and family name swapped shares the keys of the straight one.
    const parts = [...new Set([s.givenName, s.givenFormal, s.familyName])].filter((p): p is string => !!p);
    for (const a of parts) {
      for (const b of parts) {
        if (a === b && parts.length > 1) continue;
        keys.add(`n:${phonetic(a)}:${b[0] ?? ''}`);
      }
    }
    if (s.birthDate) keys.add(`b:${s.birthDate}`);
  }
  if ((s.partyType === 'ORGANIZATION' || s.partyType === 'UNKNOWN') && s.orgName) {
    const tokens = s.orgName.split(' ').filter((t) => t !== '&' && t !== 'and' && t !== 'et' && t !== 'und');
    const [t0 = '', t1] = tokens;
    keys.add(`o1:${phonetic(t0)}:${t1?.[0] ?? ''}`);
    if (t1) keys.add(`o2:${t0.slice(0, 2)}:${phonetic(t1)}`);
    keys.add(`o3:${s.orgName.replace(/ /g, '').slice(0, 5)}`);
  }
  return [...keys].sort();
}
