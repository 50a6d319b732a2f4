import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OdooFaultBody, type OdooHarness, startOdoo } from './test-support.ts';

let odoo: OdooHarness;
beforeAll(async () => {
  odoo = await startOdoo();
});
afterAll(() => odoo.sim.close());

const setVersion = (version: string) =>
  fetch(`${odoo.sim.url}/sim/version`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ version }),
  });
const faultOf = (answer: { body: Record<string, unknown> }) =>
  (answer.body as unknown as OdooFaultBody).error.data;

describe('a later Odoo server version (POST /sim/version)', () => {
  it('17.0 by default, with res.partner.mobile', async () => {
    expect((await odoo.rpc('common', 'version', [])).body.result).toMatchObject({
      server_version: '17.0',
      server_version_info: [17, 0, 0, 'final', 0, ''],
    });
    const fields = await odoo.call<Record<string, unknown>>('res.partner', 'fields_get', [], {
      attributes: ['type'],
    });
    expect(fields).toHaveProperty('mobile');
  });

  it('saas~18.2 and 19.0 have no res.partner.mobile: reading, writing or searching it is a ValueError', async () => {
    expect((await setVersion('saas~18.2')).status).toBe(200);
    expect((await odoo.rpc('common', 'version', [])).body.result).toMatchObject({
      server_version: 'saas~18.2',
      server_version_info: ['saas~18', 2, 0, 'final', 0, ''],
    });
    expect((await setVersion('19.0')).status).toBe(200);
    const fields = await odoo.call<Record<string, unknown>>('res.partner', 'fields_get', [], {
      attributes: ['type'],
    });
    expect(fields).not.toHaveProperty('mobile');
    expect(fields).toHaveProperty('phone');

    const read = await odoo.raw('res.partner', 'search_read', [[]], { fields: ['name', 'mobile'], limit: 1 });
    expect(faultOf(read)).toMatchObject({
      name: 'builtins.ValueError',
      message: "Invalid field 'mobile' on model 'res.partner'",
    });
    const created = await odoo.raw('res.partner', 'create', [{ name: 'Jane', mobile: '+49 171 1' }]);
    expect(faultOf(created)).toMatchObject({ name: 'builtins.ValueError' });
    expect(faultOf(created).message).toContain('mobile');
    const searched = await odoo.raw('res.partner', 'search', [[['mobile', '=', '+49 171 1']]]);
    expect(faultOf(searched).name).toBe('builtins.ValueError');
    // Nothing was created by the refused call; the same values without mobile are.
    expect(await odoo.call('res.partner', 'search_count', [[['name', '=', 'Jane']]])).toBe(0);
    expect(await odoo.call('res.partner', 'create', [{ name: 'Jane', phone: '+49 30 1' }])).toEqual(
      expect.any(Number),
    );
  });

  it('keeps the version over a reset (the server, not the data); refuses a malformed one', async () => {
    await setVersion('19.0');
    await fetch(`${odoo.sim.url}/sim/reset`, { method: 'POST' });
    expect((await odoo.rpc('common', 'version', [])).body.result).toMatchObject({ server_version: '19.0' });
    expect((await setVersion('nineteen')).status).toBe(400);
    await setVersion('17.0');
    const fields = await odoo.call<Record<string, unknown>>('res.partner', 'fields_get', []);
    expect(fields).toHaveProperty('mobile');
  });
});
