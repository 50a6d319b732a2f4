import { describe, expect, it } from 'vitest';
import { createRng } from '../generator/prng.ts';
import {
  type Actor,
  archiveContact,
  type Contact,
  createContact,
  findByProperty,
  gdprDeleteContact,
  mergeContacts,
  restoreContact,
  updateContact,
} from './contacts.ts';
import { COMPANY_TYPE, CONTACT_TYPE } from './object-types.ts';
import { applyHubSpotSeed } from './seed.ts';
import { emptyHubSpotState, type HubSpotState } from './state.ts';

// findByProperty answers from an index of the values looked up (an upsert of a batch into a large portal walked every
// record for each input). Checked against the walk it replaced, over a random run of every change the simulator makes.

/** The walk findByProperty made before its index: the first live record, in id order, holding the value. */
function walked(
  state: HubSpotState,
  property: string,
  value: string,
  type = CONTACT_TYPE,
): Contact | undefined {
  const wanted = property === 'email' ? value.trim().toLowerCase() : value;
  return Object.values(type.records(state)).find(
    (c) =>
      !c.archived &&
      !c.mergedInto &&
      (property === 'email'
        ? c.properties.email === wanted ||
          (c.properties.hs_additional_emails ?? '').split(';').includes(wanted)
        : c.properties[property] === wanted),
  );
}

const api: Actor = { changeSource: 'INTEGRATION', sourceId: '42' };

describe('the HubSpot simulator finds records by property as a walk of every record would', () => {
  it('over 3,000 random creates, updates, archives, restores, merges, erasures and seeds, of contacts and companies', () => {
    const state = emptyHubSpotState();
    const prng = createRng(18);
    const pick = <T>(list: T[]) => list[Math.floor(prng.next() * list.length)]!;
    const golden = () => `G-${Math.floor(prng.next() * 60)}`;
    const email = () => `p${Math.floor(prng.next() * 60)}@example.com`;
    const lookups: Array<[string, () => string]> = [
      ['eai_golden_id', golden],
      ['email', email],
      ['email', () => email().toUpperCase()],
      ['external_id', () => `X-${Math.floor(prng.next() * 30)}`],
    ];
    let compared = 0;
    let found = 0;
    for (let step = 0; step < 3000; step++) {
      const type = prng.next() < 0.2 ? COMPANY_TYPE : CONTACT_TYPE;
      const all = Object.values(type.records(state));
      const roll = prng.next();
      if (roll < 0.25 || all.length < 5)
        createContact(
          state,
          { eai_golden_id: golden(), ...(type === CONTACT_TYPE ? { email: email() } : {}) },
          api,
          type,
        );
      else if (roll < 0.55)
        updateContact(
          state,
          pick(all),
          pick<Record<string, string>>([
            { eai_golden_id: golden() },
            { eai_golden_id: '' },
            { email: email() },
            { hs_additional_emails: `${email()};${email()}` },
            { external_id: `X-${Math.floor(prng.next() * 30)}` },
          ]),
          api,
          type,
        );
      else if (roll < 0.65) archiveContact(state, pick(all), type);
      else if (roll < 0.72) {
        const archived = all.filter((c) => c.archived);
        if (archived.length > 0 && type === CONTACT_TYPE) restoreContact(state, pick(archived));
      } else if (roll < 0.78 && type === CONTACT_TYPE) {
        const live = all.filter((c) => !c.archived && !c.mergedInto);
        if (live.length >= 2) {
          const [a, b] = [pick(live), pick(live)];
          if (a !== b) mergeContacts(state, a, b, api, type);
        }
      } else if (roll < 0.81 && type === CONTACT_TYPE) gdprDeleteContact(state, pick(all));
      else if (roll < 0.84)
        applyHubSpotSeed(
          [{ id: String(900_000 + step), properties: { eai_golden_id: golden(), email: email() } }],
          { state } as never,
        );
      for (const [property, value] of lookups) {
        const v = value();
        for (const t of [CONTACT_TYPE, COMPANY_TYPE]) {
          const expected = walked(state, property, v, t);
          expect(
            findByProperty(state, property, v, t)?.id,
            `${t.singular} ${property}=${v} at step ${step}`,
          ).toBe(expected?.id);
          compared++;
          if (expected) found++;
        }
      }
    }
    // Both answers were common: the run is no check of "not found" alone.
    expect(found).toBeGreaterThan(compared / 4);
    expect(found).toBeLessThan(compared);
  });
});
