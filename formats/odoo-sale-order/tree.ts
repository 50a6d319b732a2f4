import type { Ref } from '../odoo-fields/index.ts';

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
}
