import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapBytes, writeToSystem } from '../index.ts';

/**
 * canonical CustomerEvent → batch upsert body (from-canonical mapping + writer) → the same format's reader →
 * batch-upsert.to-canonical.yaml → canonical again. A HubSpot contact holds one email, one phone, one mobile and one
 * postal address, so the round trip is equal on: customerId, the HubSpot record id, partyType, organizationName,
 * given and family name (an organization's contact person as the extensions hubspot.firstname / hubspot.lastname),
 * birthDate, the primary (else first) email, the primary (else first) phone that is not a mobile or fax, the
 * primary (else first) mobile, the address HubSpot keeps (mailing, else billing, else registered, else the first:
 * lines, city, region, postal code, country, not its use) and the hubspot.* extensions that are written back.
 * Not carried: title, middle name, further emails / phones / addresses, fax, phone and email uses, taxId, credit,
 * status, timestamps, other systems' ids and extensions. A partial event is compared on its changedFields only, and
 * its clearedFields must come back. Events an upsert cannot express (DELETED, MERGED…) write nothing.
 */
const dir = 'mappings/hubspot/fixtures/canonical';
const FORMAT = 'hubspot-batch-upsert';
const WRITTEN_BACK = ['firstname', 'lastname', 'jobtitle', 'website', 'lifecyclestage', 'hs_lead_status'];

// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

const firstOf = (list: Json[]): Json | undefined => list.find((x) => x.primary) ?? list[0];

function keptAddress(addresses: Json[]): Json | undefined {
  for (const use of ['MAILING', 'BILLING', 'REGISTERED']) {
    const found = addresses.find((a) => a.use === use);
    if (found) return found;
  }
  return addresses[0];
}

/** What HubSpot carries of a canonical event, by canonical path. */
function carried(value: Json): Record<string, unknown> {
  const c = value.customer;
  const phones = c.phones as Json[];
  const address = keptAddress(c.addresses);
  const extensions: Record<string, unknown> = {};
  for (const name of WRITTEN_BACK) {
    extensions[`extensions.hubspot.${name}`] = c.extensions[`hubspot.${name}`] ?? null;
  }
  return {
    customerId: c.customerId,
    sourceIds: c.sourceIds
      .filter((s: Json) => s.system === 'hubspot' && /^\d+$/.test(s.id))
      .map((s: Json) => s.id),
    partyType: c.partyType,
    organizationName: c.organizationName,
    'person.givenName': c.person?.givenName ?? null,
    'person.familyName': c.person?.familyName ?? null,
    birthDate: c.birthDate,
    emails: firstOf(c.emails)?.address ?? null,
    phones: {
      phone: firstOf(phones.filter((p) => p.use !== 'mobile' && p.use !== 'fax'))?.number ?? null,
      mobile: firstOf(phones.filter((p) => p.use === 'mobile'))?.number ?? null,
    },
    'addresses.lines': address?.lines ?? [],
    'addresses.city': address?.city ?? null,
    'addresses.region': address?.region ?? null,
    'addresses.postalCode': address?.postalCode ?? null,
    'addresses.countryCode': address?.countryCode ?? null,
    ...extensions,
  };
}

/** A partial event sets only its changedFields (a listed field covers its parts); the keys are always compared. */
function setBy(value: Json, all: Record<string, unknown>): Record<string, unknown> {
  const changed: string[] = value.changedFields;
  if (changed.length === 0) return all;
  const covered = (path: string) =>
    path === 'customerId' ||
    path === 'sourceIds' ||
    changed.includes(path) ||
    changed.includes(path.split('.')[0]!);
  return Object.fromEntries(Object.entries(all).filter(([path]) => covered(path)));
}

async function roundTrip(value: Json): Promise<Json[]> {
  const bodies = await writeToSystem(FORMAT, [value]);
  const out: Json[] = [];
  for (const body of bodies) {
    for (const mapped of await mapBytes(FORMAT, body)) {
      for (const record of mapped.records) out.push(JSON.parse(JSON.stringify(record.value)) as Json);
    }
  }
  return out;
}

describe('HubSpot batch upsert round trip', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('has at least five canonical fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  for (const file of files) {
    it(`${file}: canonical → batch upsert → canonical keeps every field both sides carry`, async () => {
      const original = (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { value: Json }).value;
      const back = await roundTrip(original);
      if (!['CREATED', 'UPDATED'].includes(original.changeType)) {
        expect(back).toEqual([]);
        return;
      }
      expect(back).toHaveLength(1);
      const [record] = back as [Json];
      expect(record.changeType).toBe('UPDATED');
      expect(setBy(original, carried(record))).toEqual(setBy(original, carried(original)));
      // A cleared list comes back as the items HubSpot holds of it (phones → phones[work], phones[mobile]).
      const top = (paths: string[]) => [...new Set(paths.map((p) => p.split(/[.[]/)[0]))].sort();
      expect(top(record.clearedFields)).toEqual(top(original.clearedFields));
    });
  }

  it('leaves out an email HubSpot would refuse (one bad input fails the whole batch)', async () => {
    const original = (
      JSON.parse(readFileSync(join(dir, 'person-several-emails-phones.json'), 'utf8')) as { value: Json }
    ).value;
    original.customer.emails = [{ address: 'ada(at)example.com', use: null, primary: true }];
    const [body] = await writeToSystem(FORMAT, [original]);
    const written = JSON.parse(body!.toString('utf8')) as { inputs: Json[] };
    expect(written.inputs[0]!.properties).not.toHaveProperty('email');
    expect(written.inputs[0]!.properties.lastname).toBe('Lovelace');
  });
});
