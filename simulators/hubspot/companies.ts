/**
 * Companies and contact-to-company associations. A company is created and changed as a contact is (contacts.ts with
 * COMPANY_TYPE), by the CRM API or as a person in HubSpot's UI (`/sim/companies`); what is a company's own: its
 * archive drops its associations, and a contact's link to a company (`/sim/associations`, `contact.associationChange`).
 */
import { archiveContact, type ContactChange, findContact } from './contacts.ts';
import { COMPANY_TYPE } from './object-types.ts';
import { type Company, type HubSpotState, nextTimestamp } from './state.ts';

/** A live company by id. */
export function findCompany(state: HubSpotState, id: string): Company | undefined {
  return findContact(state, id, false, COMPANY_TYPE);
}

/** Archives a company (its associations go with it, without events of their own, as the UI's delete). */
export function archiveCompany(state: HubSpotState, company: Company): ContactChange[] {
  state.associations = (state.associations ?? []).filter((a) => !a.endsWith(`:${company.id}`));
  return archiveContact(state, company, COMPANY_TYPE);
}

/**
 * Associates a contact with a company, or removes the association: one `contact.associationChange` (from the
 * contact to the company, `CONTACT_TO_COMPANY`); nothing when it already is as asked. The first company of a
 * contact is its primary one.
 */
export function associate(
  state: HubSpotState,
  contactId: string,
  companyId: string,
  removed: boolean,
): ContactChange[] {
  const key = `${contactId}:${companyId}`;
  const list = state.associations ?? [];
  if (list.includes(key) !== removed) return [];
  const primary = !list.some((a) => a.startsWith(`${contactId}:`) && a !== key);
  state.associations = removed ? list.filter((a) => a !== key) : [...list, key];
  return [
    {
      kind: 'associationChange',
      objectId: contactId,
      occurredAt: Date.parse(nextTimestamp(state)),
      association: { toObjectId: companyId, removed, primary },
    },
  ];
}
