/**
 * HubSpot CRM v3 contact objects ({ id, properties, createdAt, updatedAt, archived }). HubSpot holds
 * organisations here as the contact person of the company, with the `company` property set.
 */

import type { CopyMeta } from '../generator/copy-meta.ts';
import type { CopyView } from '../generator/drift.ts';
import type { SystemRecord } from '../generator/model.ts';

export function toHubSpot(view: CopyView, meta: CopyMeta): SystemRecord {
  const { entity } = view;
  const createdAt = meta.createdAt.toISOString();
  const updatedAt = meta.modifiedAt.toISOString();
  const person =
    entity.kind === 'organization'
      ? {
          firstname: entity.contact.firstName,
          lastname: entity.contact.lastName,
          company: view.orgName ?? null,
        }
      : {
          firstname: (view.nameSwapped ? view.lastName : view.firstName) ?? null,
          lastname: (view.nameSwapped ? view.firstName : view.lastName) ?? null,
          company: null,
        };
  const mobile = entity.kind === 'person' && entity.isMobile;
  return {
    system: 'hubspot',
    type: 'contact',
    record: {
      id: meta.systemId,
      properties: {
        hs_object_id: meta.systemId,
        ...person,
        email: view.email ?? null,
        phone: mobile ? null : (view.phone ?? null),
        mobilephone: mobile ? (view.phone ?? null) : null,
        website: view.website ?? null,
        address: view.street ?? null,
        city: view.city,
        state: view.region ?? null,
        zip: view.postalCode ?? null,
        country: view.countryText,
        date_of_birth: view.birthDate ?? null,
        lifecyclestage: 'customer',
        createdate: createdAt,
        lastmodifieddate: updatedAt,
      },
      createdAt,
      updatedAt,
      archived: false,
    },
  };
}
