import type { Ref } from '../odoo-fields/index.ts';
import type { JsonObject } from '../text-input/pointer.ts';

export type { Ref };

export interface OrderLine {
  $loc: string;
  id: number | null;
  product: Ref | null;
  description: string | null;
  /** Decimal strings, as Odoo's float sent them. */
  quantity: string | null;
  uom: Ref | null;
  priceUnit: string | null;
  priceSubtotal: string | null;
  /** `discount`: percent off price_unit (price_subtotal is after it). */
  discount: string | null;
  customerLead: string | null;
}

export interface SaleOrderTree {
  $loc: string;
  id: number;
  name: string | null;
  state: 'draft' | 'sent' | 'sale' | 'done' | 'cancel' | null;
  /** ISO 8601 UTC (Odoo stores datetimes in UTC as `YYYY-MM-DD HH:MM:SS`). */
  dateOrder: string | null;
  writeDate: string | null;
  /** `write_uid`: the user of the last write (an integration user's id marks the hub's own writes). */
  writeUser: Ref | null;
  clientOrderRef: string | null;
  /** `commitment_date`: the delivery date promised to the customer (ISO 8601 UTC). */
  commitmentDate: string | null;
  createDate: string | null;
  /** `note` (terms and conditions) as plain text (an Html field since Odoo 16). */
  note: string | null;
  /** `payment_term_id`. */
  paymentTerm: Ref | null;
  partner: Ref | null;
  partnerShipping: Ref | null;
  partnerInvoice: Ref | null;
  /** The currency many2one; its name is the ISO 4217 code. */
  currency: Ref | null;
  company: Ref | null;
  amountUntaxed: string | null;
  amountTax: string | null;
  amountTotal: string | null;
  /** Line ids when search_read returned `order_line` unexpanded. */
  lineIds: number[];
  lines: OrderLine[];
  /**
   * Fields of the record this reader does not read, as sent (empty ones left out): nothing maps them, so
   * `eai map` lists them among the input values no expression used instead of their vanishing unseen.
   */
  other: JsonObject;
}
