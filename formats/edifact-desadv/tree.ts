import { checkBgmCodes } from '../edifact/bgm.ts';
import {
  addCommonHeader,
  addLineCount,
  addToParty,
  type EdifactParty,
  type EdifactRef,
  type EdifactTextRef,
  readLine,
  readParty,
} from '../edifact/common-groups.ts';
import { documentYearOf, type EdifactDate } from '../edifact/dates.ts';
import type { EdifactEnvelope, EdifactMessage } from '../edifact/envelope.ts';
import { EdifactChecks, type Fields, pick } from '../edifact/fields.ts';
import { type EdifactSegment, locate, value } from '../edifact/segment.ts';
import {
  addToDesadvLine,
  addToPackage,
  type DesadvLine,
  type EdifactMeasurement,
  type EdifactPackage,
  readMeasurement,
  readPackage,
} from './packages.ts';

export type { DesadvLine, EdifactMeasurement, EdifactPackage, EdifactPackaging } from './packages.ts';

export interface EdifactDesadvTree {
  envelope: EdifactEnvelope;
  /** UNH..UNT as read; the nodes below are views of the same segments. */
  segments: EdifactSegment[];
  bgm: Fields<'documentCode' | 'documentName' | 'number' | 'function'>;
  dates: EdifactDate[];
  refs: EdifactRef[];
  freeText: string[];
  textRefs: EdifactTextRef[];
  parties: EdifactParty[];
  /** TDT: transport stage, mode and carrier (TDT05). */
  transport: Fields<'stage' | 'journey' | 'mode' | 'carrierId' | 'carrierCodeList' | 'carrierName'>[];
  /**
   * MEA of the header, outside any CPS: the consignment's measurements (6311 purpose, AAX consignment; 6313 dimension,
   * AAD total gross weight, AAC total net weight, AAW gross volume…; C174 unit and value), as a CPS level's.
   */
  measurements: EdifactMeasurement[];
  /** EQD: equipment type (8053) and id (C237-8260); `seals` from the SEL segments (9308) that follow it. */
  equipment: (Fields<'qualifier' | 'id'> & { seals?: string[] })[];
  /** CPS levels without a parent (usually the consignment), children nested. */
  packages: EdifactPackage[];
  /** Every LIN in file order, inside packages or not, each with its packageId. */
  lines: DesadvLine[];
  /** CNT control totals (6069 qualifier, 6066 value); CNT+2, the number of LIN line items, is checked. */
  summary: { counts: Fields<'qualifier' | 'value'>[] };
  otherSegments: EdifactSegment[];
}

const FORMAT = 'edifact-desadv';
type Draft = Omit<EdifactDesadvTree, 'bgm'> & { bgm?: EdifactDesadvTree['bgm'] };

export function buildDesadv(message: EdifactMessage): EdifactDesadvTree {
  const check = new EdifactChecks(FORMAT, documentYearOf(message.segments));
  const unh = message.segments[0]!;
  const tree: Draft = {
    envelope: message.envelope,
    segments: message.segments,
    dates: [],
    refs: [],
    freeText: [],
    textRefs: [],
    parties: [],
    transport: [],
    measurements: [],
    equipment: [],
    packages: [],
    lines: [],
    summary: { counts: [] },
    otherSegments: [],
  };
  const byId = new Map<string, EdifactPackage>();
  let party: EdifactParty | undefined;
  let pkg: EdifactPackage | undefined;
  let line: DesadvLine | undefined;
  let inSummary = false;
  let path = message.path;
  let packagePath = message.path;
  let previous: EdifactSegment | undefined;

  for (const segment of message.segments) {
    const { tag } = segment;
    const before = previous;
    previous = segment;
    if (tag === 'UNH' || tag === 'UNT') continue;
    if (tag === 'UNS' || tag === 'CNT' || tag === 'CPS' || tag === 'LIN') party = undefined;
    // DESADV's summary section is CNT alone (no UNS, which ORDERS has): a CNT ends the last line and package
    // wherever it stands, and its line count is checked, never taken for one of the last line's segments.
    if (tag === 'UNS' || (tag === 'CNT' && !inSummary)) {
      inSummary = true;
      line = undefined;
      pkg = undefined;
      path = message.path;
      locate(segment, path);
      if (tag === 'CNT') addSummary(tree, segment, check);
    } else if (tag === 'CPS') {
      line = undefined;
      path = packagePath = `${message.path}/CPS#${byId.size + 1}`;
      pkg = readPackage(locate(segment, path));
      placePackage(pkg, segment, tree, byId, check);
    } else if (tag === 'LIN' && !inSummary) {
      path = `${pkg ? packagePath : message.path}/LIN#${tree.lines.length + 1}`;
      line = readLine(locate(segment, path));
      if (pkg?.id !== undefined) line.packageId = pkg.id;
      pkg?.lines.push(line);
      tree.lines.push(line);
    } else if (tag === 'NAD' && !pkg && !line) {
      path = `${message.path}/NAD#${tree.parties.length + 1}`;
      party = readParty(locate(segment, path), check);
      tree.parties.push(party);
    } else {
      locate(segment, path);
      if (inSummary) addSummary(tree, segment, check);
      else if (line) addToDesadvLine(line, segment, before, check);
      else if (pkg) addToPackage(pkg, segment, check);
      else if (!(party && addToParty(party, segment, check))) {
        party = undefined;
        path = message.path;
        addHeader(tree, locate(segment, path), before, check);
      }
    }
  }
  return { ...tree, bgm: check.present(tree.bgm, 'BGM', unh) };
}

/** CPS02 must name an earlier CPS: a dangling parent is an error, not a silent new root. */
function placePackage(
  pkg: EdifactPackage,
  cps: EdifactSegment,
  tree: Draft,
  byId: Map<string, EdifactPackage>,
  check: EdifactChecks,
): void {
  if (pkg.id === undefined) check.fail(check.at(cps, 1), 'CPS01 (hierarchical id) is empty');
  if (byId.has(pkg.id)) check.fail(check.at(cps, 1), `CPS01 ${JSON.stringify(pkg.id)} is used twice`);
  if (pkg.parentId !== undefined) {
    const parent = byId.get(pkg.parentId);
    if (!parent)
      check.fail(check.at(cps, 2), `CPS02 parent ${JSON.stringify(pkg.parentId)} is not an earlier CPS`);
    parent.children.push(pkg);
  } else {
    tree.packages.push(pkg);
  }
  byId.set(pkg.id, pkg);
}

function addHeader(
  tree: Draft,
  segment: EdifactSegment,
  previous: EdifactSegment | undefined,
  check: EdifactChecks,
): void {
  if (addCommonHeader(tree, segment, previous, check)) return;
  switch (segment.tag) {
    case 'BGM':
      checkBgmCodes(segment, check);
      tree.bgm = pick(segment, { documentCode: [1, 1], documentName: [1, 4], number: [2, 1], function: 3 });
      return;
    case 'TDT':
      tree.transport.push(
        pick(segment, {
          stage: 1,
          journey: 2,
          mode: [3, 1],
          carrierId: [5, 1],
          carrierCodeList: [5, 2],
          carrierName: [5, 4],
        }),
      );
      return;
    case 'CUX':
      check.currency(segment, 1, 2);
      check.currency(segment, 2, 2);
      tree.otherSegments.push(segment);
      return;
    case 'MEA':
      // The header's MEA (before the RFF, NAD, TDT… groups) measures the consignment; one after an EQD is that
      // equipment's (its EQD group), kept among the other segments.
      if (tree.equipment.length > 0) tree.otherSegments.push(segment);
      else tree.measurements.push(readMeasurement(segment, check));
      return;
    case 'EQD':
      tree.equipment.push(pick(segment, { qualifier: 1, id: [2, 1] }));
      return;
    case 'SEL': {
      // SEL belongs to the EQD group before it; a SEL without an EQD stays among the other segments.
      const last = tree.equipment.at(-1);
      const seal = value(segment, 1);
      if (last && seal !== '') last.seals = [...(last.seals ?? []), seal];
      else tree.otherSegments.push(segment);
      return;
    }
    default:
      tree.otherSegments.push(segment);
  }
}

function addSummary(tree: Draft, segment: EdifactSegment, check: EdifactChecks): void {
  if (segment.tag === 'CNT') addLineCount(tree.summary, tree.lines.length, segment, check);
  else tree.otherSegments.push(segment);
}
