import type { Ref } from '../odoo-fields/index.ts';

export type { Ref };

/** A partner's state: the many2one, and the state's code and its country's code when they were read. */
export interface StateRef extends Ref {
  /** res.country.state `code`: the ISO 3166-2 subdivision code without its country prefix (BY, CA, NSW). */
  code: string | null;
  /** The state's country's `code` (ISO 3166-1 alpha-2). */
  countryCode: string | null;
}

/** One res.partner record as search_read answers it, or a values dict written for create / write. */
export interface PartnerTree {
  $loc: string;
  /** The record id; null in a values dict (a record to create or write, keyed by `ref`). */
  id: number | null;
  name: string | null;
  /** Company or individual; `company_type` read as `is_company` when only it was asked for. */
  isCompany: boolean | null;
  /** The company a contact person belongs to. */
  parent: Ref | null;
  /** Address type: contact, invoice, delivery, other. */
  type: string | null;
  street: string | null;
  street2: string | null;
  zip: string | null;
  city: string | null;
  /**
   * res.country.state: the display name is "Bavaria (DE)" in Odoo 17; its code (BY) and its country's (DE) when the
   * state was read in (the odoo-polling-source does), else null (a search_read answer has neither).
   */
  state: StateRef | null;
  /** res.country: the display name is the country's name in the user's language. */
  country: Ref | null;
  phone: string | null;
  mobile: string | null;
  email: string | null;
  website: string | null;
  vat: string | null;
  /** `ref`: the partner's reference, the customer number another system knows it by. */
  ref: string | null;
  lang: string | null;
  comment: string | null;
  customerRank: string | null;
  supplierRank: string | null;
  /** false: archived. */
  active: boolean | null;
  /** ISO 8601 UTC (Odoo stores datetimes in UTC as `YYYY-MM-DD HH:MM:SS`). */
  createDate: string | null;
  writeDate: string | null;
  /** `write_uid`: the user of the last write (an integration user's id marks the hub's own writes). */
  writeUser: Ref | null;
  /**
   * The child partners read in (`child_ids` items that are records, not ids): the odoo-polling-source reads in a
   * company's invoice and delivery addresses, which are child partners in Odoo. Empty otherwise.
   */
  children: PartnerTree[];
}

/** What the writer takes: one res.partner values dict for create / write, Odoo field names, `ref` the key. */
export interface PartnerValuesTree {
  $loc?: string;
  values: Record<string, unknown>;
}
