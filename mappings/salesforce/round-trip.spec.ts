import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { mapBytes, writeToSystem } from '../index.ts';

/**
 * canonical CustomerEvent → upsert body (sobject.from-canonical.yaml + writer) → salesforce-sobject reader →
 * sobject.to-canonical.yaml → canonical again: equal on what the org's Account / Contact hold, namely customerId,
 * the Salesforce id, Account or Contact, organizationName, a person's given and family name and birth date, the
 * primary (else first) email of a person, every phone but faxes (number and isE164), the billing and shipping
 * address of an organization, the mailing address of a person (without region: the org's Contact has no
 * MailingState), and an organization's Website and Industry extensions. A partial event is compared on the
 * top-level fields its changedFields / clearedFields name. Not carried: title, middle name, an organization's
 * emails, further emails, faxes, phone use and primary flags, taxId, credit, status, dates, other systems' ids,
 * the id of a person account's hidden Contact (PersonContactId, read-only), other extensions.
 */
const dir = 'mappings/salesforce/fixtures/canonical';

// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

function isContact(customer: Json): boolean {
  return (
    customer.partyType === 'PERSON' ||
    (customer.partyType === 'UNKNOWN' && customer.person !== null && !customer.organizationName)
  );
}

function addressParts(address: Json | undefined, withRegion: boolean) {
  if (!address) return null;
  const { lines, city, region, postalCode, countryCode } = address;
  return { lines, city, postalCode, countryCode, ...(withRegion ? { region } : {}) };
}

/** What Salesforce holds of the customer, restricted to the top-level fields `meaningful` accepts. */
function carried(customer: Json, meaningful: (field: string) => boolean): Json {
  const contact = isContact(customer);
  const addresses: Json[] = customer.addresses;
  const view: Json = {
    customerId: customer.customerId,
    // A golden id the record carried (External_Id__c) is not kept but written anew: the body's is customerId.
    salesforceIds: customer.sourceIds
      .filter(
        (s: Json) =>
          s.system === 'salesforce' && s.idType !== 'PersonContactId' && s.idType !== 'External_Id__c',
      )
      .map((s: Json) => s.id),
    sobjectType: contact ? 'Contact' : 'Account',
    phones: customer.phones
      .filter((p: Json) => p.use !== 'fax')
      .map((p: Json) => ({ number: p.number, isE164: p.isE164 }))
      .sort((a: Json, b: Json) => a.number.localeCompare(b.number)),
  };
  if (contact) {
    const emails: Json[] = customer.emails;
    Object.assign(view, {
      person: { givenName: customer.person?.givenName, familyName: customer.person?.familyName },
      birthDate: customer.birthDate,
      emails: (emails.find((e) => e.primary) ?? emails[0])?.address ?? null,
      addresses: addressParts(addresses.find((a) => a.use === 'MAILING') ?? addresses[0], false),
    });
  } else {
    Object.assign(view, {
      organizationName: customer.organizationName,
      addresses: {
        billing: addressParts(
          addresses.find((a) => a.use === 'BILLING') ?? addresses.find((a) => a.use !== 'SHIPPING'),
          true,
        ),
        shipping: addressParts(
          addresses.find((a) => a.use === 'SHIPPING'),
          true,
        ),
      },
      extensions: { Website: customer.extensions.Website, Industry: customer.extensions.Industry },
    });
  }
  const keys = ['customerId', 'salesforceIds', 'sobjectType'];
  return Object.fromEntries(Object.entries(view).filter(([k]) => keys.includes(k) || meaningful(k)));
}

/** The top-level fields an event speaks for: all for a snapshot, else those its paths start with. */
function meaningfulFields(event: Json): (field: string) => boolean {
  const paths: string[] = [...event.changedFields, ...event.clearedFields];
  if (paths.length === 0) return () => true;
  const named = new Set(paths.map((p) => p.split(/[.[]/)[0]));
  return (field) => named.has(field);
}

async function roundTrip(value: Json): Promise<Json> {
  const bodies = await writeToSystem('salesforce-sobject', [value]);
  expect(bodies).toHaveLength(1);
  const [mapped] = await mapBytes('salesforce-sobject', bodies[0]!);
  expect(mapped!.records).toHaveLength(1);
  return JSON.parse(JSON.stringify(mapped!.records[0]!.value));
}

const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const fixture = (file: string): Json => JSON.parse(readFileSync(join(dir, file), 'utf8')).value;

describe('Salesforce sObject round trip', () => {
  it('has at least five canonical fixtures, which between them hold every carried field', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    // Guards against a vacuous comparison: some fixture must carry each of these.
    const views = files.map((f) => carried(fixture(f).customer, () => true));
    expect(views.some((v) => v.phones.length > 0)).toBe(true);
    expect(views.some((v) => typeof v.emails === 'string')).toBe(true);
    expect(views.some((v) => v.addresses?.billing && v.addresses?.shipping)).toBe(true);
    expect(views.some((v) => v.addresses?.city)).toBe(true);
    expect(views.some((v) => v.person?.familyName && v.birthDate)).toBe(true);
    expect(views.some((v) => v.extensions?.Website)).toBe(true);
  });

  for (const file of files) {
    it(`${file}: canonical → upsert body → canonical keeps every field both sides carry`, async () => {
      const original = fixture(file);
      const back = await roundTrip(original);
      const meaningful = meaningfulFields(original);
      expect(back.changeType).toBe('UPDATED');
      expect(carried(back.customer, meaningful)).toEqual(carried(original.customer, meaningful));
    });
  }

  it('writes nothing for events that carry no values Salesforce holds', async () => {
    const organization = fixture('organization-snapshot.json');
    for (const changeType of ['DELETED', 'RESYNC_REQUESTED']) {
      expect(await writeToSystem('salesforce-sobject', [{ ...organization, changeType }])).toEqual([]);
    }
    const taxIdOnly = { ...organization, changedFields: ['taxId'] };
    expect(await writeToSystem('salesforce-sobject', [taxIdOnly])).toEqual([]);
  });

  it('reads every country name it writes back as its code', () => {
    const names = parseYaml(readFileSync('mappings/salesforce/lookups/country-names.yaml', 'utf8')) as Json;
    const codes = parseYaml(readFileSync('mappings/lookups/countries.yaml', 'utf8')) as Json;
    const lost = Object.entries(names).filter(([code, name]) => codes[String(name).toUpperCase()] !== code);
    expect(lost).toEqual([]);
  });
});
