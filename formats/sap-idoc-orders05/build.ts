import { deriveFrom } from '../derived.ts';
import { FormatError } from '../types.ts';
import type {
  DatedNode,
  IdocTree,
  ItemNode,
  MaterialIdNode,
  MaterialRole,
  PartnerNode,
  PartnerRole,
  SegmentNode,
  TextNode,
  UnknownSegment,
} from './tree.ts';
import { checkCurrencies, checkNumbers, FORMAT, sapDate, sapTime } from './values.ts';
import { fieldLoc, type XmlSegment } from './xml.ts';

const PARTNER_ROLES: Record<string, PartnerRole> = {
  AG: 'soldTo',
  WE: 'shipTo',
  RE: 'billTo',
  RG: 'payer',
  LF: 'vendor',
};
const MATERIAL_ROLES: Record<string, MaterialRole> = { '001': 'buyer', '002': 'vendor', '003': 'ean' };
const MESSAGE_TYPES = new Set(['ORDERS', 'ORDRSP', 'ORDCHG']);
/**
 * ORDERS05 and the basic types it succeeded: SAP extends a released basic type only compatibly (a new version adds
 * segments and appends fields, never renames or moves one), so an ORDERS01 to ORDERS04 IDoc, which older SAP releases
 * and many partners' converters still send, is an ORDERS05 IDoc without the newer segments and fields.
 */
export const BASIC_TYPES = new Set(['ORDERS01', 'ORDERS02', 'ORDERS03', 'ORDERS04', 'ORDERS05']);

const localName = (name: string) => name.slice(name.indexOf(':') + 1);

/**
 * The element that holds the IDOCs: the root, or in a SOAP envelope the one its Body carries (`<ORDERS05>` as SAP's
 * IDoc SOAP service, /sap/bc/srt/idoc, and PI / CPI SOAP channels send IDoc XML).
 */
function idocContainer(root: XmlSegment): XmlSegment {
  if (localName(root.name) !== 'Envelope') return root;
  const body = root.children.find((c) => localName(c.name) === 'Body');
  if (!body) throw new FormatError(FORMAT, root.loc, `a SOAP <${root.name}> without a Body: no IDoc in it`);
  const container = body.children.find((c) => c.children.some((g) => g.name === 'IDOC'));
  if (!container)
    throw new FormatError(
      FORMAT,
      body.loc,
      `no IDoc in the SOAP <${body.name}>: it should hold the basic type element (<ORDERS05>) with its IDOC elements`,
    );
  return container;
}

/** The IDOC elements of a file (one or several IDocs), each built on its own by `buildIdoc`. */
export function idocElements(root: XmlSegment): XmlSegment[] {
  const container = idocContainer(root);
  const idocs = container.children.filter((c) => c.name === 'IDOC');
  if (idocs.length === 0)
    throw new FormatError(FORMAT, container.loc, `no IDOC element under <${container.name}>`);
  return idocs;
}

function node(segment: XmlSegment): SegmentNode {
  return { $loc: segment.loc, ...segment.fields };
}

/** A dated segment: `date` and `time` read from its date and time fields, which a mapping reading them used. */
function dated(segment: XmlSegment, dateField: string, timeField: string): DatedNode {
  const date = sapDate(segment, dateField);
  const result = deriveFrom({ ...node(segment), date, time: sapTime(segment, timeField, date) }, 'date', [
    dateField,
  ]);
  return deriveFrom(result, 'time', [timeField]);
}

export function buildIdoc(idoc: XmlSegment): IdocTree {
  const control = idoc.children.find((c) => c.name === 'EDI_DC40');
  if (!control) throw new FormatError(FORMAT, idoc.loc, 'missing mandatory control record EDI_DC40');
  for (const field of ['DOCNUM', 'IDOCTYP', 'MESTYP']) {
    if (!control.fields[field]) throw new FormatError(FORMAT, fieldLoc(control, field), `missing ${field}`);
  }
  const basicType = control.fields.IDOCTYP ?? '';
  if (!BASIC_TYPES.has(basicType)) {
    throw new FormatError(
      FORMAT,
      fieldLoc(control, 'IDOCTYP'),
      `basic type is ${basicType}, expected ORDERS05 (or its predecessors ORDERS01 to ORDERS04)`,
    );
  }
  // A company's own message type (ZORDERS, /ACME/ORDERS) on ORDERS05 is read as the standard one its control record
  // names in STDMES (the EDI message type the partner profile gives it); the tree's `messageType` is that one.
  const own = control.fields.MESTYP ?? '';
  const standard = control.fields.STDMES ?? '';
  const messageType = MESSAGE_TYPES.has(own) ? own : standard;
  if (!MESSAGE_TYPES.has(messageType)) {
    throw new FormatError(
      FORMAT,
      fieldLoc(control, 'MESTYP'),
      `message type ${own} is not ORDERS, ORDRSP or ORDCHG, and STDMES, the standard one a custom type stands for, is ${standard ? `${standard}, not one of them either` : 'empty'}: set STDMES in the partner profile`,
    );
  }
  const header = idoc.children.find((c) => c.name === 'E1EDK01');
  if (!header) throw new FormatError(FORMAT, idoc.loc, 'missing mandatory header segment E1EDK01');
  checkCurrencies(header, ['CURCY', 'HWAER']);
  // NTGEW / BRGEW (the order's net and gross weight) go to extensions: a weight that is no number is refused here.
  checkNumbers(header, ['WKURS', 'NTGEW', 'BRGEW']);

  const tree: IdocTree = {
    $loc: idoc.loc,
    basicType,
    extension: control.fields.CIMTYP || null,
    messageType,
    control: node(control),
    header: node(header),
    organization: [],
    dates: [],
    partners: [],
    references: [],
    texts: [],
    items: [],
    totals: [],
    unknown: [],
  };
  const seen = occurrences();
  for (const segment of idoc.children) {
    // A second EDI_DC40 or E1EDK01 is kept whole (below), with its children.
    const readHere =
      KNOWN_HEADER_SEGMENTS.has(segment.name) && !(segment.name === 'EDI_DC40' && segment !== control);
    if (readHere && !(segment.name === 'E1EDK01' && segment !== header)) {
      const unread = unreadChildren(segment, seen(segment), segment.name === 'E1EDKT1' ? ['E1EDKT2'] : []);
      if (unread) tree.unknown.push(unread);
    }
    switch (segment.name) {
      case 'EDI_DC40':
      case 'E1EDK01':
        if (segment !== control && segment !== header) tree.unknown.push(unknown(segment));
        break;
      case 'E1EDK14':
        tree.organization.push(node(segment));
        break;
      case 'E1EDK03':
        tree.dates.push(dated(segment, 'DATUM', 'UZEIT'));
        break;
      case 'E1EDKA1':
        tree.partners.push(partner(segment));
        break;
      case 'E1EDK02':
        tree.references.push(dated(segment, 'DATUM', 'UZEIT'));
        break;
      case 'E1EDKT1':
        tree.texts.push(text(segment, 'E1EDKT2'));
        break;
      case 'E1EDP01':
        tree.items.push(item(segment, tree.items.length + 1));
        break;
      case 'E1EDS01':
        checkNumbers(segment, ['SUMME']);
        tree.totals.push(node(segment));
        break;
      default:
        tree.unknown.push(unknown(segment));
    }
  }
  return tree;
}

function partner(segment: XmlSegment): PartnerNode {
  const parvw = segment.fields.PARVW ?? '';
  const partyId = segment.fields.PARTN ? 'PARTN' : segment.fields.LIFNR ? 'LIFNR' : undefined;
  const result: PartnerNode = {
    ...node(segment),
    role: PARTNER_ROLES[parvw] ?? null,
    partyId: partyId ? (segment.fields[partyId] ?? null) : null,
  };
  // A mapping that reads `role` used PARVW, and `partyId` the field it was taken from (the usage count of eai map).
  deriveFrom(result, 'role', ['PARVW']);
  return deriveFrom(result, 'partyId', partyId ? [partyId] : []);
}

function text(segment: XmlSegment, lineSegment: string): TextNode {
  const lines = segment.children.filter((c) => c.name === lineSegment);
  // A mapping that reads `text` used the lines' TDLINE and TDFORMAT (the usage count of eai map).
  return deriveFrom({ ...node(segment), lines: lines.map(node), text: joinTextLines(lines) }, 'text', [
    'lines',
  ]);
}

/**
 * The lines of an E1EDKT2 / E1EDPT2 text as one text, by each line's TDFORMAT (the SAPscript ITF format column):
 * - `=` (extended line): appended to the line before without a blank, each side as sent (`ele` + `vator`,
 *   `deliver to the ` + `warehouse`), so a word or number split over two lines comes back whole;
 * - blank (continuous text, also a line without TDFORMAT) and `(` (raw line): the paragraph goes on; SAPscript
 *   joins such lines with one blank;
 * - `/`, `/=`, `/(` (new line, with a long or raw line): a line break;
 * - `*` (default paragraph) and any other key (a style's paragraph format, `AS`, `B1`): a new paragraph, a line break;
 * - `/:` (control command: INCLUDE, ADDRESS…) and `/*` (comment line): not text, left out.
 * White space at the text's ends is trimmed; null when no line holds text.
 */
export function joinTextLines(lines: XmlSegment[]): string | null {
  let text = '';
  for (const line of lines) {
    const format = (line.fields.TDFORMAT ?? '').trim();
    if (format === '/:' || format === '/*') continue;
    const asSent = line.untrimmed?.TDLINE ?? line.fields.TDLINE ?? '';
    if (format === '=') text += asSent;
    else if (text.trim() === '') text = asSent.trimStart();
    else {
      const blank = format === '' || format === '(';
      text = text.trimEnd() + (blank ? ' ' : '\n') + asSent.trimStart();
    }
  }
  return text.trim() || null;
}

function item(segment: XmlSegment, position: number): ItemNode {
  checkNumbers(segment, ['MENGE', 'VPREI', 'NETWR', 'PEINH', 'NTGEW', 'BRGEW']);
  checkCurrencies(segment, ['CURCY']);
  const result: ItemNode = {
    ...node(segment),
    position,
    references: [],
    dates: [],
    materialIds: [],
    partners: [],
    scheduleLines: [],
    amounts: [],
    texts: [],
    unknown: [],
  };
  const seen = occurrences();
  for (const child of segment.children) {
    if (KNOWN_ITEM_SEGMENTS.has(child.name)) {
      const unread = unreadChildren(child, seen(child), child.name === 'E1EDPT1' ? ['E1EDPT2'] : []);
      if (unread) result.unknown.push(unread);
    }
    if (child.name === 'E1EDP19') {
      const material: MaterialIdNode = {
        ...node(child),
        role: MATERIAL_ROLES[child.fields.QUALF ?? ''] ?? null,
      };
      result.materialIds.push(deriveFrom(material, 'role', ['QUALF']));
    } else if (child.name === 'E1EDP02') {
      result.references.push(dated(child, 'DATUM', 'UZEIT'));
    } else if (child.name === 'E1EDP03') {
      result.dates.push(dated(child, 'DATUM', 'UZEIT'));
    } else if (child.name === 'E1EDPA1') {
      result.partners.push(partner(child));
    } else if (child.name === 'E1EDP20') {
      checkNumbers(child, ['WMENG', 'AMENG']);
      result.scheduleLines.push(dated(child, 'EDATU', 'EZEIT'));
    } else if (child.name === 'E1EDP26') {
      checkNumbers(child, ['BETRG']);
      result.amounts.push(node(child));
    } else if (child.name === 'E1EDPT1') {
      result.texts.push(text(child, 'E1EDPT2'));
    } else {
      result.unknown.push(unknown(child));
    }
  }
  return result;
}

function unknown(segment: XmlSegment): UnknownSegment {
  return { ...node(segment), segment: segment.name, children: segment.children.map(unknown) };
}

/** The segments of an IDoc that the tree reads, beside the items (E1EDP01, each read by `item`). */
const KNOWN_HEADER_SEGMENTS = new Set([
  'EDI_DC40',
  'E1EDK01',
  'E1EDK14',
  'E1EDK03',
  'E1EDKA1',
  'E1EDK02',
  'E1EDKT1',
  'E1EDS01',
]);

/** The segments an E1EDP01 holds that the tree reads (the others are kept whole as unknown). */
const KNOWN_ITEM_SEGMENTS = new Set([
  'E1EDP19',
  'E1EDP02',
  'E1EDP03',
  'E1EDPA1',
  'E1EDP20',
  'E1EDP26',
  'E1EDPT1',
]);

/** Counts segments by name as they come: each one's place among its siblings of its name, from 1. */
function occurrences(): (segment: XmlSegment) => number {
  const counts = new Map<string, number>();
  return (segment) => {
    const n = (counts.get(segment.name) ?? 0) + 1;
    counts.set(segment.name, n);
    return n;
  };
}

/**
 * A read segment's children that the tree does not read (an E1EDKA1's E1EDKA3, a Z segment under an E1EDP20; `read`:
 * those it does, a text's lines), under a stand-in of their parent without its fields, so that none is dropped
 * unseen: the mapping keeps them in extensions. Nothing when there are none. (A segment the tree does not read at
 * all is kept whole, with its children, by `unknown`.)
 */
function unreadChildren(parent: XmlSegment, occurrence: number, read: string[]): UnknownSegment | undefined {
  const rest = parent.children.filter((child) => !read.includes(child.name));
  if (rest.length === 0) return undefined;
  return { $loc: parent.loc, segment: parent.name, occurrence, children: rest.map(unknown) };
}
