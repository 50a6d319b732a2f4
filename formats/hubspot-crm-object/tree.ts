/** One HubSpot CRM v3 object (a contact or a company) as the API answers it. */
export interface CrmObjectTree {
  $loc: string;
  /** The record id (`hs_object_id`), as its digits. */
  id: string;
  /** Its type, from the document's `objectTypeId` (`0-1` contact, `0-2` company; none: a contact). */
  objectType: 'contact' | 'company';
  /** Property values as HubSpot holds them: strings, or null for a property asked for that has no value. */
  properties: { $loc: string; [name: string]: string | null };
  /** ISO 8601 UTC. */
  createdAt: string;
  /** ISO 8601 UTC: the record's last modification (a contact's `lastmodifieddate`, a company's `hs_lastmodifieddate`). */
  updatedAt: string;
  archived: boolean;
}
