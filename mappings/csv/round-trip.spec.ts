import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalValues } from '../engine/run.ts';
import { findMapping, mapBytes, writeWithMapping } from '../index.ts';

/**
 * canonical CustomerEvent → customer-table.from-canonical.yaml + the csv writer → the csv reader →
 * customer-table.to-canonical.yaml → canonical again: equal on what the table's columns hold (the id as the row's
 * id, the party type, the organization's name, a person's given and family name, the primary email and phone, the
 * billing (else first) address without its region and use, the tax id's value). A deleted customer writes no table.
 */
const dir = 'mappings/csv/fixtures/canonical';

// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

function carried(customer: Json): Json {
  const address = customer.addresses.find((a: Json) => a.use === 'BILLING') ?? customer.addresses[0];
  const first = (list: Json[]) => list.find((x) => x.primary) ?? list[0];
  return {
    partyType: customer.partyType,
    organizationName: customer.partyType === 'PERSON' ? null : customer.organizationName,
    givenName: customer.person?.givenName ?? null,
    familyName: customer.person?.familyName ?? null,
    email: first(customer.emails)?.address ?? null,
    phone: first(customer.phones)?.number ?? null,
    address: address
      ? {
          lines: address.lines,
          city: address.city,
          postalCode: address.postalCode,
          countryCode: address.countryCode,
        }
      : null,
    taxId: customer.taxId?.value ?? null,
  };
}

describe('customer table (CSV) out and in again', () => {
  const out = findMapping('csv/customer-table.from-canonical.yaml');
  const back = findMapping('csv/customer-table.to-canonical.yaml');
  for (const file of readdirSync(dir)) {
    it(file, async () => {
      const [value] = canonicalValues(readFileSync(join(dir, file), 'utf8')) as Json[];
      const documents = await writeWithMapping(out, [value]);
      if (value!.changeType === 'DELETED') {
        expect(documents).toEqual([]);
        return;
      }
      expect(documents).toHaveLength(1);
      const [read] = await mapBytes('csv', documents[0]!, { mapping: back });
      expect(read!.records).toHaveLength(1);
      const customer = JSON.parse(JSON.stringify(read!.records[0]!.value)).customer as Json;
      // The row's id is the customer id the event carries; the way in prefixes the system the table came from.
      expect(customer.customerId).toBe(`csv:${value!.customer.customerId}`);
      expect(carried(customer)).toEqual(carried(value!.customer));
    });
  }
});
