import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCustomers } from '../generator/generate.ts';
import { type OdooHarness, startOdoo } from './test-support.ts';

type State = { id: number; code: string; name: string; country_id: [number, string]; display_name: string };

let odoo: OdooHarness;
beforeAll(async () => {
  odoo = await startOdoo();
});
afterAll(() => odoo.sim.close());

describe('res.country.state', () => {
  it('answers search_read by domain and fields, its display name "Bavaria (DE)", its code without the country', async () => {
    const [bavaria, ...more] = await odoo.call<State[]>(
      'res.country.state',
      'search_read',
      [
        [
          ['country_id.code', '=', 'DE'],
          ['code', '=', 'BY'],
        ],
      ],
      { fields: ['code', 'name', 'country_id', 'display_name'] },
    );
    expect(more).toEqual([]);
    expect(bavaria).toEqual({
      id: bavaria!.id,
      code: 'BY',
      name: 'Bavaria',
      country_id: [57, 'Germany'],
      display_name: 'Bavaria (DE)',
    });
  });

  it('holds the states of DE, US, FR, IT, ES, CA, AU and IN with their ISO 3166-2 codes, unique per country', async () => {
    const all = await odoo.call<State[]>('res.country.state', 'search_read', [[]], {
      fields: ['code', 'country_id', 'display_name'],
    });
    const codes = all.map((s) => `${/\((\w+)\)$/.exec(s.display_name)![1]}-${s.code}`);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of [
      'DE-BY',
      'DE-NW',
      'US-CA',
      'US-NY',
      'FR-IDF',
      'IT-MI',
      'ES-M',
      'CA-QC',
      'AU-NSW',
      'IN-MH',
    ])
      expect(codes).toContain(code);
    const countries = await odoo.call<Array<{ id: number; code: string }>>(
      'res.country',
      'search_read',
      [[['code', 'in', ['CA', 'AU', 'IN']]]],
      { fields: ['code'] },
    );
    expect(countries.map((c) => [c.code, c.id]).sort()).toEqual([
      ['AU', 13],
      ['CA', 38],
      ['IN', 104],
    ]);
  });

  it('is the relation of res.partner.state_id: a partner written with one reads it back as [id, display name]', async () => {
    const [quebec] = await odoo.call<State[]>(
      'res.country.state',
      'search_read',
      [
        [
          ['country_id.code', '=', 'CA'],
          ['code', '=', 'QC'],
        ],
      ],
      { fields: ['id'] },
    );
    const id = await odoo.call<number>('res.partner', 'create', [
      { name: 'Tremblay Inc.', is_company: true, state_id: quebec!.id, country_id: 38 },
    ]);
    const [partner] = await odoo.call<Array<{ state_id: unknown }>>('res.partner', 'read', [
      [id],
      ['state_id'],
    ]);
    expect(partner!.state_id).toEqual([quebec!.id, 'Quebec (CA)']);
    const refused = await odoo.raw('res.partner', 'write', [[id], { state_id: 999_999 }]);
    expect((refused.body.error as { data: { name: string } }).data.name).toBe(
      'odoo.exceptions.ValidationError',
    );
    const found = await odoo.call<number[]>('res.partner', 'search', [[['state_id.code', '=', 'QC']]]);
    expect(found).toEqual([id]);
  });

  it('is not written through the API by the integration (base data)', async () => {
    const refused = await odoo.raw('res.country.state', 'create', [
      { name: 'Atlantis', code: 'AT', country_id: 57 },
    ]);
    expect(refused.body.error).toBeDefined();
  });
});

describe('generated partners', () => {
  it('carry the state of their city where the locale names one (US), as [id, "California (US)"]', () => {
    const partners = generateCustomers({ seed: 11, entities: 150 })
      .records.filter((r) => r.system === 'odoo')
      .map((r) => r.record as { country_id: [number, string]; state_id: [number, string] | false });
    const us = partners.filter((p) => p.country_id[0] === 233);
    expect(us.length).toBeGreaterThan(0);
    for (const partner of us)
      expect(partner.state_id).toEqual([expect.any(Number), expect.stringMatching(/ \(US\)$/)]);
    expect(partners.filter((p) => p.country_id[0] !== 233).every((p) => p.state_id === false)).toBe(true);
  });
});
