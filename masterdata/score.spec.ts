import { describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { defaultMdmConfig } from './config.ts';
import { COMPARISONS, comparisonVector, Scorer } from './score.ts';
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

describe('one address, one piece of evidence', () => {
  const scorer = Scorer.fromConfig(config);
  const resident = (givenName: string, extra: Partial<CustomerPartyMaster> = {}) =>
    standardise(
      {
        customerId: `x:${givenName}`,
        sourceIds: [{ system: 'x', id: givenName }],
        partyType: 'PERSON',
        person: { givenName, familyName: 'Hoffmann' },
        addresses: [
          { lines: ['Königsbrücker Straße 12'], city: 'Dresden', postalCode: '01099', countryCode: 'DE' },
        ],
        ...extra,
      } as unknown as CustomerPartyMaster,
      config,
    );
  const { autoMerge } = config.thresholds;

  it('a household: one family name and one address with another given name is not merged by score', () => {
    const paul = resident('Paul');
    const sabine = resident('Sabine', { birthDate: '1961-07-30' });
    const score = scorer.score(paul, sabine);
    expect(score.probability).toBeLessThan(autoMerge);
    // Postal code and city agree, yet weigh nothing next to the street and house number they come with.
    const at = (name: string) => COMPARISONS.findIndex((c) => c.name === name);
    expect([score.levels[at('street')], score.levels[at('postalCode')], score.levels[at('city')]]).toEqual([
      0, 0, 0,
    ]);
    const unknown = [...score.levels];
    unknown[at('postalCode')] = -1;
    unknown[at('city')] = -1;
    expect(scorer.weightOf(unknown, true)).toBe(score.weight);
  });

  it('without house numbers a street name is no address: postal code and city still count', () => {
    const nameOnly = (city: string, postalCode: string) =>
      standardise(
        {
          customerId: 'x:1',
          sourceIds: [{ system: 'x', id: '1' }],
          partyType: 'PERSON',
          person: { givenName: 'Michaela', familyName: 'Neumann' },
          addresses: [{ lines: ['stanley street'], city, postalCode, countryCode: 'AU' }],
        } as unknown as CustomerPartyMaster,
        config,
      );
    const same = scorer.score(nameOnly('winston hills', '4223'), nameOnly('winston hills', '4223'));
    expect(same.weight).toBe(scorer.weightOf(same.levels, false));
    expect(same.weight).toBeGreaterThan(scorer.weightOf(same.levels, true));
  });

  it('… and still count against a pair when they differ, while one person at one address merges', () => {
    const peter = resident('Peter', { birthDate: '1958-03-14' });
    expect(
      scorer.score(peter, resident('Peter', { birthDate: '1958-03-14' })).probability,
    ).toBeGreaterThanOrEqual(autoMerge);
    const elsewhere = resident('Peter', {
      birthDate: '1958-03-14',
      addresses: [
        { lines: ['Königsbrücker Straße 12'], city: 'Leipzig', postalCode: '04109', countryCode: 'DE' },
      ],
    });
    expect(scorer.score(peter, elsewhere).weight).toBeLessThan(
      scorer.score(peter, resident('Peter', { birthDate: '1958-03-14' })).weight,
    );
  });
});
