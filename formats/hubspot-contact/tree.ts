export type ContactAction =
  | 'creation'
  | 'propertyChange'
  | 'deletion'
  | 'merge'
  | 'restore'
  | 'privacyDeletion'
  | 'associationChange';

export interface WebhookEvent {
  $loc: string;
  eventId: string;
  subscriptionId: string;
  subscriptionType: string;
  action: ContactAction;
  /** ISO 8601 UTC of occurredAt (epoch ms). */
  occurredAt: string;
  attemptNumber: number | null;
  propertyName: string | null;
  propertyValue: string | null;
  /**
   * A propertyChange of a Sensitive Data property: HubSpot sends `"propertyValue": "REDACTED"` instead of the value,
   * which must then be read through the API (with the sensitive scopes), never taken as the value.
   */
  redacted: boolean;
  /** CRM_UI, API, INTEGRATION, IMPORT…; `API` with our own app id is an echo of the hub's write. */
  changeSource: string | null;
  sourceId: string | null;
  changeFlag: string | null;
  mergedObjectIds: string[];
  primaryObjectId: string | null;
  newObjectId: string | null;
  numberOfPropertiesMoved: number | null;
}

export interface ContactChanges {
  /** The location of the contact's first event in the batch. */
  $loc: string;
  objectId: string;
  /** In occurredAt order (ties keep batch order). */
  events: WebhookEvent[];
}

export interface HubspotContactTree {
  $loc: string;
  portalId: string;
  appId: string | null;
  /** One entry per contact, ordered by its first event. */
  contacts: ContactChanges[];
  /**
   * Events of other objects' subscriptions in the batch (`company.creation`, `deal.propertyChange`…): HubSpot posts
   * every subscription of an app to one target URL, so a contact batch may hold them. Not read; named here.
   */
  otherEvents: Array<{ $loc: string; subscriptionType: string; objectId: string | null }>;
}
