import { describe, expect, it } from 'vitest';
import { febrlLike } from '../tests/mdm-data.ts';
import { defaultMdmConfig } from './config.ts';
import { COMPARISONS, DEFAULT_MODEL, estimateByEm } from './score.ts';
import { standardise } from './standardise.ts';
import { trainByEm } from './train.ts';

/** A comparison vector with the named comparisons at the given levels, the rest missing (-1). */
const vector = (levels: Record<string, number>) => COMPARISONS.map((c) => levels[c.name] ?? -1);

describe('EM training', () => {
  it('leaves the comparisons a session blocked on out of the posterior', () => {
    // A session blocked on names: every pair agrees on both names; 50 of 1,000 are the same person (same birth
    // date and phone), the rest strangers who share a common name.
    const names = { familyName: 0, givenName: 0 };
    const pairs = [
      ...Array.from({ length: 50 }, () => vector({ ...names, birthDate: 0, phone: 0 })),
      ...Array.from({ length: 950 }, () => vector({ ...names, birthDate: 2, phone: 2 })),
    ];
    const u = Object.fromEntries(Object.entries(DEFAULT_MODEL).map(([name, p]) => [name, p.u]));
    const session = estimateByEm(pairs, u, DEFAULT_MODEL, 50, new Set(['familyName', 'givenName']));
    expect(session.lambda).toBeGreaterThan(0.04);
    expect(session.lambda).toBeLessThan(0.06);
    expect(session.model.phone?.m[2]).toBeLessThan(0.01);
    expect(session.model.birthDate?.m[2]).toBeLessThan(0.01);
    // Held fixed: m as given.
    expect(session.model.familyName?.m).toEqual(DEFAULT_MODEL.familyName?.m);
  });

  it('learns from FEBRL-like people that a duplicate never has another phone, email or birth date', () => {
    // The generator drops a duplicate's phone or email, or changes one digit of its birth date, but never gives
    // it another phone, email or birth date: m of "else" must come out near zero (it came out 0.21–0.25 when
    // strangers sharing a name were read as matches, and they then outweighed a birth-date disagreement).
    const base = defaultMdmConfig();
    const { model } = trainByEm(febrlLike(11, 1000).map((r) => standardise(r.customer, base)));
    expect(model.phone?.m[2]).toBeLessThan(0.01);
    expect(model.email?.m[2]).toBeLessThan(0.01);
    expect(model.birthDate?.m[2]).toBeLessThan(0.01);
  }, 60_000);
});
