import type { ContactChanges, HubspotContactTree } from '../hubspot-contact/tree.ts';

/** A company's events in the batch: the same event fields as a contact's (HubSpot's one webhook payload). */
export type CompanyChanges = ContactChanges;

export interface HubspotCompanyTree {
  $loc: string;
  portalId: string;
  appId: string | null;
  /** One entry per company, ordered by its first event. */
  companies: CompanyChanges[];
  /** Events of other subscriptions in the batch (a contact's, a deal's), named, not read. */
  otherEvents: HubspotContactTree['otherEvents'];
}
