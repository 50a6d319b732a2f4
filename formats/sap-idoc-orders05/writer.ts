import { quotedValue } from '../../lib/errors.ts';
import { FormatError } from '../types.ts';
import { type IdocTree, SAP_FIELD, type SegmentNode, type UnknownSegment } from './tree.ts';
import { FORMAT } from './values.ts';

/** SAP's segment sequence in ORDERS05, so written IDocs keep the order an inbound SAP system expects. */
const HEADER_ORDER = [
  'EDI_DC40',
  'E1EDK01',
  'E1EDK14',
  'E1EDK03',
  'E1EDK04',
  'E1EDK05',
  'E1EDKA1',
  'E1EDK02',
  'E1EDK17',
  'E1EDK18',
  'E1EDK35',
  'E1EDK36',
  'E1EDKT1',
  'E1EDP01',
  'E1EDS01',
];
const ITEM_ORDER = [
  'E1EDP02',
  'E1CUREF',
  'E1ADDI1',
  'E1EDP03',
  'E1EDP04',
  'E1EDP05',
  'E1EDP20',
  'E1EDPA1',
  'E1EDP19',
  'E1EDPAD',
  'E1EDP17',
  'E1EDP18',
  'E1EDP35',
  'E1EDPT1',
  'E1EDP26',
];

/**
 * The lengths of the ORDERS05 fields the hub's mappings write (SAP's segment definitions, WE31: every field is CHAR;
 * numbers are written as text, sign included). SAP's inbound takes a segment's fields by position, so a longer value
 * would be cut or spill into the next field: it is refused, naming the field, instead. Lengths count UTF-16 code units
 * as a Unicode SAP system does (an emoji takes two).
 */
const FIELD_LENGTHS: Record<string, Record<string, number>> = {
  EDI_DC40: { DOCNUM: 16, SNDPRT: 2, SNDPRN: 10, RCVPRT: 2, RCVPRN: 10, CREDAT: 8, CRETIM: 6 },
  E1EDK01: { ACTION: 3, CURCY: 3, BSART: 4, BELNR: 35, AUGRU: 3 },
  E1EDK14: { QUALF: 3, ORGID: 35 },
  E1EDK03: { IDDAT: 3, DATUM: 8, UZEIT: 6 },
  E1EDKA1: { PARVW: 3, PARTN: 17, LIFNR: 17, NAME1: 35, NAME2: 35, NAME3: 35, NAME4: 35 },
  E1EDK02: { QUALF: 3, BELNR: 35, POSNR: 6, DATUM: 8, UZEIT: 6 },
  E1EDP01: { POSEX: 6, ACTION: 3, MENGE: 15, MENEE: 3, VPREI: 15, PEINH: 9, NETWR: 18, CURCY: 3 },
  E1EDP19: { QUALF: 3, IDTNR: 35, KTEXT: 70 },
  E1EDP20: { WMENG: 15, AMENG: 15, EDATU: 8, EZEIT: 6 },
  E1EDP26: { QUALF: 3, BETRG: 18 },
  E1EDS01: { SUMID: 3, SUMME: 18, SUNIT: 3 },
};

interface Out {
  name: string;
  node: SegmentNode;
  children: Out[];
}

/** Message types the hub sends SAP: order responses, and ORDERS for sales documents it asks SAP to create. */
const WRITTEN_MESSAGE_TYPES = ['ORDRSP', 'ORDERS'];

/**
 * Writes one IDoc tree as ORDERS05 XML with MESTYP ORDRSP (the outbound order response), or ORDERS when the tree
 * says so (a sales document SAP is to create, e.g. a credit memo request). Derived keys and `$loc` are not written:
 * they come back from the SAP fields when the reader reads the output.
 */
export function writeOrdrsp(tree: IdocTree): Buffer {
  const given = tree.control.MESTYP;
  const messageType = given === undefined || given === null || given === '' ? 'ORDRSP' : String(given);
  if (!WRITTEN_MESSAGE_TYPES.includes(messageType)) {
    throw new FormatError(
      FORMAT,
      `${tree.$loc}/EDI_DC40/MESTYP`,
      `writer writes ${WRITTEN_MESSAGE_TYPES.join(' or ')} only, tree has ${messageType}`,
    );
  }
  const control = { ...tree.control, TABNAM: 'EDI_DC40', IDOCTYP: 'ORDERS05', MESTYP: messageType };
  const idoctyp = tree.control.IDOCTYP;
  if (idoctyp !== undefined && idoctyp !== 'ORDERS05') {
    throw new FormatError(
      FORMAT,
      `${tree.$loc}/EDI_DC40/IDOCTYP`,
      `writer writes ORDERS05 only, tree has ${String(idoctyp)}`,
    );
  }
  if (!tree.control.DOCNUM) throw new FormatError(FORMAT, `${tree.$loc}/EDI_DC40/DOCNUM`, 'missing DOCNUM');
  const segments: Out[] = [
    leaf('EDI_DC40', control),
    leaf('E1EDK01', tree.header),
    ...tree.organization.map((n) => leaf('E1EDK14', n)),
    ...tree.dates.map((n) => leaf('E1EDK03', n)),
    ...tree.partners.map((n) => leaf('E1EDKA1', n)),
    ...tree.references.map((n) => leaf('E1EDK02', n)),
    ...tree.texts.map((t) => ({
      name: 'E1EDKT1',
      node: t,
      children: t.lines.map((l) => leaf('E1EDKT2', l)),
    })),
    ...tree.items.map((item) => ({
      name: 'E1EDP01',
      node: item,
      children: sorted(
        withUnknown(
          [
            ...(item.references ?? []).map((n) => leaf('E1EDP02', n)),
            ...(item.dates ?? []).map((n) => leaf('E1EDP03', n)),
            ...item.materialIds.map((n) => leaf('E1EDP19', n)),
            ...item.scheduleLines.map((n) => leaf('E1EDP20', n)),
            ...(item.partners ?? []).map((n) => leaf('E1EDPA1', n)),
            ...item.amounts.map((n) => leaf('E1EDP26', n)),
            ...item.texts.map((t) => ({
              name: 'E1EDPT1',
              node: t,
              children: t.lines.map((l) => leaf('E1EDPT2', l)),
            })),
          ],
          item.unknown,
        ),
        ITEM_ORDER,
      ),
    })),
    ...tree.totals.map((n) => leaf('E1EDS01', n)),
  ];
  withUnknown(segments, tree.unknown);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<ORDERS05>', '  <IDOC BEGIN="1">'];
  const ordered = sorted(segments, HEADER_ORDER);
  checkLengths(ordered, String(tree.$loc ?? ''));
  for (const segment of ordered) writeSegment(segment, '    ', lines);
  lines.push('  </IDOC>', '</ORDERS05>', '');
  return Buffer.from(lines.join('\n'), 'utf8');
}

function leaf(name: string, node: SegmentNode): Out {
  return { name, node, children: [] };
}

/**
 * The unread segments back among the read ones: a segment kept whole as its own, and the unread children of a read
 * segment (a stand-in with its `occurrence`: an E1EDKA1's E1EDKA3, a Z segment under an E1EDP20) under that segment
 * again, so a document read and written keeps them where they were. Appends to `segments` and returns it.
 */
function withUnknown(segments: Out[], unknown: UnknownSegment[]): Out[] {
  for (const segment of unknown) {
    const parent =
      segment.occurrence === undefined
        ? undefined
        : segments.filter((s) => s.name === segment.segment)[segment.occurrence - 1];
    if (parent) parent.children.push(...segment.children.map(fromUnknown));
    else segments.push(fromUnknown(segment));
  }
  return segments;
}

function fromUnknown(segment: UnknownSegment): Out {
  return { name: segment.segment, node: segment, children: segment.children.map(fromUnknown) };
}

/** Stable sort by SAP sequence; segments SAP's list does not name (Z segments) go last, in tree order. */
function sorted(segments: Out[], order: string[]): Out[] {
  const rank = (name: string) => {
    const i = order.indexOf(name);
    return i === -1 ? order.length : i;
  };
  return segments
    .map((s, i) => ({ s, i }))
    .sort((a, b) => rank(a.s.name) - rank(b.s.name) || a.i - b.i)
    .map((x) => x.s);
}

/** Refuses the first value longer than its SAP field, at `<IDoc>/<segment>[n]/…/<field>` (n counts from 1). */
function checkLengths(segments: Out[], at: string): void {
  const seen = new Map<string, number>();
  for (const segment of segments) {
    const n = (seen.get(segment.name) ?? 0) + 1;
    seen.set(segment.name, n);
    const loc = `${at}/${segment.name}${segment.name === 'EDI_DC40' || segment.name === 'E1EDK01' ? '' : `[${n}]`}`;
    const limits = FIELD_LENGTHS[segment.name] ?? {};
    for (const [field, value] of Object.entries(segment.node)) {
      const max = limits[field];
      if (max !== undefined && typeof value === 'string' && value.length > max) {
        const shown = Array.from(value);
        throw new FormatError(
          FORMAT,
          `${loc}/${field}`,
          `${field} holds ${max} characters in SAP, the value has ${value.length}: ${quotedValue(shown.length > 60 ? `${shown.slice(0, 60).join('')}…` : value, Number.POSITIVE_INFINITY)}`,
        );
      }
    }
    checkLengths(segment.children, loc);
  }
}

function writeSegment(segment: Out, indent: string, lines: string[]): void {
  lines.push(`${indent}<${segment.name} SEGMENT="1">`);
  for (const [field, value] of Object.entries(segment.node)) {
    if (SAP_FIELD.test(field) && typeof value === 'string') {
      lines.push(`${indent}  <${field}>${escapeXml(value)}</${field}>`);
    }
  }
  for (const child of segment.children) writeSegment(child, `${indent}  `, lines);
  lines.push(`${indent}</${segment.name}>`);
}

function escapeXml(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
