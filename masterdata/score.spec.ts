import { describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { defaultMdmConfig } from './config.ts';
import { COMPARISONS, comparisonVector } from './score.ts';
import { standardise } from './standardise.ts';

const config = defaultMdmConfig();
const person = (givenName: string, familyName: string) =>
  standardise(
    {
      customerId: `x:${givenName}${familyName}`,
      sourceIds: [{ system: 'x', id: `${givenName}${familyName}` }],
      partyType: 'PERSON',
      person: { givenName, familyName },
    } as unknown as CustomerPartyMaster,
    config,
  );
const names = (v: number[]) => ({
  familyName: v[COMPARISONS.findIndex((c) => c.name === 'familyName')],
  givenName: v[COMPARISONS.findIndex((c) => c.name === 'givenName')],
});

describe('name comparisons', () => {
  const john = person('John', 'Smith');
  const swapped = person('Smith', 'John');
  const typo = person('Jonh', 'Smyth');
  const swappedTypo = person('Smyth', 'John');

  it('read a pair straight or swapped, whichever agrees better', () => {
    expect(names(comparisonVector(john, swapped))).toEqual({ familyName: 0, givenName: 0 });
    expect(names(comparisonVector(john, typo))).toEqual({ familyName: 2, givenName: 1 });
    expect(names(comparisonVector(john, swappedTypo))).toEqual({ familyName: 2, givenName: 0 });
  });

  it('do not carry one pair’s reading over to the next pair that shares a record', () => {
    // Each pair's orientation is worked out once for both name comparisons: the next pair must not reuse it,
    // whether it shares the first record or the second.
    const expected = new Map([
      [`${john.givenName}|${typo.givenName}`, { familyName: 2, givenName: 1 }],
      [`${john.givenName}|${swappedTypo.givenName}`, { familyName: 2, givenName: 0 }],
      [`${swappedTypo.givenName}|${typo.givenName}`, { familyName: 1, givenName: 0 }],
      [`${typo.givenName}|${swappedTypo.givenName}`, { familyName: 0, givenName: 1 }],
    ]);
    const sequence = [
      [john, typo],
      [john, swappedTypo],
      [john, typo],
      [swappedTypo, typo],
      [john, typo],
      [typo, swappedTypo],
      [john, typo],
    ] as const;
    for (const [a, b] of sequence) {
      expect(names(comparisonVector(a, b)), `${a.givenName} / ${b.givenName}`).toEqual(
        expected.get(`${a.givenName}|${b.givenName}`),
      );
    }
  });
});
