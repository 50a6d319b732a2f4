import { qualifiers, structural } from '../derived.ts';
import { addToParty, startParty, type X12Party } from '../x12/common-loops.ts';
import {
  type DtmNode,
  type Fields,
  fobFields,
  type Po4Node,
  pairs,
  pick,
  type RefNode,
  ref,
  type X12Checks,
} from '../x12/fields.ts';
import { element, locate, type X12Segment } from '../x12/segment.ts';
import { hasValidGs1CheckDigit } from '../x12/values.ts';

type Dtm = DtmNode;
type Ref = RefNode;

export type HierarchyLevelName = 'shipment' | 'order' | 'tare' | 'pack' | 'subpack' | 'item' | 'other';

const LEVEL_NAMES: Record<string, HierarchyLevelName> = {
  S: 'shipment',
  O: 'order',
  T: 'tare',
  P: 'pack',
  Q: 'subpack',
  I: 'item',
};
/** Child collection a level is filed under in its parent (besides `children`, which keeps file order). */
const COLLECTIONS = {
  shipment: 'shipments',
  order: 'orders',
  tare: 'tares',
  pack: 'packs',
  subpack: 'packs',
  item: 'items',
  other: 'others',
} as const;
type Collection = (typeof COLLECTIONS)[HierarchyLevelName];

/**
 * One HL and the segments up to the next HL. Arrays appear only when non-empty (a 50 MB ASN has hundreds of
 * thousands of levels); in JSONata a missing array reads as an empty sequence, e.g. `shipment.orders.packs.items.sn1`.
 */
export interface X12HierarchyLevel extends Fields<'id' | 'parentId' | 'levelCode' | 'childCode'> {
  level: HierarchyLevelName;
  prf?: Fields<'poNumber' | 'releaseNumber' | 'changeOrderSequence' | 'poDate'>;
  lin?: Fields<'assignedId'> & { productIds: { qualifier: string; id: string }[] };
  sn1?: Fields<
    'assignedId' | 'quantity' | 'unit' | 'quantityShippedToDate' | 'quantityOrdered' | 'orderedUnit'
  >;
  dates?: Dtm[];
  refs?: Ref[];
  parties?: X12Party[];
  td1?: Fields<
    'packagingCode' | 'ladingQuantity' | 'weightQualifier' | 'weight' | 'weightUnit' | 'volume' | 'volumeUnit'
  >[];
  /**
   * TD5: TD501 routing sequence, TD502 / TD503 the carrier (scac when TD502 is 2), TD504 method, TD505 routing,
   * TD512 service level (element 284: CG ground, ND next day air…).
   */
  td5?: Fields<
    | 'routingSequence'
    | 'idQualifier'
    | 'carrierId'
    | 'scac'
    | 'transportationMethod'
    | 'routing'
    | 'serviceLevel'
  >[];
  /** TD3 equipment: TD301 type (TL trailer, CN container…), TD302 initial, TD303 number, TD309 seal number. */
  td3?: Fields<'equipmentCode' | 'equipmentInitial' | 'equipmentNumber' | 'sealNumber'>[];
  /** MEA measurements: MEA01 PD / WT, MEA02 G gross weight, N net, VOL volume…; MEA04 the unit (C001-1). */
  mea?: Fields<'reference' | 'qualifier' | 'value' | 'unit'>[];
  /** FOB: method of payment (FOB01 PP, CC…), location, transportation terms (FOB04 qualifier 01 = Incoterms, FOB05). */
  fob?: Fields<keyof typeof fobFields>[];
  /** PO4 physical details (fields.ts po4Fields: pack, weight, volume, dimensions, inner pack…). */
  po4?: Po4Node[];
  pid?: Fields<'type' | 'characteristic' | 'agency' | 'code' | 'text'>[];
  /**
   * MAN marks: MAN01 `GM` is an SSCC-18, `CP` a carrier-assigned package id. `sscc`: the 18 digits of a GM sent with
   * the (00) application identifier in front, as on the GS1-128 label (`00` + a valid SSCC-18).
   */
  man?: Fields<'qualifier' | 'number' | 'sscc'>[];
  otherSegments?: X12Segment[];
  children?: X12HierarchyLevel[];
  shipments?: X12HierarchyLevel[];
  orders?: X12HierarchyLevel[];
  tares?: X12HierarchyLevel[];
  packs?: X12HierarchyLevel[];
  items?: X12HierarchyLevel[];
  others?: X12HierarchyLevel[];
}

type ListKey = {
  [K in keyof X12HierarchyLevel]-?: NonNullable<X12HierarchyLevel[K]> extends unknown[] ? K : never;
}[keyof X12HierarchyLevel];

function add<K extends ListKey>(
  node: X12HierarchyLevel,
  key: K,
  value: NonNullable<X12HierarchyLevel[K]>[number],
): void {
  const list = (node[key] ?? []) as unknown[];
  if (list.length === 0) (node as unknown as Record<string, unknown>)[key] = list;
  list.push(value);
}

export function startLevel(
  hl: X12Segment,
  path: string,
  byId: Map<string, X12HierarchyLevel>,
  check: X12Checks,
): X12HierarchyLevel {
  const id = element(hl, 1);
  const parentId = element(hl, 2);
  const levelCode = element(hl, 3);
  locate(hl, path);
  if (id === '') check.fail(hl.$loc, 'HL01 (hierarchical id) is empty');
  if (byId.has(id))
    check.fail(hl.$loc, `HL01 ${JSON.stringify(id)} is used twice (first at ${byId.get(id)!.$loc})`);
  if (levelCode === '') check.fail(hl.$loc, 'HL03 (level code) is empty');
  // HL01–HL03 placed the level in the hierarchy (its parent's collections): structure a mapping walks, not facts.
  const node: X12HierarchyLevel = structural(
    {
      ...pick(hl, { id: 1, parentId: 2, levelCode: 3, childCode: 4 }),
      level: LEVEL_NAMES[levelCode] ?? 'other',
    },
    ['id', 'parentId', 'levelCode'],
  );
  if (parentId !== '') {
    const parent = byId.get(parentId);
    if (!parent) check.fail(hl.$loc, `HL02 parent ${JSON.stringify(parentId)} is not an earlier HL`);
    add(parent, 'children', node);
    add(parent, COLLECTIONS[node.level] satisfies Collection, node);
  }
  byId.set(id, node);
  return node;
}

/** Files a segment under the open HL; N1 loops keep their N2/N3/N4/PER/REF. */
export class LevelContent {
  private party: X12Party | undefined;
  private partyPath = '';
  private readonly node: X12HierarchyLevel;
  private readonly path: string;
  private readonly check: X12Checks;
  constructor(node: X12HierarchyLevel, path: string, check: X12Checks) {
    this.node = node;
    this.path = path;
    this.check = check;
  }

  add(segment: X12Segment): void {
    const { node, check } = this;
    if (this.party && addToParty(this.party, segment, this.partyPath)) return;
    this.party = undefined;
    locate(segment, this.path);
    switch (segment.tag) {
      case 'N1':
        this.partyPath = `${this.path}/N1#${(node.parties?.length ?? 0) + 1}`;
        this.party = startParty(segment, this.partyPath);
        add(node, 'parties', this.party);
        return;
      case 'PRF':
        node.prf = pick(check.date(segment, 4), {
          poNumber: 1,
          releaseNumber: 2,
          changeOrderSequence: 3,
          poDate: 4,
        });
        return;
      case 'LIN':
        node.lin = { ...pick(segment, { assignedId: 1 }), productIds: pairs(segment, 2, 31) };
        return;
      case 'SN1':
        check.decimal(segment, 2, true);
        check.unit(segment, 3);
        check.decimal(segment, 4);
        check.decimal(segment, 5);
        check.unit(segment, 6);
        node.sn1 = pick(segment, {
          assignedId: 1,
          quantity: 2,
          unit: 3,
          quantityShippedToDate: 4,
          quantityOrdered: 5,
          orderedUnit: 6,
        });
        return;
      case 'DTM':
        add(node, 'dates', check.dtm(segment));
        return;
      case 'REF':
        add(node, 'refs', ref(segment));
        return;
      case 'TD1':
        check.integer(segment, 2);
        check.decimal(segment, 7);
        check.decimal(segment, 9);
        add(
          node,
          'td1',
          pick(segment, {
            packagingCode: 1,
            ladingQuantity: 2,
            weightQualifier: 6,
            weight: 7,
            weightUnit: 8,
            volume: 9,
            volumeUnit: 10,
          }),
        );
        return;
      case 'TD5': {
        const td5: NonNullable<X12HierarchyLevel['td5']>[number] = pick(segment, {
          routingSequence: 1,
          idQualifier: 2,
          carrierId: 3,
          transportationMethod: 4,
          routing: 5,
          serviceLevel: 12,
        });
        // TD502 = 2 means TD503 is a Standard Carrier Alpha Code (UPSN, FDEG…).
        if (td5.idQualifier === '2' && td5.carrierId) td5.scac = td5.carrierId;
        add(node, 'td5', td5);
        return;
      }
      case 'TD3':
        add(
          node,
          'td3',
          pick(segment, { equipmentCode: 1, equipmentInitial: 2, equipmentNumber: 3, sealNumber: 9 }),
        );
        return;
      case 'MEA':
        check.decimal(segment, 3);
        add(
          node,
          'mea',
          qualifiers(pick(segment, { reference: 1, qualifier: 2, value: 3, unit: 4 }), ['reference']),
        );
        return;
      case 'FOB':
        add(node, 'fob', pick(segment, fobFields));
        return;
      case 'PO4':
        add(node, 'po4', check.po4(segment));
        return;
      case 'PID':
        add(
          node,
          'pid',
          qualifiers(pick(segment, { type: 1, characteristic: 2, agency: 3, code: 4, text: 5 }), ['type']),
        );
        return;
      case 'CUR':
        check.currency(segment, 2);
        add(node, 'otherSegments', segment);
        return;
      case 'MAN':
        add(node, 'man', mark(segment));
        return;
      default:
        add(node, 'otherSegments', segment);
    }
  }
}

/** A MAN mark; a GM number of (00) + a valid SSCC-18 also gives the SSCC alone. */
function mark(segment: X12Segment): Fields<'qualifier' | 'number' | 'sscc'> {
  const man: Fields<'qualifier' | 'number' | 'sscc'> = pick(segment, { qualifier: 1, number: 2 });
  const number = man.number;
  if (man.qualifier === 'GM' && number?.length === 20 && number.startsWith('00')) {
    const sscc = number.slice(2);
    if (hasValidGs1CheckDigit(sscc)) man.sscc = sscc;
  }
  return man;
}
