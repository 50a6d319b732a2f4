/**
 * Companies and contact-to-company associations, as a person makes them in HubSpot's UI (`/sim/companies`,
 * `/sim/associations`): enough for the webhooks a real portal sends beside the contacts' (`company.creation`,
 * `company.propertyChange`, `company.deletion`, `contact.associationChange`). The CRM API of companies is not served.
 */
import type { ContactChange } from './contacts.ts';
import { type Company, type HubSpotState, nextContactId, nextTimestamp } from './state.ts';

/** A live company by id. */
export function findCompany(state: HubSpotState, id: string): Company | undefined {
  const company = state.companies?.[id];
  return company && !company.archived ? company : undefined;
}

/** Creates a company (ids from the portal's one sequence, as HubSpot's object ids): a creation, a change per property. */
export function createCompany(
  state: HubSpotState,
  properties: Record<string, string>,
): { company: Company; changes: ContactChange[] } {
  const id = nextContactId(state);
  const at = nextTimestamp(state);
  const company: Company = {
    id,
    properties: { hs_object_id: id },
    createdAt: at,
    updatedAt: at,
    archived: false,
  };
  state.companies = { ...state.companies, [id]: company };
  const occurredAt = Date.parse(at);
  return {
    company,
    changes: [
      { kind: 'creation', objectType: 'company', objectId: id, occurredAt },
      ...set(company, properties, at),
    ],
  };
}

/** Applies changed values only: a propertyChange for each. */
export function updateCompany(state: HubSpotState, company: Company, properties: Record<string, string>) {
  const at = nextTimestamp(state);
  const changes = set(company, properties, at);
  if (changes.length > 0) company.updatedAt = at;
  return changes;
}

function set(company: Company, properties: Record<string, string>, at: string): ContactChange[] {
  const changes: ContactChange[] = [];
  for (const [name, value] of Object.entries(properties)) {
    if ((company.properties[name] ?? '') === value) continue;
    if (value === '') delete company.properties[name];
    else company.properties[name] = value;
    changes.push({
      kind: 'propertyChange',
      objectType: 'company',
      objectId: company.id,
      occurredAt: Date.parse(at),
      propertyName: name,
      propertyValue: value,
    });
  }
  return changes;
}

/** Archives a company (its associations go with it, without events of their own, as the UI's delete). */
export function archiveCompany(state: HubSpotState, company: Company): ContactChange[] {
  const at = nextTimestamp(state);
  company.archived = true;
  state.associations = (state.associations ?? []).filter((a) => !a.endsWith(`:${company.id}`));
  return [{ kind: 'deletion', objectType: 'company', objectId: company.id, occurredAt: Date.parse(at) }];
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
