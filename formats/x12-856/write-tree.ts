import type { X12AcknowledgmentParty, X12OutboundEnvelope } from '../x12-855/tree.ts';

/**
 * The 856 advance ship notice as a from-canonical mapping builds it (mappings/edi/x12-856.from-canonical.yaml):
 * BSN, DTMs, the shipment's TD1 / TD5 / REF / N1, an order per PO with its packs and items. The writer numbers the
 * HLs (shipment 1, then each order, its packs and items in that order; HL04 says whether a level has children) and
 * derives ISA / GS / ST / SE / GE / IEA, the control numbers and CTT (the HL count and the sum of SN102).
 * Dates are CCYYMMDD; the writer shortens them to YYMMDD for a version before 004010.
 */
export interface X12ShipNoticeOut {
  envelope?: X12OutboundEnvelope;
  bsn: {
    /** BSN01, element 353: 00 original, 01 cancellation, 05 replace… */
    purpose: string;
    /** BSN02: the shipment's id. */
    shipmentId: string;
    /** BSN03 CCYYMMDD and BSN04 HHMM: when the notice was made. */
    date: string;
    time: string;
    /** BSN05, element 1005: 0001 shipment, order, packaging, item (the structure written). */
    structureCode?: string | null;
  };
  /** DTM between BSN and the first HL: 011 shipped, 017 estimated delivery… */
  dates?: X12ShipNoticeDate[];
  shipment: {
    td1?: X12ShipNoticeTd1[];
    td5?: Array<{
      /** TD501: routing sequence (B origin carrier…). */
      routingSequence?: string | null;
      /** TD503: the carrier's SCAC (TD502 2). */
      scac?: string | null;
      /** TD504, element 91: M motor, U private parcel, A air… */
      transportationMethod?: string | null;
      /** TD505: routing, free text (UPS GROUND). */
      routing?: string | null;
      /** TD512, element 284: service level code (CG ground, ND next day air…). */
      serviceLevel?: string | null;
    }>;
    /** TD3 per piece of equipment (trailer, container), with its seals. */
    td3?: X12ShipNoticeEquipment[];
    refs?: X12ShipNoticeRef[];
    parties?: X12ShipNoticeParty[];
  };
  orders: X12ShipNoticeOrder[];
}

export interface X12ShipNoticeDate {
  qualifier: string;
  date: string;
  time?: string | null;
}

/**
 * TD3: TD301 equipment type (TL trailer, CN container…), TD302 initial (a container's owner prefix, MSKU) and TD303
 * number (the reader joins them into one id), TD309 the first seal. Further seals of the first equipment are written
 * as the shipment's REF SN, which the reader gives to the first TD3; another equipment can carry only one.
 */
export interface X12ShipNoticeEquipment {
  typeCode?: string | null;
  equipmentId?: string | null;
  sealNumbers?: string[] | null;
}

export interface X12ShipNoticeRef {
  qualifier: string;
  value: string;
}

/** TD1: packaging (TD101) and lading quantity (TD102), weight (TD106 G / N, TD107, TD108), volume (TD109, TD110). */
export interface X12ShipNoticeTd1 {
  packagingCode?: string | null;
  ladingQuantity?: string | null;
  weightQualifier?: string | null;
  weight?: string | null;
  weightUnit?: string | null;
  volume?: string | null;
  volumeUnit?: string | null;
}

/** An N1 loop with its N3 (address lines) and N4 (city, state, postal code, country). */
export interface X12ShipNoticeParty extends X12AcknowledgmentParty {
  addressLines?: string[] | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  country?: string | null;
}

/** An order HL: PRF (PO number, PO date), REFs, its packs and the items packed in none. */
export interface X12ShipNoticeOrder {
  poNumber: string;
  poDate?: string | null;
  refs?: X12ShipNoticeRef[];
  packs?: X12ShipNoticePack[];
  items?: X12ShipNoticeItem[];
}

/** A pack HL: TD1 (packaging, gross weight) and MAN GM with the SSCC-18 (or MAN CP, a carrier's package id). */
export interface X12ShipNoticePack {
  /** MAN01: GM (SSCC-18, default) or CP. */
  markQualifier?: string | null;
  mark?: string | null;
  /** The mark of the pack this one is in (a carton on a pallet): written as its HL child, when written before it. */
  parentMark?: string | null;
  td1?: X12ShipNoticeTd1[];
  items?: X12ShipNoticeItem[];
}

/** An item HL: LIN (product id qualifier / id pairs), SN1 (quantity shipped and its unit), PID F description, REFs. */
export interface X12ShipNoticeItem {
  /** LIN01 / SN101. */
  lineNumber?: string | null;
  productIds: Array<{ qualifier: string; id: string }>;
  quantity: string;
  unit: string;
  description?: string | null;
  refs?: X12ShipNoticeRef[];
}
