/** Field metadata for the sObjects the simulator serves, from the standard object reference (v62.0). */
export type FieldType =
  | 'id'
  | 'string'
  | 'phone'
  | 'url'
  | 'email'
  | 'date'
  | 'datetime'
  | 'boolean'
  | 'reference';

export interface FieldDef {
  type: FieldType;
  label: string;
  /** Written only by the platform (system fields). */
  readOnly?: boolean;
  required?: boolean;
  maxLength?: number;
  externalId?: boolean;
  /** Where the field sits in a Pub/Sub change event when it belongs to a compound field. */
  compound?: [string, string];
  referenceTo?: string;
}

export type SObjectType = 'Account' | 'Contact';
export const SOBJECT_TYPES: SObjectType[] = ['Account', 'Contact'];

const SYSTEM_FIELDS: Record<string, FieldDef> = {
  Id: { type: 'id', label: 'Record ID', readOnly: true },
  IsDeleted: { type: 'boolean', label: 'Deleted', readOnly: true },
  CreatedDate: { type: 'datetime', label: 'Created Date', readOnly: true },
  CreatedById: { type: 'reference', label: 'Created By ID', readOnly: true, referenceTo: 'User' },
  LastModifiedDate: { type: 'datetime', label: 'Last Modified Date', readOnly: true },
  LastModifiedById: { type: 'reference', label: 'Last Modified By ID', readOnly: true, referenceTo: 'User' },
  SystemModstamp: { type: 'datetime', label: 'System Modstamp', readOnly: true },
  OwnerId: { type: 'reference', label: 'Owner ID', readOnly: true, referenceTo: 'User' },
};

function address(prefix: string, compound: string, withState: boolean): Record<string, FieldDef> {
  const parts: Array<[string, number]> = [
    ['Street', 255],
    ['City', 40],
    ...(withState ? ([['State', 80]] as Array<[string, number]>) : []),
    ['PostalCode', 20],
    ['Country', 80],
  ];
  return Object.fromEntries(
    parts.map(([part, maxLength]) => [
      `${prefix}${part}`,
      {
        type: 'string',
        label: `${prefix} ${part}`,
        maxLength,
        compound: [compound, part],
      } satisfies FieldDef,
    ]),
  );
}

export const SOBJECTS: Record<SObjectType, Record<string, FieldDef>> = {
  Account: {
    ...SYSTEM_FIELDS,
    Name: { type: 'string', label: 'Account Name', required: true, maxLength: 255 },
    AccountNumber: { type: 'string', label: 'Account Number', maxLength: 40 },
    Phone: { type: 'phone', label: 'Account Phone', maxLength: 40 },
    Website: { type: 'url', label: 'Website', maxLength: 255 },
    Industry: { type: 'string', label: 'Industry', maxLength: 255 },
    ...address('Billing', 'BillingAddress', true),
    ...address('Shipping', 'ShippingAddress', true),
    External_Id__c: { type: 'string', label: 'External Id', maxLength: 255, externalId: true },
    Eai_Golden_Id__c: { type: 'string', label: 'EAI Golden Id', maxLength: 255, externalId: true },
  },
  Contact: {
    ...SYSTEM_FIELDS,
    FirstName: { type: 'string', label: 'First Name', maxLength: 40, compound: ['Name', 'FirstName'] },
    LastName: {
      type: 'string',
      label: 'Last Name',
      required: true,
      maxLength: 80,
      compound: ['Name', 'LastName'],
    },
    Name: { type: 'string', label: 'Full Name', readOnly: true },
    Email: { type: 'email', label: 'Email', maxLength: 80 },
    Phone: { type: 'phone', label: 'Business Phone', maxLength: 40 },
    MobilePhone: { type: 'phone', label: 'Mobile Phone', maxLength: 40 },
    Birthdate: { type: 'date', label: 'Birthdate' },
    AccountId: { type: 'reference', label: 'Account ID', referenceTo: 'Account' },
    ...address('Mailing', 'MailingAddress', false),
    External_Id__c: { type: 'string', label: 'External Id', maxLength: 255, externalId: true },
  },
};

export function isSObjectType(name: string): name is SObjectType {
  return (SOBJECT_TYPES as string[]).includes(name);
}

/** SOQL and the REST API take field names case-insensitively; this returns the canonical spelling. */
export function canonicalField(type: SObjectType, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(SOBJECTS[type]).find((field) => field.toLowerCase() === lower);
}
