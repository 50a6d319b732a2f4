import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { findMapping, mapDocument, writeWithMapping } from '../../mappings/index.ts';
import { exampleJson } from '../../schemas/examples.ts';
import { type OdooHarness, startOdoo } from '../../simulators/odoo/test-support.ts';
import { createTestContext, customerRecords } from '../transports/test-support.ts';
import { createCountryStates } from './country-states.ts';
import { createOdooClient, type OdooClient } from './jsonrpc.ts';
import { fetchPartners } from './partners.ts';
import { createOdooWriteSink, odooWriteSinkConfig } from './write-sink.ts';

// A partner's region: Odoo's search_read names the state `[id, "Bavaria (DE)"]`, without its code; the source reads
// the codes in (res.country.state, res.country) for the canonical ISO 3166-2 region, and the sink finds the state by
// country code and state code.

// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

let odoo: OdooHarness;
beforeAll(async () => {
  odoo = await startOdoo();
});
afterAll(() => odoo.sim.close());

const connection = () => ({
  url: odoo.sim.url,
  db: 'odoo',
  username: 'eai',
  password: 'eai-api-key',
  timeoutMs: 5000,
  api: 'jsonrpc' as const,
});
const signal = new AbortController().signal;
const stateId = async (country: string, code: string) => {
  const [state] = await odoo.call<Array<{ id: number }>>(
    'res.country.state',
    'search_read',
    [
      [
        ['country_id.code', '=', country],
        ['code', '=', code],
      ],
    ],
    { fields: ['id'] },
  );
  return state!.id;
};

/** The client, and the models it was asked for, in order (the calls a spec counts). */
function countingClient(client: OdooClient): { client: OdooClient; models: string[] } {
  const models: string[] = [];
  return {
    models,
    client: {
      ...client,
      executeKw: (model, method, args, kwargs, s) => {
        models.push(`${model}.${method}`);
        return client.executeKw(model, method, args, kwargs, s);
      },
    },
  };
}

const toCanonical = findMapping('odoo/res-partner.to-canonical.yaml');
const reader = findReader('odoo-res-partner');
async function regionsOf(bytes: Buffer): Promise<Array<string | null>> {
  const out: Array<string | null> = [];
  for (const document of reader.parse(bytes))
    for (const r of await mapDocument(toCanonical, document, {
      receivedAt: new Date('2025-01-01T00:00:00Z'),
    })) {
      const customer = (JSON.parse(JSON.stringify(r.value)) as Json).customer;
      out.push(customer.addresses[0]?.region ?? null);
    }
  return out;
}

describe('odoo-polling-source: a partner’s region', () => {
  it('is ISO 3166-2 from the state’s code and its country’s, read once per connector run; no state stays none', async () => {
    const bavaria = await stateId('DE', 'BY');
    const nsw = await stateId('AU', 'NSW');
    const ids = [
      await odoo.call<number>('res.partner', 'create', [
        { name: 'Huber GmbH', is_company: true, city: 'München', country_id: 57, state_id: bavaria },
      ]),
      await odoo.call<number>('res.partner', 'create', [
        { name: 'Wong Pty', is_company: true, city: 'Sydney', country_id: 13, state_id: nsw },
      ]),
      await odoo.call<number>('res.partner', 'create', [
        { name: 'Lemaire SA', is_company: true, city: 'Lyon', country_id: 75 },
      ]),
    ];
    const { context } = createTestContext('odoo-poll');
    const { client, models } = countingClient(createOdooClient(connection(), context));
    const states = createCountryStates(client);
    const cursor = { updatedSince: '1970-01-01T00:00:00Z' };
    const page = await fetchPartners(client, cursor, signal, 100, states);
    const documents = ids.map((id) => page.items.find((item) => item.id === String(id))!);
    const regions = [];
    for (const document of documents) regions.push(...(await regionsOf(document.bytes)));
    expect(regions).toEqual(['DE-BY', 'AU-NSW', null]);
    const [huber] = JSON.parse(documents[0]!.bytes.toString('utf8')) as Json[];
    expect(huber!.state_id).toEqual({
      id: bavaria,
      display_name: 'Bavaria (DE)',
      code: 'BY',
      country_id: { id: 57, code: 'DE' },
    });
    const lookups = () => models.filter((m) => m.startsWith('res.country'));
    expect(lookups()).toEqual(['res.country.state.search_read', 'res.country.search_read']);
    // The next page references the same states: nothing more asked.
    await fetchPartners(client, cursor, signal, 100, states);
    expect(lookups()).toHaveLength(2);
  });
});

describe('odoo-write-sink: a canonical region', () => {
  const toOdoo = findMapping('odoo/res-partner.from-canonical.yaml');
  const customer = (customerId: string, region: string | null, city = 'München'): Json => {
    const base = exampleJson('CustomerEvent') as Json;
    return {
      ...base,
      changeType: 'UPDATED',
      changedFields: [],
      origin: { system: 'mdm', documentId: null, changeOrigin: null, changedBy: null },
      customer: {
        ...base.customer,
        customerId,
        sourceIds: [],
        partyType: 'ORGANIZATION',
        organizationName: 'Huber GmbH',
        emails: [],
        phones: [],
        taxId: null,
        addresses: [
          {
            use: 'BILLING',
            lines: ['Leopoldstraße 20'],
            city,
            region,
            postalCode: '80802',
            countryCode: 'DE',
          },
        ],
      },
    };
  };
  const partner = async (ref: string) => {
    const [found] = await odoo.call<Json[]>('res.partner', 'search_read', [[['ref', '=', ref]]], {
      fields: ['state_id', 'city'],
    });
    return found!;
  };

  it('DE-BY becomes the state_id of Bavaria; one Odoo does not have leaves state_id as it is, says so, writes the rest', async () => {
    const { context, logs } = createTestContext('odoo-write');
    context.toSystem = (value) => writeWithMapping(toOdoo, [value]);
    const sink = createOdooWriteSink(odooWriteSinkConfig.parse(connection()), context);
    const record = customerRecords('odoo-states');
    const ref = 'G-region-1';

    expect(await sink.put(record(customer(ref, 'DE-BY')))).toBeUndefined();
    expect((await partner(ref)).state_id).toEqual([await stateId('DE', 'BY'), 'Bavaria (DE)']);

    // A bare code with the address's country is read as ISO 3166-2 too (NW with DE: DE-NW).
    expect(await sink.put(record(customer(ref, 'NW')))).toBeUndefined();
    expect((await partner(ref)).state_id).toEqual([await stateId('DE', 'NW'), 'North Rhine-Westphalia (DE)']);

    // DE-XX is no state of this database: the city is written, state_id stays North Rhine-Westphalia.
    expect(await sink.put(record(customer(ref, 'DE-XX', 'Köln')))).toBeUndefined();
    expect(await partner(ref)).toMatchObject({
      city: 'Köln',
      state_id: [await stateId('DE', 'NW'), 'North Rhine-Westphalia (DE)'],
    });
    const warned = logs.filter((line) => line.level === 40).map((line) => [line.region, line.msg]);
    expect(warned).toEqual([
      ['DE-XX', expect.stringContaining('no res.country.state DE-XX in this database')],
    ]);
    // Nothing else differs: skipped, and the reason says the region was not found.
    expect(await sink.put(record(customer(ref, 'DE-XX', 'Köln')))).toEqual({
      skipped: 'res.partner already as the event says but its region, a state this Odoo does not have',
    });

    // No region (or one that is no code): state_id is not touched, as before.
    expect(await sink.put(record(customer(ref, null, 'Bonn')))).toBeUndefined();
    expect(await sink.put(record(customer(ref, 'Nordrhein-Westfalen', 'Bonn')))).toEqual({
      skipped: 'res.partner already as the event says',
    });
    expect((await partner(ref)).state_id).toEqual([await stateId('DE', 'NW'), 'North Rhine-Westphalia (DE)']);
  });
});
