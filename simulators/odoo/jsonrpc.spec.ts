import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCustomers } from '../generator/generate.ts';
import { toJsonl } from '../generator/jsonl.ts';
import { DB, type OdooFaultBody, type OdooHarness, startOdoo } from './test-support.ts';

type Partner = Record<string, unknown> & { id: number; write_date: string; name: string };

const dir = mkdtempSync(join(tmpdir(), 'odoo-sim-'));
const generated = generateCustomers({ seed: 11, entities: 150 });
const seeded = generated.records.filter((r) => r.system === 'odoo').map((r) => r.record as Partner);
writeFileSync(join(dir, 'all.jsonl'), toJsonl(generated.records));

let odoo: OdooHarness;
beforeAll(async () => {
  odoo = await startOdoo({ seed: join(dir, 'all.jsonl') });
});
afterAll(async () => {
  await odoo.sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const seededIds = (filter: (p: Partner) => boolean) =>
  seeded
    .filter(filter)
    .map((p) => p.id)
    .sort((a, b) => a - b);
const customers = ['customer_rank', '>', 0];

describe('common service', () => {
  it('answers version, login and authenticate as Odoo 17 does', async () => {
    const version = await odoo.rpc('common', 'version', []);
    expect(version.body).toMatchObject({
      jsonrpc: '2.0',
      result: { server_version: '17.0', protocol_version: 1 },
    });
    expect((await odoo.rpc('common', 'login', [DB, 'eai', 'eai-api-key'])).body.result).toBe(6);
    expect((await odoo.rpc('common', 'authenticate', [DB, 'admin', 'admin', {}])).body.result).toBe(2);
    expect((await odoo.rpc('common', 'login', [DB, 'eai', 'wrong'])).body.result).toBe(false);
  });

  it('faults with AccessDenied on a wrong password, always with HTTP 200', async () => {
    const denied = await odoo.rpc('object', 'execute_kw', [DB, 6, 'wrong', 'res.partner', 'search', [[]]]);
    expect(denied.status).toBe(200);
    const body = denied.body as unknown as OdooFaultBody;
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      error: {
        code: 200,
        message: 'Odoo Server Error',
        data: { name: 'odoo.exceptions.AccessDenied', message: 'Access Denied' },
      },
    });
    expect(body.error.data.debug).toContain('Traceback');
    expect(body.id).toBe(denied.body.id);
  });
});

describe('search_read on res.partner (generator seed)', () => {
  it('shows seeded partners with many2one values as [id, name] and Odoo dates', async () => {
    const first = seeded[0]!;
    const [partner] = await odoo.call<Partner[]>('res.partner', 'read', [[first.id]], {
      fields: ['name', 'country_id', 'write_date', 'email', 'child_ids', 'company_type'],
    });
    expect(partner).toMatchObject({
      id: first.id,
      name: first.name,
      country_id: first.country_id,
      email: first.email,
      child_ids: [],
    });
    expect(partner?.write_date).toMatch(DATETIME);
    expect(Object.keys(partner ?? {}).sort()).toEqual([
      'child_ids',
      'company_type',
      'country_id',
      'email',
      'id',
      'name',
      'write_date',
    ]);
  });

  it('pages by offset/limit in write_date asc, id asc order to the end', async () => {
    const cut = [...seeded].map((p) => p.write_date).sort()[Math.floor(seeded.length / 3)]!;
    const expected = [...seeded]
      .filter((p) => p.write_date > cut)
      .sort((a, b) => a.write_date.localeCompare(b.write_date) || a.id - b.id)
      .map((p) => p.id);
    const seen: Partner[] = [];
    for (let offset = 0; ; offset += 13) {
      const page = await odoo.call<Partner[]>('res.partner', 'search_read', [], {
        domain: [['write_date', '>', cut], customers],
        fields: ['write_date'],
        limit: 13,
        offset,
        order: 'write_date asc, id asc',
      });
      seen.push(...page);
      if (page.length < 13) break;
    }
    expect(seen.map((p) => p.id)).toEqual(expected);
    const count = await odoo.call<number>('res.partner', 'search_count', [
      [['write_date', '>', cut], customers],
    ]);
    expect(count).toBe(expected.length);
  });

  it('evaluates prefix & | ! logic and the operators', async () => {
    const de = seededIds((p) => (p.country_id as [number, string])[0] === 57);
    const companiesOrFr = seededIds(
      (p) => p.is_company === true || (p.country_id as [number, string])[0] === 75,
    );
    expect(de.length).toBeGreaterThan(0);
    expect(companiesOrFr.length).toBeGreaterThan(de.length / 2);
    const search = (domain: unknown[]) =>
      odoo.call<number[]>('res.partner', 'search', [[...domain, customers]], { order: 'id asc' });
    expect(await search([['country_id', '=', 57]])).toEqual(de);
    expect(await search([['country_id.code', '=', 'DE']])).toEqual(de);
    expect(await search([['country_id', 'ilike', 'germ']])).toEqual(de);
    expect(await search(['|', ['is_company', '=', true], ['country_id', 'in', [75]]])).toEqual(companiesOrFr);
    expect(await search(['!', ['country_id', '!=', 57]])).toEqual(de);
    expect(await search(['&', ['country_id', '=', 57], '!', ['is_company', '=', true]])).toEqual(
      seededIds((p) => (p.country_id as [number])[0] === 57 && p.is_company !== true),
    );
    expect(await search([['email', '=', false]])).toEqual(seededIds((p) => p.email === false));
    expect(await search([['email', 'ilike', '@GMX.']])).toEqual(
      seededIds((p) => typeof p.email === 'string' && p.email.toLowerCase().includes('@gmx.')),
    );
    expect(await search([['id', 'not in', de]])).toEqual(seededIds((p) => !de.includes(p.id)));
    expect(await search([['name', '=like', 'A%']])).toEqual(seededIds((p) => p.name.startsWith('A')));
  });

  it('hides archived partners unless the domain names active', async () => {
    const id = seeded[0]!.id;
    await odoo.call('res.partner', 'write', [[id], { active: false }]);
    expect(await odoo.call<number[]>('res.partner', 'search', [[['id', '=', id]]])).toEqual([]);
    expect(
      await odoo.call<number[]>('res.partner', 'search', [
        [
          ['id', '=', id],
          ['active', 'in', [true, false]],
        ],
      ]),
    ).toEqual([id]);
    expect(
      await odoo.call<number[]>('res.partner', 'search', [[['id', '=', id]]], {
        context: { active_test: false },
      }),
    ).toEqual([id]);
    await odoo.call('res.partner', 'write', [[id], { active: true }]);
  });

  it('answers bad domains, fields, orders, models and methods with Odoo faults', async () => {
    const cases: Array<[unknown[], string]> = [
      [['res.partner', 'search_read', [[['nope', '=', 1]]]], 'builtins.ValueError'],
      [['res.partner', 'search_read', [[['name', 'resembles', 'x']]]], 'builtins.ValueError'],
      [['res.partner', 'search_read', [['|', ['name', '=', 'x']]]], 'builtins.ValueError'],
      [['res.partner', 'search_read', [[]], { order: 'nope desc' }], 'builtins.ValueError'],
      [['res.partner', 'read', [[seeded[0]!.id]], { fields: ['nope'] }], 'builtins.ValueError'],
      [['res.partner', 'read', [[999_999]]], 'odoo.exceptions.MissingError'],
      [['res.partnr', 'search', [[]]], 'builtins.KeyError'],
      [['res.partner', 'do_magic', [[]]], 'builtins.AttributeError'],
      [['res.partner', 'search', [[]], { bogus: 1 }], 'builtins.TypeError'],
    ];
    for (const [[model, method, args, kwargs], name] of cases) {
      const response = await odoo.raw(
        model as string,
        method as string,
        args as unknown[],
        (kwargs ?? {}) as Record<string, unknown>,
      );
      expect(response.status).toBe(200);
      expect((response.body as unknown as OdooFaultBody).error.data.name).toBe(name);
    }
    const malformed = await fetch(`${odoo.sim.url}/jsonrpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"jsonrpc":',
    });
    expect(((await malformed.json()) as OdooFaultBody).error.data.name).toBe(
      'werkzeug.exceptions.BadRequest',
    );
  });
});
