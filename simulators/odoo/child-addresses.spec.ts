import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OdooHarness, startOdoo } from './test-support.ts';

let odoo: OdooHarness;
beforeAll(async () => {
  odoo = await startOdoo();
});
afterAll(() => odoo.sim.close());

describe('res.partner child addresses', () => {
  it('are children of their company by parent_id and type; one without a name is named by its type, as Odoo does', async () => {
    const company = await odoo.call<number>('res.partner', 'create', [
      { name: 'Acme GmbH', is_company: true },
    ]);
    const invoice = await odoo.call<number>('res.partner', 'create', [
      { parent_id: company, type: 'invoice', street: 'Postfach 1', city: 'Berlin' },
    ]);
    const contact = await odoo.call<number>('res.partner', 'create', [
      { parent_id: company, type: 'contact', name: 'Anna Schmidt' },
    ]);
    const refused = await odoo.raw('res.partner', 'create', [{ parent_id: company, type: 'contact' }]);
    expect((refused.body.error as { data: { message: string } }).data.message).toBe(
      'Contacts require a name',
    );
    const read = await odoo.call<Array<{ id: number; display_name: string; child_ids: number[] }>>(
      'res.partner',
      'read',
      [
        [company, invoice, contact],
        ['display_name', 'child_ids'],
      ],
    );
    expect(read.map((p) => p.display_name)).toEqual([
      'Acme GmbH',
      'Acme GmbH, Invoice Address',
      'Acme GmbH, Anna Schmidt',
    ]);
    expect(read[0]!.child_ids).toEqual([invoice, contact]);
    // Archived, a child is no longer listed (child_ids' domain), even with active_test off; a search finds it.
    await odoo.call('res.partner', 'write', [[invoice], { active: false }]);
    const [after] = await odoo.call<Array<{ child_ids: number[] }>>(
      'res.partner',
      'read',
      [[company], ['child_ids']],
      {
        context: { active_test: false },
      },
    );
    expect(after!.child_ids).toEqual([contact]);
    const archived = await odoo.call<number[]>('res.partner', 'search', [[['parent_id', '=', company]]], {
      order: 'id asc',
      context: { active_test: false },
    });
    expect(archived).toEqual([invoice, contact]);
  });

  it('a partner created with child_ids commands gets its children in the same call, their parent_id set', async () => {
    const [company] = await odoo.call<number[]>('res.partner', 'create', [
      [
        {
          name: 'Nordwind GmbH',
          is_company: true,
          child_ids: [[0, 0, { type: 'delivery', is_company: false, street: 'Billwerder Ring 7' }]],
        },
      ],
    ]);
    const children = await odoo.call<
      Array<{ parent_id: [number, string]; type: string; display_name: string }>
    >('res.partner', 'search_read', [[['parent_id', '=', company]]], {
      fields: ['parent_id', 'type', 'display_name'],
    });
    expect(children.map((c) => [c.parent_id[0], c.type, c.display_name])).toEqual([
      [company, 'delivery', 'Nordwind GmbH, Delivery Address'],
    ]);
  });
});
