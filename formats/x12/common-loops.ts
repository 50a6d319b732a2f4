import { type Fields, pairs, pick, type RefNode, ref } from './fields.ts';
import { alpha2Country } from './iso3166.ts';
import { locate, type X12Segment } from './segment.ts';

/** PER: a contact with its communication numbers (PER03/04, 05/06, 07/08 as qualifier / number). */
export interface X12Contact extends Fields<'function' | 'name'> {
  communications: { qualifier: string; id: string }[];
}

/**
 * An N1 loop: party with N2 names, N3 address lines, N4 place (N405 / N406: a location the partner names it by, e.g.
 * `SN*9999` its store number; N407: the country subdivision, ISO 3166-2's code of the N404 country, which X12 has
 * for countries other than the US and Canada whose N402 state codes it lists), PER contacts and REFs. N105 / N106
 * (entity relationship code, e.g. 01 parent, and the entity identifier code it relates the party to) are read as
 * `relationship` / `relatedEntity`, so a mapping that has no place for them lists them as unused.
 */
export interface X12Party
  extends Fields<
    | 'entityCode'
    | 'name'
    | 'idQualifier'
    | 'id'
    | 'city'
    | 'state'
    | 'postalCode'
    | 'country'
    | 'locationQualifier'
    | 'locationId'
    | 'subdivision'
    | 'relationship'
    | 'relatedEntity'
  > {
  additionalNames: string[];
  addressLines: string[];
  contacts: X12Contact[];
  refs: RefNode[];
}

export function contact(segment: X12Segment): X12Contact {
  return { ...pick(segment, { function: 1, name: 2 }), communications: pairs(segment, 3, 8) };
}

export function startParty(n1: X12Segment, path: string): X12Party {
  locate(n1, path);
  return {
    ...pick(n1, { entityCode: 1, name: 2, idQualifier: 3, id: 4, relationship: 5, relatedEntity: 6 }),
    additionalNames: [],
    addressLines: [],
    contacts: [],
    refs: [],
  };
}

/** Adds N2 / N3 / N4 / PER / REF to the open N1 loop; false when the segment is not part of an N1 loop. */
export function addToParty(party: X12Party, segment: X12Segment, path: string): boolean {
  const values = (): string[] =>
    segment.elements.map((e) => (typeof e === 'string' ? e : e.join(' '))).filter((e) => e !== '');
  switch (segment.tag) {
    case 'N2':
      party.additionalNames.push(...values());
      break;
    case 'N3':
      party.addressLines.push(...values());
      break;
    case 'N4': {
      // N404 is ISO 3166: an alpha-3 code (USA, CAN) is read as its alpha-2 one, as the canonical address holds it.
      const place = pick(segment, {
        city: 1,
        state: 2,
        postalCode: 3,
        country: 4,
        locationQualifier: 5,
        locationId: 6,
        subdivision: 7,
      });
      if (place.country !== undefined) place.country = alpha2Country(place.country);
      Object.assign(party, place, { $loc: party.$loc });
      break;
    }
    case 'PER':
      locate(segment, path);
      party.contacts.push(contact(segment));
      return true;
    case 'REF':
      locate(segment, path);
      party.refs.push(ref(segment));
      return true;
    default:
      return false;
  }
  locate(segment, path);
  return true;
}
