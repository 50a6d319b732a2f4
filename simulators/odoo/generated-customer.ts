/** Odoo res.partner as search_read returns it: unset fields are `false`, many2one fields `[id, "name"]`. */

import type { CopyMeta } from '../generator/copy-meta.ts';
import type { CopyView } from '../generator/drift.ts';
import { LOCALES } from '../generator/locales/index.ts';
import type { SystemRecord } from '../generator/model.ts';
import { countryStateRef } from './country-states.ts';

/** Odoo's datetime format (UTC, no zone): 2024-03-01 10:00:00. */
export function odooDateTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

export function toOdoo(view: CopyView, meta: CopyMeta): SystemRecord {
  const { entity } = view;
  const locale = LOCALES[entity.country];
  const isCompany = entity.kind === 'organization';
  const name = isCompany
    ? view.orgName
    : view.nameSwapped
      ? `${view.lastName}, ${view.firstName}`
      : `${view.firstName} ${view.lastName}`;
  return {
    system: 'odoo',
    type: 'res.partner',
    record: {
      id: Number(meta.systemId),
      name,
      display_name: name,
      is_company: isCompany,
      company_type: isCompany ? 'company' : 'person',
      parent_id: false,
      street: view.street ?? false,
      street2: false,
      zip: view.postalCode ?? false,
      city: view.city,
      // The city's state where the locale names one (US cities: CA, NY), as Odoo's state_id.
      state_id: (view.region && countryStateRef(entity.country, view.region)) ?? false,
      country_id: [locale.odooCountryId, locale.countryName],
      phone: view.phone ?? false,
      email: view.email ?? false,
      website: view.website ?? false,
      vat: view.vat ?? false,
      ref: meta.sapCustomerNumber ?? false,
      lang: locale.odooLang,
      customer_rank: 1,
      active: true,
      create_date: odooDateTime(meta.createdAt),
      write_date: odooDateTime(meta.modifiedAt),
    },
  };
}
