export interface DespatchShipTo {
  $loc: string;
  /** The ship-to's GLN (13 digits), when known. */
  id: string | null;
  name: string;
  street: string;
  city: string;
  postalCode: string;
  region: string | null;
  /** ISO 3166 alpha-2. */
  country: string;
}

export interface DespatchLine {
  $loc: string;
  lineNumber: number | null;
  sku: string;
  gtin: string | null;
  description: string | null;
  /** A whole number of units, as a decimal string ("8"): the provider takes integers only. */
  quantity: string;
}

/** The provider's `POST /api/despatch-requests` body. `format` and `partner` are the connector's when null. */
export interface DespatchRequestTree {
  $loc: string;
  orderNumber: string;
  purchaseOrderNumber: string;
  shipTo: DespatchShipTo;
  lines: DespatchLine[];
  /** The ASN the provider sends back: `x12-856` or `edifact-desadv`. */
  format: string | null;
  /** The hub's EDI id at the provider. */
  partner: string | null;
}
