import type { OdooRecord, OdooState } from './state.ts';

export type FieldType =
  | 'integer'
  | 'float'
  | 'monetary'
  | 'char'
  | 'text'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'selection'
  | 'many2one'
  | 'one2many'
  | 'many2many';

export interface FieldDef {
  type: FieldType;
  string: string;
  relation?: string;
  /** one2many: the many2one field on `relation` pointing back. */
  inverse?: string;
  /** one2many: lists active records only (a field `domain=[('active', '=', True)]`, as res.partner.child_ids). */
  activeOnly?: boolean;
  required?: boolean;
  /** Computed or magic: read only, writes are ignored (as Odoo ignores computed fields without inverse). */
  compute?: (record: OdooRecord, state: OdooState) => unknown;
  readonly?: boolean;
  selection?: Array<[string, string]>;
}

export interface ModelDef {
  name: string;
  description: string;
  /** Default order of search results. */
  order: string;
  /** Whether external calls may create, write and unlink. */
  writable: boolean;
  fields: Record<string, FieldDef>;
  displayName: (record: OdooRecord, state: OdooState) => string;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

const linesOf = (state: OdooState, orderId: number) =>
  Object.values(state.records['sale.order.line'] ?? {}).filter((line) => line.order_id === orderId);

function lineSubtotal(line: OdooRecord): number {
  return round2(
    Number(line.product_uom_qty ?? 0) * Number(line.price_unit ?? 0) * (1 - Number(line.discount ?? 0) / 100),
  );
}

const MAGIC: Record<string, FieldDef> = {
  id: { type: 'integer', string: 'ID', readonly: true },
  display_name: { type: 'char', string: 'Display Name', readonly: true },
  create_date: { type: 'datetime', string: 'Created on', readonly: true },
  write_date: { type: 'datetime', string: 'Last Updated on', readonly: true },
  create_uid: { type: 'many2one', string: 'Created by', relation: 'res.users', readonly: true },
  write_uid: { type: 'many2one', string: 'Last Updated by', relation: 'res.users', readonly: true },
};

const simpleModel = (
  name: string,
  description: string,
  order: string,
  fields: Record<string, FieldDef>,
): ModelDef => ({
  name,
  description,
  order,
  writable: false,
  fields: { ...MAGIC, ...fields },
  displayName: (record) => String(record.name ?? ''),
});

/** res.partner `type`'s labels of the address types Odoo names a nameless child by. */
const ADDRESS_TYPE_NAMES: Record<string, string> = {
  invoice: 'Invoice Address',
  delivery: 'Delivery Address',
  other: 'Other Address',
};

const partner: ModelDef = {
  name: 'res.partner',
  description: 'Contact',
  order: 'display_name asc, id desc',
  writable: true,
  // Odoo's `_get_complete_name`: a child is "Parent, Name"; an invoice, delivery or other address without a name of
  // its own is named by its type, "Acme, Delivery Address".
  displayName: (record, state) => {
    const parent =
      typeof record.parent_id === 'number' ? state.records['res.partner']?.[record.parent_id] : undefined;
    let name = String(record.name || '');
    if (!parent) return name;
    if (!name && typeof record.type === 'string' && record.type in ADDRESS_TYPE_NAMES)
      name = ADDRESS_TYPE_NAMES[record.type]!;
    return record.is_company ? name : `${String(parent.name ?? '')}, ${name}`.trim();
  },
  fields: {
    ...MAGIC,
    name: { type: 'char', string: 'Name' },
    is_company: { type: 'boolean', string: 'Is a Company' },
    company_type: {
      type: 'selection',
      string: 'Company Type',
      selection: [
        ['person', 'Individual'],
        ['company', 'Company'],
      ],
      compute: (r) => (r.is_company ? 'company' : 'person'),
    },
    parent_id: { type: 'many2one', string: 'Related Company', relation: 'res.partner' },
    // Odoo 17's `domain=[('active', '=', True)]`: an archived child is not listed, whatever the context.
    child_ids: {
      type: 'one2many',
      string: 'Contact',
      relation: 'res.partner',
      inverse: 'parent_id',
      activeOnly: true,
    },
    type: {
      type: 'selection',
      string: 'Address Type',
      selection: [
        ['contact', 'Contact'],
        ['invoice', 'Invoice Address'],
        ['delivery', 'Delivery Address'],
        ['other', 'Other Address'],
      ],
    },
    street: { type: 'char', string: 'Street' },
    street2: { type: 'char', string: 'Street2' },
    zip: { type: 'char', string: 'Zip' },
    city: { type: 'char', string: 'City' },
    state_id: { type: 'many2one', string: 'State', relation: 'res.country.state' },
    country_id: { type: 'many2one', string: 'Country', relation: 'res.country' },
    phone: { type: 'char', string: 'Phone' },
    mobile: { type: 'char', string: 'Mobile' },
    email: { type: 'char', string: 'Email' },
    website: { type: 'char', string: 'Website Link' },
    vat: { type: 'char', string: 'Tax ID' },
    ref: { type: 'char', string: 'Reference' },
    lang: {
      type: 'selection',
      string: 'Language',
      selection: ['en_US', 'en_GB', 'de_DE', 'fr_FR', 'nl_NL', 'it_IT', 'es_ES'].map((l) => [l, l]),
    },
    comment: { type: 'text', string: 'Notes' },
    customer_rank: { type: 'integer', string: 'Customer Rank' },
    supplier_rank: { type: 'integer', string: 'Supplier Rank' },
    active: { type: 'boolean', string: 'Active' },
    sale_order_ids: {
      type: 'one2many',
      string: 'Sales Order',
      relation: 'sale.order',
      inverse: 'partner_id',
    },
  },
};

const saleOrder: ModelDef = {
  name: 'sale.order',
  description: 'Sales Order',
  order: 'date_order desc, id desc',
  writable: true,
  displayName: (record) => String(record.name ?? ''),
  fields: {
    ...MAGIC,
    name: { type: 'char', string: 'Order Reference' },
    partner_id: { type: 'many2one', string: 'Customer', relation: 'res.partner', required: true },
    partner_invoice_id: { type: 'many2one', string: 'Invoice Address', relation: 'res.partner' },
    partner_shipping_id: { type: 'many2one', string: 'Delivery Address', relation: 'res.partner' },
    date_order: { type: 'datetime', string: 'Order Date' },
    commitment_date: { type: 'datetime', string: 'Delivery Date' },
    state: {
      type: 'selection',
      string: 'Status',
      selection: [
        ['draft', 'Quotation'],
        ['sent', 'Quotation Sent'],
        ['sale', 'Sales Order'],
        ['done', 'Locked'],
        ['cancel', 'Cancelled'],
      ],
    },
    currency_id: { type: 'many2one', string: 'Currency', relation: 'res.currency' },
    client_order_ref: { type: 'char', string: 'Customer Reference' },
    note: { type: 'text', string: 'Terms and conditions' },
    order_line: { type: 'one2many', string: 'Order Lines', relation: 'sale.order.line', inverse: 'order_id' },
    amount_untaxed: {
      type: 'monetary',
      string: 'Untaxed Amount',
      compute: (r, s) => round2(linesOf(s, r.id).reduce((sum, line) => sum + lineSubtotal(line), 0)),
    },
    amount_tax: { type: 'monetary', string: 'Taxes', compute: () => 0 },
    amount_total: {
      type: 'monetary',
      string: 'Total',
      compute: (r, s) => round2(linesOf(s, r.id).reduce((sum, line) => sum + lineSubtotal(line), 0)),
    },
  },
};

const saleOrderLine: ModelDef = {
  name: 'sale.order.line',
  description: 'Sales Order Line',
  order: 'order_id asc, sequence asc, id asc',
  writable: true,
  displayName: (record, state) => {
    const order =
      typeof record.order_id === 'number' ? state.records['sale.order']?.[record.order_id] : undefined;
    return `${String(order?.name ?? '')} - ${String(record.name ?? '')}`;
  },
  fields: {
    ...MAGIC,
    order_id: { type: 'many2one', string: 'Order Reference', relation: 'sale.order', required: true },
    sequence: { type: 'integer', string: 'Sequence' },
    product_id: { type: 'many2one', string: 'Product', relation: 'product.product' },
    name: { type: 'text', string: 'Description' },
    product_uom_qty: { type: 'float', string: 'Quantity' },
    product_uom: { type: 'many2one', string: 'Unit of Measure', relation: 'uom.uom' },
    price_unit: { type: 'float', string: 'Unit Price' },
    discount: { type: 'float', string: 'Discount (%)' },
    price_subtotal: { type: 'monetary', string: 'Subtotal', compute: (r) => lineSubtotal(r) },
    price_total: { type: 'monetary', string: 'Total', compute: (r) => lineSubtotal(r) },
    currency_id: {
      type: 'many2one',
      string: 'Currency',
      relation: 'res.currency',
      compute: (r, s) =>
        typeof r.order_id === 'number'
          ? (s.records['sale.order']?.[r.order_id]?.currency_id ?? false)
          : false,
    },
  },
};

const product: ModelDef = {
  ...simpleModel('product.product', 'Product Variant', 'default_code asc, name asc, id asc', {
    name: { type: 'char', string: 'Name', required: true },
    default_code: { type: 'char', string: 'Internal Reference' },
    list_price: { type: 'float', string: 'Sales Price' },
    uom_id: { type: 'many2one', string: 'Unit of Measure', relation: 'uom.uom' },
    active: { type: 'boolean', string: 'Active' },
  }),
  displayName: (r) => (r.default_code ? `[${String(r.default_code)}] ${String(r.name)}` : String(r.name)),
};

export const MODELS: Record<string, ModelDef> = {
  'res.partner': partner,
  'sale.order': saleOrder,
  'sale.order.line': saleOrderLine,
  'product.product': product,
  'res.currency': simpleModel('res.currency', 'Currency', 'active desc, name asc', {
    name: { type: 'char', string: 'Currency' },
    symbol: { type: 'char', string: 'Symbol' },
    rounding: { type: 'float', string: 'Rounding Factor' },
    active: { type: 'boolean', string: 'Active' },
  }),
  'res.country': simpleModel('res.country', 'Country', 'name asc', {
    name: { type: 'char', string: 'Country Name' },
    code: { type: 'char', string: 'Country Code' },
  }),
  // Odoo's `_compute_display_name`: "Bavaria (DE)", the name and the country's code; `code` is the ISO 3166-2
  // subdivision code without its country prefix, unique per country.
  'res.country.state': {
    ...simpleModel('res.country.state', 'Country state', 'code asc, id asc', {
      country_id: { type: 'many2one', string: 'Country', relation: 'res.country', required: true },
      name: { type: 'char', string: 'State Name', required: true },
      code: { type: 'char', string: 'State Code', required: true },
    }),
    displayName: (record, state) => {
      const country =
        typeof record.country_id === 'number' ? state.records['res.country']?.[record.country_id] : undefined;
      return `${String(record.name ?? '')} (${String(country?.code ?? '')})`;
    },
  },
  'uom.uom': simpleModel('uom.uom', 'Product Unit of Measure', 'name asc', {
    name: { type: 'char', string: 'Unit of Measure' },
    active: { type: 'boolean', string: 'Active' },
  }),
  'res.users': simpleModel('res.users', 'User', 'name asc, login asc', {
    name: { type: 'char', string: 'Name' },
    login: { type: 'char', string: 'Login' },
    active: { type: 'boolean', string: 'Active' },
  }),
};

/**
 * Fields Odoo removed in a later version: a database of that version or later has no such field (reading or writing
 * it is a ValueError "Invalid field"). saas-18.2 (Odoo Online since early 2025) and 19.0 dropped res.partner's
 * `mobile`: `phone` is the one number (odoo/odoo#189739).
 */
const REMOVED_FIELDS: Array<{ model: string; field: string; since: number }> = [
  { model: 'res.partner', field: 'mobile', since: 18.2 },
];

/** `17.0`, `saas~18.2`, `19.0` → 17, 18.2, 19. */
export function versionNumber(version: string): number {
  return Number.parseFloat(version.replace(/^saas~/, ''));
}

const versioned = new Map<string, ModelDef>();

/** The model as a database of `version` has it: without the fields removed by then. */
export function modelForVersion(def: ModelDef, version: string): ModelDef {
  const removed = REMOVED_FIELDS.filter((r) => r.model === def.name && versionNumber(version) >= r.since).map(
    (r) => r.field,
  );
  if (removed.length === 0) return def;
  const key = `${def.name}@${version}`;
  let adjusted = versioned.get(key);
  if (!adjusted) {
    const fields = Object.fromEntries(Object.entries(def.fields).filter(([name]) => !removed.includes(name)));
    adjusted = { ...def, fields };
    versioned.set(key, adjusted);
  }
  return adjusted;
}

export function displayNameOf(state: OdooState, model: string, id: number): string {
  const record = state.records[model]?.[String(id)];
  const def = MODELS[model];
  return record && def ? def.displayName(record, state) : '';
}
