import { deriveFrom } from '../derived.ts';
import { type EdifactDate, readDate } from './dates.ts';
import { type EdifactChecks, type Fields, joinFreeText, pick } from './fields.ts';
import { components, type EdifactSegment, value } from './segment.ts';

export type EdifactRef = Fields<'qualifier' | 'value' | 'lineId'> & { dates?: EdifactDate[] };
export type EdifactCommunication = Fields<'number' | 'channel'>;
export interface EdifactContact extends Fields<'function' | 'departmentId' | 'name'> {
  communications: EdifactCommunication[];
}

/**
 * A place named in a NAD group (ORDERS D.96A / D.01B SG2, DESADV SG2: NAD, LOC, …): LOC 3227 what the place is to the
 * party (7 place of delivery, 11 place of discharge…), C517 its id (3225), code list (1131), agency (3055), name (3224).
 */
export type EdifactPartyPlace = Fields<'qualifier' | 'id' | 'codeList' | 'agency' | 'name'>;

/** A NAD group: party id (NAD02 C082), structured name and address, and its LOC, RFF, CTA and COM segments. */
export interface EdifactParty
  extends Fields<
    | 'qualifier'
    | 'id'
    | 'idCodeList'
    | 'idAgency'
    | 'name'
    | 'city'
    | 'region'
    | 'regionName'
    | 'postalCode'
    | 'country'
  > {
  /** NAD03 (C058): unstructured name-and-address lines, when the sender used them. */
  nameAndAddress: string[];
  nameParts: string[];
  street: string[];
  /** LOC segments of the group: places of the party (a buyer's delivery store, a consignee's dock). */
  locations: EdifactPartyPlace[];
  refs: EdifactRef[];
  contacts: EdifactContact[];
  /** COM directly under the NAD, without a CTA. */
  communications: EdifactCommunication[];
}

/**
 * An FTX's coded text (C107: 4441 the text's code, 1131 its code list, 3055 the agency), under its subject (4451):
 * `FTX+LIN++DUY:1B`, a code the partners agreed on, sent with no text of its own (C108).
 */
export type EdifactTextRef = Fields<'subject' | 'code' | 'codeList' | 'agency'>;

/** The header parts every EDIFACT message shares (SG1 RFF with its DTM, header DTM, FTX). */
export interface EdifactHeaderParts {
  dates: EdifactDate[];
  refs: EdifactRef[];
  /** FTX C108 texts; an FTX without one adds none (its coded text is in textRefs). */
  freeText: string[];
  textRefs: EdifactTextRef[];
}

/** An FTX: its text (C108) when it has one, its coded text (C107) when it has one. */
function addFreeText(
  parts: { freeText: string[]; textRefs: EdifactTextRef[] },
  segment: EdifactSegment,
  check: EdifactChecks,
): void {
  check.composite(segment, 4, 5, 'C108 (text literal)');
  const text = joinFreeText(components(segment, 4));
  if (text !== '') parts.freeText.push(text);
  const ref = pick(segment, { subject: 1, code: [3, 1], codeList: [3, 2], agency: [3, 3] });
  if (ref.code !== undefined) parts.textRefs.push(ref);
}

/** Adds a DTM, RFF or FTX header segment; false for any other tag. A DTM right after an RFF dates that reference. */
export function addCommonHeader(
  header: EdifactHeaderParts,
  segment: EdifactSegment,
  previous: EdifactSegment | undefined,
  check: EdifactChecks,
): boolean {
  switch (segment.tag) {
    case 'DTM': {
      const date = readDate(segment, check);
      const ref = header.refs[header.refs.length - 1];
      if (ref && previous?.tag === 'RFF') {
        ref.dates ??= [];
        ref.dates.push(date);
      } else {
        header.dates.push(date);
      }
      return true;
    }
    case 'RFF':
      header.refs.push(readRef(segment));
      return true;
    case 'FTX':
      addFreeText(header, segment, check);
      return true;
    default:
      return false;
  }
}

/** A CNT in the summary; CNT qualifier 2 (number of line items) must match the LIN groups: checked, never trusted. */
export function addLineCount(
  summary: { counts: Array<Fields<'qualifier' | 'value'>> },
  lineCount: number,
  segment: EdifactSegment,
  check: EdifactChecks,
): void {
  check.decimal(segment, 1, 2, true);
  const count = pick(segment, { qualifier: [1, 1], value: [1, 2] });
  summary.counts.push(count);
  if (count.qualifier === '2' && Number(count.value) !== lineCount) {
    check.fail(
      `${segment.$loc}, element CNT01.2`,
      `control count mismatch: CNT+2 says ${count.value} but there are ${lineCount} LIN line items`,
    );
  }
}

export function readRef(segment: EdifactSegment): EdifactRef {
  return pick(segment, { qualifier: [1, 1], value: [1, 2], lineId: [1, 3] });
}

export function readParty(nad: EdifactSegment, check: EdifactChecks): EdifactParty {
  check.composite(nad, 3, 5, 'C058 (name and address)');
  check.composite(nad, 4, 6, 'C080 (party name)');
  check.composite(nad, 5, 4, 'C059 (street)');
  const nameParts = components(nad, 4).filter((part) => part !== '');
  const party: EdifactParty = {
    ...pick(nad, {
      qualifier: 1,
      id: [2, 1],
      idCodeList: [2, 2],
      idAgency: [2, 3],
      city: 6,
      // C819: 3229 the subdivision's code (`+CA`), 3228 (4th component, D.01B on) its name (`+:::Lancashire`).
      region: [7, 1],
      regionName: [7, 4],
      postalCode: 8,
      country: 9,
    }),
    nameAndAddress: components(nad, 3).filter((part) => part !== ''),
    nameParts,
    street: components(nad, 5).filter((part) => part !== ''),
    locations: [],
    refs: [],
    contacts: [],
    communications: [],
  };
  // The name is its parts joined: a mapping that reads `name` used them (the usage count of `eai map`).
  const name = joinFreeText(nameParts);
  if (name !== '') deriveFrom(Object.assign(party, { name }), 'name', ['nameParts']);
  return party;
}

/** Files LOC / RFF / DTM / CTA / COM under an open NAD group; false when the segment is not part of it. */
export function addToParty(party: EdifactParty, segment: EdifactSegment, check: EdifactChecks): boolean {
  switch (segment.tag) {
    case 'LOC':
      check.composite(segment, 2, 4, 'C517 (location identification)');
      party.locations.push(
        pick(segment, { qualifier: 1, id: [2, 1], codeList: [2, 2], agency: [2, 3], name: [2, 4] }),
      );
      return true;
    case 'RFF':
      party.refs.push(readRef(segment));
      return true;
    case 'DTM': {
      const ref = party.refs[party.refs.length - 1];
      if (!ref) return false;
      ref.dates ??= [];
      ref.dates.push(readDate(segment, check));
      return true;
    }
    case 'CTA':
      party.contacts.push({
        ...pick(segment, { function: 1, departmentId: [2, 1], name: [2, 2] }),
        communications: [],
      });
      return true;
    case 'COM': {
      const communication = pick(segment, { number: [1, 1], channel: [1, 2] });
      (party.contacts[party.contacts.length - 1]?.communications ?? party.communications).push(communication);
      return true;
    }
    default:
      return false;
  }
}

export interface EdifactProductId extends Fields<'function'> {
  ids: Fields<'id' | 'type' | 'codeList' | 'agency'>[];
}
export type EdifactDescription = Fields<'type' | 'characteristic' | 'code' | 'text' | 'language'> & {
  textParts?: string[];
};
export type EdifactQuantity = Fields<'qualifier' | 'value' | 'unit'>;
export type EdifactPrice = Fields<'qualifier' | 'amount' | 'type' | 'specification' | 'basis' | 'unit'>;
export type EdifactAmount = Fields<'qualifier' | 'amount' | 'currency'>;
export type EdifactIdentity = Fields<'qualifier'> & { ids: string[] };

/** A LIN group as ORDERS and DESADV share it. */
export interface EdifactLine extends Fields<'lineNumber' | 'action' | 'itemNumber' | 'itemNumberType'> {
  productIds: EdifactProductId[];
  descriptions: EdifactDescription[];
  quantities: EdifactQuantity[];
  prices: EdifactPrice[];
  amounts: EdifactAmount[];
  dates: EdifactDate[];
  refs: EdifactRef[];
  /** GIN: serial numbers, batch numbers, SSCCs at line level. */
  identities: EdifactIdentity[];
  freeText: string[];
  textRefs: EdifactTextRef[];
  otherSegments: EdifactSegment[];
}

export function readLine(lin: EdifactSegment): EdifactLine {
  return {
    ...pick(lin, { lineNumber: 1, action: 2, itemNumber: [3, 1], itemNumberType: [3, 2] }),
    productIds: [],
    descriptions: [],
    quantities: [],
    prices: [],
    amounts: [],
    dates: [],
    refs: [],
    identities: [],
    freeText: [],
    textRefs: [],
    otherSegments: [],
  };
}

export function readAmount(segment: EdifactSegment, check: EdifactChecks): EdifactAmount {
  check.decimal(segment, 1, 2, true);
  check.currency(segment, 1, 3);
  return pick(segment, { qualifier: [1, 1], amount: [1, 2], currency: [1, 3] });
}

export function readIdentity(segment: EdifactSegment): EdifactIdentity {
  const ids: string[] = [];
  for (let n = 2; n <= segment.elements.length; n++)
    if (value(segment, n, 1) !== '') ids.push(value(segment, n, 1));
  return { ...pick(segment, { qualifier: 1 }), ids };
}

/** Files a segment under an open LIN group; unknown segments are kept in `otherSegments`, never fatal. */
export function addToLine(
  line: EdifactLine,
  segment: EdifactSegment,
  previous: EdifactSegment | undefined,
  check: EdifactChecks,
): void {
  switch (segment.tag) {
    case 'PIA': {
      const ids: EdifactProductId['ids'] = [];
      for (let n = 2; n <= segment.elements.length; n++) {
        const id = pick(segment, { id: [n, 1], type: [n, 2], codeList: [n, 3], agency: [n, 4] });
        if (id.id !== undefined) ids.push(id);
      }
      line.productIds.push({ ...pick(segment, { function: 1 }), ids });
      return;
    }
    case 'IMD': {
      // C273 is 7009:1131:3055:7008:7008:3453: the text is the two 7008s; 3453 is its language (`::DE`), not text.
      check.composite(segment, 3, 6, 'C273 (item description)');
      check.language(segment, 3, 6);
      const parts = components(segment, 3)
        .slice(3, 5)
        .filter((part) => part !== '');
      const description: EdifactDescription = pick(segment, {
        type: 1,
        characteristic: 2,
        code: [3, 1],
        language: [3, 6],
      });
      // The text is its parts joined: a mapping that reads `text` used them (the usage count of `eai map`).
      if (parts.length > 0)
        deriveFrom(Object.assign(description, { text: joinFreeText(parts), textParts: parts }), 'text', [
          'textParts',
        ]);
      line.descriptions.push(description);
      return;
    }
    case 'QTY':
      check.decimal(segment, 1, 2, true);
      line.quantities.push(pick(segment, { qualifier: [1, 1], value: [1, 2], unit: [1, 3] }));
      return;
    case 'PRI':
      check.decimal(segment, 1, 2, true);
      line.prices.push(
        pick(segment, {
          qualifier: [1, 1],
          amount: [1, 2],
          type: [1, 3],
          specification: [1, 4],
          basis: [1, 5],
          unit: [1, 6],
        }),
      );
      return;
    case 'MOA':
      line.amounts.push(readAmount(segment, check));
      return;
    case 'DTM': {
      const date = readDate(segment, check);
      const ref = line.refs[line.refs.length - 1];
      // SG RFF+DTM: a DTM right after an RFF dates that reference.
      if (ref && previous?.tag === 'RFF') {
        ref.dates ??= [];
        ref.dates.push(date);
      } else {
        line.dates.push(date);
      }
      return;
    }
    case 'RFF':
      line.refs.push(readRef(segment));
      return;
    case 'GIN':
      line.identities.push(readIdentity(segment));
      return;
    case 'FTX':
      addFreeText(line, segment, check);
      return;
    default:
      line.otherSegments.push(segment);
  }
}
