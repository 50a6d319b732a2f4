import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { findMapping, mapDocument } from '../../mappings/index.ts';
import { type OdooHarness, startOdoo } from '../../simulators/odoo/test-support.ts';
import type { PolledItem } from '../transports/poll.ts';
import { createTestContext } from '../transports/test-support.ts';
import { createCountryStates } from './country-states.ts';
import { createOdooClient } from './jsonrpc.ts';
import { fetchPartners } from './partners.ts';

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
