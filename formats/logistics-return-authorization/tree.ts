export interface ReturnFrom {
  $loc: string;
  name: string;
  street: string;
  city: string;
  postalCode: string;
  region: string | null;
  /** ISO 3166 alpha-2. */
  country: string;
}

export interface ReturnLine {
  $loc: string;
  lineNumber: number | null;
  sku: string;
  gtin: string | null;
  /** A whole number of units, as a decimal string ("2"): the provider takes integers only. */
  quantity: string;
  reason: string | null;
}

/** The provider's `POST /api/return-authorizations` body. */
export interface ReturnAuthorizationTree {
  $loc: string;
  /** The seller's return merchandise authorisation number: the provider receives the goods against it. */
  rmaNumber: string;
  /** The original order and its purchase order number. */
  orderNumber: string;
  purchaseOrderNumber: string;
  reason: string;
  returnFrom: ReturnFrom | null;
  lines: ReturnLine[];
}
