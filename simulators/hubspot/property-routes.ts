import type { Router } from 'express';
import type { SimContext } from '../common/types.ts';
import { hsError } from './errors.ts';
import { CONTACT_PROPERTIES, CUSTOM_PROPERTIES, DATETIME_PROPERTIES, READ_ONLY } from './properties.ts';
import type { HubSpotState } from './state.ts';

const PROPERTIES = '/crm/v3/properties/contacts';

const label = (name: string) =>
  name
    .split('_')
    .map((word, index) => (index === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word))
    .join(' ');

/** A contact property's definition as the properties API answers it, `dataSensitivity` included. */
function definition(state: HubSpotState, name: string): Record<string, unknown> {
  const datetime = DATETIME_PROPERTIES.has(name);
  const readOnly = READ_ONLY.has(name);
  return {
    name,
    label: label(name),
    type: datetime ? 'datetime' : 'string',
    fieldType: datetime ? 'date' : 'text',
    groupName: 'contactinformation',
    description: '',
    options: [],
    displayOrder: -1,
    hasUniqueValue: name === 'hs_object_id' || state.uniqueProperties.includes(name),
    hidden: false,
    formField: !readOnly,
    hubspotDefined: !CUSTOM_PROPERTIES.has(name),
    dataSensitivity: state.sensitiveProperties?.includes(name) ? 'sensitive' : 'non_sensitive',
    modificationMetadata: {
      archivable: CUSTOM_PROPERTIES.has(name),
      readOnlyDefinition: !CUSTOM_PROPERTIES.has(name),
      readOnlyValue: readOnly,
      readOnlyOptions: false,
    },
  };
}

/** The contact properties' definitions (read only): `GET /crm/v3/properties/contacts[/{propertyName}]`. */
export function propertyRoutes(router: Router, sim: SimContext<HubSpotState>): void {
  router.get(PROPERTIES, (_req, res) => {
    res.json({ results: [...CONTACT_PROPERTIES].sort().map((name) => definition(sim.state, name)) });
  });
  router.get(`${PROPERTIES}/:propertyName`, (req, res) => {
    const name = String(req.params.propertyName);
    if (!CONTACT_PROPERTIES.has(name))
      throw hsError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${name} for object type contacts`);
    res.json(definition(sim.state, name));
  });
}
