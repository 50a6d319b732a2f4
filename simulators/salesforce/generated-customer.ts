/** Salesforce REST shapes (API v62.0): Account for organisations, Contact for persons. Empty fields are null. */

import type { CopyMeta } from '../generator/copy-meta.ts';
import type { CopyView } from '../generator/drift.ts';
import type { SystemRecord } from '../generator/model.ts';

/** Salesforce datetime as the REST API renders it: 2024-03-01T10:00:00.000+0000. */
export function salesforceDateTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

export function toSalesforce(view: CopyView, meta: CopyMeta): SystemRecord {
  const { entity } = view;
  const common = {
    Id: meta.systemId,
    Phone: view.phone ?? null,
    CreatedDate: salesforceDateTime(meta.createdAt),
    LastModifiedDate: salesforceDateTime(meta.modifiedAt),
    SystemModstamp: salesforceDateTime(meta.modifiedAt),
    IsDeleted: false,
  };
  if (entity.kind === 'organization') {
    return {
      system: 'salesforce',
      type: 'Account',
      record: {
        ...common,
        Name: view.orgName,
        Type: 'Customer',
        BillingStreet: view.street ?? null,
        BillingCity: view.city,
        BillingState: view.region ?? null,
        BillingPostalCode: view.postalCode ?? null,
        BillingCountry: view.countryText,
        Website: view.website ?? null,
        // Custom fields, as an org would add them: Salesforce has no standard VAT or ERP-number field.
        VAT_Number__c: view.vat ?? null,
        SAP_Customer_Number__c: meta.sapCustomerNumber ?? null,
      },
    };
  }
  const mobile = entity.isMobile;
  return {
    system: 'salesforce',
    type: 'Contact',
    record: {
      ...common,
      Phone: mobile ? null : (view.phone ?? null),
      MobilePhone: mobile ? (view.phone ?? null) : null,
      Salutation: entity.gender === 'male' ? 'Mr.' : 'Ms.',
      FirstName: view.nameSwapped ? view.lastName : view.firstName,
      LastName: view.nameSwapped ? view.firstName : view.lastName,
      Email: view.email ?? null,
      Birthdate: view.birthDate ?? null,
      MailingStreet: view.street ?? null,
      MailingCity: view.city,
      MailingState: view.region ?? null,
      MailingPostalCode: view.postalCode ?? null,
      MailingCountry: view.countryText,
      AccountId: null,
    },
  };
}
