import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OdooHarness, startOdoo, UID } from './test-support.ts';

let odoo: OdooHarness;
beforeAll(async () => {
  odoo = await startOdoo();
});
afterAll(() => odoo.sim.close());

const setVersion = async (version: string) => {
  const answer = await fetch(`${odoo.sim.url}/sim/version`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ version }),
  });
  expect(answer.status).toBe(200);
};

describe('the External JSON-2 API (POST /json/2/<model>/<method>)', () => {
  it('does not exist before Odoo 19: werkzeug’s HTML 404, whatever the model', async () => {
    for (const version of ['17.0', 'saas~18.2']) {
      await setVersion(version);
      const answer = await odoo.json2('res.partner', 'search_read', { domain: [], fields: ['name'] });
      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-type')).toContain('text/html');
      expect(String(answer.body)).toContain('404 Not Found');
    }
  });

  describe('on 19.0', () => {
    beforeAll(() => setVersion('19.0'));

    it('takes named arguments, ids and context, and sees the data /jsonrpc sees', async () => {
      const created = await odoo.json2('res.partner', 'create', {
        vals_list: [{ name: 'Json Two', ref: 'J2-1', email: 'j2@example.com' }],
      });
      expect(created.status).toBe(200);
      const [id] = created.body as number[];
      // One dict creates one record: create answers a recordset's ids, a list.
      const single = await odoo.json2('res.partner', 'create', { vals_list: { name: 'Json Three' } });
      expect(single.body).toEqual([expect.any(Number)]);

      const [viaRpc] = await odoo.call<Array<Record<string, unknown>>>('res.partner', 'read', [[id]], {
        fields: ['name', 'write_uid'],
      });
      expect(viaRpc).toMatchObject({ name: 'Json Two', write_uid: [UID, 'EAI Integration'] });

      expect((await odoo.json2('res.partner', 'write', { ids: [id], vals: { active: false } })).body).toBe(
        true,
      );
      const hidden = await odoo.json2('res.partner', 'search_read', {
        domain: [['ref', '=', 'J2-1']],
        fields: ['name'],
      });
      expect(hidden.body).toEqual([]);
      const archived = await odoo.json2('res.partner', 'search_read', {
        domain: [['ref', '=', 'J2-1']],
        fields: ['name', 'active'],
        limit: 1,
        order: 'id asc',
        context: { active_test: false },
      });
      expect(archived.body).toEqual([{ id, name: 'Json Two', active: false }]);
      const read = await odoo.json2('res.partner', 'read', { ids: [id], fields: ['email'] });
      expect(read.body).toEqual([{ id, email: 'j2@example.com' }]);
      expect((await odoo.json2('res.partner', 'search_count', { domain: [['id', '=', id]] })).body).toBe(0);

      const fields = await odoo.json2('res.partner', 'fields_get', { attributes: ['type'] });
      expect(fields.body).toHaveProperty('phone');
      expect(fields.body).not.toHaveProperty('mobile');
      const me = await odoo.json2('res.users', 'context_get', {});
      expect(me.body).toMatchObject({ uid: UID });

      expect((await odoo.json2('res.partner', 'unlink', { ids: [id] })).body).toBe(true);
      expect(await odoo.call('res.partner', 'search_count', [[['id', '=', id]]], {})).toBe(0);
    });

    it('runs a sale.order button on the ids, and records the effect with its path', async () => {
      const partner = await odoo.call<number>('res.partner', 'create', [{ name: 'Buyer' }]);
      const order = await odoo.call<number>('sale.order', 'create', [{ partner_id: partner }]);
      expect((await odoo.json2('sale.order', 'action_confirm', { ids: [order] })).body).toBe(true);
      const [read] = await odoo.call<Array<{ state: string }>>('sale.order', 'read', [[order], ['state']]);
      expect(read?.state).toBe('sale');
      const effects = (await (
        await fetch(`${odoo.sim.url}/sim/effects?entityType=sale.order&entityId=${order}`)
      ).json()) as { effects: Array<{ path: string; detail: { method: string } }> };
      expect(effects.effects.at(-1)).toMatchObject({
        path: '/json/2/sale.order/action_confirm',
        detail: { method: 'action_confirm' },
      });
      // Refused by Odoo's rule: a UserError is a 422, and nothing was written.
      const again = await odoo.json2('sale.order', 'action_draft', { ids: [order] });
      expect(again.status).toBe(422);
      expect(again.body).toMatchObject({
        name: 'odoo.exceptions.UserError',
        message: 'Only cancelled orders can be set back to quotation.',
      });
    });

    it('401 without a valid API key; a password is not a key', async () => {
      for (const authorization of ['bearer wrong-key', 'bearer admin']) {
        const answer = await odoo.json2('res.partner', 'search_count', { domain: [] }, { authorization });
        expect(answer.status).toBe(401);
        expect(answer.headers.get('www-authenticate')).toBe('bearer');
        expect(answer.body).toMatchObject({
          name: 'werkzeug.exceptions.Unauthorized',
          message: 'Invalid apikey',
          arguments: ['Invalid apikey', 401],
        });
      }
      const none = await odoo.json2('res.partner', 'search_count', { domain: [] }, { authorization: '' });
      expect(none.status).toBe(401);
      // A user given a key (POST /sim/users) reaches JSON-2 with it.
      const added = await fetch(`${odoo.sim.url}/sim/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: 'bot', password: 'pw', name: 'Bot', apiKey: 'bot-key' }),
      });
      const { uid } = (await added.json()) as { uid: number };
      const me = await odoo.json2('res.users', 'context_get', {}, { authorization: 'Bearer bot-key' });
      expect(me.body).toMatchObject({ uid });
    });

    it('answers Odoo’s statuses: 404 unknown model or method, 422 bad arguments, 404 MissingError, 500 ValueError', async () => {
      const cases: Array<[string, string, Record<string, unknown>, number, string, string]> = [
        [
          'res.nothing',
          'search_read',
          {},
          404,
          'werkzeug.exceptions.NotFound',
          "the model 'res.nothing' does not exist",
        ],
        [
          'res.partner',
          'action_confirm',
          { ids: [1] },
          404,
          'werkzeug.exceptions.NotFound',
          "The method 'action_confirm' does not exist on the model 'res.partner'",
        ],
        [
          'res.partner',
          '_private',
          {},
          404,
          'werkzeug.exceptions.NotFound',
          "Private methods (such as '_private') cannot be called remotely.",
        ],
        [
          'res.partner',
          'search_read',
          { ids: [1] },
          422,
          'werkzeug.exceptions.UnprocessableEntity',
          'cannot call res.partner.search_read with ids',
        ],
        [
          'res.partner',
          'write',
          { ids: [1], values: { name: 'x' } },
          422,
          'werkzeug.exceptions.UnprocessableEntity',
          "got an unexpected keyword argument 'values'",
        ],
        [
          'res.partner',
          'write',
          { ids: [1] },
          422,
          'werkzeug.exceptions.UnprocessableEntity',
          "missing a required argument: 'vals'",
        ],
        [
          'res.partner',
          'read',
          { ids: [999_999], fields: ['name'] },
          404,
          'odoo.exceptions.MissingError',
          'Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 6)',
        ],
        [
          'res.partner',
          'search_read',
          { fields: ['mobile'] },
          500,
          'builtins.ValueError',
          "Invalid field 'mobile' on model 'res.partner'",
        ],
        [
          'res.partner',
          'create',
          { vals_list: [{ email: 'no-name@example.com' }] },
          422,
          'odoo.exceptions.ValidationError',
          'Contacts require a name',
        ],
      ];
      for (const [model, method, body, status, name, message] of cases) {
        const answer = await odoo.json2(model, method, body);
        expect({ model, method, status: answer.status }).toEqual({ model, method, status });
        expect(answer.body).toMatchObject({ name, message, context: {} });
        expect((answer.body as { debug: string }).debug).toContain('Traceback');
      }
      // Another verb or path under /json/2: Odoo 19's catch-all.
      const get = await fetch(`${odoo.sim.url}/json/2/res.partner/search_read`);
      expect(get.status).toBe(404);
      expect(await get.json()).toMatchObject({ message: 'Did you mean POST /json/2/<model>/<method>?' });
    });

    it('a database the server does not have selects none: no route', async () => {
      const answer = await odoo.json2(
        'res.partner',
        'search_count',
        { domain: [] },
        { 'x-odoo-database': 'other' },
      );
      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-type')).toContain('text/html');
      // Without the header (one database on the server), it is found.
      const monodb = await fetch(`${odoo.sim.url}/json/2/res.partner/search_count`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'bearer eai-api-key' },
        body: JSON.stringify({ domain: [] }),
      });
      expect(monodb.status).toBe(200);
    });
  });
});
