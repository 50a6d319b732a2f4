import { type EdifactAmount, type EdifactQuantity, readAmount } from '../edifact/common-groups.ts';
import { type EdifactDate, readDate } from '../edifact/dates.ts';
import { type EdifactChecks, type Fields, pick } from '../edifact/fields.ts';
import { components, type EdifactSegment, value } from '../edifact/segment.ts';

/**
 * The commercial groups of an ORDERS header and of its LIN groups, as UN/EDIFACT ORDERS D.96A and D.01B (and EANCOM's
 * subsets of them) define them, in both places alike:
 * - TAX group: TAX, then its MOA (the tax amount) and LOC;
 * - PAT group (payment terms): PAT, then its DTM, PCD and MOA;
 * - ALC group (an allowance or charge): ALC, then ALI, DTM, and its QTY, PCD, MOA and RTE groups (each with an RNG,
 *   the range the value holds for), and its TAX groups (TAX with its MOA).
 * A group runs from its first segment to the first segment that is not one of its own; a TAX after an ALC (and the
 * ALC's QTY / PCD / MOA…) is that ALC's, as the message structure places the ALC group after the TAX group.
 */

/** PCD C501: 5245 qualifier (3 allowance or charge, 12 discount…), 5482 percentage, 5249 basis code. */
export type EdifactPercentage = Fields<'qualifier' | 'percent' | 'basis'> & { range?: EdifactRange };
/** RTE C128: 5419 rate type, 5420 rate per unit, 5284 unit price basis, 6411 unit. */
export type EdifactRate = Fields<'qualifier' | 'rate' | 'basis' | 'unit'> & { range?: EdifactRange };
/** RNG: 6167 range type, C280 6411 unit, 6162 minimum, 6152 maximum. */
export type EdifactRange = Fields<'qualifier' | 'unit' | 'min' | 'max'>;
export type EdifactGroupQuantity = EdifactQuantity & { range?: EdifactRange };
export type EdifactGroupAmount = EdifactAmount & { range?: EdifactRange };

/**
 * TAX: 5283 function (7 tax), C241 5153 type (VAT) and 5152 its name, C533 5289 account, 5286 assessment basis,
 * C243 5278 rate and 5273 rate basis, 5305 category (S standard, E exempt…), 3446 the party's tax id, 1227 the
 * calculation sequence (D.01B on); its MOA amounts and LOC places.
 */
export interface EdifactTax
  extends Fields<
    | 'function'
    | 'type'
    | 'typeName'
    | 'account'
    | 'assessmentBasis'
    | 'rate'
    | 'rateBasis'
    | 'category'
    | 'partyTaxId'
    | 'sequence'
  > {
  amounts: EdifactAmount[];
  locations: Fields<'qualifier' | 'id'>[];
}

/**
 * PAT: 4279 type (1 basic, 22 discount…), C110 4277 terms id and 4276 their description, C112 the time: 2475
 * reference (5 date of invoice…), 2009 relation (3 after), 2151 period type (D day), 2152 number of periods.
 */
export interface EdifactPaymentTerms
  extends Fields<
    'type' | 'terms' | 'description' | 'timeReference' | 'timeRelation' | 'periodType' | 'periods'
  > {
  dates: EdifactDate[];
  percentages: EdifactPercentage[];
  amounts: EdifactAmount[];
}

/**
 * ALC: 5463 A allowance / C charge (`indicator`), C552 1230 its number and 5189 its code, 4471 settlement, 1227
 * calculation sequence, C214 7161 the special service (FC freight, DI discount…) and 7160 its description.
 */
export interface EdifactAllowance
  extends Fields<
    'indicator' | 'number' | 'code' | 'settlement' | 'sequence' | 'service' | 'serviceDescription'
  > {
  /** ALI: 3239 country of origin, 9213 duty regime, 4183 special conditions (up to five). */
  additionalInfo: (Fields<'origin' | 'regime'> & { conditions: string[] })[];
  dates: EdifactDate[];
  quantities: EdifactGroupQuantity[];
  percentages: EdifactPercentage[];
  amounts: EdifactGroupAmount[];
  rates: EdifactRate[];
  taxes: EdifactTax[];
}

/**
 * A LIN group's LOC group (ORDERS D.96A SG33, D.01B SG37: LOC, QTY, DTM): a part of the line's quantity (QTY 11
 * split quantity) to be delivered to one place (LOC 3227 7 place of delivery, C517 3225 its id) by its own date
 * (DTM 2…): a split delivery. Its QTY and DTM are the place's, not the line's.
 */
export interface EdifactDelivery extends Fields<'qualifier' | 'place'> {
  quantities: EdifactQuantity[];
  dates: EdifactDate[];
}

/** Where the groups go: the order's header or one LIN group. */
export interface EdifactCommercialGroups {
  allowances: EdifactAllowance[];
  paymentTerms: EdifactPaymentTerms[];
  taxes: EdifactTax[];
}

/** The group a segment may continue: its node, and for an ALC the TAX and the value an RNG belongs to. */
export type OpenGroup =
  | { tag: 'LOC'; node: EdifactDelivery }
  | { tag: 'TAX'; node: EdifactTax }
  | { tag: 'PAT'; node: EdifactPaymentTerms }
  | { tag: 'ALC'; node: EdifactAllowance; tax?: EdifactTax; ranged?: { range?: EdifactRange } };

export const GROUP_TAGS: ReadonlySet<string> = new Set(['TAX', 'PAT', 'ALC']);

function readTax(segment: EdifactSegment): EdifactTax {
  return {
    ...pick(segment, {
      function: 1,
      type: [2, 1],
      typeName: [2, 4],
      account: [3, 1],
      assessmentBasis: 4,
      rate: [5, 4],
      rateBasis: [5, 5],
      category: 6,
      partyTaxId: 7,
      sequence: 8,
    }),
    amounts: [],
    locations: [],
  };
}

function readPercentage(segment: EdifactSegment, check: EdifactChecks): EdifactPercentage {
  check.decimal(segment, 1, 2);
  return pick(segment, { qualifier: [1, 1], percent: [1, 2], basis: [1, 3] });
}

/** A line's LOC segment as a delivery place with no QTY or DTM yet. */
export function readDelivery(segment: EdifactSegment): EdifactDelivery {
  return { ...pick(segment, { qualifier: 1, place: [2, 1] }), quantities: [], dates: [] };
}

/**
 * Opens the group a TAX, PAT or ALC starts under `groups` (the header's or the line's), or, for a TAX inside an open
 * ALC group, under that ALC. Returns the group later segments may continue.
 */
export function openGroup(
  groups: EdifactCommercialGroups,
  segment: EdifactSegment,
  open: OpenGroup | undefined,
): OpenGroup {
  switch (segment.tag) {
    case 'TAX': {
      const tax = readTax(segment);
      if (open?.tag === 'ALC') {
        open.node.taxes.push(tax);
        return { ...open, tax, ranged: undefined };
      }
      groups.taxes.push(tax);
      return { tag: 'TAX', node: tax };
    }
    case 'PAT': {
      const terms: EdifactPaymentTerms = {
        ...pick(segment, {
          type: 1,
          terms: [2, 1],
          description: [2, 4],
          timeReference: [3, 1],
          timeRelation: [3, 2],
          periodType: [3, 3],
          periods: [3, 4],
        }),
        dates: [],
        percentages: [],
        amounts: [],
      };
      groups.paymentTerms.push(terms);
      return { tag: 'PAT', node: terms };
    }
    default: {
      const allowance = readAllowance(segment);
      groups.allowances.push(allowance);
      return { tag: 'ALC', node: allowance };
    }
  }
}

/** An ALC segment as an allowance with no group segments yet (a header's, a line's or the summary's). */
export function readAllowance(segment: EdifactSegment): EdifactAllowance {
  const allowance: EdifactAllowance = {
    ...pick(segment, {
      indicator: 1,
      number: [2, 1],
      code: [2, 2],
      settlement: 3,
      sequence: 4,
      service: [5, 1],
    }),
    additionalInfo: [],
    dates: [],
    quantities: [],
    percentages: [],
    amounts: [],
    rates: [],
    taxes: [],
  };
  const description = components(segment, 5)
    .slice(3, 5)
    .filter((part) => part !== '')
    .join(' ');
  if (description !== '') Object.assign(allowance, { serviceDescription: description });
  return allowance;
}

/**
 * The summary section's ALC group (ORDERS D.96A SG55, D.01B SG63: ALC, ALI, MOA after UNS, MOA and CNT): an
 * allowance or charge on the whole order's totals. It has only ALI and MOA; a MOA after its ALC is the ALC's amount,
 * never an order total (the totals' MOAs come before CNT).
 */
export const SUMMARY_ALLOWANCE_TAGS: ReadonlySet<string> = new Set(['ALI', 'MOA']);

/** Files a segment under the open group; false when it is not one of the group's (the group then ends). */
export function addToGroup(group: OpenGroup, segment: EdifactSegment, check: EdifactChecks): boolean {
  const { tag } = segment;
  if (group.tag === 'LOC') {
    if (tag === 'QTY') {
      check.decimal(segment, 1, 2, true);
      group.node.quantities.push(pick(segment, { qualifier: [1, 1], value: [1, 2], unit: [1, 3] }));
    } else if (tag === 'DTM') group.node.dates.push(readDate(segment, check));
    else return false;
    return true;
  }
  if (group.tag === 'TAX') {
    if (tag === 'MOA') group.node.amounts.push(readAmount(segment, check));
    else if (tag === 'LOC') group.node.locations.push(pick(segment, { qualifier: 1, id: [2, 1] }));
    else return false;
    return true;
  }
  if (group.tag === 'PAT') {
    if (tag === 'DTM') group.node.dates.push(readDate(segment, check));
    else if (tag === 'PCD') group.node.percentages.push(readPercentage(segment, check));
    else if (tag === 'MOA') group.node.amounts.push(readAmount(segment, check));
    else return false;
    return true;
  }
  const allowance = group.node;
  // The ALC's TAX group takes the MOA after it (the tax amount on the allowance or charge).
  if (group.tax && tag === 'MOA') {
    group.tax.amounts.push(readAmount(segment, check));
    return true;
  }
  switch (tag) {
    case 'ALI':
      allowance.additionalInfo.push({
        ...pick(segment, { origin: 1, regime: 2 }),
        conditions: [3, 4, 5, 6, 7].map((n) => value(segment, n)).filter((c) => c !== ''),
      });
      return true;
    case 'DTM':
      allowance.dates.push(readDate(segment, check));
      return true;
    case 'QTY': {
      check.decimal(segment, 1, 2, true);
      const quantity: EdifactGroupQuantity = pick(segment, {
        qualifier: [1, 1],
        value: [1, 2],
        unit: [1, 3],
      });
      allowance.quantities.push(quantity);
      group.ranged = quantity;
      return true;
    }
    case 'PCD': {
      const percentage = readPercentage(segment, check);
      allowance.percentages.push(percentage);
      group.ranged = percentage;
      return true;
    }
    case 'MOA': {
      const amount: EdifactGroupAmount = readAmount(segment, check);
      allowance.amounts.push(amount);
      group.ranged = amount;
      return true;
    }
    case 'RTE': {
      check.decimal(segment, 1, 2);
      check.decimal(segment, 1, 3);
      const rate: EdifactRate = pick(segment, {
        qualifier: [1, 1],
        rate: [1, 2],
        basis: [1, 3],
        unit: [1, 4],
      });
      allowance.rates.push(rate);
      group.ranged = rate;
      return true;
    }
    case 'RNG': {
      // An RNG is part of the QTY / PCD / MOA / RTE group before it; one without such a value is not this ALC's.
      if (!group.ranged) return false;
      check.decimal(segment, 2, 2);
      check.decimal(segment, 2, 3);
      group.ranged.range = pick(segment, { qualifier: 1, unit: [2, 1], min: [2, 2], max: [2, 3] });
      group.ranged = undefined;
      return true;
    }
    default:
      return false;
  }
}
