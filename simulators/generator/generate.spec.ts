import { describe, expect, it } from 'vitest';
import { generateCustomers } from './generate.ts';
import { isValidHubSpotId, isValidOdooId, isValidSalesforceId, isValidSapKunnr } from './ids.ts';
import { LOCALES } from './locales/index.ts';
import type { SystemRecord } from './model.ts';
import { phoneDigits, toE164 } from './phone.ts';
import { isValidVat } from './vat.ts';

// Deliberately plain: local part and a dotted domain with a 2+ letter TLD.
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;

function idOf(record: SystemRecord): string {
  const r = record.record as Record<string, unknown>;
  if (record.system === 'salesforce') return r.Id as string;
  if (record.system === 'hubspot') return r.id as string;
  if (record.system === 'odoo') return String(r.id);
  return r.KUNNR as string;
}

function emailOf(record: SystemRecord): unknown {
  const r = record.record as Record<string, unknown>;
  // A Salesforce Account has no email field of its own.
  if (record.system === 'salesforce') return record.type === 'Account' ? null : r.Email;
  if (record.system === 'hubspot') return (r.properties as Record<string, unknown>).email;
  if (record.system === 'odoo') return r.email;
  return r.SMTP_ADDR;
}

describe('generateCustomers', () => {
  const data = generateCustomers({ seed: 42, entities: 500 });

  it('is deterministic for a seed and differs between seeds', () => {
    const again = generateCustomers({ seed: 42, entities: 500 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(data));
    const other = generateCustomers({ seed: 43, entities: 500 });
    expect(JSON.stringify(other.records)).not.toBe(JSON.stringify(data.records));
    expect(other.entities[0]).not.toEqual(data.entities[0]);
  });

  it('mixes organisations and persons from every supported country', () => {
    const kinds = new Set(data.entities.map((e) => e.kind));
    expect(kinds).toEqual(new Set(['organization', 'person']));
    expect(new Set(data.entities.map((e) => e.country))).toEqual(new Set(Object.keys(LOCALES)));
    for (const entity of data.entities) {
      if (entity.kind === 'person') expect(entity.birthDate).toMatch(/^(19[4-9]\d|200[0-4])-\d\d-\d\d$/);
      else expect(entity.legalName.endsWith(entity.legalForm.canonical)).toBe(true);
    }
  });

  it('links every record to exactly one truth entry and every entity to at least one record', () => {
    expect(data.truth).toHaveLength(data.records.length);
    const truthKeys = new Set(data.truth.map((t) => `${t.system}/${t.systemId}`));
    expect(truthKeys.size).toBe(data.records.length);
    data.records.forEach((record, i) => {
      const link = data.truth[i]!;
      expect(link.system).toBe(record.system);
      expect(link.systemId).toBe(idOf(record));
      expect(link.type).toBe(record.type);
    });
    const entityIds = new Set(data.entities.map((e) => e.entityId));
    const linked = new Set(data.truth.map((t) => t.entityId));
    expect(linked).toEqual(entityIds);
  });

  it('puts most entities in two or more systems and some in only one', () => {
    const systemsPerEntity = new Map<string, Set<string>>();
    for (const t of data.truth) {
      const set = systemsPerEntity.get(t.entityId) ?? new Set();
      set.add(t.system);
      systemsPerEntity.set(t.entityId, set);
    }
    const single = [...systemsPerEntity.values()].filter((s) => s.size === 1).length;
    expect(single / data.entities.length).toBeGreaterThan(0.1);
    expect(single / data.entities.length).toBeLessThan(0.35);
  });

  it('gives every record an id in its system style', () => {
    for (const record of data.records) {
      const id = idOf(record);
      if (record.system === 'salesforce') {
        expect(isValidSalesforceId(id, record.type === 'Account' ? 'Account' : 'Contact'), id).toBe(true);
      } else if (record.system === 'hubspot') expect(isValidHubSpotId(id), id).toBe(true);
      else if (record.system === 'odoo')
        expect(isValidOdooId((record.record as { id: unknown }).id), id).toBe(true);
      else expect(isValidSapKunnr(id), id).toBe(true);
    }
  });

  it('writes syntactically valid emails and VAT ids of the right country', () => {
    let emails = 0;
    for (const record of data.records) {
      const email = emailOf(record);
      if (email === null || email === false || email === '') continue;
      emails++;
      expect(email).toMatch(EMAIL);
    }
    expect(emails).toBeGreaterThan(data.records.length * 0.6);
    for (const record of data.records.filter((r) => r.system === 'sap')) {
      const { STCEG, LAND1 } = record.record as { STCEG: string; LAND1: string };
      if (STCEG !== '') {
        expect(STCEG.slice(0, 2)).toBe(LAND1);
        expect(isValidVat(STCEG), STCEG).toBe(true);
      }
    }
  });

  it('renders phones that normalise back to the entity number', () => {
    const byId = new Map(data.entities.map((e) => [e.entityId, e]));
    data.records.forEach((record, i) => {
      if (record.system !== 'odoo') return;
      const phone = (record.record as { phone: string | false }).phone;
      if (phone === false) return;
      const entity = byId.get(data.truth[i]!.entityId)!;
      expect(`+${phoneDigits(phone, entity.phone.countryCode, entity.phone.trunkPrefix)}`, phone).toBe(
        toE164(entity.phone),
      );
    });
  });

  it('generates 10,000 entities quickly', () => {
    // CPU time, not wall time: on a machine busy with other work the clock runs on while this process waits.
    const before = process.cpuUsage();
    const big = generateCustomers({ seed: 1, entities: 10_000 });
    const used = process.cpuUsage(before);
    expect(big.entities).toHaveLength(10_000);
    expect(big.records.length).toBeGreaterThan(20_000);
    expect((used.user + used.system) / 1000).toBeLessThan(5_000);
  });

  it('rejects nonsense options with a message naming the option', () => {
    expect(() => generateCustomers({ seed: 1.5, entities: 1 })).toThrow(/seed/);
    expect(() => generateCustomers({ seed: 1, entities: -1 })).toThrow(/entities/);
    expect(() => generateCustomers({ seed: 1, entities: 1, asOf: 'yesterday' })).toThrow(/asOf/);
  });
});
