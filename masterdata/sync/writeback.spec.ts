import { describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { lostFields } from './writeback.ts';

const record = (phone: string, familyName = 'Lovelace') =>
  ({
    customerId: 'x',
    sourceIds: [],
    partyType: 'PERSON',
    person: { title: null, givenName: 'Ada', middleName: null, familyName },
    phones: [{ number: phone, isE164: true, use: null, primary: true }],
  }) as unknown as CustomerPartyMaster;

describe('lostFields: what an edit lost in survivorship', () => {
  const golden = record('+442079460000', 'Lovelace-King');
  const lineage = {
    phones: { system: 'salesforce', sourceId: '003A', rule: 'sourcePriority' as const },
    person: { system: 'hubspot', sourceId: '101', rule: 'mostRecent' as const },
  };
  const edit = (phone: string, familyName: string) => ({
    system: 'hubspot',
    sourceId: '101',
    record: record(phone, familyName),
    fields: ['person', 'phones'] as const,
  });

  it('is the fields another member won with another value', () => {
    expect(lostFields(edit('+442079469999', 'Lovelace-King'), golden, lineage)).toEqual(['phones']);
  });

  it('is not a field the edit’s own record won, nor one whose golden value it holds', () => {
    expect(lostFields(edit('+442079460000', 'Lovelace-King'), golden, lineage)).toEqual([]);
  });

  it('is not a field no member holds a value of, nor one the edit did not set', () => {
    expect(lostFields({ ...edit('+442079469999', 'x'), fields: ['person'] }, golden, {})).toEqual([]);
    expect(lostFields({ ...edit('+442079469999', 'x'), fields: ['emails'] }, golden, lineage)).toEqual([]);
  });
});
