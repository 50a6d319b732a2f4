import { quotedValue } from '../../lib/errors.ts';
import type { NumberedEnvelope } from '../types.ts';
import { outboundOptions, writeOutboundSet, x12Elements } from '../x12/outbound.ts';
import { sumDecimals } from '../x12/values.ts';
import type { X12SegmentInput } from '../x12/writer.ts';
import { x12AcknowledgmentOptions } from '../x12-855/writer.ts';
import type {
  X12ShipNoticeEquipment,
  X12ShipNoticeItem,
  X12ShipNoticeOut,
  X12ShipNoticeParty,
  X12ShipNoticeRef,
  X12ShipNoticeTd1,
} from './write-tree.ts';

export const FORMAT = 'x12-856';

/**
 * The writer's options (a mapping's `options.x12-856`): the 855's, except that the envelope here fills in what the
 * shipment does not carry (an ASN for an order that came as an 850 is addressed from that order's ids).
 */
export const x12ShipNoticeOptions = x12AcknowledgmentOptions.extend({
  envelope: x12AcknowledgmentOptions.shape.envelope.describe(
    "Envelope values for what the shipment does not carry (the 850's ids, kept in the order's extensions and copied to the shipment's: x12.ISA05 … x12.GS03, the partner's id from the order reference's `edi:<ISA06>:` id; with `override` these come first): our ISA05 / ISA06, the partner's ISA07 / ISA08, GS02 / GS03, GS08, ISA15.",
  ),
});

type Item = X12ShipNoticeItem;

const { fail, text, required, optional, decimal, date, time, envelope } = x12Elements(FORMAT);

/** The envelope: the shipment's values (the order's ids), the options' where it has none. */
const envelopeOf = (tree: X12ShipNoticeOut['envelope'], options: X12ShipNoticeOut['envelope'] = {}) =>
  envelope(tree, options, {
    sender:
      'ours: the shipment’s x12.ISA08, else the sink’s config.envelope.senderId or options.x12-856.envelope.senderId',
    receiver:
      'the partner’s: its order’s edi:<ISA06>, else the sink’s config.envelope.receiverId or options.x12-856.envelope.receiverId',
  });

function refSegments(refs: X12ShipNoticeRef[] | undefined, at: string): X12SegmentInput[] {
  return (refs ?? []).map((ref, i) => ({
    tag: 'REF',
    elements: [
      required(ref.qualifier, `${at}/REF#${i + 1}/REF01`, 'reference qualifier', 3),
      required(ref.value, `${at}/REF#${i + 1}/REF02`, 'reference', 30),
    ],
  }));
}

function td1Segments(td1s: X12ShipNoticeTd1[] | undefined, at: string): X12SegmentInput[] {
  return (td1s ?? []).map((td1, i) => {
    const where = `${at}/TD1#${i + 1}`;
    const weight = text(td1.weight);
    const volume = text(td1.volume);
    return {
      tag: 'TD1',
      elements: [
        optional(td1.packagingCode, `${where}/TD101`, 'packaging code', 5),
        text(td1.ladingQuantity) ? decimal(td1.ladingQuantity, `${where}/TD102`, 'lading quantity') : '',
        '',
        '',
        '',
        weight ? optional(td1.weightQualifier, `${where}/TD106`, 'weight qualifier', 2) : '',
        weight ? decimal(weight, `${where}/TD107`, 'weight') : '',
        weight ? required(td1.weightUnit, `${where}/TD108`, 'weight unit', 2) : '',
        volume ? decimal(volume, `${where}/TD109`, 'volume') : '',
        volume ? required(td1.volumeUnit, `${where}/TD110`, 'volume unit', 2) : '',
      ],
    };
  });
}

/**
 * TD3 per equipment, and REF SN for the first one's further seals (what the reader gives back to the first TD3). An
 * id of up to four letters and then digits (a container's MSKU9070323, a trailer's ABCU123456) is split into TD302
 * initial and TD303 number, as the reader joins them; any other id is TD303 whole.
 */
function equipmentSegments(equipment: X12ShipNoticeEquipment[] | undefined, at: string): X12SegmentInput[] {
  const td3: X12SegmentInput[] = [];
  const refs: X12SegmentInput[] = [];
  (equipment ?? []).forEach((e, i) => {
    const where = `${at}/TD3#${i + 1}`;
    const id = text(e.equipmentId);
    const seals = (e.sealNumbers ?? []).map((seal) => text(seal)).filter(Boolean);
    const split = /^([A-Z]{1,4})(\d+)$/.exec(id);
    const initial = split ? split[1]! : '';
    const number = split ? split[2]! : id;
    if (id || text(e.typeCode)) {
      const seal = seals.length > 0 ? optional(seals[0], `${where}/TD309`, 'seal number', 15) : '';
      td3.push({
        tag: 'TD3',
        elements: [
          optional(e.typeCode, `${where}/TD301`, 'equipment description code', 2),
          initial,
          optional(number, `${where}/TD303`, 'equipment number', 10),
          ...(seal ? ['', '', '', '', '', seal] : []),
        ],
      });
      seals.shift();
    }
    if (seals.length === 0) return;
    if (i > 0)
      fail(
        `${where}/TD309`,
        `X12 856 carries one seal per TD3 after the first equipment (REF SN seals belong to the first), given ${seals.length + 1}`,
      );
    seals.forEach((seal, s) => {
      refs.push({
        tag: 'REF',
        elements: ['SN', required(seal, `${at}/REF SN#${s + 1}/REF02`, 'seal number', 30)],
      });
    });
  });
  return [...td3, ...refs];
}

function partySegments(parties: X12ShipNoticeParty[] | undefined, at: string): X12SegmentInput[] {
  return (parties ?? []).flatMap((party, i) => {
    const where = `${at}/N1#${i + 1}`;
    const partyId = optional(party.id, `${where}/N104`, 'party id', 80);
    const name = text(party.name).slice(0, 60);
    if (!partyId && !name) fail(`${where}/N102`, 'a party needs a name or an id');
    const out: X12SegmentInput[] = [
      {
        tag: 'N1',
        elements: [
          required(party.entityCode, `${where}/N101`, 'entity code', 3),
          name,
          partyId ? required(party.idQualifier, `${where}/N103`, 'id qualifier', 2) : '',
          partyId,
        ],
      },
    ];
    const lines = (party.addressLines ?? []).map((l) => text(l).slice(0, 55)).filter(Boolean);
    for (let l = 0; l < lines.length; l += 2) out.push({ tag: 'N3', elements: lines.slice(l, l + 2) });
    if (text(party.city) || text(party.postalCode) || text(party.country)) {
      out.push({
        tag: 'N4',
        elements: [
          text(party.city).slice(0, 30),
          optional(party.state, `${where}/N402`, 'state or province', 2),
          optional(party.postalCode, `${where}/N403`, 'postal code', 15),
          optional(party.country, `${where}/N404`, 'country', 3),
        ],
      });
    }
    return out;
  });
}

/** Writes the HLs with their content; HL01 numbers them in file order, HL04 1 when a level has children. */
class Hierarchy {
  readonly segments: X12SegmentInput[] = [];
  count = 0;
  readonly quantities: string[] = [];

  level(parent: string, code: string, hasChildren: boolean, content: X12SegmentInput[]): string {
    const id = String(++this.count);
    this.segments.push({ tag: 'HL', elements: [id, parent, code, hasChildren ? '1' : '0'] }, ...content);
    return id;
  }

  item(parent: string, item: Item, at: string): void {
    const ids = (item.productIds ?? []).flatMap((p, i) => [
      required(p.qualifier, `${at}/LIN${String(2 + 2 * i).padStart(2, '0')}`, 'product id qualifier', 2),
      required(p.id, `${at}/LIN${String(3 + 2 * i).padStart(2, '0')}`, 'product id', 48),
    ]);
    if (ids.length === 0) fail(`${at}/LIN02`, 'an item needs at least one product id');
    if (ids.length > 30) fail(`${at}/LIN02`, `at most 15 product ids in LIN, given ${ids.length / 2}`);
    const quantity = decimal(item.quantity, `${at}/SN102`, 'quantity shipped');
    this.quantities.push(quantity);
    const lineNumber = optional(item.lineNumber, `${at}/LIN01`, 'line number', 20);
    const description = text(item.description).slice(0, 80);
    this.level(parent, 'I', false, [
      { tag: 'LIN', elements: [lineNumber, ...ids] },
      { tag: 'SN1', elements: [lineNumber, quantity, required(item.unit, `${at}/SN103`, 'unit', 2)] },
      ...(description ? [{ tag: 'PID', elements: ['F', '', '', '', description] }] : []),
      ...refSegments(item.refs, at),
    ]);
  }
}

/**
 * One 856 in an interchange of its own: ISA13 and GS06 are `envelope.controlNumber`, ST02 0001; HL S, then per
 * order HL O (PRF), its packs HL P (TD1, MAN) with their items HL I (LIN, SN1, PID), then its loose items; CTT01
 * counts the HLs and CTT02 sums SN102, so neither can disagree with the levels. A value X12 cannot carry is refused
 * with its place.
 */
export function writeShipNotice(
  tree: X12ShipNoticeOut,
  options: unknown = {},
  envelope?: NumberedEnvelope,
): Buffer {
  const { options: parsed, numbered } = outboundOptions(FORMAT, x12ShipNoticeOptions, options, envelope);
  const own = envelopeOf(tree.envelope, parsed.envelope);
  const short = own.version < '004010';
  const bsn = tree.bsn ?? fail('BSN', 'missing BSN');
  const body: X12SegmentInput[] = [
    {
      tag: 'BSN',
      elements: [
        required(bsn.purpose, 'BSN01', 'transaction set purpose', 2),
        required(bsn.shipmentId, 'BSN02', 'shipment id', 30),
        date(bsn.date, short, 'BSN03', 'date'),
        required(time(bsn.time, 'BSN04'), 'BSN04', 'time', 8),
        optional(bsn.structureCode, 'BSN05', 'hierarchical structure code', 4),
      ],
    },
  ];
  (tree.dates ?? []).forEach((d, i) => {
    const at = `DTM#${i + 1}`;
    body.push({
      tag: 'DTM',
      elements: [
        required(d.qualifier, `${at}/DTM01`, 'date qualifier', 3),
        date(d.date, short, `${at}/DTM02`, 'date'),
        ...(text(d.time) ? [time(d.time, `${at}/DTM03`)] : []),
      ],
    });
  });
  const orders = tree.orders ?? [];
  if (orders.length === 0) fail('HL', 'an ASN needs at least one order (a PRF with the PO number)');
  const shipment = tree.shipment ?? {};
  const hl = new Hierarchy();
  const td5 = (shipment.td5 ?? []).map((t, i) => {
    const at = `HL#1/TD5#${i + 1}`;
    const scac = optional(t.scac, `${at}/TD503`, 'SCAC', 4);
    return {
      tag: 'TD5',
      elements: [
        optional(t.routingSequence, `${at}/TD501`, 'routing sequence', 2),
        scac ? '2' : '',
        scac,
        optional(t.transportationMethod, `${at}/TD504`, 'transportation method', 2),
        text(t.routing).slice(0, 35),
        ...(text(t.serviceLevel)
          ? ['', '', '', '', '', '', optional(t.serviceLevel, `${at}/TD512`, 'service level code', 2)]
          : []),
      ],
    };
  });
  const shipmentId = hl.level('', 'S', true, [
    ...td1Segments(shipment.td1, 'HL#1'),
    ...td5,
    ...equipmentSegments(shipment.td3, 'HL#1'),
    ...refSegments(shipment.refs, 'HL#1'),
    ...partySegments(shipment.parties, 'HL#1'),
  ]);
  orders.forEach((order, o) => {
    const at = `order#${o + 1}`;
    const packs = order.packs ?? [];
    const items = order.items ?? [];
    const orderId = hl.level(shipmentId, 'O', packs.length + items.length > 0, [
      {
        tag: 'PRF',
        elements: [
          required(order.poNumber, `${at}/PRF01`, 'purchase order number', 22),
          '',
          '',
          text(order.poDate) ? date(order.poDate, short, `${at}/PRF04`, 'purchase order date') : '',
        ],
      },
      ...refSegments(order.refs, at),
    ]);
    const packIds = new Map<string, string>();
    packs.forEach((pack, p) => {
      const where = `${at}/pack#${p + 1}`;
      const mark = optional(pack.mark, `${where}/MAN02`, 'marks and numbers', 48);
      if (mark && text(pack.markQualifier || 'GM') === 'GM' && !/^(00)?\d{18}$/.test(mark))
        fail(`${where}/MAN02`, `an SSCC-18 (MAN01 GM) has 18 digits, given ${quotedValue(mark)}`);
      const parentMark = text(pack.parentMark);
      const hasChildren =
        (pack.items ?? []).length > 0 ||
        (mark !== '' && packs.some((other) => text(other.parentMark) === mark));
      const packId = hl.level(packIds.get(parentMark) ?? orderId, 'P', hasChildren, [
        ...td1Segments(pack.td1, where),
        ...(mark
          ? [
              {
                tag: 'MAN',
                elements: [required(pack.markQualifier || 'GM', `${where}/MAN01`, 'qualifier', 2), mark],
              },
            ]
          : []),
      ]);
      if (mark) packIds.set(mark, packId);
      (pack.items ?? []).forEach((item, i) => {
        hl.item(packId, item, `${where}/item#${i + 1}`);
      });
    });
    items.forEach((item, i) => {
      hl.item(orderId, item, `${at}/item#${i + 1}`);
    });
  });
  body.push(...hl.segments, { tag: 'CTT', elements: [String(hl.count), sumDecimals(hl.quantities)] });
  return writeOutboundSet(own, numbered, { functionalId: 'SH', type: '856', segments: body }, parsed);
}
