export type SObjectType = 'Account' | 'Contact' | 'Case' | 'Order';

export interface SObjectRecord {
  $loc: string;
  sobjectType: SObjectType | null;
  /** From `attributes.url` `/sobjects/{type}/{field}/{value}` when present: the upsert key of a PATCH body. */
  externalIdField: string | null;
  externalId: string | null;
  /** Field values as sent (strings, numbers, booleans, null to clear; a relationship as `{<external id field>: value}`). */
  fields: { $loc: string; [field: string]: unknown };
}

export interface SObjectTree {
  $loc: string;
  /** `upsert`: one PATCH /sobjects/{type}/{field}/{value} body; `composite`: an sObject Collections body. */
  shape: 'upsert' | 'composite';
  allOrNone: boolean | null;
  records: SObjectRecord[];
}
