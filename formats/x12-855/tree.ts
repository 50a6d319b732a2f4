import type { X12OutboundEnvelope } from '../x12/outbound.ts';

export type { X12OutboundEnvelope };
/**
 * The 855 purchase order acknowledgment as a from-canonical mapping builds it (mappings/edi/x12-855.from-canonical.yaml):
 * the envelope's parties, BAK, CUR, REF, DTM, N1 loops and a PO1 loop per line with its ACKs. The writer derives
 * ISA / GS / ST / SE / GE / IEA, the control numbers and CTT (the line count and the hash total of PO102).
 * Dates are CCYYMMDD; the writer shortens them to YYMMDD for a version before 004010.
 */
export interface X12AcknowledgmentTree {
  envelope: X12OutboundEnvelope;
  bak: {
    /** BAK01, element 353: 00 original, 01 cancellation, 04 change, 05 replace, 06 confirmation… */
    purpose: string;
    /** BAK02, element 587: AC, AD, AE, AH, AK, AP, AT, NA, RD, RF, RJ, RN, RO, RV, ZZ. */
    type: string;
    /** BAK03: the buyer's purchase order number (the 850's BEG03). */
    poNumber: string;
    /** BAK04: the purchase order's date (the 850's BEG05), CCYYMMDD. */
    poDate: string;
    /** BAK05: the release number (BEG04). */
    releaseNumber?: string | null;
    /** BAK08: the seller's order number. */
    sellerOrderNumber?: string | null;
    /** BAK09: the acknowledgment's date, CCYYMMDD. */
    date?: string | null;
  };
  /** CUR01 SE (selling party) and CUR02, when the order names its currency. */
  currency?: string | null;
  references?: Array<{ qualifier: string; value: string }>;
  dates?: Array<{ qualifier: string; date: string }>;
  parties?: X12AcknowledgmentParty[];
  lines: X12AcknowledgmentLine[];
}

export interface X12AcknowledgmentParty {
  /** N101, element 98: BY buyer, ST ship to, SE selling party, SF ship from… */
  entityCode: string;
  /** N102: cut to its 60 characters (the id is what the partner matches). */
  name?: string | null;
  /** N103 / N104: the id's qualifier (1 DUNS, 9 DUNS+4, 92 buyer's own code, UL GLN…) and the id. */
  idQualifier?: string | null;
  id?: string | null;
}

export interface X12AcknowledgmentLine {
  /** PO101: the line's number as the order gave it. */
  lineNumber: string;
  /** PO102 / PO103: the quantity ordered and its unit (element 355, e.g. EA). */
  quantity: string;
  unit: string;
  /** PO104 / PO105. */
  unitPrice?: string | null;
  priceBasis?: string | null;
  /** PO106 onward: product id qualifier / id pairs (VN vendor's item, BP buyer's part, UP UPC, EN EAN…). */
  productIds?: Array<{ qualifier: string; id: string }>;
  /** One ACK each: at least one per line. */
  acks: X12LineAcknowledgment[];
}

export interface X12LineAcknowledgment {
  /** ACK01, element 668: IA accepted, IQ quantity changed, IB backordered, IR rejected, IH on hold, … */
  status: string;
  /** ACK02 / ACK03: the quantity this status is for and its unit. */
  quantity?: string | null;
  unit?: string | null;
  /** ACK04 / ACK05: the date's qualifier (element 374: 067 current schedule delivery, 068 current schedule ship…). */
  dateQualifier?: string | null;
  date?: string | null;
}
