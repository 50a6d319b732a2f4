import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalValues } from '../engine/run.ts';
import { findMapping, writeWithMapping } from '../index.ts';

/**
 * A partial CustomerEvent (changedFields not empty: a HubSpot property change, a Salesforce CDC update) sets only the
 * paths it lists; the others "must not overwrite what consumers hold" (schemas/CustomerEvent.avsc). Its table row has
 * only the columns it sets or clears, so a blank cell never stands for "not in this event".
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records as plain JSON
type Json = any;

const out = findMapping('csv/customer-table.from-canonical.yaml');
const snapshot = (
  canonicalValues(readFileSync('mappings/csv/fixtures/canonical/person-unicode-names.json', 'utf8')) as Json[]
)[0];

function partial(changedFields: string[], clearedFields: string[], customer: Json): Json {
  const value = structuredClone(snapshot);
  value.changedFields = changedFields;
  value.clearedFields = clearedFields;
  value.customer = { ...value.customer, ...customer };
  return value;
}

async function table(value: Json): Promise<string[]> {
  const documents = await writeWithMapping(out, [value]);
  return documents.map((d) => Buffer.from(d as Uint8Array).toString('utf8'));
}

describe('customer table (CSV) of a partial event', () => {
  it('a snapshot (changedFields empty) has every column', async () => {
    const [csv] = await table(snapshot);
    expect(csv!.split('\r\n')[0]).toBe(
      'id,type,name,first name,last name,email,phone,street,postal code,city,country,tax id,updated at',
    );
  });

  it('an email change is a row of the id and the email, not blank names, phone and address', async () => {
    const [csv] = await table(
      partial(['emails[primary]'], [], {
        partyType: 'UNKNOWN',
        person: null,
        phones: [],
        addresses: [],
        emails: [{ address: 'jane.roe@example.com', use: null, primary: true }],
      }),
    );
    expect(csv).toBe('id,email\r\nG-1003,jane.roe@example.com\r\n');
  });

  it("a part of a path (a first name, an address's city) is its column only; a cleared one is an empty cell", async () => {
    const [csv] = await table(
      partial(['updatedAt', 'person.givenName', 'addresses[BILLING].city'], ['taxId'], {
        person: { title: null, givenName: 'Misaki', middleName: null, familyName: null },
        addresses: [
          { use: 'BILLING', lines: [], city: 'Osaka', region: null, postalCode: null, countryCode: null },
        ],
        taxId: null,
        updatedAt: '2026-01-01T00:00:00.000Z',
      }),
    );
    expect(csv).toBe(
      'id,first name,city,tax id,updated at\r\nG-1003,Misaki,Osaka,,2026-01-01T00:00:00.000Z\r\n',
    );
  });

  it('a phone that is not the primary one is not written over the phone column; an event that sets no column writes nothing', async () => {
    const mobile = { phones: [{ number: '+4915112345678', isE164: true, use: 'mobile', primary: false }] };
    expect(await table(partial(['phones[mobile]'], [], mobile))).toEqual([]);
    expect(await table(partial(['emails[additional]'], [], {}))).toEqual([]);
    const primary = { phones: [{ number: '+4915112345678', isE164: true, use: 'mobile', primary: true }] };
    expect(await table(partial(['phones[mobile]'], [], primary))).toEqual([
      'id,phone\r\nG-1003,+4915112345678\r\n',
    ]);
  });
});
