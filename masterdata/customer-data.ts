import type { CustomerPartyMaster } from '../schemas/types.generated.ts';

/** Why a record with nothing but ids is no customer (the same words in a load's rejects and the matcher's log). */
export const NO_CUSTOMER_DATA =
  'no customer data besides its id (no name, email, phone, address, tax id or birth date)';

const given = (text: string | null | undefined): boolean => !!text?.trim();

/**
 * Whether a record carries something that describes a party: a name, an email, a phone, an address, a tax id or a
 * birth date. A record of ids alone (a CSV row with only its key filled in, HubSpot's creation webhook before its
 * property changes) has nothing to match, show or survive in a golden record: it forms none (an empty golden
 * customer would be matched by nothing, and shown and synced as a customer without a name).
 */
export function hasCustomerData(customer: CustomerPartyMaster): boolean {
  return (
    given(customer.organizationName) ||
    given(customer.person?.givenName) ||
    given(customer.person?.familyName) ||
    given(customer.birthDate) ||
    (customer.emails ?? []).some((e) => given(e.address)) ||
    (customer.phones ?? []).some((p) => given(p.number)) ||
    (customer.addresses ?? []).some(
      (a) => (a.lines ?? []).some(given) || given(a.city) || given(a.postalCode),
    ) ||
    given(customer.taxId?.value)
  );
}

/** A customer's name as people read it: the organisation's, else the person's given and family name; null if none. */
export function displayName(record: CustomerPartyMaster | null | undefined): string | null {
  if (!record) return null;
  if (record.organizationName) return record.organizationName;
  const name = [record.person?.givenName, record.person?.familyName].filter(Boolean).join(' ');
  return name || null;
}
