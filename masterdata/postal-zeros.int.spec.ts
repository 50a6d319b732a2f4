/**
 * A postal code whose leading zeros a spreadsheet dropped (a US ZIP 02141 saved as 2141 by Excel, a German 01067 as
 * 1067) is the same postal code to the matcher and comes back whole in the golden record, which the systems then
 * get (standardise.ts `withLeadingZeros`), on a real PostgreSQL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { testStack } from '../tests/stack.ts';
import { defaultMdmConfig } from './config.ts';
import type { MasterDataStore } from './store.ts';
import { dropStore, scratchStore } from './test-support.ts';

const stores: MasterDataStore[] = [];
afterAll(async () => {
  for (const s of stores) await dropStore(s);
});

const person = (
  system: string,
  id: string,
  name: [string, string],
  address: { line: string; city: string; postalCode: string; countryCode: string },
) => ({
  system,
  customer: {
    customerId: `${system}:${id}`,
    sourceIds: [{ system, id }],
    partyType: 'PERSON',
    person: { givenName: name[0], familyName: name[1] },
    // No email, phone or birth date in common: the name and the address must bring the two together.
    addresses: [
      {
        use: 'BILLING',
        lines: [address.line],
        city: address.city,
        postalCode: address.postalCode,
        countryCode: address.countryCode,
      },
    ],
    updatedAt: system === 'csv' ? '2026-03-01T00:00:00Z' : '2026-01-01T00:00:00Z',
  } as unknown as CustomerPartyMaster,
});

describe('a postal code that lost its leading zeros in a spreadsheet', () => {
  it('matches the code written whole, and the golden record carries it whole', async () => {
    const store = await scratchStore(testStack().databaseUrl, defaultMdmConfig());
    stores.push(store);
    const [erp, erpDe] = await store.upsertBatch([
      person('erp', 'e1', ['John', 'Smith'], {
        line: '8 Stanley Street',
        city: 'Boston',
        postalCode: '02141',
        countryCode: 'US',
      }),
      person('erp', 'e2', ['Anna', 'Weber'], {
        line: 'Kesselsdorfer Str. 12',
        city: 'Dresden',
        postalCode: '01067',
        countryCode: 'DE',
      }),
    ]);
    // The newer records, from a CSV export that went through Excel: the winners of the addresses (mostRecent).
    const [csv, csvDe] = await store.upsertBatch([
      person('csv', 'c1', ['John', 'Smith'], {
        line: '8 Stanley St',
        city: 'Boston',
        postalCode: '2141',
        countryCode: 'USA',
      }),
      person('csv', 'c2', ['Anna', 'Weber'], {
        line: 'Kesselsdorfer Straße 12',
        city: 'Dresden',
        postalCode: '1067',
        countryCode: 'Deutschland',
      }),
    ]);
    expect([csv?.outcome, csvDe?.outcome]).toEqual(['merged', 'merged']);
    // One golden record each (which of the two ids survives is the store's rule: either leads to it).
    expect([await store.resolve(erp?.goldenId ?? ''), await store.resolve(erpDe?.goldenId ?? '')]).toEqual([
      csv?.goldenId,
      csvDe?.goldenId,
    ]);
    const us = await store.golden(csv?.goldenId ?? '');
    const de = await store.golden(csvDe?.goldenId ?? '');
    expect(us?.lineage?.addresses?.system).toBe('csv');
    expect(us?.record?.addresses?.[0]).toMatchObject({
      lines: ['8 Stanley St'],
      postalCode: '02141',
      countryCode: 'US',
    });
    expect(de?.record?.addresses?.[0]).toMatchObject({ postalCode: '01067', countryCode: 'DE' });
    // The source records stay as received.
    expect((await store.sourceRecord('csv', 'c1'))?.addresses?.[0]?.postalCode).toBe('2141');
  });
});
