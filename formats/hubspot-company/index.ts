import type { ContactAction } from '../hubspot-contact/tree.ts';
import { parseWebhookBatch, type WebhookObjectSpec } from '../hubspot-contact/webhook-batch.ts';
import type { FormatReader, ParsedDocument } from '../types.ts';
import type { HubspotCompanyTree } from './tree.ts';

export type * from './tree.ts';

/** Companies: `company.<action>`, or a generic subscription's `object.<action>` of objectTypeId `0-2`. */
const COMPANY: WebhookObjectSpec = {
  format: 'hubspot-company',
  object: 'company',
  objectTypeId: '0-2',
  actions: new Set<ContactAction>([
    'creation',
    'propertyChange',
    'deletion',
    'merge',
    'restore',
    'associationChange',
  ]),
};

/** One webhook batch (a JSON array, or a single event object) → one document grouping events per company. */
export function parseHubspotCompany(input: Buffer): ParsedDocument<HubspotCompanyTree>[] {
  return parseWebhookBatch(COMPANY, input).map(({ tree: { objects, ...tree }, ...document }) => ({
    ...document,
    tree: { ...tree, companies: objects },
  }));
}

export const reader: FormatReader<HubspotCompanyTree> = {
  name: COMPANY.format,
  family: 'crm',
  description: 'HubSpot company webhook batch (creation, propertyChange, deletion, merge, restore)',
  parse: parseHubspotCompany,
};
