import { LOCALES } from '../generator/locales/index.ts';
import { countryStates, MORE_COUNTRIES } from './country-states.ts';

/** A stored record: many2one values are ids or false; one2many values are derived, never stored. */
export type OdooRecord = Record<string, unknown> & { id: number };

export interface OdooUser {
  uid: number;
  login: string;
  /** The password: JSON-RPC (`/jsonrpc`) takes it, JSON-2 (`/json/2`) does not. */
  password: string;
  name: string;
  /**
   * The user's API key (Preferences → Account Security → New API Key): the bearer token of JSON-2, and taken in the
   * password's place by JSON-RPC. Absent: the user has none, and JSON-2 refuses every token (401).
   */
  apiKey?: string;
}

export interface OdooState {
  db: string;
  users: OdooUser[];
  records: Record<string, Record<string, OdooRecord>>;
  nextId: Record<string, number>;
  /** Sequence behind sale.order names (S00001). */
  orderSequence: number;
  /**
   * The server version the database runs (`common.version`): 17.0 by default; `POST /sim/version` sets a later one
   * (`saas~18.2`, `19.0`), whose models lack the fields Odoo removed by then (models.ts). Absent in older state files.
   */
  serverVersion?: string;
  /**
   * Records another transaction holds (`POST /sim/locks`), `model/id` → how many more writes to them fail with a
   * serialization failure. Absent in older state files.
   */
  locks?: Record<string, number>;
}

/** Odoo's datetime format on the wire (UTC, no zone, second precision): 2024-03-01 10:00:00. */
export function odooDateTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

const CREATED = '2024-01-01 00:00:00';

function table(rows: Array<Record<string, unknown> & { id: number }>): Record<string, OdooRecord> {
  const base = { create_date: CREATED, write_date: CREATED, create_uid: 1, write_uid: 1 };
  return Object.fromEntries(rows.map((row) => [String(row.id), { ...base, ...row }]));
}

/**
 * A fresh database: the users, countries (ids as the generator uses them) and their states (country-states.ts), a
 * few currencies, units and products. Partner 1 is the company, 3 the admin's partner, as in a fresh Odoo.
 */
export function emptyOdooState(): OdooState {
  const countries = [
    ...Object.entries(LOCALES).map(([code, locale]) => ({
      id: locale.odooCountryId,
      name: locale.countryName,
      code,
    })),
    ...MORE_COUNTRIES,
  ];
  const records: OdooState['records'] = {
    'res.users': table([
      { id: 1, name: 'OdooBot', login: '__system__', active: false },
      { id: 2, name: 'Mitchell Admin', login: 'admin', active: true },
      { id: 6, name: 'EAI Integration', login: 'eai', active: true },
    ]),
    'res.country': table(countries),
    'res.country.state': table(countryStates()),
    'res.currency': table([
      { id: 1, name: 'EUR', symbol: '€', rounding: 0.01, active: true },
      { id: 2, name: 'USD', symbol: '$', rounding: 0.01, active: true },
      { id: 147, name: 'GBP', symbol: '£', rounding: 0.01, active: true },
    ]),
    'uom.uom': table([
      { id: 1, name: 'Units', active: true },
      { id: 2, name: 'Dozens', active: true },
      { id: 12, name: 'kg', active: true },
    ]),
    'product.product': table([
      {
        id: 1,
        name: 'Pallet Jack PJ-2500',
        default_code: 'WH-PJ2500',
        list_price: 1290,
        uom_id: 1,
        active: true,
      },
      {
        id: 2,
        name: 'Stretch Film 500 mm',
        default_code: 'PK-SF500',
        list_price: 18.5,
        uom_id: 1,
        active: true,
      },
      {
        id: 3,
        name: 'Barcode Scanner BS-200',
        default_code: 'EL-BS200',
        list_price: 149,
        uom_id: 1,
        active: true,
      },
      {
        id: 4,
        name: 'Shipping Carton 60x40',
        default_code: 'PK-CT6040',
        list_price: 14.4,
        uom_id: 2,
        active: true,
      },
      { id: 5, name: 'Packing Chips', default_code: 'PK-CHIP', list_price: 3.2, uom_id: 12, active: true },
    ]),
    'res.partner': table([
      {
        id: 1,
        name: 'My Company (San Francisco)',
        is_company: true,
        active: true,
        customer_rank: 0,
        lang: 'en_US',
        parent_id: false,
        country_id: 233,
      },
      {
        id: 3,
        name: 'Mitchell Admin',
        is_company: false,
        active: true,
        customer_rank: 0,
        lang: 'en_US',
        parent_id: false,
        country_id: 233,
      },
    ]),
    'sale.order': {},
    'sale.order.line': {},
  };
  return {
    db: 'odoo',
    users: [
      { uid: 2, login: 'admin', password: 'admin', name: 'Mitchell Admin' },
      // The integration user logs in with its API key, as Odoo recommends for the external API: its password is the key.
      { uid: 6, login: 'eai', password: 'eai-api-key', name: 'EAI Integration', apiKey: 'eai-api-key' },
    ],
    records,
    nextId: { 'res.partner': 10, 'sale.order': 1, 'sale.order.line': 1, 'product.product': 6 },
    orderSequence: 0,
    serverVersion: '17.0',
  };
}

export function nextId(state: OdooState, model: string): number {
  const used = Object.keys(state.records[model] ?? {}).map(Number);
  const id = Math.max(state.nextId[model] ?? 1, ...used.map((n) => n + 1));
  state.nextId[model] = id + 1;
  return id;
}
