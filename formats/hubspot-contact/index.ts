import type { FormatReader, ParsedDocument } from '../types.ts';
import type { ContactAction, HubspotContactTree } from './tree.ts';
import { parseWebhookBatch, type WebhookObjectSpec } from './webhook-batch.ts';

export type * from './tree.ts';

/** Contacts: `contact.<action>`, or a generic subscription's `object.<action>` of objectTypeId `0-1`. */
const CONTACT: WebhookObjectSpec = {
  format: 'hubspot-contact',
  object: 'contact',
  objectTypeId: '0-1',
  actions: new Set<ContactAction>([
    'creation',
    'propertyChange',
    'deletion',
    'merge',
    'restore',
    'privacyDeletion',
    'associationChange',
  ]),
};

/** One webhook batch (a JSON array, or a single event object) → one document grouping events per contact. */
export function parseHubspotContact(input: Buffer): ParsedDocument<HubspotContactTree>[] {
  return parseWebhookBatch(CONTACT, input).map(({ tree: { objects, ...tree }, ...document }) => ({
    ...document,
    tree: { ...tree, contacts: objects },
  }));
}

export const reader: FormatReader<HubspotContactTree> = {
  name: CONTACT.format,
  family: 'crm',
  description: 'HubSpot contact webhook batch (creation, propertyChange, deletion, merge, restore)',
  parse: parseHubspotContact,
};
