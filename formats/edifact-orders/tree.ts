import {
  addCommonHeader,
  addLineCount,
  addToLine,
  addToParty,
  type EdifactAmount,
  type EdifactLine,
  type EdifactParty,
  type EdifactRef,
  readAmount,
  readLine,
  readParty,
} from '../edifact/common-groups.ts';
import { documentYearOf, type EdifactDate } from '../edifact/dates.ts';
import type { EdifactEnvelope, EdifactMessage } from '../edifact/envelope.ts';
import { EdifactChecks, type Fields, pick } from '../edifact/fields.ts';
import { type EdifactSegment, locate } from '../edifact/segment.ts';

export type EdifactCurrency = Fields<'usage' | 'code' | 'qualifier' | 'targetCode' | 'rate'>;

export interface EdifactOrdersTree {
  envelope: EdifactEnvelope;
  /** UNH..UNT as read; the nodes below are views of the same segments. */
  segments: EdifactSegment[];
  bgm: Fields<'documentCode' | 'documentName' | 'number' | 'function' | 'responseType'>;
  dates: EdifactDate[];
  refs: EdifactRef[];
  freeText: string[];
  parties: EdifactParty[];
  currencies: EdifactCurrency[];
  lines: EdifactLine[];
  /** After UNS: CNT control totals (checked) and MOA amounts. */
  summary: { counts: Fields<'qualifier' | 'value'>[]; amounts: EdifactAmount[] };
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
    parties: [],
    currencies: [],
    lines: [],
    summary: { counts: [], amounts: [] },
    otherSegments: [],
  };
  let party: EdifactParty | undefined;
  let line: EdifactLine | undefined;
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
      path = message.path;
      locate(segment, path);
      continue;
    }
    if (tag === 'LIN' && !inSummary) {
      party = undefined;
      path = `${message.path}/LIN#${tree.lines.length + 1}`;
      line = readLine(locate(segment, path));
      tree.lines.push(line);
      continue;
    }
    if (tag === 'NAD' && !line) {
      path = `${message.path}/NAD#${tree.parties.length + 1}`;
      party = readParty(locate(segment, path));
      tree.parties.push(party);
      continue;
    }
    locate(segment, path);
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
