import { describe, expect, it } from 'vitest';
import { createRng } from '../generator/prng.ts';
import { KEY_PREFIX, newId } from './ids.ts';
import {
  createRecord,
  deleteRecord,
  findByExternalId,
  purgeRecord,
  undeleteRecord,
  updateRecord,
} from './records.ts';
import type { SObjectType } from './schema.ts';
import { applySalesforceSeed } from './seed.ts';
import { emptySalesforceState, type SalesforceState, type SfRecord } from './state.ts';

// findByExternalId answers from an index of the external id values looked up (an upsert by external id, and each of
// an sObject Collection's 200, walked every record of the type). Checked against the walk it replaced, over a random
// run of every change the simulator makes to records.

/** The walk findByExternalId made before its index: the live records, in the type's order, holding the value. */
function walked(state: SalesforceState, type: SObjectType, field: string, value: string): SfRecord[] {
  const wanted = value.toLowerCase();
  return Object.values(state.records[type]).filter(
    (record) =>
      !record.IsDeleted &&
      typeof record[field] === 'string' &&
      (record[field] as string).toLowerCase() === wanted,
  );
}

const user = newId('005');

/** Each type's external id fields (schema.ts), and the values the run draws for them. */
const fields: Record<SObjectType, string[]> = {
  Account: ['External_Id__c', 'Eai_Golden_Id__c', 'SAP_Customer_Number__c'],
  Contact: ['External_Id__c'],
  Case: ['External_Id__c'],
  Order: ['External_Id__c'],
};
const types = Object.keys(fields) as SObjectType[];

describe('the Salesforce simulator finds records by external id as a walk of every record would', () => {
  it('over 3,000 random creates, updates, deletes, undeletes, purges, seeds and resets, of every type', () => {
    let state = emptySalesforceState();
    const prng = createRng(63);
    const pick = <T>(list: T[]) => list[Math.floor(prng.next() * list.length)]!;
    // Few values, so that records share them (a duplicate external id: several found) and lookups find.
    const value = (field: string) => {
      const n = Math.floor(prng.next() * 60);
      const text = field === 'SAP_Customer_Number__c' ? String(1000 + n) : `${field.slice(0, 3)}-${n}`;
      return prng.next() < 0.2 ? text.toUpperCase() : text.toLowerCase();
    };
    const valuesOf = (type: SObjectType) =>
      Object.fromEntries(fields[type].filter(() => prng.next() < 0.7).map((field) => [field, value(field)]));
    let compared = 0;
    let found = 0;
    let several = 0;
    for (let step = 0; step < 3000; step++) {
      const type = pick(types);
      const all = Object.values(state.records[type]);
      const roll = prng.next();
      if (roll < 0.3 || all.length < 5) createRecord(state, type, valuesOf(type), user);
      else if (roll < 0.6) {
        const field = pick(fields[type]);
        updateRecord(type, pick(all), { [field]: prng.next() < 0.15 ? null : value(field) }, user);
      } else if (roll < 0.7) deleteRecord(type, pick(all), user);
      else if (roll < 0.78) {
        const deleted = all.filter((r) => r.IsDeleted);
        if (deleted.length > 0) undeleteRecord(type, pick(deleted), user);
      } else if (roll < 0.82) {
        const deleted = all.filter((r) => r.IsDeleted);
        if (deleted.length > 0) purgeRecord(state, type, pick(deleted));
      } else if (roll < 0.86) {
        // A generator's seed line (an Account for an Order, whose seed names its account): the record made, then
        // given the line's id.
        const seeded: SObjectType = type === 'Order' ? 'Account' : type;
        const required =
          seeded === 'Account' ? { Name: 'Seeded' } : seeded === 'Contact' ? { LastName: 'Seeded' } : {};
        const record = { Id: newId(KEY_PREFIX[seeded]), ...required, ...valuesOf(seeded) };
        applySalesforceSeed([{ system: 'salesforce', type: seeded, record }], { state } as never);
      } else if (roll < 0.862) state = emptySalesforceState(); // /sim/reset: a state of its own
      for (const lookup of types) {
        const field = pick(fields[lookup]);
        const v = value(field);
        const expected = walked(state, lookup, field, v).map((r) => r.Id);
        expect(
          findByExternalId(state, lookup, field, v).map((r) => r.Id),
          `${lookup} ${field}=${v} at step ${step}`,
        ).toEqual(expected);
        compared++;
        if (expected.length > 0) found++;
        if (expected.length > 1) several++;
      }
    }
    // Each answer was common: the run is no check of "not found" alone, and duplicates came up.
    expect(found).toBeGreaterThan(compared / 4);
    expect(found).toBeLessThan(compared);
    expect(several).toBeGreaterThan(compared / 50);
  });
});
