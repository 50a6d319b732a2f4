import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { findMapping, mapDocument } from '../../mappings/index.ts';
import { type OdooHarness, startOdoo } from '../../simulators/odoo/test-support.ts';
import type { SourceDocument } from '../sdk/index.ts';
import type { PolledItem } from '../transports/poll.ts';
import { createTestContext } from '../transports/test-support.ts';
import { createCountryStates } from './country-states.ts';
import { createOdooClient } from './jsonrpc.ts';
import { fetchPartners } from './partners.ts';
import { RememberedAddresses } from './remembered-addresses.ts';

// Odoo keeps a company's invoice and delivery addresses as child partners (parent_id, type invoice / delivery): the
// source reads them as the company's BILLING and SHIPPING addresses, not as customers of their own; a contact child
// is a person of its own.

// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

let odoo: OdooHarness;
beforeAll(async () => {
  odoo = await startOdoo();
});
afterAll(() => odoo.sim.close());

const signal = new AbortController().signal;
const toCanonical = findMapping('odoo/res-partner.to-canonical.yaml');
const reader = findReader('odoo-res-partner');
async function eventOf(item: PolledItem): Promise<Json> {
  const [document] = reader.parse(item.bytes);
  const [record] = await mapDocument(toCanonical, document!, {
    receivedAt: new Date('2025-01-01T00:00:00Z'),
  });
  return JSON.parse(JSON.stringify(record!.value)) as Json;
}
const edit = async (body: Record<string, unknown>) => {
  const answer = await fetch(`${odoo.sim.url}/sim/edit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { id: number }).id;
};

describe('odoo-polling-source: a company’s child addresses', () => {
  it('are its BILLING and SHIPPING addresses, not customers; a contact child is a person; an address edited alone gives the company again', async () => {
    const company = await edit({
      model: 'res.partner',
      values: {
        name: 'Nordwind Handel GmbH',
        is_company: true,
        street: 'Am Sandtorkai 1',
        city: 'Hamburg',
        country_id: 57,
      },
    });
    const invoice = await edit({
      model: 'res.partner',
      values: {
        parent_id: company,
        type: 'invoice',
        street: 'Postfach 11 22',
        zip: '20001',
        city: 'Hamburg',
        country_id: 57,
      },
    });
    const delivery = await edit({
      model: 'res.partner',
      values: {
        parent_id: company,
        type: 'delivery',
        name: 'Lager',
        street: 'Billwerder Ring 7',
        city: 'Hamburg',
        country_id: 57,
      },
    });
    const contact = await edit({
      model: 'res.partner',
      values: { parent_id: company, type: 'contact', name: 'Anna Schmidt', email: 'anna@nordwind.example' },
    });
    const archived = await edit({
      model: 'res.partner',
      values: {
        parent_id: company,
        type: 'delivery',
        street: 'Altes Lager 1',
        city: 'Bremen',
        country_id: 57,
        active: false,
      },
    });

    const { context } = createTestContext('odoo-poll');
    const client = createOdooClient(
      { url: odoo.sim.url, db: 'odoo', username: 'eai', password: 'eai-api-key', timeoutMs: 5000 },
      context,
    );
    const states = createCountryStates(client);
    const first = await fetchPartners(client, { updatedSince: '1970-01-01T00:00:00Z' }, signal, 100, states);
    const names = first.items.map((item) => item.name);
    expect(names).toContain(`res.partner/${company}`);
    expect(names).toContain(`res.partner/${contact}`);
    for (const address of [invoice, delivery, archived])
      expect(names).not.toContain(`res.partner/${address}`);
    // One document for the company, though four of its rows were read.
    expect(names.filter((name) => name === `res.partner/${company}`)).toHaveLength(1);

    const event = await eventOf(first.items.find((item) => item.name === `res.partner/${company}`)!);
    expect(event.customer.customerId).toBe(`odoo:${company}`);
    expect(event.customer.addresses.map((a: Json) => [a.use, a.lines[0], a.city])).toEqual([
      ['REGISTERED', 'Am Sandtorkai 1', 'Hamburg'],
      ['BILLING', 'Postfach 11 22', 'Hamburg'],
      ['SHIPPING', 'Billwerder Ring 7', 'Hamburg'],
    ]);
    const person = await eventOf(first.items.find((item) => item.name === `res.partner/${contact}`)!);
    expect([person.customer.partyType, person.customer.organizationName]).toEqual([
      'PERSON',
      'Nordwind Handel GmbH',
    ]);

    // The delivery address edited alone in the UI (its company not stamped): the company's next version, by that user.
    const last = first.items.at(-1)!;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // write_date has second precision
    await edit({ model: 'res.partner', id: delivery, values: { street: 'Billwerder Ring 9' }, uid: 2 });
    const next = await fetchPartners(
      client,
      { updatedSince: new Date(last.updatedAt).toISOString(), afterId: last.id },
      signal,
      100,
      states,
    );
    expect(next.items.map((item) => [item.name, item.id])).toEqual([
      [`res.partner/${company}`, String(delivery)],
    ]);
    const moved = await eventOf(next.items[0]!);
    expect(moved.customer.addresses.find((a: Json) => a.use === 'SHIPPING').lines).toEqual([
      'Billwerder Ring 9',
    ]);
    expect(moved.origin).toMatchObject({ documentId: String(company), changedBy: '2' });
    expect(moved.occurredAt > event.occurredAt).toBe(true);
  });
});

describe('odoo-polling-source: a child address changed between the read of its company and the read of its addresses', () => {
  // A page reads its customers' rows (child_ids among their fields), then their address children: an address unlinked
  // or archived in between (in Odoo's UI, while a pass is under way) must give the document the next read gives, or
  // that read is another version of the same content, published again (odoo.int.spec.ts once saw the company's
  // version without an unlinked address twice).
  it.each([
    ['unlinked', (id: number) => odoo.call('res.partner', 'unlink', [[id]])],
    ['archived', (id: number) => edit({ model: 'res.partner', id, values: { active: false }, uid: 2 })],
  ])('%s: the company’s document is the one the next read gives, byte for byte', async (_, change) => {
    const company = await edit({
      model: 'res.partner',
      values: { name: 'Kontor Elbe GmbH', is_company: true, street: 'Kehrwieder 2', city: 'Hamburg' },
    });
    const child = (type: string, values: Record<string, unknown>) =>
      edit({ model: 'res.partner', values: { parent_id: company, type, city: 'Hamburg', ...values } });
    const north = await child('delivery', { street: 'Nordkai 1' });
    await child('delivery', { street: 'Südkai 9' });
    await child('contact', { name: 'Jan Elbe' });

    const { context } = createTestContext('odoo-poll');
    const client = createOdooClient(
      { url: odoo.sim.url, db: 'odoo', username: 'eai', password: 'eai-api-key', timeoutMs: 5000 },
      context,
    );
    const states = createCountryStates(client);
    // The same client, whose read of the page's address children comes after the change (once).
    let changed = false;
    const racing: typeof client = {
      ...client,
      async executeKw(model, method, args, kwargs, signal) {
        const domain = JSON.stringify(args[0]);
        if (!changed && method === 'search_read' && domain.includes('["parent_id","in"')) {
          changed = true;
          await change(north);
        }
        return client.executeKw(model, method, args, kwargs, signal);
      },
    };
    const cursor = { updatedSince: '1970-01-01T00:00:00Z' };
    const documentOf = async (page: Promise<{ items: PolledItem[] }>) =>
      (await page).items.find((item) => item.name === `res.partner/${company}`)!;

    const during = await documentOf(fetchPartners(racing, cursor, signal, 100, states));
    expect(changed).toBe(true);
    const shipping = (event: Json) =>
      event.customer.addresses.filter((a: Json) => a.use === 'SHIPPING').map((a: Json) => a.lines[0]);
    expect(shipping(await eventOf(during))).toEqual(['Südkai 9']);
    const after = await documentOf(fetchPartners(client, cursor, signal, 100, states));
    expect(during.bytes.toString()).toBe(after.bytes.toString());
  });
});

describe('odoo-polling-source: a child address unlinked, archived or retyped, and the addresses of a contact person', () => {
  it('gives the company again without it (the unlinked one found gone from the addresses remembered), and reads a contact person’s own addresses', async () => {
    const company = await edit({
      model: 'res.partner',
      values: {
        name: 'Reederei Kurs GmbH',
        is_company: true,
        street: 'Kehrwieder 2',
        city: 'Hamburg',
        country_id: 57,
      },
    });
    const child = (type: string, street: string, parent = company, extra: Record<string, unknown> = {}) =>
      edit({
        model: 'res.partner',
        values: { parent_id: parent, type, street, city: 'Hamburg', country_id: 57, ...extra },
      });
    const invoice = await child('invoice', 'Postfach 5');
    const north = await child('delivery', 'Nordkai 1');
    const south = await child('delivery', 'Südkai 9');
    const person = await child('contact', 'Kehrwieder 2', company, { name: 'Jan Kurs' });
    const personal = await child('delivery', 'Elbchaussee 40', person);

    const { context } = createTestContext('odoo-poll');
    const client = createOdooClient(
      { url: odoo.sim.url, db: 'odoo', username: 'eai', password: 'eai-api-key', timeoutMs: 5000 },
      context,
    );
    const states = createCountryStates(client);
    const remembered = new RememberedAddresses();
    remembered.restore({ updatedSince: '1970-01-01T00:00:00.000Z', addresses: [] });
    // A pass from `since` (no afterId: its first page, which reads that second again, as the overlap does), its new
    // versions (a document read again as it was is dropped, as the source drops a version emitted before) then
    // committed as the source commits them.
    let since = '1970-01-01T00:00:00Z';
    const published = new Set<string>();
    const pass = async () => {
      const page = await fetchPartners(client, { updatedSince: since }, signal, 100, states, remembered);
      const fresh = page.items.filter((item) => !published.has(item.bytes.toString()));
      for (const item of fresh) published.add(item.bytes.toString());
      remembered.apply(fresh as unknown as SourceDocument[]);
      const rows = page.items.filter((item) => Date.parse(String(item.updatedAt)) >= Date.parse(since));
      if (rows.length > 0) since = new Date(rows.at(-1)!.updatedAt).toISOString();
      return fresh;
    };
    const eventFor = async (items: PolledItem[], id: number) => {
      const item = items.filter((i) => i.name === `res.partner/${id}`).at(-1);
      return item && (await eventOf(item));
    };
    const uses = (event: Json | undefined) => event?.customer.addresses.map((a: Json) => [a.use, a.lines[0]]);

    const first = await pass();
    expect(uses(await eventFor(first, company))).toEqual([
      ['REGISTERED', 'Kehrwieder 2'],
      ['BILLING', 'Postfach 5'],
      ['SHIPPING', 'Nordkai 1'],
      ['SHIPPING', 'Südkai 9'],
    ]);
    // A contact person's own delivery address is its SHIPPING address, not a customer of its own.
    expect(uses(await eventFor(first, person))).toEqual([
      ['MAILING', 'Kehrwieder 2'],
      ['SHIPPING', 'Elbchaussee 40'],
    ]);
    expect(first.map((i) => i.name)).not.toContain(`res.partner/${personal}`);
    expect([invoice, north, south, personal].map((id) => remembered.formerParent(id))).toEqual([
      company,
      company,
      company,
      person,
    ]);

    // Unlinked: no row, its company not stamped. The next pass finds it gone and gives the company without it.
    await odoo.call('res.partner', 'unlink', [[north]]);
    const afterUnlink = await pass();
    expect(afterUnlink.map((i) => i.name)).toEqual([`res.partner/${company}`]);
    expect(uses(await eventFor(afterUnlink, company))).toEqual([
      ['REGISTERED', 'Kehrwieder 2'],
      ['BILLING', 'Postfach 5'],
      ['SHIPPING', 'Südkai 9'],
    ]);
    // Committed, it is no longer looked for: the pass after gives nothing.
    expect(await pass()).toEqual([]);

    // The hub writes the invoice address (the company's version is then the integration user's); a second later a
    // person archives the other delivery address in the UI: the company without it, by that person (the archived
    // child read in for its stamp).
    await new Promise((resolve) => setTimeout(resolve, 1100)); // write_date has second precision
    await odoo.call('res.partner', 'write', [[invoice], { zip: '20001' }]);
    expect((await eventFor(await pass(), company))!.origin.changedBy).toBe('6');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await edit({ model: 'res.partner', id: south, values: { active: false }, uid: 2 });
    const afterArchive = await eventFor(await pass(), company);
    expect(uses(afterArchive)).toEqual([
      ['REGISTERED', 'Kehrwieder 2'],
      ['BILLING', 'Postfach 5'],
    ]);
    expect(afterArchive!.origin.changedBy).toBe('2');

    // Retyped to a contact: a person of its own now, and its company without the address.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await edit({
      model: 'res.partner',
      id: invoice,
      values: { type: 'contact', name: 'Buchhaltung' },
      uid: 2,
    });
    const afterRetype = await pass();
    expect(uses(await eventFor(afterRetype, company))).toEqual([['REGISTERED', 'Kehrwieder 2']]);
    expect((await eventFor(afterRetype, invoice))?.customer.partyType).toBe('PERSON');
    expect([invoice, north, south, personal].map((id) => remembered.formerParent(id))).toEqual([
      undefined,
      undefined,
      undefined,
      person,
    ]);
  });
});
