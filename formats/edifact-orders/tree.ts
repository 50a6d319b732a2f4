import { checkBgmCodes } from '../edifact/bgm.ts';
import {
  addCommonHeader,
  addLineCount,
  addToLine,
  addToParty,
  type EdifactAmount,
  type EdifactLine,
  type EdifactParty,
  type EdifactRef,
  type EdifactTextRef,
  readAmount,
  readLine,
  readParty,
} from '../edifact/common-groups.ts';
import { documentYearOf, type EdifactDate } from '../edifact/dates.ts';
import type { EdifactEnvelope, EdifactMessage } from '../edifact/envelope.ts';
import { EdifactChecks, type Fields, pick } from '../edifact/fields.ts';
import { type EdifactSegment, locate } from '../edifact/segment.ts';
import {
  addToGroup,
  type EdifactAllowance,
  type EdifactCommercialGroups,
  type EdifactDelivery,
  GROUP_TAGS,
  type OpenGroup,
  openGroup,
  readAllowance,
  readDelivery,
  SUMMARY_ALLOWANCE_TAGS,
} from './groups.ts';

export type {
  EdifactAllowance,
  EdifactCommercialGroups,
  EdifactDelivery,
  EdifactPaymentTerms,
  EdifactPercentage,
  EdifactRate,
  EdifactTax,
} from './groups.ts';

export type EdifactCurrency = Fields<'usage' | 'code' | 'qualifier' | 'targetCode' | 'rate'>;

/** A LIN group with its TAX, PAT and ALC groups and its LOC groups, the split deliveries (groups.ts). */
export type EdifactOrdersLine = EdifactLine & EdifactCommercialGroups & { deliveries: EdifactDelivery[] };

export interface EdifactOrdersTree extends EdifactCommercialGroups {
  envelope: EdifactEnvelope;
  /** UNH..UNT as read; the nodes below are views of the same segments. */
  segments: EdifactSegment[];
  bgm: Fields<'documentCode' | 'documentName' | 'number' | 'function' | 'responseType'>;
  dates: EdifactDate[];
  refs: EdifactRef[];
  freeText: string[];
  textRefs: EdifactTextRef[];
  parties: EdifactParty[];
  currencies: EdifactCurrency[];
  lines: EdifactOrdersLine[];
  /**
   * After UNS: CNT control totals (checked), MOA amounts, and the ALC groups on the order's totals (with their ALI
   * and MOA: groups.ts SUMMARY_ALLOWANCE_TAGS).
   */
  summary: {
    counts: Fields<'qualifier' | 'value'>[];
    amounts: EdifactAmount[];
    allowances: EdifactAllowance[];
  };
  otherSegments: EdifactSegment[];
}

const FORMAT = 'edifact-orders';

export function buildOrders(message: EdifactMessage): EdifactOrdersTree {
  const check = new EdifactChecks(FORMAT, documentYearOf(message.segments));
  const unh = message.segments[0]!;
  const tree: Omit<EdifactOrdersTree, 'bgm'> & { bgm?: EdifactOrdersTree['bgm'] } = {
    envelope: message.envelope,
    segments: message.segments,
    dates: [],
    refs: [],
    freeText: [],
    textRefs: [],
    parties: [],
    currencies: [],
    taxes: [],
    paymentTerms: [],
    allowances: [],
    lines: [],
    summary: { counts: [], amounts: [], allowances: [] },
    otherSegments: [],
  };
  let party: EdifactParty | undefined;
  let line: EdifactOrdersLine | undefined;
  // The TAX, PAT or ALC group the next segments may continue (groups.ts), the header's or the open line's.
  let group: OpenGroup | undefined;
  let inSummary = false;
  let path = message.path;
  let previous: EdifactSegment | undefined;

  for (const segment of message.segments) {
    const { tag } = segment;
    const before = previous;
    previous = segment;
    if (tag === 'UNH' || tag === 'UNT') continue;
    if (tag === 'UNS') {
      inSummary = true;
      party = undefined;
      line = undefined;
      group = undefined;
      path = message.path;
      locate(segment, path);
      continue;
    }
    if (tag === 'LIN' && !inSummary) {
      party = undefined;
      group = undefined;
      path = `${message.path}/LIN#${tree.lines.length + 1}`;
      line = {
        ...readLine(locate(segment, path)),
        taxes: [],
        paymentTerms: [],
        allowances: [],
        deliveries: [],
      };
      tree.lines.push(line);
      continue;
    }
    if (tag === 'NAD' && !line) {
      group = undefined;
      path = `${message.path}/NAD#${tree.parties.length + 1}`;
      party = readParty(locate(segment, path), check);
      tree.parties.push(party);
      continue;
    }
    if (inSummary && tag === 'ALC') {
      const allowance = readAllowance(locate(segment, path));
      tree.summary.allowances.push(allowance);
      group = { tag: 'ALC', node: allowance };
      continue;
    }
    if (!inSummary && GROUP_TAGS.has(tag)) {
      // A header group ends the NAD group before it.
      if (!line) {
        party = undefined;
        path = message.path;
      }
      group = openGroup(line ?? tree, locate(segment, path), group);
      continue;
    }
    locate(segment, path);
    // A summary ALC takes only its ALI and MOA; anything else after it is the summary's again.
    if (group && (!inSummary || SUMMARY_ALLOWANCE_TAGS.has(tag)) && addToGroup(group, segment, check))
      continue;
    // A LOC in a LIN group (not a TAX group's) starts a split delivery: the QTY and DTM after it are that place's.
    if (line && !inSummary && tag === 'LOC') {
      const delivery = readDelivery(segment);
      line.deliveries.push(delivery);
      group = { tag: 'LOC', node: delivery };
      continue;
    }
    group = undefined;
    if (inSummary) {
      addSummary(tree, segment, check);
    } else if (line) {
      addToLine(line, segment, before, check);
    } else if (!(party && addToParty(party, segment, check))) {
      party = undefined;
      path = message.path;
      addHeader(tree, locate(segment, path), before, check);
    }
  }
  return { ...tree, bgm: check.present(tree.bgm, 'BGM', unh) };
}

function addHeader(
  tree: Omit<EdifactOrdersTree, 'bgm'> & { bgm?: EdifactOrdersTree['bgm'] },
  segment: EdifactSegment,
  previous: EdifactSegment | undefined,
  check: EdifactChecks,
): void {
  if (addCommonHeader(tree, segment, previous, check)) return;
  switch (segment.tag) {
    case 'BGM':
      checkBgmCodes(segment, check);
      tree.bgm = pick(segment, {
        documentCode: [1, 1],
        documentName: [1, 4],
        number: [2, 1],
        function: 3,
        responseType: 4,
      });
      return;
    case 'CUX':
      check.currency(segment, 1, 2);
      check.currency(segment, 2, 2);
      check.decimal(segment, 3, 1);
      tree.currencies.push(
        pick(segment, { usage: [1, 1], code: [1, 2], qualifier: [1, 3], targetCode: [2, 2], rate: 3 }),
      );
      return;
    default:
      tree.otherSegments.push(segment);
  }
}

function addSummary(
  tree: Omit<EdifactOrdersTree, 'bgm'>,
  segment: EdifactSegment,
  check: EdifactChecks,
): void {
  if (segment.tag === 'CNT') {
    addLineCount(tree.summary, tree.lines.length, segment, check);
  } else if (segment.tag === 'MOA') {
    tree.summary.amounts.push(readAmount(segment, check));
  } else {
    tree.otherSegments.push(segment);
  }
}
