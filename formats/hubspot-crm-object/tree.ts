/** One HubSpot CRM v3 object (a contact) as the API answers it. */
export interface CrmObjectTree {
  $loc: string;
  /** The record id (`hs_object_id`), as its digits. */
  id: string;
  /** Property values as HubSpot holds them: strings, or null for a property asked for that has no value. */
  properties: { $loc: string; [name: string]: string | null };
  /** ISO 8601 UTC. */
  createdAt: string;
  /** ISO 8601 UTC: the record's last modification (its `lastmodifieddate`). */
  updatedAt: string;
  archived: boolean;
}
