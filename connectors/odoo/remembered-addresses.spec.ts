import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OdooHarness, startOdoo } from '../../simulators/odoo/test-support.ts';
import { createTestContext } from '../transports/test-support.ts';
import { createOdooClient, type OdooClient } from './jsonrpc.ts';
import {
  decodeAddresses,
  encodeAddresses,
  MAX_ENCODED_ADDRESSES,
  RememberedAddresses,
  SEARCH_CHUNK,
} from './remembered-addresses.ts';

// The address children the Odoo source remembers ride in its committed position, which is one Kafka record: their
// form must stay small as a database grows, and the check for unlinked ones must not become one huge request.

/** A database's addresses as ids grow: each company (every 7th id or so) with one or two children just after it. */
function addressesOf(count: number, start = 1000): Map<number, number> {
  const parents = new Map<number, number>();
  let id = start;
  while (parents.size < count) {
    const company = id;
    parents.set(company + 1, company);
    if (parents.size < count && company % 2 === 0) parents.set(company + 3, company);
    id += 7;
  }
  return parents;
}

describe('the remembered addresses in a position', () => {
  it('come back from their text as they were, a parent newer than its child too, in about 6 bytes an address', () => {
    const parents = addressesOf(20_000, 150_000);
    parents.set(5, 900_001); // a child older than the company it was moved to
    const text = encodeAddresses(parents);
    expect(new Map(decodeAddresses(text))).toEqual(parents);
    expect(text.length / parents.size).toBeLessThan(7);
    // The JSON list of pairs positions held at first is read too.
    expect(decodeAddresses([11, 10, 12, 10])).toEqual([
      [11, 10],
      [12, 10],
    ]);
    expect(decodeAddresses('')).toEqual([]);
  });

  it('a text not of their form, or none, is no memory: the addresses are taken from Odoo at the first pass', () => {
    for (const bad of ['x', '1.2,0.1', '1.2,,3.4', null, 5]) expect(decodeAddresses(bad)).toBeUndefined();
    const remembered = new RememberedAddresses();
    remembered.restore({ updatedSince: '2026-01-01T00:00:00Z', addresses: '1.2,oops' });
    expect(remembered.needsSeed).toBe(true);
    remembered.restore({
      updatedSince: '2026-01-01T00:00:00Z',
      addresses: encodeAddresses(new Map([[12, 10]])),
    });
    expect([remembered.needsSeed, remembered.size, remembered.formerParent(12)]).toEqual([false, 1, 10]);
  });

  it('are left out of the position once they pass its limit, and a restart from it takes them from Odoo', () => {
    const remembered = new RememberedAddresses();
    remembered.restore({ addresses: encodeAddresses(addressesOf(150_000, 10_000_000)) });
    expect(encodeAddresses(addressesOf(150_000, 10_000_000)).length).toBeGreaterThan(MAX_ENCODED_ADDRESSES);
    expect(remembered.encode()).toBeNull();
    const next = new RememberedAddresses();
    next.restore({ addresses: remembered.encode() });
    expect(next.needsSeed).toBe(true);
  });
});

describe('the check for unlinked addresses', () => {
  let odoo: OdooHarness;
  beforeAll(async () => {
    odoo = await startOdoo();
  });
  afterAll(() => odoo.sim.close());

  it(`asks Odoo ${SEARCH_CHUNK} ids a search, and names the parents of those it no longer holds as addresses`, async () => {
    const { context } = createTestContext('odoo-addresses');
    const real = createOdooClient(
      { url: odoo.sim.url, db: 'odoo', username: 'eai', password: 'eai-api-key', timeoutMs: 10_000 },
      context,
    );
    const searches: number[] = [];
    const client: OdooClient = {
      ...real,
      executeKw: (model, method, args, kwargs, signal) => {
        if (method === 'search') searches.push(((args[0] as unknown[][])[0]![2] as unknown[]).length);
        return real.executeKw(model, method, args, kwargs, signal);
      },
    } as OdooClient;
    const create = async (values: Record<string, unknown>) =>
      (await odoo.call<number>('res.partner', 'create', [values])) as number;
    const company = await create({ name: 'Kontor Nord GmbH', is_company: true });
    const invoice = await create({ parent_id: company, type: 'invoice', street: 'Postfach 5' });
    // Ids the database never held (unlinked long ago), beside the one it holds.
    const parents = new Map<number, number>([[invoice, company]]);
    for (let i = 0; i < 2 * SEARCH_CHUNK + 1; i++) parents.set(5_000_000 + i, 4_000_000 + Math.floor(i / 2));
    const remembered = new RememberedAddresses();
    remembered.restore({ addresses: encodeAddresses(parents) });

    const gone = await remembered.gone(client, new AbortController().signal);
    expect(searches).toEqual([SEARCH_CHUNK, SEARCH_CHUNK, 2]);
    expect(gone.has(company)).toBe(false);
    expect(gone.size).toBe(SEARCH_CHUNK + 1);
    expect(gone.has(4_000_000)).toBe(true);
  });
});
