import { COMPANY_PROPERTIES, CONTACT_PROPERTIES } from './properties.ts';
import type { Contact, HubSpotState } from './state.ts';

/**
 * A CRM object type the simulator serves through the same CRM API v3 routes (`/crm/v3/objects/<name>`): contacts and
 * companies. What differs between them is data: their known properties, those returned by default, the property
 * HubSpot stamps on every change, and where the records are kept.
 */
export interface ObjectType {
  /** The API's name of the type, its path segment: `contacts`, `companies`. */
  name: 'contacts' | 'companies';
  /** One of them: its webhooks' prefix (`company.creation`) and its effects' `entityType`. */
  singular: 'contact' | 'company';
  /** `/crm/v3/objects/<name>`. */
  path: string;
  /** The properties this portal knows for the type; any other is refused (PROPERTY_DOESNT_EXIST). */
  properties: Set<string>;
  /** Returned when a request names no properties. */
  defaultProperties: string[];
  /** Always returned with the properties a request names. */
  alwaysReturned: string[];
  /** Written by HubSpot at each change: `lastmodifieddate` for contacts, `hs_lastmodifieddate` for companies. */
  modifiedProperty: string;
  /** The stored records of the type, by id. */
  records(state: HubSpotState): Record<string, Contact>;
}

export const CONTACT_TYPE: ObjectType = {
  name: 'contacts',
  singular: 'contact',
  path: '/crm/v3/objects/contacts',
  properties: CONTACT_PROPERTIES,
  defaultProperties: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  alwaysReturned: ['createdate', 'hs_object_id', 'lastmodifieddate'],
  modifiedProperty: 'lastmodifieddate',
  records: (state) => state.contacts,
};

/** HubSpot's companies: the default properties its API returns are `createdate, domain, hs_lastmodifieddate, hs_object_id, name`. */
export const COMPANY_TYPE: ObjectType = {
  name: 'companies',
  singular: 'company',
  path: '/crm/v3/objects/companies',
  properties: COMPANY_PROPERTIES,
  defaultProperties: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  alwaysReturned: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  modifiedProperty: 'hs_lastmodifieddate',
  // Absent in older state files.
  records: (state) => (state.companies ??= {}),
};

export const OBJECT_TYPES = [CONTACT_TYPE, COMPANY_TYPE];
