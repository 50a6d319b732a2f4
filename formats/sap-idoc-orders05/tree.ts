/**
 * The document tree of one ORDERS05 IDoc. Every segment node keeps all its SAP fields under their SAP names
 * (upper case, trimmed strings, numbers exactly as sent) plus derived values in lower camel case.
 */
export interface SegmentNode {
  $loc: string;
  [sapField: string]: unknown;
}

export type PartnerRole = 'soldTo' | 'shipTo' | 'billTo' | 'payer' | 'vendor';
export type MaterialRole = 'buyer' | 'vendor' | 'ean';

export interface DatedNode extends SegmentNode {
  /** `YYYY-MM-DD`, or null when the date is empty or all zeros. */
  date: string | null;
  /** `HH:MM:SS` when the segment has a time and a date. */
  time: string | null;
}

export interface PartnerNode extends SegmentNode {
  role: PartnerRole | null;
  /** PARTN, or LIFNR when the partner is only named by its vendor number. */
  partyId: string | null;
}

export interface MaterialIdNode extends SegmentNode {
  role: MaterialRole | null;
}

export interface TextNode extends SegmentNode {
  lines: SegmentNode[];
  /** The lines joined into one text by their TDFORMAT (build.ts joinTextLines); null when none holds text. */
  text: string | null;
}

/**
 * A segment this reader does not model (E1EDK04, E1EDK05, E1EDK17, E1EDK18, E1EDP05, Z segments…), kept with its
 * children; the mapping keeps their fields as extensions.
 */
export interface UnknownSegment extends SegmentNode {
  segment: string;
  children: UnknownSegment[];
  /**
   * Set on a segment the tree reads (E1EDP20, E1EDKA1…) that stands here only for its child segments the tree does
   * not read (an E1EDKA1's E1EDKA3, a customer's own segment hung under an E1EDP20), without its fields: its place
   * among its siblings of its name, from 1, which names it in extensions.
   */
  occurrence?: number;
}

export interface ItemNode extends SegmentNode {
  /** The item's place among the IDoc's E1EDP01, from 1: what numbers an item sent without POSEX. */
  position: number;
  /** E1EDP02 item references (QUALF 001: the customer's purchase order, BELNR, and its item, ZEILE). */
  references: DatedNode[];
  /** E1EDP03 item dates (IDDAT 002: the requested delivery date, as in E1EDK03). */
  dates: DatedNode[];
  materialIds: MaterialIdNode[];
  /** E1EDPA1 item partners (PARVW WE: where this item goes, when the order's items go to different places). */
  partners: PartnerNode[];
  scheduleLines: DatedNode[];
  amounts: SegmentNode[];
  texts: TextNode[];
  unknown: UnknownSegment[];
}

export interface IdocTree {
  $loc: string;
  basicType: string;
  extension: string | null;
  /** ORDERS, ORDRSP or ORDCHG: MESTYP, or for a company's own message type (EDI_DC40 MESTYP) its STDMES. */
  messageType: string;
  control: SegmentNode;
  header: SegmentNode;
  organization: SegmentNode[];
  dates: DatedNode[];
  partners: PartnerNode[];
  references: DatedNode[];
  texts: TextNode[];
  items: ItemNode[];
  totals: SegmentNode[];
  unknown: UnknownSegment[];
}

/** SAP field names, as opposed to derived keys and `$loc`. */
export const SAP_FIELD = /^[A-Z][A-Z0-9_]*$/;
