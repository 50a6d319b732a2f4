/**
 * An Odoo contact person retyped to its company's invoice address, end to end (the simulators, the real connectors,
 * the matcher): the person was a customer of its own, a source record of a golden record; retyped, the
 * odoo-polling-source publishes it as DELETED and master data removes that source record, while the company's golden
 * record takes the address as its BILLING address. Retyped back, it is a customer of its own again.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { startThreeSystems, type ThreeSystems } from './test-support.ts';

describe('an Odoo contact person retyped to an address, through master data', () => {
  let t: ThreeSystems;

  beforeAll(async () => {
    t = await startThreeSystems();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('leaves the golden records as a customer and joins its company as its BILLING address; retyped back, comes back', async () => {
    const tag = unique('kurs').toLowerCase();
    const company = await t.odooEdit({
      name: `Speicher ${tag} GmbH`,
      is_company: true,
      email: `info@${tag}.example`,
      street: 'Kehrwieder 2',
      city: 'Hamburg',
      zip: '20457',
    });
    const person = await t.odooEdit({
      parent_id: company,
      type: 'contact',
      name: 'Jan Kurs',
      email: `jan@${tag}.example`,
      street: 'Postfach 5',
      city: 'Hamburg',
      zip: '20001',
    });
    await waitFor('the company and the person in the xref', async () =>
      Boolean((await t.store.xref('odoo', String(company))) && (await t.store.xref('odoo', String(person)))),
    );
    // write_date has whole seconds: the retype is a later change than the person's creation.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await t.odooEdit({ type: 'invoice' }, person);
    await waitFor(
      'the person no longer a source record',
      async () => !(await t.store.xref('odoo', String(person))),
    );
    await waitFor('the company’s golden record with the BILLING address', async () => {
      const golden = await t.goldenOf('odoo', String(company));
      return (
        golden.record?.addresses?.some((a) => a.use === 'BILLING' && a.lines?.[0] === 'Postfach 5') ?? false
      );
    });

    await new Promise((resolve) => setTimeout(resolve, 1100));
    await t.odooEdit({ type: 'contact' }, person);
    await waitFor('the person a source record again', async () =>
      Boolean(await t.store.xref('odoo', String(person))),
    );
  });
});
