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
  | 'reference'
  | 'picklist'
  | 'textarea';

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
  referenceTo?: 'Account' | 'Contact' | 'Case' | 'Order' | 'User' | 'RecordType';
  /** An Account field of person accounts only (the hidden Contact's name parts and Person* fields). */
  personAccount?: boolean;
  /** Picklist values, as the org's setup lists them (the API takes others too unless `restricted`). */
  values?: string[];
  /** A restricted picklist: a value not in `values` is refused (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST). */
  restricted?: boolean;
}

export type SObjectType = 'Account' | 'Contact' | 'Case' | 'Order';
export const SOBJECT_TYPES: SObjectType[] = ['Account', 'Contact', 'Case', 'Order'];

/**
 * The org's Order.Status values (its OrderStatus picklist) and the category each belongs to (StatusCode). Draft and
 * Activated are Salesforce's own; the org added the ERP's order states, all in the Draft category: an order mirrored
 * from the ERP is never activated in the CRM (activation locks the order and is for orders managed in Salesforce).
 */
export const ORDER_STATUS_CODES: Record<string, 'Draft' | 'Activated'> = {
  Draft: 'Draft',
  Activated: 'Activated',
  Confirmed: 'Draft',
  'Credit Hold': 'Draft',
  Shipped: 'Draft',
  Delivered: 'Draft',
  Cancelled: 'Draft',
};

/** Case.Status values that close a case (the org's "Closed" status; Salesforce sets IsClosed and ClosedDate). */
export const CLOSED_CASE_STATUSES = ['Closed'];

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

function personAccountFields(fields: Record<string, FieldDef>): Record<string, FieldDef> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, def]) => [name, { ...def, personAccount: true }]),
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
    Type: {
      type: 'picklist',
      label: 'Account Type',
      maxLength: 255,
      values: ['Prospect', 'Customer', 'Partner', 'Other'],
    },
    ...address('Billing', 'BillingAddress', true),
    ...address('Shipping', 'ShippingAddress', true),
    // Person accounts are enabled in the org (person-accounts.ts): an Account created with the person account
    // record type holds a consumer, with its hidden Contact's fields (in change events, Name is then the compound
    // of the name parts). The org's Contact has no MailingState, so its person accounts no PersonMailingState.
    RecordTypeId: { type: 'reference', label: 'Account Record Type', referenceTo: 'RecordType' },
    IsPersonAccount: { type: 'boolean', label: 'Is Person Account', readOnly: true },
    ...personAccountFields({
      Salutation: {
        type: 'picklist',
        label: 'Salutation',
        maxLength: 40,
        compound: ['Name', 'Salutation'],
        values: ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'],
      },
      FirstName: { type: 'string', label: 'First Name', maxLength: 40, compound: ['Name', 'FirstName'] },
      LastName: { type: 'string', label: 'Last Name', maxLength: 80, compound: ['Name', 'LastName'] },
      PersonEmail: { type: 'email', label: 'Email', maxLength: 80 },
      PersonMobilePhone: { type: 'phone', label: 'Mobile', maxLength: 40 },
      PersonHomePhone: { type: 'phone', label: 'Home Phone', maxLength: 40 },
      PersonBirthdate: { type: 'date', label: 'Birthdate' },
      ...address('PersonMailing', 'PersonMailingAddress', false),
      PersonContactId: {
        type: 'reference',
        label: 'Person Contact ID',
        readOnly: true,
        referenceTo: 'Contact',
      },
    }),
    External_Id__c: { type: 'string', label: 'External Id', maxLength: 255, externalId: true },
    Eai_Golden_Id__c: { type: 'string', label: 'EAI Golden Id', maxLength: 255, externalId: true },
    // The org's custom fields for what Salesforce has no standard field for (the generator fills them).
    VAT_Number__c: { type: 'string', label: 'VAT Number', maxLength: 40 },
    // Marked External ID in the org's setup: the hub's orders name their account by it (Order's `Account` field).
    SAP_Customer_Number__c: {
      type: 'string',
      label: 'SAP Customer Number',
      maxLength: 10,
      externalId: true,
    },
  },
  Contact: {
    ...SYSTEM_FIELDS,
    Salutation: {
      type: 'picklist',
      label: 'Salutation',
      maxLength: 40,
      compound: ['Name', 'Salutation'],
      values: ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'],
    },
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
    HomePhone: { type: 'phone', label: 'Home Phone', maxLength: 40 },
    Birthdate: { type: 'date', label: 'Birthdate' },
    AccountId: { type: 'reference', label: 'Account ID', referenceTo: 'Account' },
    // A person account's hidden Contact (person-accounts.ts) says so; the platform sets it.
    IsPersonAccount: { type: 'boolean', label: 'Is Person Account', readOnly: true },
    ...address('Mailing', 'MailingAddress', false),
    External_Id__c: { type: 'string', label: 'External Id', maxLength: 255, externalId: true },
  },
  Case: {
    ...SYSTEM_FIELDS,
    // Auto-number: the platform assigns 00001000, 00001001, … and nobody writes it.
    CaseNumber: { type: 'string', label: 'Case Number', readOnly: true, maxLength: 30 },
    Subject: { type: 'string', label: 'Subject', maxLength: 255 },
    Description: { type: 'textarea', label: 'Description', maxLength: 32000 },
    Status: {
      type: 'picklist',
      label: 'Status',
      maxLength: 255,
      values: ['New', 'Working', 'Escalated', 'Closed'],
    },
    Priority: { type: 'picklist', label: 'Priority', maxLength: 255, values: ['High', 'Medium', 'Low'] },
    Origin: { type: 'picklist', label: 'Case Origin', maxLength: 255, values: ['Phone', 'Email', 'Web'] },
    Type: {
      type: 'picklist',
      label: 'Case Type',
      maxLength: 255,
      values: ['Mechanical', 'Electrical', 'Electronic', 'Structural', 'Other'],
    },
    Reason: {
      type: 'picklist',
      label: 'Case Reason',
      maxLength: 255,
      values: [
        'Installation',
        'Equipment Complexity',
        'Performance',
        'Breakdown',
        'Equipment Design',
        'Feedback',
        'Other',
      ],
    },
    AccountId: { type: 'reference', label: 'Account ID', referenceTo: 'Account' },
    ContactId: { type: 'reference', label: 'Contact ID', referenceTo: 'Contact' },
    IsClosed: { type: 'boolean', label: 'Closed', readOnly: true },
    ClosedDate: { type: 'datetime', label: 'Closed Date', readOnly: true },
    // The org's custom fields: the ERP order the case is about, and what resolved it.
    Order_Number__c: { type: 'string', label: 'Order Number', maxLength: 40 },
    Resolution__c: { type: 'textarea', label: 'Resolution', maxLength: 32768 },
  },
  Order: {
    ...SYSTEM_FIELDS,
    // Auto-number: the platform assigns 00000100, 00000101, … and nobody writes it.
    OrderNumber: { type: 'string', label: 'Order Number', readOnly: true, maxLength: 30 },
    AccountId: { type: 'reference', label: 'Account ID', required: true, referenceTo: 'Account' },
    EffectiveDate: { type: 'date', label: 'Order Start Date', required: true },
    Status: {
      type: 'picklist',
      label: 'Status',
      required: true,
      maxLength: 40,
      values: Object.keys(ORDER_STATUS_CODES),
      restricted: true,
    },
    // The category of Status (Draft or Activated), set by the platform.
    StatusCode: { type: 'string', label: 'Status Category', readOnly: true, maxLength: 40 },
    PoNumber: { type: 'string', label: 'PO Number', maxLength: 80 },
    Description: { type: 'textarea', label: 'Description', maxLength: 32000 },
    // The org's custom fields: the hub's key of the order, the ERP's order number, the carrier's tracking numbers.
    External_Id__c: { type: 'string', label: 'External Id', maxLength: 255, externalId: true },
    Order_Number__c: { type: 'string', label: 'ERP Order Number', maxLength: 40 },
    Tracking_Number__c: { type: 'string', label: 'Tracking Numbers', maxLength: 255 },
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
