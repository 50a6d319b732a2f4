/**
 * A Chinese name in Han characters in one system and in Hanyu Pinyin in another (王小明, Wang Xiaoming or Xiaoming
 * Wang), without an email, phone or tax id in common: blocked together by the pinyin's name keys and scored as one
 * name (block.ts, score.ts, standardise.ts `romanisedNames`), on a real PostgreSQL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { testStack } from '../tests/stack.ts';
import { KEY_VERSION } from './block.ts';
import { defaultMdmConfig } from './config.ts';
import { searchCustomers } from './search.ts';
import { MasterDataStore } from './store.ts';
import { dropStore, scratchStore } from './test-support.ts';

const stores: MasterDataStore[] = [];
afterAll(async () => {
  for (const s of stores) await dropStore(s);
});

async function freshStore(): Promise<MasterDataStore> {
  const store = await scratchStore(testStack().databaseUrl, defaultMdmConfig());
  stores.push(store);
  return store;
}

const at = (
  system: string,
  id: string,
  person: { givenName?: string; familyName?: string },
  birthDate?: string,
) => ({
  system,
  customer: {
    customerId: `${system}:${id}`,
    sourceIds: [{ system, id }],
    partyType: 'PERSON',
    person,
    ...(birthDate ? { birthDate } : {}),
    // One city, and nothing else in common: the names and the birth date must bring the records together.
    addresses: [{ use: 'BILLING', city: 'Shanghai', postalCode: '200000', countryCode: 'CN' }],
  } as unknown as CustomerPartyMaster,
});

describe('a Chinese name in Han characters and in pinyin', () => {
  const han = [
    at('crm', 'c1', { givenName: '小明', familyName: '王' }, '1985-04-12'),
    at('crm', 'c2', { familyName: '李娜' }, '1990-11-02'),
    at('crm', 'c3', { familyName: '欧阳娜娜' }, '2000-06-15'),
    at('crm', 'c4', { givenName: '伟', familyName: '王' }, '1979-01-20'),
  ];
  const romanised = [
    at('erp', 'e1', { givenName: 'Xiaoming', familyName: 'Wang' }, '1985-04-12'),
    // Chinese order in the Latin system's fields, and in one field.
    at('erp', 'e2', { givenName: 'Li', familyName: 'Na' }, '1990-11-02'),
    at('erp', 'e3', { familyName: 'Ouyang Nana' }, '2000-06-15'),
  ];
  // Another person of the commonest family name, in the same city (no birth date: one family name, one birth date
  // and one postal code outweigh two given names under the default priors, in any script).
  const other = at('erp', 'o1', { givenName: 'Fang', familyName: 'Wang' });

  it('merges a name with its romanisation in either order; another given name of one family name stays apart', async () => {
    const store = await freshStore();
    const first = await store.upsertBatch(han);
    const second = await store.upsertBatch(romanised);
    expect(second.map((r) => r.goldenId)).toEqual(first.slice(0, 3).map((r) => r.goldenId));
    const [fang] = await store.upsertBatch([other]);
    expect(fang?.outcome).not.toBe('merged');
    expect(first.map((r) => r.goldenId)).not.toContain(fang?.goldenId);
  });

  it('a search for the romanised name finds the Han-script record first', async () => {
    const store = await freshStore();
    const [wang] = await store.upsertBatch(han);
    for (const q of ['Wang Xiaoming', 'Xiaoming Wang'])
      expect((await searchCustomers(store, q)).hits[0]?.goldenId).toBe(wang?.goldenId);
  });

  it('re-keys Han names stored under the keys of before at migrate (KEY_VERSION 8)', async () => {
    expect(KEY_VERSION).toBeGreaterThanOrEqual(8);
    const store = await freshStore();
    const first = await store.upsertBatch(han);
    const q = `"${store.schema}"`;
    // As key version 7 left them: no key of the pinyin (here: no key row at all).
    await store.pool.query(`delete from ${q}.block_key`);
    await store.pool.query(`update ${q}.source_record set keys = '{}'`);
    await store.pool.query(`update ${q}.block_meta set key_version = 7`);
    const upgraded = new MasterDataStore({ pool: store.pool, schema: store.schema, config: store.config });
    await upgraded.migrate();
    const second = await upgraded.upsertBatch(romanised);
    expect(second.map((r) => r.goldenId)).toEqual(first.slice(0, 3).map((r) => r.goldenId));
  });
});
