import { describe, expect, it } from 'vitest';
import { formatStreetLine } from './entities.ts';
import { generateCustomers } from './generate.ts';
import { DRIFT_RATES, type DriftRates, type RatedDrift, type TruthLink } from './model.ts';
import { formatPhone } from './phone.ts';
import { hasDiacritics } from './text.ts';

/** Four standard errors of a binomial proportion, plus a little slack for small samples. */
function tolerance(p: number, n: number): number {
  return 4 * Math.sqrt((p * (1 - p)) / n) + 0.005;
}

describe('drift proportions over 1,000 entities', () => {
  const data = generateCustomers({ seed: 2024, entities: 1000 });
  const entityById = new Map(data.entities.map((e) => [e.entityId, e]));
  const share = (links: TruthLink[], kind: RatedDrift) => ({
    observed: links.filter((l) => (l.drift as string[]).includes(kind)).length / links.length,
    n: links.length,
  });

  it.each(Object.keys(DRIFT_RATES) as RatedDrift[])('%s matches its documented rate', (kind) => {
    const { eligible, applied } = data.driftStats[kind];
    expect(eligible).toBeGreaterThan(100);
    const rate = DRIFT_RATES[kind];
    expect(Math.abs(applied / eligible - rate)).toBeLessThan(tolerance(rate, eligible));
  });

  // What each record itself shows, read from its own fields and the entity it copies, never from its labels.
  const fieldsOf = (record: (typeof data.records)[number]) => {
    const r = record.record as Record<string, unknown>;
    const p = (r.properties ?? {}) as Record<string, unknown>;
    const present = (...values: unknown[]) => values.some((v) => typeof v === 'string' && v !== '');
    switch (record.system) {
      case 'salesforce':
        return {
          postalCode: r.BillingPostalCode ?? r.MailingPostalCode,
          hasPhone: present(r.Phone, r.MobilePhone),
        };
      case 'hubspot':
        return { postalCode: p.zip, hasPhone: present(p.phone, p.mobilephone) };
      case 'odoo':
        return { postalCode: r.zip || undefined, hasPhone: present(r.phone) };
      default:
        return { postalCode: r.PSTLZ, hasPhone: present(r.TELF1) };
    }
  };

  it('rates observed in the records themselves (old postal code, no phone, upper-case SAP name) match the documented rates and every label', () => {
    let oldAddress = 0;
    let withPostal = 0;
    let noPhone = 0;
    let upper = 0;
    let sap = 0;
    data.records.forEach((record, i) => {
      const link = data.truth[i]!;
      const entity = entityById.get(link.entityId)!;
      const { postalCode, hasPhone } = fieldsOf(record);
      if (postalCode && entity.previousAddress.postalCode !== entity.address.postalCode) {
        withPostal++;
        const old = postalCode === entity.previousAddress.postalCode;
        if (old) oldAddress++;
        else expect(postalCode, link.systemId).toBe(entity.address.postalCode);
        expect(old, `${link.systemId} old_address`).toBe(link.drift.includes('old_address'));
      }
      if (!hasPhone) noPhone++;
      expect(!hasPhone, `${link.systemId} missing_phone`).toBe(link.drift.includes('missing_phone'));
      if (record.system === 'sap') {
        sap++;
        const name = (record.record as { NAME1: string }).NAME1;
        const isUpper = /\p{Lu}/u.test(name) && !/\p{Ll}/u.test(name);
        /\p{Ll}/u.test(`${entity.kind === 'organization' ? '' : 'x'}`) && !/\p{Ll}/u.test(name);
        if (isUpper) upper++;
        expect(isUpper, `${link.systemId} uppercase`).toBe(link.drift.includes('uppercase'));
      }
    });
    expect(withPostal).toBeGreaterThan(1000);
    expect(Math.abs(oldAddress / withPostal - DRIFT_RATES.old_address)).toBeLessThan(
      tolerance(DRIFT_RATES.old_address, withPostal),
    );
    expect(Math.abs(noPhone / data.records.length - DRIFT_RATES.missing_phone)).toBeLessThan(
      tolerance(DRIFT_RATES.missing_phone, data.records.length),
    );
    expect(sap).toBeGreaterThan(200);
    expect(Math.abs(upper / sap - DRIFT_RATES.uppercase)).toBeLessThan(tolerance(DRIFT_RATES.uppercase, sap));
  });

  it('labels in the truth agree with the documented rates, and duplicates counted from the truth links', () => {
    const isOrg = (l: TruthLink) => entityById.get(l.entityId)!.kind === 'organization';
    const checks: [RatedDrift, TruthLink[]][] = [
      ['old_address', data.truth],
      ['legal_form_variant', data.truth.filter(isOrg)],
      ['name_order_swapped', data.truth.filter((l) => !isOrg(l))],
      ['uppercase', data.truth.filter((l) => l.system === 'sap')],
      ['country_variant', data.truth.filter((l) => l.system === 'salesforce' || l.system === 'hubspot')],
      ['missing_phone', data.truth],
    ];
    for (const [kind, links] of checks) {
      const { observed, n } = share(links, kind);
      expect(Math.abs(observed - DRIFT_RATES[kind]), kind).toBeLessThan(tolerance(DRIFT_RATES[kind], n));
    }
    const copiesPerSystem = new Map<string, number>();
    for (const l of data.truth)
      copiesPerSystem.set(
        `${l.entityId}/${l.system}`,
        (copiesPerSystem.get(`${l.entityId}/${l.system}`) ?? 0) + 1,
      );
    const duplicated = new Set(
      [...copiesPerSystem].filter(([, n]) => n > 1).map(([key]) => key.split('/')[0]),
    );
    expect(Math.abs(duplicated.size / 1000 - DRIFT_RATES.duplicate_in_system)).toBeLessThan(
      tolerance(DRIFT_RATES.duplicate_in_system, 1000),
    );
  });

  it('every label describes what the Odoo and SAP records really hold', () => {
    data.records.forEach((record, i) => {
      const link = data.truth[i]!;
      const entity = entityById.get(link.entityId)!;
      const r = record.record as Record<string, unknown>;
      const drift = link.drift as string[];
      if (record.system === 'odoo') {
        const zip = r.zip as string | false;
        if (zip !== false) {
          const expected = drift.includes('old_address') ? entity.previousAddress : entity.address;
          expect(zip).toBe(expected.postalCode);
        }
        if (drift.includes('diacritics_dropped'))
          expect(hasDiacritics(`${r.name} ${r.street} ${r.city}`)).toBe(false);
        expect(r.phone === false).toBe(drift.includes('missing_phone'));
        if (drift.includes('email_case')) expect(r.email).not.toBe((r.email as string).toLowerCase());
      }
      if (record.system === 'sap') {
        if (drift.includes('uppercase')) expect(r.NAME1).toBe((r.NAME1 as string).toUpperCase());
        expect(r.NAME2 !== '').toBe(drift.includes('truncated'));
      }
    });
  });
});

describe('drift switched off', () => {
  it('copies the golden record faithfully when every rate is zero', () => {
    const zero = Object.fromEntries(Object.keys(DRIFT_RATES).map((k) => [k, 0])) as DriftRates;
    const data = generateCustomers({ seed: 5, entities: 300, drift: zero });
    const entityById = new Map(data.entities.map((e) => [e.entityId, e]));
    data.records.forEach((record, i) => {
      const link = data.truth[i]!;
      expect(link.drift.filter((d) => d !== 'truncated')).toEqual([]);
      if (record.system !== 'odoo') return;
      const entity = entityById.get(link.entityId)!;
      const r = record.record as Record<string, unknown>;
      expect(r.name).toBe(
        entity.kind === 'organization' ? entity.legalName : `${entity.firstName} ${entity.lastName}`,
      );
      expect(r.street).toBe(formatStreetLine(entity.address));
      expect(r.phone).toBe(formatPhone(entity.phone, 0));
      expect(r.email).toBe(entity.email);
    });
  });
});
