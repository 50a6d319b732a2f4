export type AsnFormat = 'x12-856' | 'edifact-desadv';
export type AsnFault = 'lose' | 'duplicate';

export interface DespatchLine {
  lineNumber: number;
  sku: string;
  gtin?: string;
  description?: string;
  quantity: number;
}

export interface ShipTo {
  /** The party's GLN when known (13 digits), used for NAD and the receiving bizLocation. */
  id?: string;
  name: string;
  street: string;
  city: string;
  postalCode: string;
  region?: string;
  country: string;
}

export interface PlannedPackage {
  sscc: string;
  lineNumbers: number[];
}

export interface Shipment {
  shipmentId: string;
  scac: string;
  carrierName: string;
  trackingNumber: string;
  packages: PlannedPackage[];
  estimatedDelivery: string;
}

/** One ASN file written (or lost) for a request, with its envelope control numbers. */
export interface AsnRecord {
  file: string | null;
  fate: 'sent' | 'lost' | 'duplicate';
  writtenAt: string;
  profile: string;
  /** X12: ISA13, GS06, ST02; EDIFACT: UNB 0020, UNH 0062. */
  controlNumbers: Record<string, string>;
}

export interface DespatchRequest {
  requestId: string;
  orderNumber: string;
  purchaseOrderNumber: string;
  shipTo: ShipTo;
  lines: DespatchLine[];
  format: AsnFormat;
  partner: string;
  /** Envelope style of this partner's files (see profiles.ts). */
  profile: string;
  status: 'accepted' | 'despatched' | 'delivered';
  receivedAt: string;
  /** Epoch ms when the despatch (then the delivery) is due; kept so a restarted simulator carries on. */
  despatchDue: number;
  deliveryDue?: number;
  despatchedAt?: string;
  deliveredAt?: string;
  shipment?: Shipment;
  asns: AsnRecord[];
}

export interface ReturnLine {
  lineNumber: number;
  sku: string;
  gtin?: string;
  quantity: number;
  reason?: string;
}

/**
 * A return the seller authorised (its RMA number) and asked the provider to take back: `authorized` until the goods
 * arrive at the warehouse, then `received` (an EPCIS receiving / returned event).
 */
export interface ReturnAuthorization {
  returnId: string;
  /** The seller's return merchandise authorisation number: the provider receives against it. */
  rmaNumber: string;
  /** The original order and its purchase order number. */
  orderNumber: string;
  purchaseOrderNumber: string;
  reason: string;
  returnFrom?: Omit<ShipTo, 'id'>;
  lines: ReturnLine[];
  status: 'authorized' | 'received';
  authorizedAt: string;
  /** Epoch ms when the goods arrive (kept so a restarted simulator carries on). */
  receiptDue: number;
  receivedAt?: string;
}

export interface Counters {
  request: number;
  interchange: number;
  group: number;
  set: number;
  sscc: number;
}

export interface LogisticsState {
  requests: Record<string, DespatchRequest>;
  counters: Counters;
  /** Pending ASN faults, consumed one per despatch in order. */
  asnFaults: AsnFault[];
  /** Return authorisations by RMA number; absent in older states. */
  returns?: Record<string, ReturnAuthorization>;
}

export function emptyLogisticsState(): LogisticsState {
  return {
    requests: {},
    // Interchange control numbers go on from run to run, as a partner's translator keeps its counter: a receiver that
    // remembers the interchanges it published (the hub's file sources) refuses an ISA13 / UNB 0020 it has seen.
    counters: {
      request: 0,
      interchange: Math.floor(Date.now() / 1000) % 900_000_000,
      group: 0,
      set: 0,
      sscc: 0,
    },
    asnFaults: [],
    returns: {},
  };
}

/** The provider's own identity in envelopes and EPCIS ids. */
export const PROVIDER = {
  name: 'Simulated Logistics Provider',
  x12Id: 'SIMLOGISTICS',
  gln: '0614141000005',
  companyPrefix: '0614141',
  warehouseSgln: 'urn:epc:id:sgln:0614141.00001.0',
  dockSgln: 'urn:epc:id:sgln:0614141.00001.12',
} as const;
