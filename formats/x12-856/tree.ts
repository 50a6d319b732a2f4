import { deriveFrom, structural } from '../derived.ts';
import type { X12Envelope, X12TransactionSet } from '../x12/envelope.ts';
import { type DtmNode, type Fields, pick, X12Checks } from '../x12/fields.ts';
import { locate, type X12Segment } from '../x12/segment.ts';
import { decimalsEqual, sumDecimals } from '../x12/values.ts';
import { LevelContent, startLevel, type X12HierarchyLevel } from './hierarchy.ts';

export type { X12HierarchyLevel } from './hierarchy.ts';

export interface X12ShipNoticeTree {
  envelope: X12Envelope;
  /** ST..SE as read; the nodes below are views of the same segments. */
  segments: X12Segment[];
  bsn: Fields<'purpose' | 'shipmentId' | 'date' | 'time' | 'structureCode'>;
  /** DTMs between BSN and the first HL. */
  dates: DtmNode[];
  /** HLs without a parent: normally the one shipment, but an order-level HL may stand alone. */
  hierarchy: X12HierarchyLevel[];
  /** The first shipment-level HL, wherever it sits. */
  shipment?: X12HierarchyLevel;
  /** Every order-level HL in file order, with or without a shipment parent. */
  orders: X12HierarchyLevel[];
  /** Every item-level HL in file order (packs under items stay under their item). */
  items: X12HierarchyLevel[];
  summary?: Fields<'count' | 'hashTotal'> & { counts: 'HL' | 'LIN' };
  otherSegments: X12Segment[];
}

const FORMAT = 'x12-856';

export function buildShipNotice(set: X12TransactionSet): X12ShipNoticeTree {
  const check = new X12Checks(FORMAT, set.envelope.group.version);
  const st = set.segments[0]!;
  const byId = new Map<string, X12HierarchyLevel>();
  const hierarchy: X12HierarchyLevel[] = [];
  const orders: X12HierarchyLevel[] = [];
  const items: X12HierarchyLevel[] = [];
  const dates: X12ShipNoticeTree['dates'] = [];
  const otherSegments: X12Segment[] = [];
  let bsn: X12ShipNoticeTree['bsn'] | undefined;
  let summary: X12ShipNoticeTree['summary'] | undefined;
  let content: LevelContent | undefined;
  let linCount = 0;
  const quantities: string[] = [];

  for (const segment of set.segments) {
    switch (segment.tag) {
      case 'ST':
      case 'SE':
        continue;
      case 'BSN': {
        const dated = check.date(locate(segment, set.path), 3, true);
        check.time(segment, 4);
        check.mandatory(dated, 2, 'shipment identification');
        bsn = pick(dated, { purpose: 1, shipmentId: 2, date: 3, time: 4, structureCode: 5 });
        continue;
      }
      case 'HL': {
        const path = `${set.path}/HL#${segment.elements[0] ?? ''}`;
        const node = startLevel(segment, path, byId, check);
        if (node.parentId === undefined) hierarchy.push(node);
        if (node.level === 'order') orders.push(node);
        if (node.level === 'item') items.push(node);
        content = new LevelContent(node, path, check);
        continue;
      }
      case 'CTT':
        content = undefined;
        check.integer(locate(segment, set.path), 1, true);
        check.decimal(segment, 2);
        summary = controlTotals({ ...pick(segment, { count: 1, hashTotal: 2 }), counts: 'HL' });
        continue;
    }
    if (segment.tag === 'LIN') linCount++;
    if (segment.tag === 'SN1' && typeof segment.elements[1] === 'string')
      quantities.push(segment.elements[1] || '0');
    if (content) {
      content.add(segment);
    } else if (segment.tag === 'DTM') {
      dates.push(check.dtm(locate(segment, set.path)));
    } else {
      if (segment.tag === 'CUR') check.currency(locate(segment, set.path), 2);
      otherSegments.push(locate(segment, set.path));
    }
  }
  const header = check.present(bsn, 'BSN', st);
  if (summary) checkSummary(summary, byId.size, linCount, quantities, check);
  const shipment = [...byId.values()].find((node) => node.level === 'shipment');
  const tree: X12ShipNoticeTree = {
    envelope: set.envelope,
    segments: set.segments,
    bsn: header,
    dates,
    hierarchy,
    orders,
    items,
    otherSegments,
  };
  if (shipment) tree.shipment = shipment;
  if (summary) tree.summary = summary;
  return tree;
}

/**
 * CTT01 and CTT02 are control totals the reader checks against the document (checkSummary): a mismatch is refused,
 * so once read they hold no fact the HLs, LINs and SN1s do not, and the usage count of `eai map` does not list them
 * (as it does not list an HL's ids); `counts` is the reader's.
 */
function controlTotals(
  summary: NonNullable<X12ShipNoticeTree['summary']>,
): NonNullable<X12ShipNoticeTree['summary']> {
  return deriveFrom(structural(summary, ['count', 'hashTotal']), 'counts', []);
}

/**
 * CTT01 in an 856 counts HL segments in most guides and LIN segments in some: either is accepted and `counts` says
 * which one matched; anything else is an error. CTT02, when sent, must equal the sum of SN102.
 */
function checkSummary(
  summary: NonNullable<X12ShipNoticeTree['summary']>,
  hlCount: number,
  linCount: number,
  quantities: string[],
  check: X12Checks,
): void {
  const declared = Number(summary.count);
  if (declared === hlCount) summary.counts = 'HL';
  else if (declared === linCount) summary.counts = 'LIN';
  else
    check.fail(
      `${summary.$loc}, element CTT01`,
      `control count mismatch: CTT01 says ${summary.count} but there are ${hlCount} HL and ${linCount} LIN segments`,
    );
  if (summary.hashTotal !== undefined) {
    const total = sumDecimals(quantities);
    if (!decimalsEqual(total, summary.hashTotal)) {
      check.fail(
        `${summary.$loc}, element CTT02`,
        `hash total mismatch: CTT02 says ${summary.hashTotal} but the SN102 quantities add up to ${total}`,
      );
    }
  }
}
