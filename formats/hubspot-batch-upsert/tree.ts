export interface UpsertInput {
  $loc: string;
  /** The unique property the id is matched on (`email`, a custom unique property); null means the record id. */
  idProperty: string | null;
  id: string;
  /** HubSpot property values are strings; `""` clears a property. */
  properties: { $loc: string; [name: string]: string };
}

export interface HubspotBatchUpsertTree {
  $loc: string;
  inputs: UpsertInput[];
}
